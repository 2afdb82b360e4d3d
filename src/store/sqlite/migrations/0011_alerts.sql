-- Alerts (issue 7): the state of each threshold rule, shared by every process that evaluates
-- them; a state change is a compare-and-set, so only one node notifies per transition.
CREATE TABLE alert_state (
  name TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('ok', 'firing')),
  since INTEGER NOT NULL,
  value REAL,
  message TEXT NOT NULL DEFAULT ''
);
