-- Ready tasks in claim order, for every claim statement. The planner prefers reading every
-- PENDING row and sorting them when its statistics say there are few: a table filled since
-- the last ANALYZE (a burst of submits), or analyzed while the queue was empty. Each claim
-- then costs time in proportion to the queue (measured: 3.7 ms instead of 1.5 ms per claim of
-- 10 with 10,000 queued). Sorting and bitmap scans are off inside this function, so the plan
-- is always the ordered scan of tasks_ready, which stops after `lim` rows.
--
-- now_ms: run_after bound; lim: rows wanted; queues: only these (NULL: all); skip_users: not
-- these users ('' for tasks without a user). Rows another claim holds are skipped, not waited
-- for; the rest stay locked until the caller's transaction ends.
CREATE FUNCTION ready_tasks(now_ms BIGINT, lim INTEGER, queues TEXT[], skip_users TEXT[])
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
  ORDER BY t.eff_priority DESC, t.fair_rank, t.seq
  LIMIT lim
  FOR UPDATE OF t SKIP LOCKED;
END
$$;
