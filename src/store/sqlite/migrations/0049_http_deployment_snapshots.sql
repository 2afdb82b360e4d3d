-- HTTP API deployments as snapshots (core/http-api/deployment.ts). Whether the $default stage
-- auto-deploys (1: it serves the API as it is, as every stage did before; 0: only the deployment
-- deployment_id names); named stages keep theirs in the stages JSON. A deployment's snapshot
-- (its routes and CORS as JSON, up to a few hundred KB) is a row of its own, never changed,
-- read by the gateway by api_id (unique across users, migration 0024) and deployment id; it
-- goes with its API.
ALTER TABLE http_apis ADD COLUMN auto_deploy INTEGER NOT NULL DEFAULT 1;
CREATE TABLE http_deployment_snapshots (
  user_id TEXT NOT NULL,
  api_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (api_id, deployment_id),
  FOREIGN KEY (user_id, api_id) REFERENCES http_apis (user_id, api_id) ON DELETE CASCADE
);
CREATE INDEX http_deployment_snapshots_api ON http_deployment_snapshots (user_id, api_id);
