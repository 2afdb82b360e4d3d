-- Scale-out dispatch of synchronous invocations (issue 23): the same tables as PostgreSQL's
-- 0022, so the port's conformance suite runs on both backends (the embedded shape runs every
-- invocation in its own process and counts reserved concurrency there).
CREATE TABLE function_hosts (
  host_id TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  busy INTEGER NOT NULL,
  warm TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE function_concurrency_leases (
  lease_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX function_concurrency_leases_fn ON function_concurrency_leases (user_id, function_name);
