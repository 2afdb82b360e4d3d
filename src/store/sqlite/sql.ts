/**
 * Hot statements of the SQLite store, one each. Parameters are positional and listed above
 * each statement. snake_case here, camelCase in TypeScript; rows are mapped in row.ts.
 */

/** id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
 *  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata,
 *  created_at, run_after, network, image, fair_rank, (?22 is the worker of INSERT_TASK_LEASED), secrets */
export const INSERT_TASK = `
INSERT INTO tasks (id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, status, created_at, run_after, network, image,
  fair_rank, eff_priority, secrets, project_id, lane, trace_parent)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'PENDING', ?17, ?18, ?19, ?20, ?21, ?6, ?23, ?24, ?25, ?26)
RETURNING *`;

/** As INSERT_TASK, for a task handed to a local worker as it is submitted (direct dispatch):
 *  inserted RUNNING, attempt 1, leased to worker_id ?22 from created_at. */
export const INSERT_TASK_LEASED = `
INSERT INTO tasks (id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, status, created_at, run_after,
  network, image, fair_rank, eff_priority, attempt, worker_id, started_at, lease_expires_at, secrets, project_id, lane, trace_parent)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'RUNNING', ?17, ?18,
  ?19, ?20, ?21, ?6, 1, ?22, ?17, ?17 + ?9 * 1000, ?23, ?24, ?25, ?26)
RETURNING *`;

/** Is a task ready that a claim would take before a new one of priority ?1 and rank ?3? (now
 *  ?2) The head of the ready queue in claim order is looked at, not every ready task (which,
 *  with nothing ahead, read them all). */
export const READY_AHEAD = `
SELECT 1 FROM (
  SELECT eff_priority AS p, fair_rank AS r FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?2
  ORDER BY eff_priority DESC, fair_rank, seq LIMIT 1)
WHERE p > ?1 OR (p = ?1 AND r <= ?3)`;

/** The fair-share rank of a new task of user ?1 ('' for none): see migration 0005. */
export const NEXT_RANK = `
SELECT max((SELECT rank FROM fair_clock WHERE id = 1), coalesce((SELECT last_rank FROM fair_users WHERE user_id = ?1), 0)) + 1 AS r`;

/** user ('' for none), rank */
export const SET_USER_RANK = `
INSERT INTO fair_users (user_id, last_rank) VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET last_rank = excluded.last_rank`;

/** rank: the fair clock follows the ranks of claimed tasks. */
export const ADVANCE_CLOCK = `UPDATE fair_clock SET rank = ?1 WHERE id = 1 AND rank < ?1`;

/** task_id, at, status, attempt, worker_id, reason */
export const INSERT_HISTORY = `INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason) VALUES (?, ?, ?, ?, ?, ?)`;

/** id */
export const SELECT_TASK = `SELECT * FROM tasks WHERE id = ?`;

/** user_id ('' for none), idempotency_key */
export const SELECT_BY_IDEMPOTENCY = `SELECT * FROM tasks WHERE coalesce(user_id, '') = ? AND idempotency_key = ?`;

/** worker_id, now (started_at, lease base and run_after bound), limit.
 *  Highest (effective, aged) priority first, then fair share between users (fair_rank, migration
 *  0005), then FIFO
 *  (seq). INDEXED BY pins the partial index
 *  tasks_ready: left to itself the planner took tasks_status and sorted every pending row on
 *  each claim (a temp B-tree; 5,000 claims/s fell to a few hundred with 10,000 queued). */
export const CLAIM_ANY = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ?2,
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (
  SELECT seq FROM tasks AS t INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?2
    AND (t.lane IS NULL OR NOT EXISTS (SELECT 1 FROM tasks e WHERE e.lane IS NOT NULL AND e.lane = t.lane AND e.seq < t.seq
      AND e.user_id IS t.user_id AND e.status IN ('PENDING', 'RUNNING')))
  ORDER BY eff_priority DESC, fair_rank, seq LIMIT ?3)
RETURNING *`;

/** As CLAIM_ANY, restricted to the queues in the JSON array ?4. */
export const CLAIM_QUEUES = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ?2,
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (
  SELECT seq FROM tasks AS t INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?2
    AND queue IN (SELECT value FROM json_each(?4))
    AND (t.lane IS NULL OR NOT EXISTS (SELECT 1 FROM tasks e WHERE e.lane IS NOT NULL AND e.lane = t.lane AND e.seq < t.seq
      AND e.user_id IS t.user_id AND e.status IN ('PENDING', 'RUNNING')))
  ORDER BY eff_priority DESC, fair_rank, seq LIMIT ?3)
RETURNING *`;

/** now, id, attempt, worker_id */
export const EXTEND_LEASE = `
UPDATE tasks SET lease_expires_at = ?1 + visibility_timeout_s * 1000
WHERE id = ?2 AND attempt = ?3 AND worker_id = ?4 AND status = 'RUNNING'
RETURNING cancel_requested`;

/** worker_id, before: the leases that worker holds, granted before then. */
export const LEASES_OF_WORKER = `SELECT id, attempt FROM tasks WHERE status = 'RUNNING' AND worker_id = ? AND started_at < ?`;

/** id, attempt: the running attempt, or nothing if the attempt is stale. */
export const SELECT_RUNNING_ATTEMPT = `SELECT * FROM tasks WHERE id = ? AND attempt = ? AND status = 'RUNNING'`;

/** status, completed_at, run_after, dead_lettered, summary, failure, result, result_key, stdout_key,
 *  stderr_key, id, now. worker_id is kept: it names the last worker. A retry that must wait
 *  goes in backoff (migration 0015). */
export const END_ATTEMPT = `
UPDATE tasks SET status = ?1, completed_at = ?2, run_after = ?3, lease_expires_at = NULL,
  dead_lettered = ?4, summary = ?5, failure = ?6, result = ?7, result_key = ?8, stdout_key = ?9, stderr_key = ?10,
  in_backoff = (?1 = 'PENDING' AND ?3 > ?12)
WHERE id = ?11
RETURNING *`;

/** now, limit: PENDING tasks whose backoff has ended go back to the ready queue (tasks_ready),
 *  the earliest first. */
export const END_BACKOFFS = `
UPDATE tasks SET in_backoff = 0 WHERE seq IN (
  SELECT seq FROM tasks INDEXED BY tasks_backoff WHERE status = 'PENDING' AND in_backoff = 1 AND run_after <= ?1
  ORDER BY run_after LIMIT ?2)`;

/** now, stale-worker cutoff: leases past their time or held by workers not seen since the cutoff. */
export const SELECT_EXPIRED = `
SELECT * FROM tasks WHERE status = 'RUNNING' AND (lease_expires_at <= ?1
  OR worker_id IN (SELECT id FROM workers WHERE last_seen < ?2))`;

/** PENDING tasks that a task of effective priority ?1, rank ?4 and seq ?2 waits behind, counted up to ?3. Every
 *  POST runs it, so it reads the index alone: filtering on run_after (not in the index) cost a
 *  table lookup per row, 9 % of the API's CPU at a 1,000-task backlog. Tasks in backoff are
 *  not in it (migration 0015), so not counted. */
export const COUNT_AHEAD = `
SELECT min(?3,
  (SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND eff_priority > ?1 LIMIT ?3))
  + (SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND eff_priority = ?1
      AND (fair_rank, seq) < (?4, ?2) LIMIT ?3))) AS n`;

/** status, completed_at, dead_lettered, summary, failure, result_key, stdout_key, stderr_key, id,
 *  attempt, result. A final outcome whose effect does not depend on the row (success, timeout, cancel),
 *  fenced by attempt in one statement; no row back means the attempt was stale. Returns only the
 *  worker (for the history row) and the lane (whose next task may now run): the caller knows the rest. */
export const FINISH_FENCED = `
UPDATE tasks SET status = ?1, completed_at = ?2, lease_expires_at = NULL, dead_lettered = ?3, summary = ?4,
  failure = ?5, result_key = ?6, stdout_key = ?7, stderr_key = ?8, result = ?11
WHERE id = ?9 AND attempt = ?10 AND status = 'RUNNING'
RETURNING worker_id, lane`;

/** now, step ms: each ready PENDING task's effective priority becomes its priority plus one per
 *  step it has waited since it became ready, up to 10 (reads only the partial index's rows). */
export const AGE_PRIORITIES = `
UPDATE tasks SET eff_priority = min(10, priority + (?1 - run_after) / ?2)
WHERE seq IN (SELECT seq FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND eff_priority < 10)
  AND run_after <= ?1 - ?2 AND eff_priority < min(10, priority + (?1 - run_after) / ?2)`;

/** now, limit, users at their running limit (JSON array): ready tasks in claim order, for a
 *  claim that enforces a per-user running limit (the caller picks within the limits). */
export const READY_CANDIDATES = `
SELECT seq, user_id, queue FROM tasks AS t INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?1
  AND coalesce(user_id, '') NOT IN (SELECT value FROM json_each(?3))
    AND (t.lane IS NULL OR NOT EXISTS (SELECT 1 FROM tasks e WHERE e.lane IS NOT NULL AND e.lane = t.lane AND e.seq < t.seq
      AND e.user_id IS t.user_id AND e.status IN ('PENDING', 'RUNNING')))
ORDER BY eff_priority DESC, fair_rank, seq LIMIT ?2`;

/** worker_id, now, seqs (JSON array): lease exactly these tasks. */
export const CLAIM_SEQS = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ?2,
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (SELECT value FROM json_each(?3)) AND status = 'PENDING'
RETURNING *`;

/** RUNNING tasks per user ('' for none). */
export const RUNNING_BY_USER = `SELECT coalesce(user_id, '') AS u, count(*) AS n FROM tasks WHERE status = 'RUNNING' GROUP BY user_id`;

/** user_id, max: a user's PENDING tasks, counted up to max (partial index of migration 0006). */
export const COUNT_USER_PENDING = `
SELECT count(*) AS n FROM (SELECT 1 FROM tasks INDEXED BY tasks_user_pending WHERE user_id = ?1 AND status = 'PENDING' LIMIT ?2)`;

/** user_id, max: a user's RUNNING tasks, counted up to max. */
export const COUNT_USER_RUNNING = `
SELECT count(*) AS n FROM (SELECT 1 FROM tasks INDEXED BY tasks_user_running WHERE user_id = ?1 AND status = 'RUNNING' LIMIT ?2)`;
