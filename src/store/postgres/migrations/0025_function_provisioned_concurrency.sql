-- Provisioned concurrency configurations (issue 23): one row per function and qualifier (a
-- version number or an alias), the instances to keep warm. They go with their function (ON DELETE
-- CASCADE), and with the alias or version they are for (the triggers).
CREATE TABLE function_provisioned_concurrency (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT COLLATE "C" NOT NULL,
  requested INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, function_name, qualifier),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
CREATE FUNCTION function_provisioned_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'function_aliases' THEN
    DELETE FROM function_provisioned_concurrency
      WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = OLD.name;
  ELSE
    DELETE FROM function_provisioned_concurrency
      WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = OLD.version::text;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER function_alias_provisioned_gone AFTER DELETE ON function_aliases
  FOR EACH ROW EXECUTE FUNCTION function_provisioned_gone();
CREATE TRIGGER function_version_provisioned_gone AFTER DELETE ON function_versions
  FOR EACH ROW EXECUTE FUNCTION function_provisioned_gone();
