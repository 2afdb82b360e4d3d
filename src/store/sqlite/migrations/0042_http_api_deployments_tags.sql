-- API Gateway v2's deployments of an HTTP API (core/http-api/parts.ts): a JSON list on the API
-- (at most 100, read and written with it) and the id of the one its $default stage reports (NULL:
-- none yet). An HTTP API is taggable (TagResource on its ARN): its tags are in resource_tags (0035)
-- under 'apigateway:/apis/' and its id (core/tags.ts), and like the other taggable tables a pair
-- of triggers clears them when the API is deleted and when one of the id is created.
ALTER TABLE http_apis ADD COLUMN deployments TEXT;
ALTER TABLE http_apis ADD COLUMN deployment_id TEXT;
CREATE TRIGGER http_api_tags_gone AFTER DELETE ON http_apis BEGIN
  DELETE FROM resource_tags WHERE user_id = OLD.user_id AND resource = 'apigateway:/apis/' || OLD.api_id;
END;
CREATE TRIGGER http_api_tags_fresh AFTER INSERT ON http_apis BEGIN
  DELETE FROM resource_tags WHERE user_id = NEW.user_id AND resource = 'apigateway:/apis/' || NEW.api_id;
END;
