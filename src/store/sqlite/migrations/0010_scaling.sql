-- Autoscaler decisions (issue 7): every launch or retire, with the inputs it was computed from,
-- so that the dashboard and /metrics show them on every API node. Purged by retention.
CREATE TABLE scaling_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('launch', 'retire', 'hold')),
  depth INTEGER NOT NULL,
  current INTEGER NOT NULL,
  desired INTEGER NOT NULL,
  workers TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX scaling_events_at ON scaling_events (at);
