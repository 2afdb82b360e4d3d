-- Resource-based policies and function URLs (issue 23). A policy is one row per function and
-- qualifier ('' the function's own, else a version number or an alias), its statements as JSON
-- (core/function-policy.ts); a function URL is one row per function and qualifier ('' or an
-- alias) with a url-id unique across users, by which requests find it. Both go with their
-- function (ON DELETE CASCADE), and with the alias or version they are for (the triggers).
CREATE TABLE function_policies (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  statements TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (user_id, function_name, qualifier),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
CREATE TABLE function_urls (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT COLLATE "C" NOT NULL,
  url_id TEXT NOT NULL UNIQUE,
  auth_type TEXT NOT NULL,
  cors TEXT,
  invoke_mode TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, function_name, qualifier),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
);
CREATE FUNCTION function_alias_access_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM function_urls WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = OLD.name;
  DELETE FROM function_policies WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = OLD.name;
  RETURN NULL;
END $$;
CREATE TRIGGER function_alias_access_gone AFTER DELETE ON function_aliases
  FOR EACH ROW EXECUTE FUNCTION function_alias_access_gone();
CREATE FUNCTION function_version_access_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM function_policies
    WHERE user_id = OLD.user_id AND function_name = OLD.function_name AND qualifier = OLD.version::text;
  RETURN NULL;
END $$;
CREATE TRIGGER function_version_access_gone AFTER DELETE ON function_versions
  FOR EACH ROW EXECUTE FUNCTION function_version_access_gone();
