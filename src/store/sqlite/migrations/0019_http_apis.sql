-- HTTP APIs (issue 23): a user's APIs (API Gateway HTTP API) and their routes, each sending a
-- route key's requests to a function. CORS, throttle and auth are JSON checked by
-- core/http-api/model.ts before they are written. Routes go with their API.
CREATE TABLE http_apis (
  user_id TEXT NOT NULL,
  api_id TEXT NOT NULL,
  name TEXT NOT NULL,
  cors TEXT,
  throttle TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, api_id)
) WITHOUT ROWID;
CREATE TABLE http_routes (
  user_id TEXT NOT NULL,
  api_id TEXT NOT NULL,
  route_key TEXT NOT NULL,
  function_name TEXT NOT NULL,
  -- NULL: $LATEST.
  qualifier TEXT,
  auth TEXT NOT NULL,
  throttle TEXT,
  cache_ttl_s INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, api_id, route_key),
  FOREIGN KEY (user_id, api_id) REFERENCES http_apis (user_id, api_id) ON DELETE CASCADE
) WITHOUT ROWID;
