-- Asynchronous invocation settings of a function at one qualifier (Lambda's
-- PutFunctionEventInvokeConfig, issue 23): retries, maximum event age and destinations. NULL: not
-- set (Lambda's default applies). Gone with the function.
CREATE TABLE function_event_configs (
  user_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  -- $LATEST, a version number or an alias name.
  qualifier TEXT NOT NULL,
  max_retry_attempts INTEGER,
  max_event_age_s INTEGER,
  on_success TEXT,
  on_failure TEXT,
  last_modified INTEGER NOT NULL,
  PRIMARY KEY (user_id, function_name, qualifier),
  FOREIGN KEY (user_id, function_name) REFERENCES functions (user_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
