-- Workflows (issue 24): users' state machines, their STANDARD executions with each one's history,
-- and what a durable runner keeps of an execution while it runs (store/ports/workflows.ts): its
-- frames (the runner's JSON, opaque here), its inbox and the task tokens it waits on. Times are
-- ms since the epoch. An execution keeps the definition it started with; deleting its machine
-- leaves it (as on AWS). Rowid tables: definitions, inputs and events' details are JSON of up to
-- hundreds of KiB, which WITHOUT ROWID suits badly.
CREATE TABLE state_machines (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  definition TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  description TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE TABLE executions (
  -- A UUIDv7: ordered by start, so lists read it newest first.
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  state_machine_name TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  input TEXT NOT NULL,
  output TEXT,
  error TEXT,
  cause TEXT,
  definition TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  stopped_at INTEGER,
  parent_id TEXT,
  -- When a runner must next look at it; NULL: only a message wakes it (and always once ended).
  wake_at INTEGER,
  -- The runner holding it, until when; both NULL: nobody.
  lease_owner TEXT,
  lease_until INTEGER,
  -- The last inbox seq handed out: seqs increase for ever, so one a commit consumed is never reused.
  inbox_seq INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, state_machine_name, name)
);
-- Claims: RUNNING executions by wake time (ended ones leave it).
CREATE INDEX executions_due ON executions (wake_at, id) WHERE status = 'RUNNING';
CREATE INDEX executions_newest ON executions (user_id, id DESC);
CREATE INDEX executions_machine_newest ON executions (user_id, state_machine_name, id DESC);
CREATE TABLE execution_events (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  previous_event_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  details TEXT,
  PRIMARY KEY (execution_id, id)
);
CREATE TABLE execution_frames (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  frame_id INTEGER NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (execution_id, frame_id)
);
CREATE TABLE execution_inbox (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (execution_id, seq)
);
CREATE TABLE task_tokens (
  token TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  frame_id INTEGER NOT NULL
);
CREATE INDEX task_tokens_execution ON task_tokens (execution_id);
