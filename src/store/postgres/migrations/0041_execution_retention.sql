-- Retention of closed STANDARD executions (core/execution-retention.ts; the retention job in
-- worker/maintenance.ts). A closed execution is deleted, with everything that hangs off it (its
-- events, frames, inbox, tokens and Map Runs go by ON DELETE CASCADE), some time after its stop:
-- executions_closed finds the oldest stops. The frames a FAILED, TIMED_OUT or ABORTED execution
-- keeps for a redrive go sooner, once its redrive window has closed; frames_released marks the
-- executions whose frames went (it can never be redriven again: the window is past), so that
-- executions_frames_kept holds only those still to be visited and each run reads no more.
ALTER TABLE executions ADD COLUMN frames_released BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX executions_closed ON executions (stopped_at) WHERE status <> 'RUNNING';
CREATE INDEX executions_frames_kept ON executions (stopped_at)
  WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED') AND NOT frames_released;
