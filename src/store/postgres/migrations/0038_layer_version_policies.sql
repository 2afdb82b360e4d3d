-- A layer version's resource-based policy (core/layer-policy.ts): its statements (JSON text, as
-- function_policies') and the revision AddLayerVersionPermission's RevisionId is checked against.
-- No row: no statement. It goes with its version, whose number is never given again.
CREATE TABLE layer_version_policies (
  user_id TEXT NOT NULL,
  layer_name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  statements TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (user_id, layer_name, version),
  FOREIGN KEY (user_id, layer_name, version) REFERENCES layer_versions (user_id, layer_name, version) ON DELETE CASCADE
);
