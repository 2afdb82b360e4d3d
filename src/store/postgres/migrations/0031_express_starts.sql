-- EXPRESS executions started asynchronously (store/ports/express-starts.ts): each kept from its
-- start until it ends, so that a start accepted runs at least once whatever process dies. The row
-- holds what running it again from the start needs; the runner holding it, until when (a lapsed
-- lease: any runner takes it). Times are ms since the epoch.
CREATE TABLE express_starts (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  state_machine_name TEXT NOT NULL,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  input TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  runs INTEGER NOT NULL,
  lease_owner TEXT NOT NULL,
  lease_until BIGINT NOT NULL
);
CREATE INDEX express_starts_lease ON express_starts (lease_until, started_at);
CREATE INDEX express_starts_owner ON express_starts (lease_owner);
