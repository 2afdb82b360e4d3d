-- An activity's tags move to resource_tags (0035), as a state machine's and a function's are, so
-- TagResource, UntagResource and ListTagsForResource reach them by the activity's ARN: the key is
-- 'states:activity:' and the name (core/tags.ts). The tags its CreateActivity kept (a JSON list of
-- {key, value}) become its row there, in their order; the column goes. Like the other taggable
-- tables, the trigger clears an activity's tags when it is deleted and when one of the name is
-- created.
INSERT INTO resource_tags (user_id, resource, tags)
  SELECT a.user_id, 'states:activity:' || a.name,
    (SELECT json_object_agg(t.e ->> 'key', t.e ->> 'value' ORDER BY t.i)::text
      FROM json_array_elements(a.tags::json) WITH ORDINALITY AS t(e, i))
  FROM activities AS a WHERE json_array_length(a.tags::json) > 0;
ALTER TABLE activities DROP COLUMN tags;
CREATE TRIGGER activity_tags_clear AFTER INSERT OR DELETE ON activities
  FOR EACH ROW EXECUTE FUNCTION resource_tags_clear('states:activity:');
