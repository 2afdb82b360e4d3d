-- An activity's tags move to resource_tags (0035), as a state machine's and a function's are, so
-- TagResource, UntagResource and ListTagsForResource reach them by the activity's ARN: the key is
-- 'states:activity:' and the name (core/tags.ts). The tags its CreateActivity kept (a JSON list of
-- {key, value}) become its row there; the column goes. Like the other taggable tables, a pair of
-- triggers clears an activity's tags when it is deleted and when one of the name is created.
INSERT INTO resource_tags (user_id, resource, tags)
  SELECT a.user_id, 'states:activity:' || a.name,
    (SELECT json_group_object(json_extract(t.value, '$.key'), json_extract(t.value, '$.value'))
      FROM json_each(a.tags) AS t)
  FROM activities AS a WHERE json_array_length(a.tags) > 0;
ALTER TABLE activities DROP COLUMN tags;
CREATE TRIGGER activity_tags_gone AFTER DELETE ON activities BEGIN
  DELETE FROM resource_tags WHERE user_id = OLD.user_id AND resource = 'states:activity:' || OLD.name;
END;
CREATE TRIGGER activity_tags_fresh AFTER INSERT ON activities BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id AND resource = 'states:activity:' || NEW.name;
END;
