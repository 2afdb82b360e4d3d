-- Map Runs of Distributed Map states (store/ports/workflows.ts MapRunWrite): created and moved on
-- by the runner's commits, kept with their execution. counts: DescribeMapRun's itemCounts as
-- JSON text (iterations are branches here: executionCounts are the same numbers). Times are ms
-- since the epoch.
CREATE TABLE map_runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  arn TEXT NOT NULL,
  state_machine_arn TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  stopped_at BIGINT,
  max_concurrency INTEGER NOT NULL,
  tolerated_failure_count BIGINT NOT NULL,
  tolerated_failure_percentage DOUBLE PRECISION NOT NULL,
  counts TEXT NOT NULL
);
CREATE INDEX map_runs_execution ON map_runs (execution_id, id);
