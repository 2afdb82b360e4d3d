-- Where a task stands in the ready queue, read in claim order from tasks_ready only, with the
-- same guard as ready_tasks (0002): sorting and bitmap scans are off inside these functions,
-- so the planner cannot trade the ordered index scan, which stops early, for reading every
-- PENDING row, as it did when its statistics said the table was small (a burst of submits
-- since the last ANALYZE: every POST /tasks then read the whole queue).

-- The ready task a claim at now_ms would take first: its effective priority and rank (no row:
-- nothing ready). A submit compares a new task with it (push dispatch, direct hand-off).
CREATE FUNCTION ready_head(now_ms BIGINT)
RETURNS TABLE (p INTEGER, r BIGINT)
LANGUAGE plpgsql
STABLE
ROWS 1
SET enable_sort = off
SET enable_bitmapscan = off
SET search_path FROM CURRENT
AS $$
BEGIN
  RETURN QUERY SELECT t.eff_priority, t.fair_rank FROM tasks t
  WHERE t.status = 'PENDING' AND t.run_after <= now_ms
  ORDER BY t.eff_priority DESC, t.fair_rank, t.seq
  LIMIT 1;
END
$$;

-- PENDING tasks that task_id waits behind, counted up to lim (0 for an unknown task): those of
-- a higher effective priority, then those of its own with an earlier rank (and seq), each an
-- ordered range of tasks_ready. Tasks in backoff count as ahead, a slight overestimate.
CREATE FUNCTION tasks_ahead(task_id TEXT, lim INTEGER)
RETURNS BIGINT
LANGUAGE plpgsql
STABLE
SET enable_sort = off
SET enable_bitmapscan = off
SET enable_seqscan = off
SET search_path FROM CURRENT
AS $$
DECLARE
  me RECORD;
  higher BIGINT;
  earlier BIGINT;
BEGIN
  SELECT t.eff_priority AS p, t.fair_rank AS r, t.seq AS s INTO me FROM tasks t WHERE t.id = task_id;
  IF NOT FOUND THEN RETURN 0; END IF;
  SELECT count(*) INTO higher FROM (SELECT 1 FROM tasks t WHERE t.status = 'PENDING' AND t.eff_priority > me.p
    ORDER BY t.eff_priority DESC, t.fair_rank, t.seq LIMIT lim) x;
  IF higher >= lim THEN RETURN lim; END IF;
  SELECT count(*) INTO earlier FROM (SELECT 1 FROM tasks t WHERE t.status = 'PENDING' AND t.eff_priority = me.p
    AND (t.fair_rank, t.seq) < (me.r, me.s) ORDER BY t.eff_priority DESC, t.fair_rank, t.seq LIMIT lim - higher) y;
  RETURN higher + earlier;
END
$$;
