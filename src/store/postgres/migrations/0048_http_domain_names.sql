-- Custom domain names of HTTP APIs (core/http-api/domain.ts): a name is one user's across all
-- users (the primary key), its endpoint configuration and tags JSON as given (text, so one row
-- mapping serves both backends). Its API mappings go with it, and with the API they map (as API
-- Gateway deletes an API's mappings with it).
CREATE TABLE http_domain_names (
  domain_name TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL,
  config TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX http_domain_names_user ON http_domain_names (user_id, domain_name);
CREATE TABLE http_api_mappings (
  domain_name TEXT COLLATE "C" NOT NULL REFERENCES http_domain_names (domain_name) ON DELETE CASCADE,
  mapping_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  api_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  mapping_key TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (domain_name, mapping_id),
  FOREIGN KEY (user_id, api_id) REFERENCES http_apis (user_id, api_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX http_api_mappings_key ON http_api_mappings (domain_name, mapping_key);
CREATE INDEX http_api_mappings_api ON http_api_mappings (user_id, api_id);
