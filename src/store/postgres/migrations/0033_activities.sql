-- Step Functions activities (store/ports/activities.ts): a name per user, kept with the tags its
-- first CreateActivity sent (JSON text). The tasks scheduled on an activity are the task tokens
-- of their executions (task_tokens), written by the runner's commit that writes ActivityScheduled
-- and removed with the token: activity, the task's input (JSON text), when it was scheduled, and
-- when a worker took it (GetActivityTask; null: waiting). Times are ms since the epoch.
CREATE TABLE activities (
  user_id TEXT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY (user_id, name)
);
ALTER TABLE task_tokens ADD COLUMN activity TEXT;
ALTER TABLE task_tokens ADD COLUMN input TEXT;
ALTER TABLE task_tokens ADD COLUMN scheduled_at BIGINT;
ALTER TABLE task_tokens ADD COLUMN taken_at BIGINT;
-- What a poll takes: an activity's waiting tasks, oldest first.
CREATE INDEX task_tokens_waiting ON task_tokens (user_id, activity, scheduled_at, token)
  WHERE activity IS NOT NULL AND taken_at IS NULL;
