/**
 * What every submit path shares: the parts of the statements that insert a new task (its
 * columns, its fair-share rank, "a ready task comes first"), the push statement INSERT_TASK,
 * the early commit of a task leased at submit, and a new task's parameters.
 */
import { asSubmitted } from '../../core/hand-off.ts';
import { taskFromRow, type Row } from '../row.ts';
import type { NewTask } from '../../core/index.ts';
import type { SubmitResult } from '../ports/index.ts';

/**
 * The fair-share rank of a new task of user $7 ('' for none): one more than the larger of the
 * fair clock and the user's last rank, recorded as the user's last rank. In the statement
 * that inserts the task, so the user's fair_users row is locked only from there to the commit:
 * submits of one user queue on that lock, and the shorter it is held, the more of them a
 * second (measured, 500 submits of one user in flight on a pool of 10 connections: 1.0k/s
 * with the rank taken by a statement of its own at the start of the transaction, 2.2k/s here).
 */
export const RANK = `
rank AS (
  INSERT INTO fair_users (user_id, last_rank) VALUES (coalesce($7::text, ''), (SELECT rank FROM fair_clock WHERE id = 1) + 1)
  ON CONFLICT (user_id) DO UPDATE SET last_rank = greatest(fair_users.last_rank, (SELECT rank FROM fair_clock WHERE id = 1)) + 1
  RETURNING last_rank AS r)`;

/** The columns every new task sets, and their values: parameters $1 to $22 of INSERT_TASK,
 *  INSERT_TASK_LEASED and INSERT_TASK_HANDED (the rank from RANK). */
export const NEW_TASK_COLUMNS = `id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
    max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, created_at, run_after,
    network, image, secrets, project_id, lane, trace_parent, fair_rank, eff_priority`;
export const NEW_TASK_VALUES = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $16,
    $17, $18, $19, $20, $21, $22, (SELECT r FROM rank), $6`;

/**
 * SQL for "a claim at `now` would take a ready task before a new one of priority `priority`
 * and fair-share rank `rank`": the head of the ready queue in claim order (ready_head,
 * migration 0011: one entry of tasks_ready) is ahead of it. The same as "some ready task has
 * a higher priority, or the same and a rank no later", for which the planner chose by its
 * statistics between a sequential scan of the table (finished tasks included) and a bitmap
 * scan of every match, so its cost could grow with the table.
 */
export const readyAhead = (now: string, priority: string, rank: string) => `EXISTS (
  SELECT 1 FROM ready_head(${now}) head WHERE head.p > ${priority} OR (head.p = ${priority} AND head.r <= ${rank}))`;

/** The reason of a pushed task's RUNNING history row. */
export const PUSHED = 'pushed to an idle worker at submit';

/**
 * A pushed or handed submit's statement commits without waiting for its WAL to reach the disk
 * (synchronous_commit off for that transaction alone), so the worker hears of its task one
 * disk flush sooner: measured here, an idle submit's statement took 1.4 ms with the flush and
 * 0.8-1.0 without. It is visible at once, to that worker too. The submitter is answered only
 * after FLUSH, a commit that waits for all WAL before its own to be on disk, so an answered
 * submit is as durable as before. A crash in between loses a task no one was told was
 * accepted, as a crash before an ordinary commit's answer does, and the worker's own writes
 * (heartbeat, outcome) flush it first if they come sooner.
 */
export const EARLY_COMMIT = `set_config('synchronous_commit', 'off', true)`;

/** A transaction that writes WAL (a transactional logical message, which any role may emit),
 *  so its commit waits for everything written before it to be flushed. */
export const FLUSH = `SELECT pg_logical_emit_message(true, 'hangar', 'flush')`;

/** A push notification carries the task's row up to this many bytes of JSON (a payload holds
 *  8000), so the worker starts it without reading it; a larger row is read. */
const MAX_PUSHED_ROW = 7000;

/** id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
 *  max_attempts (also the attempt limit), idempotency_key, request_hash, resources, env,
 *  metadata, created_at (also run_after and the history row's time), network, image, secrets,
 *  project_id, lane, trace_parent, then the NOTIFY channel ($23). One statement, so a submit
 *  without a transaction of its own is one round trip:
 *  - push dispatch: if a worker offers a free slot (worker_offers, its LISTEN session alive),
 *    the task is not a lane's and no ready task should run before it (priority, then fair
 *    share and FIFO, as a claim orders them), it goes in RUNNING, attempt 1, leased to that
 *    worker, with both history rows and the fair clock advanced to its rank as a claim would;
 *    the notification, sent when it commits, names worker, offer generation and task, and
 *    carries its row as JSON unless too large ("push <worker> <gen> <task> [<row>]"), so that
 *    worker starts it with no claim, and usually no read;
 *  - otherwise PENDING with its rank and its 'submitted' history row; the caller wakes every
 *    process's workers once it has committed (readyNow: a NOTIFY in this transaction would
 *    serialize its commit with every other one that notifies).
 *  The returned row's status says which. A pushed task's transaction commits early
 *  (EARLY_COMMIT): the caller answers once FLUSH has returned. */
const insertTaskSql = (early: boolean) => `
WITH ${RANK},
target AS (
  UPDATE worker_offers o SET slots = o.slots - 1
  FROM (
    SELECT w.worker_id FROM worker_offers w
    WHERE w.slots > 0 AND w.expires_at > $16 AND (w.queues IS NULL OR $5::text = ANY(w.queues)) AND $21::text IS NULL
      AND NOT ${readyAhead('$16', '$6', '(SELECT r FROM rank)')}
      AND EXISTS (SELECT 1 FROM pg_stat_get_activity(w.listener_pid))
    LIMIT 1 FOR UPDATE OF w SKIP LOCKED) pick
  WHERE o.worker_id = pick.worker_id
  RETURNING o.worker_id, o.gen),
t AS (
  INSERT INTO tasks (${NEW_TASK_COLUMNS}, status, attempt, worker_id, started_at, lease_expires_at)
  SELECT ${NEW_TASK_VALUES},
    CASE WHEN p.worker_id IS NULL THEN 'PENDING' ELSE 'RUNNING' END, CASE WHEN p.worker_id IS NULL THEN 0 ELSE 1 END,
    p.worker_id, CASE WHEN p.worker_id IS NULL THEN NULL ELSE $16::bigint END,
    CASE WHEN p.worker_id IS NULL THEN NULL ELSE $16::bigint + $9::integer * 1000 END
  FROM (SELECT 1) one LEFT JOIN target p ON true
  RETURNING *),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT $1, $16, 'PENDING', 0, NULL, 'submitted'
  UNION ALL
  SELECT $1, $16, 'RUNNING', 1, worker_id, '${PUSHED}' FROM target),
clock AS (UPDATE fair_clock SET rank = top.r FROM rank top, target WHERE id = 1 AND rank < top.r),
notified AS (
  SELECT pg_notify($23, 'push ' || p.worker_id || ' ' || p.gen || ' ' || $1::text || CASE WHEN octet_length(j.s) <= ${MAX_PUSHED_ROW} THEN ' ' || j.s ELSE '' END)${early ? `, ${EARLY_COMMIT}` : ''}
  FROM target p, (SELECT row_to_json(t)::text AS s FROM t) j)
SELECT t.* FROM t LEFT JOIN notified ON true`;
/** INSERT_TASK committed on its own (a push commits early), and inside a transaction (whose
 *  commit keeps the session's setting). */
export const INSERT_TASK = insertTaskSql(true);
export const INSERT_TASK_IN_TX = insertTaskSql(false);

/** Parameters $1 to $22 of INSERT_TASK, INSERT_TASK_LEASED and INSERT_TASK_HANDED. */
export function newTaskParams(t: NewTask, now: number): unknown[] {
  return [
    t.id,
    t.command,
    t.args ? JSON.stringify(t.args) : null,
    t.shell,
    t.queue,
    t.priority,
    t.userId,
    t.timeout,
    t.visibilityTimeout,
    t.maxAttempts,
    t.idempotencyKey,
    t.requestHash,
    JSON.stringify(t.resources),
    JSON.stringify(t.env),
    JSON.stringify(t.metadata),
    now,
    t.network,
    t.image,
    t.secrets.length > 0 ? JSON.stringify(t.secrets) : null,
    t.projectId,
    t.lane,
    t.traceParent ?? null,
  ];
}

/** What INSERT_TASK returned, as the submitter sees it: a task pushed to a worker is shown as
 *  submitted (PENDING), as a hand-off is. A PENDING one is for the caller to announce (at once,
 *  or in a transaction once it commits). */
export function insertedResult(row: Row): SubmitResult {
  const task = taskFromRow(row);
  if (task.status === 'RUNNING') return { task: asSubmitted(task), created: true, handedOff: true };
  return { task, created: true };
}
