-- Deleting a published version (Lambda's DeleteFunction with a version Qualifier): a deleted
-- number must never be published again, so each function keeps the highest number it has had.
ALTER TABLE functions ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
UPDATE functions SET last_version = COALESCE(
  (SELECT MAX(v.version) FROM function_versions v WHERE v.user_id = functions.user_id AND v.function_name = functions.name),
  0
);
