-- Resource tags (Lambda's and Step Functions' TagResource; store/ports/tags.ts): one row per
-- user's tagged resource, its tags a JSON object as text (TEXT, not JSONB: keys keep the order
-- they were set in; at most 50, core/tags.ts). `resource` is the resource's ARN without region
-- and account, as core/tags.ts spells it: 'lambda:function:' or 'states:stateMachine:' and the
-- name. No row: no tags. A resource's tags go with it, and a new resource of the same name starts
-- untagged: the triggers clear them when a function or state machine is deleted, and again when
-- one is created (a TagResource that raced a delete may have written them after it). A later
-- taggable table adds its own pair.
CREATE TABLE resource_tags (
  user_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY (user_id, resource)
);
CREATE FUNCTION resource_tags_clear() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  -- TG_ARGV[0]: the key's prefix for the table's rows ('lambda:function:', 'states:stateMachine:').
  DELETE FROM resource_tags WHERE user_id = r.user_id AND resource = TG_ARGV[0] || r.name;
  RETURN NULL;
END $$;
CREATE TRIGGER function_tags_clear AFTER INSERT OR DELETE ON functions
  FOR EACH ROW EXECUTE FUNCTION resource_tags_clear('lambda:function:');
CREATE TRIGGER state_machine_tags_clear AFTER INSERT OR DELETE ON state_machines
  FOR EACH ROW EXECUTE FUNCTION resource_tags_clear('states:stateMachine:');
