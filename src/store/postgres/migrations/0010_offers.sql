-- Push dispatch (issue 5): an idle worker offers its free slots here, so a submit in another
-- process inserts the task already leased to it and names it in the NOTIFY (no claim round
-- trip). Unlogged: offers are ephemeral (a crash empties the table; workers offer again).
-- listener_pid is the worker's LISTEN session: a submit pushes only while it lives, so a
-- killed worker's offer is never taken.
CREATE UNLOGGED TABLE worker_offers (
  worker_id TEXT PRIMARY KEY,
  gen BIGINT NOT NULL,
  slots INTEGER NOT NULL,
  queues TEXT[],
  listener_pid INTEGER NOT NULL,
  expires_at BIGINT NOT NULL
);
