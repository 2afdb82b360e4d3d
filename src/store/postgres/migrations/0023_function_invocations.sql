-- Function invocations (issue 23): one row per invocation that ran, written in batches after the
-- caller has its answer (app/invocation-recorder.ts), read newest first per function, deleted by
-- the retention job. The log is in the row when short (core INLINE_LOG_BYTES), else in the blob
-- store under log_key.
CREATE TABLE function_invocations (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL,
  executed_version TEXT NOT NULL,
  invocation_type TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  duration_ms DOUBLE PRECISION NOT NULL,
  init_duration_ms DOUBLE PRECISION,
  status TEXT NOT NULL,
  error_type TEXT,
  memory_mb INTEGER NOT NULL,
  max_memory_bytes BIGINT,
  log_bytes INTEGER NOT NULL,
  log BYTEA,
  log_key TEXT,
  PRIMARY KEY (user_id, request_id)
);
CREATE INDEX function_invocations_newest ON function_invocations (user_id, function_name, ended_at, request_id);
CREATE INDEX function_invocations_age ON function_invocations (ended_at);
