-- Functions (issue 23): a user's named functions ($LATEST, editable), their published versions
-- (immutable snapshots of $LATEST, numbered from 1) and aliases naming a version. Code bytes are
-- in the blob store (code_key); these rows hold metadata only. The snapshot columns are the same
-- in functions and function_versions (store/function-row.ts).
CREATE TABLE functions (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  runtime TEXT NOT NULL,
  runtime_family TEXT NOT NULL,
  handler TEXT,
  memory_mb INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL,
  environment TEXT NOT NULL,
  secrets TEXT NOT NULL,
  network TEXT NOT NULL,
  description TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  code_key TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  state TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  -- NULL: unreserved; 0 throttles every invocation.
  reserved_concurrency INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
CREATE TABLE function_versions (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  runtime TEXT NOT NULL,
  runtime_family TEXT NOT NULL,
  handler TEXT,
  memory_mb INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL,
  environment TEXT NOT NULL,
  secrets TEXT NOT NULL,
  network TEXT NOT NULL,
  description TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  code_key TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  state TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  PRIMARY KEY (user_id, function_name, version),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE function_aliases (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  name TEXT NOT NULL,
  -- NULL: $LATEST.
  version INTEGER,
  description TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, function_name, name),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
