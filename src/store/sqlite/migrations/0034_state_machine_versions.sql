-- State machine versions and aliases (store/ports/state-machine-versions.ts). A version is a
-- machine's revision as it was when published, numbered per machine from last_version, which
-- only grows: a number is never handed out twice, not even once its version is deleted. An
-- alias's routing is JSON text ([{"version":1,"weight":90},…]: one or two routes). Both go with
-- their machine (ON DELETE CASCADE); executions keep the version and alias they started through.
ALTER TABLE state_machines ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN version INTEGER;
ALTER TABLE executions ADD COLUMN alias_name TEXT;
CREATE TABLE state_machine_versions (
  user_id TEXT NOT NULL,
  machine_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  definition TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, machine_name, version),
  FOREIGN KEY (user_id, machine_name) REFERENCES state_machines (user_id, name) ON DELETE CASCADE
);
CREATE INDEX state_machine_versions_revision ON state_machine_versions (user_id, machine_name, revision_id);
CREATE TABLE state_machine_aliases (
  user_id TEXT NOT NULL,
  machine_name TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  routing TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, machine_name, name),
  FOREIGN KEY (user_id, machine_name) REFERENCES state_machines (user_id, name) ON DELETE CASCADE
);
