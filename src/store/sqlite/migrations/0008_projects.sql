-- Projects (issue 6): named file trees stored as numbered versions, each an archive in the blob
-- store. A task may name one: its files are the task's workspace, and its changes become the
-- next version.
ALTER TABLE tasks ADD COLUMN project_id TEXT;
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  user_id TEXT,
  name TEXT NOT NULL,
  latest_version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX projects_user ON projects (user_id);
CREATE TABLE project_versions (
  project_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  base_version INTEGER,
  task_id TEXT,
  blob_key TEXT NOT NULL,
  files INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  conflicts TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (project_id, version)
) WITHOUT ROWID;
