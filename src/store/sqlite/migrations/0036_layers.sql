-- Lambda layers (core/layer.ts): a user's named layers and their numbered versions. A layer's
-- row stays when its versions are deleted, so that last_version, the highest number it has had,
-- keeps a number from ever being given again. A version's zip is in the blob store under a
-- function code key (code_key): layers and functions share content-addressed code. Lists are
-- JSON text. Times are ms since the epoch.
CREATE TABLE layers (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  last_version INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE TABLE layer_versions (
  user_id TEXT NOT NULL,
  layer_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT NOT NULL,
  compatible_runtimes TEXT NOT NULL,
  compatible_architectures TEXT NOT NULL,
  license_info TEXT,
  code_sha256 TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  code_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, layer_name, version),
  FOREIGN KEY (user_id, layer_name) REFERENCES layers (user_id, name)
);
-- A function's layers, in order, each with the content it runs with (store/function-row.ts):
-- a snapshot keeps them, so a layer version deleted later still runs where it is used.
ALTER TABLE functions ADD COLUMN layers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE function_versions ADD COLUMN layers TEXT NOT NULL DEFAULT '[]';
