-- Live output (issue 6): what running attempts write, chunk by chunk, kept for followers that
-- join late or resume after a disconnect. seq counts from 1 per attempt, over both streams.
-- Purged with the task.
CREATE TABLE task_output (
  task_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  data BLOB NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (task_id, attempt, seq)
) WITHOUT ROWID;
