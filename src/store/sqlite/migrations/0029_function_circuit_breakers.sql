-- Circuit breakers on functions (issue 24): at most one per function, its configuration only
-- (core/circuit-breaker.ts). The breaker's state is each API process's own, in memory
-- (app/circuit-breakers.ts): nothing is written per invocation. It goes with its function.
CREATE TABLE function_circuit_breakers (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  failure_threshold INTEGER NOT NULL,
  window_seconds INTEGER NOT NULL,
  cooldown_seconds INTEGER NOT NULL,
  probes INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, function_name),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
