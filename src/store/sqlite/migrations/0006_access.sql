-- Tenancy (issue 4): API keys, per-user secrets, the audit log, and the secrets a task asks for.
-- Keys are stored as the SHA-256 of the key (they are 256-bit random, so a fast hash is enough;
-- a slow KDF would cost every request for nothing); the raw key is shown once and never kept.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  user_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('user', 'admin')),
  name TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id);
-- Secret values are AES-256-GCM ciphertext (nonce, tag and data, base64) made above the store
-- with the master key, which never reaches the database; user and name are the cipher's AAD.
CREATE TABLE secrets (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT,
  key_id TEXT,
  action TEXT NOT NULL,
  target TEXT,
  source TEXT,
  outcome TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
-- Names of the owner's secrets injected into the task's environment (JSON array), or NULL.
ALTER TABLE tasks ADD COLUMN secrets TEXT;
-- Per-user quotas count a user's PENDING and RUNNING tasks.
CREATE INDEX tasks_user_pending ON tasks (user_id) WHERE status = 'PENDING';
CREATE INDEX tasks_user_running ON tasks (user_id) WHERE status = 'RUNNING';
