-- API Gateway v2's deployments of an HTTP API (core/http-api/parts.ts): a JSON list on the API
-- (at most 100, read and written with it) and the id of the one its $default stage reports (NULL:
-- none yet). An HTTP API is taggable (TagResource on its ARN): its tags are in resource_tags (0035)
-- under 'apigateway:/apis/' and its id (core/tags.ts); the trigger clears them when the API is
-- deleted and when one of the id is created (resource_tags_clear keys by name; an API by its id).
ALTER TABLE http_apis ADD COLUMN deployments JSONB;
ALTER TABLE http_apis ADD COLUMN deployment_id TEXT;
CREATE FUNCTION http_api_tags_clear() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  DELETE FROM resource_tags WHERE user_id = r.user_id AND resource = 'apigateway:/apis/' || r.api_id;
  RETURN NULL;
END $$;
CREATE TRIGGER http_api_tags_clear AFTER INSERT OR DELETE ON http_apis
  FOR EACH ROW EXECUTE FUNCTION http_api_tags_clear();
