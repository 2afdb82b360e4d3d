-- An HTTP API's stages are taggable (CreateStage's Tags, TagResource on
-- arn:aws:apigateway:{region}::/apis/{apiId}/stages/{name}): their tags are in resource_tags (0035)
-- under 'apigateway:/apis/{apiId}/stages/{name}' (core/tags.ts). They go with their API (and an API
-- made anew of an id starts with none), and a named stage's go with the stage: when its name leaves
-- the API's stages JSON. $default, which every API keeps, loses its own in the app (DeleteStage).
CREATE TRIGGER http_stage_tags_gone AFTER DELETE ON http_apis BEGIN
  DELETE FROM resource_tags WHERE user_id = OLD.user_id
    AND substr(resource, 1, length('apigateway:/apis/' || OLD.api_id || '/stages/')) = 'apigateway:/apis/' || OLD.api_id || '/stages/';
END;
CREATE TRIGGER http_stage_tags_fresh AFTER INSERT ON http_apis BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id
    AND substr(resource, 1, length('apigateway:/apis/' || NEW.api_id || '/stages/')) = 'apigateway:/apis/' || NEW.api_id || '/stages/';
END;
CREATE TRIGGER http_stage_tags_dropped AFTER UPDATE OF stages ON http_apis BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id
    AND substr(resource, 1, length('apigateway:/apis/' || NEW.api_id || '/stages/')) = 'apigateway:/apis/' || NEW.api_id || '/stages/'
    AND substr(resource, length('apigateway:/apis/' || NEW.api_id || '/stages/') + 1) <> '$default'
    AND substr(resource, length('apigateway:/apis/' || NEW.api_id || '/stages/') + 1)
      NOT IN (SELECT json_extract(value, '$.name') FROM json_each(coalesce(NEW.stages, '[]')));
END;
