-- Executions that ended FAILED, TIMED_OUT or ABORTED before Hangar kept frames for a redrive
-- have none: frames_released marks them (as it marks those whose redrive window closed), so
-- that DescribeExecution says NOT_REDRIVABLE, as a redrive of them answers, from the row alone.
-- Executions ending from now on are marked by their end (an end that keeps no frames).
UPDATE executions SET frames_released = true
  WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED') AND NOT frames_released
    AND NOT EXISTS (SELECT 1 FROM execution_frames f WHERE f.execution_id = executions.id);
