-- The payload format version of an HTTP API route (core/http-api/types.ts PayloadFormat): '2.0'
-- (what every route had before) or '1.0'. A route made from an integration copies its
-- integration's, as it copies its function; integrations keep theirs in the API's JSON list.
ALTER TABLE http_routes ADD COLUMN payload_format_version TEXT NOT NULL DEFAULT '2.0';
