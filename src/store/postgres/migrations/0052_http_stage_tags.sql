-- An HTTP API's stages are taggable (CreateStage's Tags, TagResource on
-- arn:aws:apigateway:{region}::/apis/{apiId}/stages/{name}): their tags are in resource_tags (0035)
-- under 'apigateway:/apis/{apiId}/stages/{name}' (core/tags.ts). They go with their API (and an API
-- made anew of an id starts with none), and a named stage's go with the stage: when its name leaves
-- the API's stages JSON. $default, which every API keeps, loses its own in the app (DeleteStage).
CREATE FUNCTION http_stage_tags_clear() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
  prefix TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  prefix := 'apigateway:/apis/' || r.api_id || '/stages/';
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM resource_tags WHERE user_id = r.user_id AND starts_with(resource, prefix)
      AND substr(resource, length(prefix) + 1) <> '$default'
      AND substr(resource, length(prefix) + 1) NOT IN
        (SELECT s ->> 'name' FROM jsonb_array_elements(coalesce(r.stages, '[]'::jsonb)) AS s);
  ELSE
    DELETE FROM resource_tags WHERE user_id = r.user_id AND starts_with(resource, prefix);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER http_stage_tags_clear AFTER INSERT OR DELETE OR UPDATE OF stages ON http_apis
  FOR EACH ROW EXECUTE FUNCTION http_stage_tags_clear();
