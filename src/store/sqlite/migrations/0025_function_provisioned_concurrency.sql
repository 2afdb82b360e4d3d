-- Provisioned concurrency configurations (issue 23): one row per function and qualifier (a
-- version number or an alias), the instances to keep warm. They go with their function (ON DELETE
-- CASCADE), and with the alias or version they are for (the triggers).
CREATE TABLE function_provisioned_concurrency (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  requested INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, function_name, qualifier),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TRIGGER function_alias_provisioned_gone AFTER DELETE ON function_aliases BEGIN
  DELETE FROM function_provisioned_concurrency
    WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = OLD.name;
END;
CREATE TRIGGER function_version_provisioned_gone AFTER DELETE ON function_versions BEGIN
  DELETE FROM function_provisioned_concurrency
    WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = CAST(OLD.version AS TEXT);
END;
