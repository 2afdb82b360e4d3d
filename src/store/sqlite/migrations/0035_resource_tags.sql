-- Resource tags (Lambda's and Step Functions' TagResource; store/ports/tags.ts): one row per
-- user's tagged resource, its tags a JSON object (at most 50, core/tags.ts). `resource` is the
-- resource's ARN without region and account, as core/tags.ts spells it: 'lambda:function:' or
-- 'states:stateMachine:' and the name. No row: no tags. A resource's tags go with it, and a new
-- resource of the same name starts untagged: the triggers clear them when a function or state
-- machine is deleted, and again when one is created (a TagResource that raced a delete may have
-- written them after it). A later taggable table adds its own pair.
CREATE TABLE resource_tags (
  user_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY (user_id, resource)
) WITHOUT ROWID;
CREATE TRIGGER function_tags_gone AFTER DELETE ON functions BEGIN
  DELETE FROM resource_tags WHERE user_id = OLD.user_id AND resource = 'lambda:function:' || OLD.name;
END;
CREATE TRIGGER function_tags_fresh AFTER INSERT ON functions BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id AND resource = 'lambda:function:' || NEW.name;
END;
CREATE TRIGGER state_machine_tags_gone AFTER DELETE ON state_machines BEGIN
  DELETE FROM resource_tags WHERE user_id = OLD.user_id AND resource = 'states:stateMachine:' || OLD.name;
END;
CREATE TRIGGER state_machine_tags_fresh AFTER INSERT ON state_machines BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id AND resource = 'states:stateMachine:' || NEW.name;
END;
