/**
 * Hot statements of the SQLite store, one each. Parameters are positional and listed above
 * each statement. snake_case here, camelCase in TypeScript; rows are mapped in row.ts.
 */

/** seq, id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
 *  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata,
 *  created_at, run_after */
export const INSERT_TASK = `
INSERT INTO tasks (id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, status, created_at, run_after)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?)
RETURNING *`;

/** task_id, at, status, attempt, worker_id, reason */
export const INSERT_HISTORY = `INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason) VALUES (?, ?, ?, ?, ?, ?)`;

/** id */
export const SELECT_TASK = `SELECT * FROM tasks WHERE id = ?`;

/** user_id ('' for none), idempotency_key */
export const SELECT_BY_IDEMPOTENCY = `SELECT * FROM tasks WHERE coalesce(user_id, '') = ? AND idempotency_key = ?`;

/** worker_id, now (started_at), now (lease base), now (run_after bound), limit.
 *  Highest priority first, FIFO (seq) within a priority; the partial index tasks_ready serves it. */
export const CLAIM_ANY = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ?2,
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (
  SELECT seq FROM tasks WHERE status = 'PENDING' AND run_after <= ?2
  ORDER BY priority DESC, seq LIMIT ?3)
RETURNING *`;

/** As CLAIM_ANY, restricted to the queues in the JSON array ?4. */
export const CLAIM_QUEUES = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ?2,
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (
  SELECT seq FROM tasks WHERE status = 'PENDING' AND run_after <= ?2
    AND queue IN (SELECT value FROM json_each(?4))
  ORDER BY priority DESC, seq LIMIT ?3)
RETURNING *`;

/** now, id, attempt, worker_id */
export const EXTEND_LEASE = `
UPDATE tasks SET lease_expires_at = ?1 + visibility_timeout_s * 1000
WHERE id = ?2 AND attempt = ?3 AND worker_id = ?4 AND status = 'RUNNING'
RETURNING cancel_requested`;

/** id, attempt: the running attempt, or nothing if the attempt is stale. */
export const SELECT_RUNNING_ATTEMPT = `SELECT * FROM tasks WHERE id = ? AND attempt = ? AND status = 'RUNNING'`;

/** status, worker_id, completed_at, run_after, lease_expires_at, dead_lettered, summary, failure,
 *  result_key, stdout_key, stderr_key, id */
export const END_ATTEMPT = `
UPDATE tasks SET status = ?, worker_id = ?, completed_at = ?, run_after = ?, lease_expires_at = NULL,
  dead_lettered = ?, summary = ?, failure = ?, result_key = ?, stdout_key = ?, stderr_key = ?
WHERE id = ?
RETURNING *`;

/** now, stale-worker cutoff: leases past their time or held by workers not seen since the cutoff. */
export const SELECT_EXPIRED = `
SELECT * FROM tasks WHERE status = 'RUNNING' AND (lease_expires_at <= ?1
  OR worker_id IN (SELECT id FROM workers WHERE last_seen < ?2))`;

/** Ready PENDING tasks that a task of priority ?1 and seq ?2 waits behind; now ?3. */
export const COUNT_AHEAD = `
SELECT count(*) AS n FROM tasks WHERE status = 'PENDING' AND run_after <= ?3
  AND (priority > ?1 OR (priority = ?1 AND seq < ?2))`;
