-- Circuit breakers on functions (issue 24): at most one per function (core/circuit-breaker.ts),
-- its configuration and the last transition of its state a process shared (opened: opened_at
-- and probe_at; closed: both NULL; changed_at 0: none since the configuration was put). Each API
-- process counts failures in memory (app/circuit-breakers.ts): nothing is written per
-- invocation, only on a transition. It goes with its function.
CREATE TABLE function_circuit_breakers (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  failure_threshold INTEGER NOT NULL,
  window_seconds INTEGER NOT NULL,
  cooldown_seconds INTEGER NOT NULL,
  probes INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  changed_at BIGINT NOT NULL DEFAULT 0,
  opened_at BIGINT,
  probe_at BIGINT,
  PRIMARY KEY (user_id, function_name),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
