-- Function invocations (issue 23): one row per invocation that ran, written in batches after the
-- caller has its answer (app/invocation-recorder.ts), read newest first per function, deleted by
-- the retention job. The log is in the row when short (core INLINE_LOG_BYTES), else in the blob
-- store under log_key. A rowid table: rows carry up to 8 KiB of log, which WITHOUT ROWID suits badly.
CREATE TABLE function_invocations (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  request_id TEXT NOT NULL,
  executed_version TEXT NOT NULL,
  invocation_type TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  init_duration_ms REAL,
  status TEXT NOT NULL,
  error_type TEXT,
  memory_mb INTEGER NOT NULL,
  max_memory_bytes INTEGER,
  log_bytes INTEGER NOT NULL,
  log BLOB,
  log_key TEXT,
  UNIQUE (user_id, request_id)
);
CREATE INDEX function_invocations_newest ON function_invocations (user_id, function_name, ended_at, request_id);
CREATE INDEX function_invocations_age ON function_invocations (ended_at);
