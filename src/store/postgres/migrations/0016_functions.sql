-- Functions (issue 23): a user's named functions ($LATEST, editable), their published versions
-- (immutable snapshots of $LATEST, numbered from 1) and aliases naming a version. Code bytes are
-- in the blob store (code_key); these rows hold metadata only. The snapshot columns are the same
-- in functions and function_versions (store/function-row.ts).
-- Names sort as bytes (COLLATE "C"), as in SQLite, so listings page in the same order.
CREATE TABLE functions (
  user_id TEXT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  runtime TEXT NOT NULL,
  runtime_family TEXT NOT NULL,
  handler TEXT,
  memory_mb INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL,
  environment JSONB NOT NULL,
  secrets JSONB NOT NULL,
  network TEXT NOT NULL,
  description TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  code_size BIGINT NOT NULL,
  code_key TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  state TEXT NOT NULL,
  last_modified BIGINT NOT NULL,
  -- NULL: unreserved; 0 throttles every invocation.
  reserved_concurrency INTEGER,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE TABLE function_versions (
  user_id TEXT NOT NULL,
  function_name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  runtime TEXT NOT NULL,
  runtime_family TEXT NOT NULL,
  handler TEXT,
  memory_mb INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL,
  environment JSONB NOT NULL,
  secrets JSONB NOT NULL,
  network TEXT NOT NULL,
  description TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  code_size BIGINT NOT NULL,
  code_key TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  state TEXT NOT NULL,
  last_modified BIGINT NOT NULL,
  PRIMARY KEY (user_id, function_name, version),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
CREATE TABLE function_aliases (
  user_id TEXT NOT NULL,
  function_name TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  -- NULL: $LATEST.
  version INTEGER,
  description TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, function_name, name),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
