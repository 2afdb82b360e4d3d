-- API Gateway v2's integrations and authorizers of an HTTP API (core/http-api/parts.ts): JSON
-- lists on the API (a few hundred at most, read and written with it), and on each route the
-- ids of those it was made from (NULL: it names its function and auth itself).
ALTER TABLE http_apis ADD COLUMN integrations JSONB;
ALTER TABLE http_apis ADD COLUMN authorizers JSONB;
ALTER TABLE http_routes ADD COLUMN integration_id TEXT;
ALTER TABLE http_routes ADD COLUMN authorizer_id TEXT;
