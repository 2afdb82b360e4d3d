-- The PostgreSQL schema in one step: what SQLite's migrations 0001 to 0006 built, with native
-- types (BIGINT ms timestamps, BOOLEAN flags, JSONB documents). `result` stays TEXT: it is
-- returned byte for byte. Text that is sorted for clients uses the "C" collation, the byte
-- order SQLite sorts by.

-- Tasks: one row per task; `seq` gives FIFO order within a priority.
CREATE TABLE tasks (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  command TEXT NOT NULL,
  args JSONB,
  shell TEXT,
  queue TEXT COLLATE "C" NOT NULL,
  priority INTEGER NOT NULL,
  -- Priority aging: the priority claims order by; starts at `priority` and rises while the task
  -- waits ready (Store.age), up to the highest, so a low-priority task cannot starve.
  eff_priority INTEGER NOT NULL,
  -- Fair share between users at equal priority (start-time fair queueing): one more than the
  -- larger of the user's last rank (fair_users) and the rank of the latest task claimed
  -- (fair_clock). Claims take the highest priority, then the lowest rank, then FIFO.
  fair_rank BIGINT NOT NULL,
  user_id TEXT,
  timeout_s INTEGER NOT NULL,
  visibility_timeout_s INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  attempt_limit INTEGER NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  request_hash TEXT,
  resources JSONB NOT NULL,
  env JSONB NOT NULL,
  metadata JSONB NOT NULL,
  -- 'none' (no network at all) or 'egress' (outbound through the worker's guarded proxy).
  network TEXT NOT NULL DEFAULT 'none',
  -- The registered image a task runs in (sandbox); NULL = the host's /usr and /etc.
  image TEXT,
  -- Names of the owner's secrets injected into the task's environment (JSON array), or NULL.
  secrets JSONB,
  status TEXT NOT NULL,
  worker_id TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  completed_at BIGINT,
  run_after BIGINT NOT NULL,
  lease_expires_at BIGINT,
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  dead_lettered BOOLEAN NOT NULL DEFAULT false,
  summary JSONB,
  failure JSONB,
  -- Small results (detailedResults) kept in the row; large ones stay in the blob store.
  result TEXT,
  result_key TEXT,
  stdout_key TEXT,
  stderr_key TEXT
);
CREATE UNIQUE INDEX tasks_idempotency ON tasks (coalesce(user_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_ready ON tasks (eff_priority DESC, fair_rank, seq) WHERE status = 'PENDING';
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE status = 'RUNNING';
CREATE INDEX tasks_status ON tasks (status, seq);
CREATE INDEX tasks_user ON tasks (user_id, seq);
CREATE INDEX tasks_queue ON tasks (queue, seq);
CREATE INDEX tasks_completed ON tasks (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX tasks_dead ON tasks (seq) WHERE dead_lettered;
-- Per-user quotas count a user's PENDING and RUNNING tasks.
CREATE INDEX tasks_user_pending ON tasks (user_id) WHERE status = 'PENDING';
CREATE INDEX tasks_user_running ON tasks (user_id) WHERE status = 'RUNNING';

-- Every transition of every task.
CREATE TABLE task_history (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id TEXT NOT NULL,
  at BIGINT NOT NULL,
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
  started_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);

-- Fair share: each user's last rank ('' for tasks without a user), and the clock, which
-- follows the ranks of claimed tasks.
CREATE TABLE fair_users (user_id TEXT PRIMARY KEY, last_rank BIGINT NOT NULL);
CREATE TABLE fair_clock (id INTEGER PRIMARY KEY CHECK (id = 1), rank BIGINT NOT NULL);
INSERT INTO fair_clock (id, rank) VALUES (1, 0);

-- API keys, stored as the SHA-256 of the key; the raw key is shown once and never kept.
CREATE TABLE api_keys (
  id TEXT COLLATE "C" PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  user_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('user', 'admin')),
  name TEXT,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  last_used_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

-- Secret values are AES-256-GCM ciphertext made above the store with the master key, which
-- never reaches the database.
CREATE TABLE secrets (
  user_id TEXT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  ciphertext TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, name)
);

CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT,
  key_id TEXT,
  action TEXT NOT NULL,
  target TEXT,
  source TEXT,
  outcome TEXT NOT NULL,
  detail JSONB
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
