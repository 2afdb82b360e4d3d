-- RedriveExecution (core/execution-redrive.ts): how many times an execution was redriven, when
-- last, and that redrive's client token (a repeat within 15 minutes is answered unchanged); a
-- Distributed Map's Map Run is redriven with it. Times are ms since the epoch. An execution that
-- ends FAILED, TIMED_OUT or ABORTED now keeps its frames (what a redrive restarts from).
ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN redrive_date INTEGER;
ALTER TABLE executions ADD COLUMN redrive_token TEXT;
ALTER TABLE map_runs ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE map_runs ADD COLUMN redrive_date INTEGER;
