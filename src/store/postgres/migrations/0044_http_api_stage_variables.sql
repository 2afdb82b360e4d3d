-- The stage variables of an HTTP API's $default stage (core/http-api/stage.ts): a JSON map of
-- names to values, carried in every route's payload 2.0 event; NULL: none. Its named stages: a
-- JSON list (at most 9, read and written with the API) of name, variables and times; NULL: none.
ALTER TABLE http_apis ADD COLUMN stage_variables JSONB;
ALTER TABLE http_apis ADD COLUMN stages JSONB;
