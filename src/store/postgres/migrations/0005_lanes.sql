-- Lanes (issue 6): tasks of one owner with the same lane run one at a time, in submit order,
-- as the messages of an SQS FIFO message group (a terminal's commands). A task is claimable
-- only while no earlier task of its lane is PENDING or RUNNING; the first index holds those.
ALTER TABLE tasks ADD COLUMN lane TEXT COLLATE "C";
CREATE INDEX tasks_lane_active ON tasks (lane, seq) WHERE lane IS NOT NULL AND status IN ('PENDING', 'RUNNING');
CREATE INDEX tasks_lane ON tasks (lane, seq) WHERE lane IS NOT NULL;

CREATE OR REPLACE FUNCTION ready_tasks(now_ms BIGINT, lim INTEGER, queues TEXT[], skip_users TEXT[])
RETURNS TABLE (seq BIGINT, user_id TEXT)
LANGUAGE plpgsql
ROWS 10
SET enable_sort = off
SET enable_bitmapscan = off
SET search_path FROM CURRENT
AS $$
BEGIN
  RETURN QUERY SELECT t.seq, t.user_id FROM tasks t
  WHERE t.status = 'PENDING' AND t.run_after <= now_ms
    AND (queues IS NULL OR t.queue = ANY(queues))
    AND (skip_users IS NULL OR coalesce(t.user_id, '') <> ALL(skip_users))
    AND (t.lane IS NULL OR NOT EXISTS (
      SELECT 1 FROM tasks e WHERE e.lane = t.lane AND e.seq < t.seq AND e.user_id IS NOT DISTINCT FROM t.user_id
        AND e.status IN ('PENDING', 'RUNNING')))
  ORDER BY t.eff_priority DESC, t.fair_rank, t.seq
  LIMIT lim
  FOR UPDATE OF t SKIP LOCKED;
END
$$;
