-- Fair share between users at equal priority (start-time fair queueing): each task gets a rank,
-- one more than the larger of its user's last rank and the rank of the latest task claimed;
-- claims take the highest priority, then the lowest rank, then FIFO. A user who queues
-- 10,000 tasks at once holds ranks far ahead; another user's next task ranks next to the one
-- being served, so it waits for a few tasks, not the backlog. Within one user, FIFO stands.
ALTER TABLE tasks ADD COLUMN fair_rank INTEGER NOT NULL DEFAULT 0;
CREATE TABLE fair_users (user_id TEXT PRIMARY KEY, last_rank INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE fair_clock (id INTEGER PRIMARY KEY CHECK (id = 1), rank INTEGER NOT NULL);
INSERT INTO fair_clock (id, rank) VALUES (1, 0);
-- Priority aging: claims order by an effective priority that starts at the task's priority and
-- rises one level per HANGAR_PRIORITY_AGING_MS the task has been ready and waiting (Store.age),
-- up to the highest, so a low-priority task cannot starve behind a stream of urgent ones.
ALTER TABLE tasks ADD COLUMN eff_priority INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET eff_priority = priority;
DROP INDEX tasks_ready;
CREATE INDEX tasks_ready ON tasks (eff_priority DESC, fair_rank, seq) WHERE status = 'PENDING';
