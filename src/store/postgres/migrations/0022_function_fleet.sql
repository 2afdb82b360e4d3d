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
-- Takes one reserved-concurrency slot of a function for an invocation, in one round trip: the
-- function row locked (so takes of one function run one after the other), the function's lapsed
-- leases deleted, the rest counted (a statement after the lock: it sees every lease committed
-- before), and a lease inserted if one is free. No row: no such function; reserved NULL: the
-- function has no reserved concurrency (nothing taken, nothing to release).
CREATE FUNCTION take_function_concurrency(p_user TEXT, p_name TEXT, p_lease TEXT, p_now BIGINT, p_expires BIGINT)
RETURNS TABLE (reserved INTEGER, taken BOOLEAN) LANGUAGE plpgsql AS $$
DECLARE
  r INTEGER;
  n INTEGER;
BEGIN
  SELECT f.reserved_concurrency INTO r FROM functions f WHERE f.user_id = p_user AND f.name = p_name FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  IF r IS NULL THEN
    RETURN QUERY SELECT NULL::INTEGER, TRUE;
    RETURN;
  END IF;
  DELETE FROM function_concurrency_leases l WHERE l.user_id = p_user AND l.function_name = p_name AND l.expires_at <= p_now;
  SELECT count(*) INTO n FROM function_concurrency_leases l WHERE l.user_id = p_user AND l.function_name = p_name;
  IF n >= r THEN
    RETURN QUERY SELECT r, FALSE;
    RETURN;
  END IF;
  INSERT INTO function_concurrency_leases (lease_id, user_id, function_name, expires_at) VALUES (p_lease, p_user, p_name, p_expires);
  RETURN QUERY SELECT r, TRUE;
END;
$$;
