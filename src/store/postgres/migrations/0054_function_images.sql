-- Functions packaged as container images (store/function-row.ts): the image their code is
-- ({uri, name} JSON; NULL for a zip) and their ImageConfig (JSON, '{}' without overrides; NULL
-- for a zip), per snapshot.
ALTER TABLE functions ADD COLUMN image TEXT;
ALTER TABLE functions ADD COLUMN image_config TEXT;
ALTER TABLE function_versions ADD COLUMN image TEXT;
ALTER TABLE function_versions ADD COLUMN image_config TEXT;
