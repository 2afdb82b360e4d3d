-- Tasks in backoff leave the ready queue (as PostgreSQL's migration 0014): a PENDING task
-- waiting out a retry's backoff kept its place in tasks_ready, so every claim stepped over all
-- of them before the first task it could take. Now it is flagged in_backoff and indexed by when
-- its backoff ends; once that has passed, a claim clears the flag and it takes its old place.
ALTER TABLE tasks ADD COLUMN in_backoff INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET in_backoff = 1 WHERE status = 'PENDING' AND run_after > CAST(unixepoch('subsec') * 1000 AS INTEGER);
DROP INDEX tasks_ready;
CREATE INDEX tasks_ready ON tasks (eff_priority DESC, fair_rank, seq) WHERE status = 'PENDING' AND in_backoff = 0;
CREATE INDEX tasks_backoff ON tasks (run_after) WHERE status = 'PENDING' AND in_backoff = 1;
