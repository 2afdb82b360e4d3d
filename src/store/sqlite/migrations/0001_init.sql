-- Tasks: one row per task; `seq` gives FIFO order within a priority.
CREATE TABLE tasks (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  command TEXT NOT NULL,
  args TEXT,
  shell TEXT,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL,
  user_id TEXT,
  timeout_s INTEGER NOT NULL,
  visibility_timeout_s INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  attempt_limit INTEGER NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  request_hash TEXT,
  resources TEXT NOT NULL,
  env TEXT NOT NULL,
  metadata TEXT NOT NULL,
  status TEXT NOT NULL,
  worker_id TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  run_after INTEGER NOT NULL,
  lease_expires_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  dead_lettered INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  failure TEXT,
  result_key TEXT,
  stdout_key TEXT,
  stderr_key TEXT
);
CREATE UNIQUE INDEX tasks_idempotency ON tasks (coalesce(user_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_ready ON tasks (priority DESC, seq) WHERE status = 'PENDING';
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE status = 'RUNNING';
CREATE INDEX tasks_status ON tasks (status, seq);
CREATE INDEX tasks_user ON tasks (user_id, seq);
CREATE INDEX tasks_queue ON tasks (queue, seq);
CREATE INDEX tasks_completed ON tasks (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX tasks_dead ON tasks (seq) WHERE dead_lettered = 1;

-- Every transition of every task.
CREATE TABLE task_history (
  id INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  worker_id TEXT,
  reason TEXT
);
CREATE INDEX task_history_task ON task_history (task_id, id);

-- Worker processes and when they were last seen alive.
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  concurrency INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
