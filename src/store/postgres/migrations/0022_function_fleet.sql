-- Scale-out dispatch of synchronous invocations (issue 23): worker hosts that run functions
-- advertise their address, capacity and warm idle instances (by warm key); API nodes choose one
-- and send it the invocation. Functions with reserved concurrency count their invocations in
-- flight here, one lease each, so the limit holds across API nodes; a lease expires when its
-- invocation could no longer be running (its node died without releasing it).
CREATE TABLE function_hosts (
  host_id TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  busy INTEGER NOT NULL,
  warm JSONB NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE function_concurrency_leases (
  lease_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  function_name TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL,
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
CREATE INDEX function_concurrency_leases_fn ON function_concurrency_leases (user_id, function_name);
