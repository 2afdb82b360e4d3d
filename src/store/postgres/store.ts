/**
 * The scale-out Store: PostgreSQL through a connection pool, shared by any number of API and
 * worker processes. Claims lease with FOR UPDATE SKIP LOCKED, so concurrent claimers never wait
 * on each other's rows; wake-ups cross processes with LISTEN/NOTIFY. It behaves as the SQLite
 * store does, and shares its decisions (transitions.ts) and row mapping (row.ts: this
 * pool hands JSON columns back as text and BIGINTs as numbers, as node:sqlite does). Every time
 * comes from the store's clock: the host's corrected to the database server's (clock.ts), or an
 * injected one.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { ErrorCode, HangarError } from '../../errors/index.ts';
import { batchResults, idempotencyConflict, lanesWithNew, planBatch } from '../batch.ts';
import { auditFromRow, decodeCursor, depthFromRow, encodeCursor, feedFromRow, historyFromRow, keyFromRow, outputFromRow, projectFromRow, projectVersionFromRow, secretFromRow, scalingFromRow, timelineFromRow, alertFromRow, workerFromRow, taskFromRow, type Row } from '../row.ts';
import { decideExpiry, decideFinish, executionAuditEntry, expiryFailure, lostAttemptAuditEntry, wakesWorkers, type AttemptEnd } from '../transitions.ts';
import {
  systemClock,
  type ApiKey,
  type AttemptRef,
  type AuditEntry,
  type AuditFilter,
  type CancelResult,
  type ClaimOptions,
  type Clock,
  type Finished,
  type FinishedSince,
  finishedSinceFrom,
  KIND_SAMPLE,
  RECENT_KINDS,
  type HeartbeatResult,
  type FeedEntry,
  type HistoryEntry,
  type Lease,
  type ListFilter,
  type LocalTaker,
  type NewApiKey,
  type NewAuditEntry,
  type NewTask,
  type NewProject,
  type Outcome,
  type OutputChunk,
  type Project,
  type ProjectVersion,
  type RequestCount,
  type OutputCursor,
  type Page,
  type QueueDepth,
  type ReapResult,
  type RetryPolicy,
  type SecretRecord,
  type StatusCounts,
  type Store,
  type StoreCapabilities,
  type SubmitResult,
  type Task,
  type TaskFailure,
  type TaskStatus,
  type WorkerInfo,
  type WorkerRecord,
  type WorkerLoad,
  type TimelineBucket,
  type AlertState,
  type NewScalingEvent,
  type ScalingEvent,
} from '../types.ts';
import { CLOCK_SYNC_MS, DatabaseClock } from './clock.ts';
import { migrate } from './migrate.ts';

export interface PostgresStoreOptions {
  /** Connection URL, e.g. postgres://hangar@db:5432/hangar. */
  url: string;
  /** Schema holding the tables (created and migrated on start): a lower-case identifier of at
   *  most 50 characters. Default 'public'. */
  schema?: string;
  /** This host's clock (default the system's). */
  clock?: Clock;
  /** Keep time in the database server's clock: the host clock plus their measured offset,
   *  measured at open and every minute. Default: on unless a clock is injected (tests that
   *  drive time by hand keep it exact). */
  syncClock?: boolean;
  random?: () => number;
  retry?: RetryPolicy;
  /** Connections in the pool (default 10), plus one for LISTEN once someone subscribes. */
  poolSize?: number;
}

// Statements. Parameters are positional ($n) and listed above each one; snake_case here,
// camelCase in TypeScript.

/**
 * The fair-share rank of a new task of user $7 ('' for none): one more than the larger of the
 * fair clock and the user's last rank, recorded as the user's last rank. In the statement
 * that inserts the task, so the user's fair_users row is locked only from there to the commit:
 * submits of one user queue on that lock, and the shorter it is held, the more of them a
 * second (measured, 500 submits of one user in flight on a pool of 10 connections: 1.0k/s
 * with the rank taken by a statement of its own at the start of the transaction, 2.2k/s here).
 */
const RANK = `
rank AS (
  INSERT INTO fair_users (user_id, last_rank) VALUES (coalesce($7::text, ''), (SELECT rank FROM fair_clock WHERE id = 1) + 1)
  ON CONFLICT (user_id) DO UPDATE SET last_rank = greatest(fair_users.last_rank, (SELECT rank FROM fair_clock WHERE id = 1)) + 1
  RETURNING last_rank AS r)`;

/** The columns every new task sets, and their values: parameters $1 to $22 of INSERT_TASK,
 *  INSERT_TASK_LEASED and INSERT_TASK_OFFERED (the rank from RANK). */
const NEW_TASK_COLUMNS = `id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
    max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, created_at, run_after,
    network, image, secrets, project_id, lane, trace_parent, fair_rank, eff_priority`;
const NEW_TASK_VALUES = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $16,
    $17, $18, $19, $20, $21, $22, (SELECT r FROM rank), $6`;

/**
 * SQL for "a claim at `now` would take a ready task before a new one of priority `priority`
 * and fair-share rank `rank`": the head of the ready queue in claim order (ready_head,
 * migration 0011: one entry of tasks_ready) is ahead of it. The same as "some ready task has
 * a higher priority, or the same and a rank no later", for which the planner chose by its
 * statistics between a sequential scan of the table (finished tasks included) and a bitmap
 * scan of every match, so its cost could grow with the table.
 */
const readyAhead = (now: string, priority: string, rank: string) => `EXISTS (
  SELECT 1 FROM ready_head(${now}) head WHERE head.p > ${priority} OR (head.p = ${priority} AND head.r <= ${rank}))`;

/** Grouped submits (submitPlain): INSERT_TASKS statements in flight at once, and tasks in each. */
const GROUPS = 4;
const GROUP_MAX = 1000;

/** The reason of a pushed task's RUNNING history row. */
const PUSHED = 'pushed to an idle worker at submit';

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
const EARLY_COMMIT = `set_config('synchronous_commit', 'off', true)`;

/** A transaction that writes WAL (a transactional logical message, which any role may emit),
 *  so its commit waits for everything written before it to be flushed. */
const FLUSH = `SELECT pg_logical_emit_message(true, 'hangar', 'flush')`;

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
const INSERT_TASK = insertTaskSql(true);
const INSERT_TASK_IN_TX = insertTaskSql(false);

/** $1 to $21 as INSERT_TASK, then worker_id ($23): a task handed to a local worker as it is
 *  submitted (direct dispatch), inserted RUNNING, attempt 1, leased from created_at; with both
 *  history rows, and the fair clock advanced to its rank as a claim would. */
const INSERT_TASK_LEASED = `
WITH ${RANK},
t AS (
  INSERT INTO tasks (${NEW_TASK_COLUMNS}, status, attempt, worker_id, started_at, lease_expires_at)
  VALUES (${NEW_TASK_VALUES}, 'RUNNING', 1, $23, $16, $16::bigint + $9::integer * 1000)
  RETURNING *),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  VALUES ($1, $16, 'PENDING', 0, NULL, 'submitted'), ($1, $16, 'RUNNING', 1, $23, 'handed to an idle worker at submit')),
clock AS (UPDATE fair_clock SET rank = top.r FROM rank top WHERE id = 1 AND rank < top.r)
SELECT * FROM t`;

/** $1 to $21 as INSERT_TASK, then worker_id ($23): a submit offered to a local worker, in one
 *  statement. If no ready task should run first (priority, then fair share and FIFO, as a
 *  claim orders them), as INSERT_TASK_LEASED, committed early (EARLY_COMMIT); otherwise
 *  PENDING, as INSERT_TASK without its push. The returned row's status says which. */
const INSERT_TASK_OFFERED = `
WITH ${RANK},
ahead AS (SELECT ${readyAhead('$16', '$6', '(SELECT r FROM rank)')} AS yes),
t AS (
  INSERT INTO tasks (${NEW_TASK_COLUMNS}, status, attempt, worker_id, started_at, lease_expires_at)
  SELECT ${NEW_TASK_VALUES},
    CASE WHEN yes THEN 'PENDING' ELSE 'RUNNING' END, CASE WHEN yes THEN 0 ELSE 1 END,
    CASE WHEN yes THEN NULL ELSE $23::text END, CASE WHEN yes THEN NULL ELSE $16::bigint END,
    CASE WHEN yes THEN NULL ELSE $16::bigint + $9::integer * 1000 END
  FROM ahead
  RETURNING *),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT $1, $16, 'PENDING', 0, NULL, 'submitted'
  UNION ALL
  SELECT $1, $16, 'RUNNING', 1, $23, 'handed to an idle worker at submit' FROM ahead WHERE NOT yes),
clock AS (UPDATE fair_clock SET rank = top.r FROM rank top, ahead WHERE id = 1 AND rank < top.r AND NOT ahead.yes),
early AS (SELECT ${EARLY_COMMIT} FROM ahead WHERE NOT yes)
SELECT t.* FROM t LEFT JOIN early ON true`;

/** The new tasks of a batch as a JSON array ($1, one object per task, fields named as the
 *  columns, `i` its place in the batch), now ($2): inserted PENDING in batch order (so `seq`
 *  keeps it), each with its 'submitted' history row. Each user of the batch takes as many
 *  fair-share ranks as it has tasks there, in one upsert (users in a fixed order, so two
 *  batches of the same users cannot deadlock), and its tasks get them in batch order: the
 *  ranks one submit after another would have given them. */
const INSERT_TASKS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, id text, command text, args jsonb, shell text, queue text,
    priority integer, user_id text, timeout_s integer, visibility_timeout_s integer, max_attempts integer,
    idempotency_key text, request_hash text, resources jsonb, env jsonb, metadata jsonb, network text, image text,
    secrets jsonb, project_id text, lane text, trace_parent text)),
counts AS (SELECT coalesce(user_id, '') AS u, count(*) AS n FROM input GROUP BY 1),
ranks AS (
  INSERT INTO fair_users (user_id, last_rank)
  SELECT u, (SELECT rank FROM fair_clock WHERE id = 1) + n FROM counts ORDER BY u
  ON CONFLICT (user_id) DO UPDATE
    SET last_rank = greatest(fair_users.last_rank, (SELECT rank FROM fair_clock WHERE id = 1)) + excluded.last_rank - (SELECT rank FROM fair_clock WHERE id = 1)
  RETURNING user_id AS u, last_rank),
ranked AS (
  SELECT x.*, r.last_rank - c.n + row_number() OVER (PARTITION BY c.u ORDER BY x.i) AS fair_rank
  FROM input x JOIN counts c ON c.u = coalesce(x.user_id, '') JOIN ranks r ON r.u = c.u),
t AS (
  INSERT INTO tasks (${NEW_TASK_COLUMNS}, status)
  SELECT id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s, max_attempts, max_attempts,
    idempotency_key, request_hash, resources, env, metadata, $2::bigint, $2::bigint, network, image, secrets, project_id, lane,
    trace_parent, fair_rank, priority, 'PENDING'
  FROM ranked ORDER BY i
  RETURNING *),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT id, $2::bigint, 'PENDING', 0, NULL, 'submitted' FROM input ORDER BY i)
SELECT * FROM t`;

/** users ('' for none), idempotency keys (in step): the tasks that hold them. */
const SELECT_BY_IDEMPOTENCY_MANY = `
SELECT t.* FROM unnest($1::text[], $2::text[]) AS k(u, key)
JOIN tasks t ON coalesce(t.user_id, '') = k.u AND t.idempotency_key = k.key AND t.idempotency_key IS NOT NULL`;

/** priority, now, user ('' for none): is a task ready that a claim would take before a new
 *  task of this priority and user? Its rank is read, not taken: INSERT_TASK_LEASED takes it
 *  later in the transaction (a submit of the same user in between is not committed, so not
 *  ready either). */
const READY_AHEAD = `
SELECT 1 WHERE ${readyAhead('$2', '$1', '(SELECT greatest((SELECT rank FROM fair_clock WHERE id = 1), (SELECT last_rank FROM fair_users WHERE user_id = $3)) + 1)')}`;

/** user_id ('' for none), idempotency_key */
const SELECT_BY_IDEMPOTENCY = `SELECT * FROM tasks WHERE coalesce(user_id, '') = $1 AND idempotency_key = $2`;

/** id */
const SELECT_TASK = `SELECT * FROM tasks WHERE id = $1`;
const SELECT_TASK_FOR_UPDATE = `SELECT * FROM tasks WHERE id = $1 FOR UPDATE`;

/** id, attempt: the running attempt, locked, or nothing if the attempt is stale. */
const SELECT_RUNNING_ATTEMPT = `SELECT * FROM tasks WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' FOR UPDATE`;

/** task_id, at, status, attempt, worker_id, reason */
const INSERT_HISTORY = `INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason) VALUES ($1, $2, $3, $4, $5, $6)`;

/** The end of every claim statement: lease the rows of `picked` to worker $1 at now $2, write
 *  their history rows, and advance the fair clock to the highest rank leased. In the claim's one
 *  statement, so the clock row, which every claim updates, is held only for its commit. */
const LEASE_PICKED = `
claimed AS (
  UPDATE tasks t SET status = 'RUNNING', attempt = t.attempt + 1, worker_id = $1::text, started_at = $2::bigint,
    lease_expires_at = $2::bigint + t.visibility_timeout_s * 1000
  FROM picked WHERE t.seq = picked.seq
  RETURNING t.*),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT id, $2, 'RUNNING', attempt, $1, NULL FROM claimed),
clock AS (
  UPDATE fair_clock SET rank = top.rank FROM (SELECT max(fair_rank) AS rank FROM claimed) top
  WHERE fair_clock.id = 1 AND fair_clock.rank < top.rank)
SELECT * FROM claimed`;

/** worker_id, now (started_at, lease base and run_after bound), limit, queues (null for all).
 *  Highest (effective, aged) priority first, then fair share between users (fair_rank), then
 *  FIFO (seq); rows another claim holds are skipped, not waited for (ready_tasks, migration
 *  0002). RETURNING does not keep this order. */
const CLAIM = `
WITH picked AS (SELECT seq FROM ready_tasks($2, $3, $4::text[], NULL)),
${LEASE_PICKED}`;

/** worker_id, now, seqs: lease exactly these tasks (locked by READY_CANDIDATES). */
const CLAIM_SEQS = `
WITH picked AS (SELECT seq FROM tasks WHERE seq = ANY($3::bigint[]) AND status = 'PENDING'),
${LEASE_PICKED}`;

/** now, limit, users at their running limit, queues (null for all): ready tasks in claim order,
 *  locked, for a claim that enforces a per-user running limit (the caller picks within it). */
const READY_CANDIDATES = `SELECT seq, user_id FROM ready_tasks($1, $2, $4::text[], $3::text[])`;

/** First key of the per-user limits' advisory lock ('hgr' 2); the second is the schema's hash. */
const USER_LIMITS_LOCK = 0x68677202;

/** USER_LIMITS_LOCK, schema: serializes what counts RUNNING tasks per user before leasing
 *  (limited claims and hand-offs), so two of them cannot both take a user's last slot. Held
 *  until commit. */
const LOCK_USER_LIMITS = `SELECT pg_advisory_xact_lock($1, hashtext($2))`;

/** RUNNING tasks per user ('' for none). */
const RUNNING_BY_USER = `SELECT coalesce(user_id, '') AS u, count(*) AS n FROM tasks WHERE status = 'RUNNING' GROUP BY user_id`;

/** user_id (null for none): that user's RUNNING tasks. */
const COUNT_RUNNING_OF = `SELECT count(*) AS n FROM tasks WHERE status = 'RUNNING' AND user_id IS NOT DISTINCT FROM $1::text`;

/** user_id, max: a user's PENDING and RUNNING tasks, each counted up to max (partial indexes). */
const USER_LOAD = `
SELECT (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE user_id = $1 AND status = 'PENDING' LIMIT $2) p) AS pending,
       (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE user_id = $1 AND status = 'RUNNING' LIMIT $2) r) AS running`;

/** now, worker_id, task ids, attempts (the last two in step), a cutoff or null: refresh the
 *  worker's liveness and extend the leases it still holds; returns those, and (stray) the
 *  leases it holds but did not list that were granted before the cutoff. */
const EXTEND_LEASES = `
WITH seen AS (UPDATE workers SET last_seen = $1 WHERE id = $2),
extended AS (
  UPDATE tasks t SET lease_expires_at = $1 + t.visibility_timeout_s * 1000
  FROM unnest($3::text[], $4::integer[]) AS a(id, attempt)
  WHERE t.id = a.id AND t.attempt = a.attempt AND t.worker_id = $2 AND t.status = 'RUNNING'
  RETURNING t.id, t.attempt, t.cancel_requested
)
SELECT id, attempt, cancel_requested, false AS stray FROM extended
UNION ALL
SELECT t.id, t.attempt, false, true FROM tasks t
WHERE $5::bigint IS NOT NULL AND t.status = 'RUNNING' AND t.worker_id = $2 AND t.started_at < $5
  AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::integer[]) AS a(id, attempt) WHERE a.id = t.id AND a.attempt = t.attempt)`;

/** status, completed_at, dead_lettered, summary, failure, result_key, stdout_key, stderr_key,
 *  id, attempt, result, reason, and the execution's audit entry: at (null: none), actor,
 *  source, outcome, detail. A final outcome whose effect does not depend on the row (success,
 *  timeout, cancel), fenced by attempt, with its history row and audit entry. Returns the
 *  task's lane; no row means the attempt was stale (and nothing was written). */
const FINISH_FENCED = `
WITH done AS (
  UPDATE tasks SET status = $1, completed_at = $2, lease_expires_at = NULL, dead_lettered = $3, summary = $4,
    failure = $5, result_key = $6, stdout_key = $7, stderr_key = $8, result = $11
  WHERE id = $9 AND attempt = $10 AND status = 'RUNNING'
  RETURNING worker_id, lane),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT $9, $2, $1, $10, worker_id, $12 FROM done),
audit AS (
  INSERT INTO audit_log (at, actor, key_id, action, target, source, outcome, detail)
  SELECT $13::bigint, $14::text, NULL, 'task.execute', $9, $15::text, $16::text, $17::jsonb FROM done WHERE $13::bigint IS NOT NULL)
SELECT lane FROM done`;

/** As FINISH_FENCED for several attempts in one statement, each parameter an array (one entry
 *  per attempt, same order as FINISH_FENCED's). Returns the ids (and lanes) of the attempts it ended. */
const FINISH_FENCED_MANY = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::jsonb[], $5::jsonb[], $6::text[], $7::text[], $8::text[],
    $9::text[], $10::integer[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::jsonb[])
    AS i(status, completed_at, dead, summary, failure, result_key, stdout_key, stderr_key, id, attempt, result, reason,
      audit_at, actor, source, audit_outcome, detail)),
done AS (
  UPDATE tasks t SET status = i.status, completed_at = i.completed_at, lease_expires_at = NULL, dead_lettered = i.dead,
    summary = i.summary, failure = i.failure, result_key = i.result_key, stdout_key = i.stdout_key, stderr_key = i.stderr_key,
    result = i.result
  FROM input i WHERE t.id = i.id AND t.attempt = i.attempt AND t.status = 'RUNNING'
  RETURNING t.id, t.lane, t.worker_id, i.status, i.completed_at, i.attempt, i.reason, i.audit_at, i.actor, i.source, i.audit_outcome, i.detail),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT id, completed_at, status, attempt, worker_id, reason FROM done),
audit AS (
  INSERT INTO audit_log (at, actor, key_id, action, target, source, outcome, detail)
  SELECT audit_at, actor, NULL, 'task.execute', id, source, audit_outcome, detail FROM done WHERE audit_at IS NOT NULL)
SELECT id, lane FROM done`;

/** status, completed_at, run_after, dead_lettered, summary, failure, result, result_key,
 *  stdout_key, stderr_key, id, now, worker_id and reason of the history row. worker_id is kept:
 *  it names the last worker. A retry that must wait goes in backoff (migration 0014). */
const END_ATTEMPT = `
WITH t AS (
  UPDATE tasks SET status = $1, completed_at = $2, run_after = $3, lease_expires_at = NULL, dead_lettered = $4,
    in_backoff = ($1::text = 'PENDING' AND $3::bigint > $12::bigint),
    summary = $5, failure = $6, result = $7, result_key = $8, stdout_key = $9, stderr_key = $10
  WHERE id = $11
  RETURNING *),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT id, $12, status, attempt, $13, $14 FROM t)
SELECT * FROM t`;

/** now, id: give a leased attempt back. The attempt number stays (fencing needs it monotonic);
 *  the budget grows back by one. */
const RELEASE = `
UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_expires_at = NULL, run_after = $1, in_backoff = false,
  attempt_limit = attempt_limit + 1 WHERE id = $2`;

/** How often a store looks at whether the task table's planner statistics are stale. */
const STATISTICS_EVERY_MS = 15_000;

/** First key of the advisory lock under which one store at a time refreshes them ('hgr' 3). */
const STATISTICS_LOCK = 0x68677203;

/** schema: are the task table's planner statistics stale, as autovacuum's analyze threshold
 *  reckons (more than 10 % of its rows, and at least 1,000, changed since the last ANALYZE)? */
const STALE_STATISTICS = `
SELECT s.n_mod_since_analyze > greatest(1000, 0.1 * greatest(c.reltuples, 0)) AS stale
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = $1 AND s.relname = 'tasks'`;

/** stale-worker cutoff: forget workers not seen since; returns their ids. First in a reap, so
 *  a reap takes worker rows before task rows, in the order a heartbeat does. */
const DELETE_STALE_WORKERS = `DELETE FROM workers WHERE last_seen < $1 RETURNING id`;

/** now, stale workers: leases past their time or held by those workers, locked; rows another
 *  reaper holds are skipped. */
const SELECT_EXPIRED = `
SELECT * FROM tasks WHERE status = 'RUNNING' AND (lease_expires_at <= $1 OR worker_id = ANY($2::text[]))
FOR UPDATE SKIP LOCKED`;

/** now, id */
const REDRIVE = `
UPDATE tasks SET status = 'PENDING', dead_lettered = false, cancel_requested = false, completed_at = NULL,
  worker_id = NULL, run_after = $1, in_backoff = false, attempt_limit = attempt + max_attempts WHERE id = $2 RETURNING *`;

/** now, id */
const CANCEL_PENDING = `UPDATE tasks SET status = 'CANCELLED', completed_at = $1, cancel_requested = true, in_backoff = false WHERE id = $2 RETURNING *`;

/** END_BACKOFFS: tasks moved per statement, and how often a claim runs it whatever it knows. */
const END_BACKOFFS_MAX = 1000;
const END_BACKOFFS_EVERY_MS = 1000;

/** now, limit: PENDING tasks whose backoff has ended go back to the ready queue (tasks_ready),
 *  the earliest first; rows another statement holds are left for next time. */
const END_BACKOFFS = `
UPDATE tasks SET in_backoff = false WHERE seq IN (
  SELECT seq FROM tasks WHERE status = 'PENDING' AND in_backoff AND run_after <= $1 ORDER BY run_after LIMIT $2
  FOR UPDATE SKIP LOCKED)`;

/** id, max: PENDING tasks that task waits behind, counted up to max; 0 for an unknown task
 *  (tasks_ahead, migration 0011: before it, one join with an OR that the planner answered by
 *  scanning the table, measured at 6-7 ms per submit with 20,000 tasks queued). */
const COUNT_AHEAD = `SELECT tasks_ahead($1, $2) AS n`;

/** now, step ms: each ready PENDING task's effective priority becomes its priority plus one per
 *  step it has waited since it became ready, up to 10. Rows a claim holds are left for next time. */
const AGE_PRIORITIES = `
UPDATE tasks SET eff_priority = least(10, priority + ($1::bigint - run_after) / $2::bigint)
WHERE seq IN (
  SELECT seq FROM tasks WHERE status = 'PENDING' AND eff_priority < 10
    AND run_after <= $1::bigint - $2::bigint AND eff_priority < least(10, priority + ($1::bigint - run_after) / $2::bigint)
  FOR UPDATE SKIP LOCKED)`;

/** window start, sample, kind sample, kinds: the latest completions (at most `sample`), and per
 *  command among the latest `kind sample` (the `kinds` most frequent). */
const FINISHED_SINCE = `
SELECT NULL::text AS command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
  SELECT completed_at, started_at FROM tasks WHERE completed_at >= $1 ORDER BY completed_at DESC LIMIT $2) recent
UNION ALL
SELECT * FROM (SELECT command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
    SELECT command, completed_at, started_at FROM tasks WHERE completed_at >= $1 ORDER BY completed_at DESC LIMIT $3) latest
  GROUP BY command ORDER BY n DESC LIMIT $4) kinds`;

/** cutoff, limit: delete finished tasks completed before the cutoff, and their history. */
const PURGE_FINISHED = `
WITH gone AS (
  DELETE FROM tasks WHERE seq IN (
    SELECT seq FROM tasks WHERE completed_at < $1 AND status IN ('SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED') LIMIT $2)
  RETURNING id),
history AS (DELETE FROM task_history WHERE task_id IN (SELECT id FROM gone)),
output AS (DELETE FROM task_output WHERE task_id IN (SELECT id FROM gone))
SELECT id FROM gone`;

/** Chunks as arrays in step (task_id, attempt, seq, stream, data, at). A chunk already stored
 *  is kept as it was. Followers elsewhere are told once it has committed (outputNow). */
const APPEND_OUTPUT = `
INSERT INTO task_output (task_id, attempt, seq, stream, data, at)
SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::text[], $5::bytea[], $6::bigint[])
ON CONFLICT DO NOTHING`;

/** task id, cursor attempt and seq, limit */
const READ_OUTPUT = `
SELECT * FROM task_output WHERE task_id = $1 AND (attempt > $2 OR (attempt = $2 AND seq > $3))
ORDER BY attempt, seq LIMIT $4`;

/** A notification's payload is at most 8000 bytes: past this many characters of task ids, it
 *  says '*' (every follower looks). */
const MAX_NOTIFY_IDS = 7000;

/** project_id, version, created_at, base_version, task_id, blob_key, files, bytes, conflicts:
 *  the version, if the project's latest is still version - 1 (one row back), else nothing. */
const ADD_PROJECT_VERSION = `
WITH moved AS (UPDATE projects SET latest_version = $2 WHERE id = $1 AND latest_version = $2 - 1 RETURNING id)
INSERT INTO project_versions (project_id, version, created_at, base_version, task_id, blob_key, files, bytes, conflicts)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb FROM moved
RETURNING version`;

/** channel, payload (the sending store's id). Delivered when the transaction commits. */
/** channels, payloads (arrays in step): wake-ups sent after the commits they announce. */
const NOTIFY = `SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS x(c, p)`;

/** worker_id, gen, slots, change in slots, queues (null for all), listener_pid, expires_at: a
 *  worker's offer (worker_offers). Within one generation the change is added, so that pushes
 *  committed meanwhile, whose notifications are still on their way, stay counted; a new
 *  generation (after a withdrawal or a failed write) sets the slots outright. */
const UPSERT_OFFER = `
INSERT INTO worker_offers (worker_id, gen, slots, queues, listener_pid, expires_at) VALUES ($1, $2, $3, $5, $6, $7)
ON CONFLICT (worker_id) DO UPDATE SET
  slots = CASE WHEN worker_offers.gen = EXCLUDED.gen THEN greatest(0, worker_offers.slots + $4::integer) ELSE EXCLUDED.slots END,
  gen = EXCLUDED.gen, queues = EXCLUDED.queues, listener_pid = EXCLUDED.listener_pid, expires_at = EXCLUDED.expires_at`;

/** worker_id */
const DELETE_OFFER = `DELETE FROM worker_offers WHERE worker_id = $1`;

/** id, worker_id: a task pushed to that worker at submit, if it still holds it. */
const SELECT_PUSHED = `SELECT * FROM tasks WHERE id = $1 AND worker_id = $2 AND attempt = 1 AND status = 'RUNNING'`;

/** worker ids, since: tasks pushed to those workers at or after `since` that they still hold in
 *  their first attempt; their notifications may have been lost with a LISTEN session. */
const SELECT_PUSHED_SINCE = `
SELECT t.* FROM tasks t
WHERE t.status = 'RUNNING' AND t.attempt = 1 AND t.worker_id = ANY($1::text[]) AND t.started_at >= $2
  AND EXISTS (SELECT 1 FROM task_history h WHERE h.task_id = t.id AND h.attempt = 1 AND h.reason = '${PUSHED}')`;

/** How long a pushed task is remembered as handed over (so a late notification and a search
 *  after a lost LISTEN session cannot both hand it over), ms. */
const ADOPTED_MEMORY_MS = 60_000;

/** A push notification heard within this many ms of its submit is trusted as it is; a later
 *  one is checked against the task's row first. */
const PUSH_FRESH_MS = 1000;

/** How long a withdrawn offer's pushes are still recognized as this process's, ms. */
const PUSH_GRACE_MS = 10_000;

/** A local taker's offer of free slots to other processes' submits (push dispatch). */
interface Offer {
  /** Slots the taker wants offered. */
  want: number;
  /** Slots the row holds, counting pushes whose notification has not arrived as not taken. */
  have: number;
  /** Generation of the row: pushes name it, so those of a withdrawn offer are not counted. */
  gen: number;
  /** A write failed: the row's state is unknown until the next write. */
  unknown: boolean;
  ttlMs: number;
  /** When the row's expiry was last pushed back (clock ms). */
  refreshedAt: number;
  /** A row may exist (written since the last delete). */
  written: boolean;
  /** The listener session the row names. */
  pid: number | null;
  writing: boolean;
  /** Its taker is gone and it is about to be forgotten. */
  forgetting: boolean;
}

/** Parameters of entries to append, one array per column, in step. Ids follow the array order. */
const APPEND_AUDIT = `
INSERT INTO audit_log (at, actor, key_id, action, target, source, outcome, detail)
SELECT at, actor, key_id, action, target, source, outcome, detail
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
  WITH ORDINALITY AS e(at, actor, key_id, action, target, source, outcome, detail, n)
ORDER BY n`;

/** now, window ms, keys, counts (in step): add each count to its key's window, which starts
 *  again at now once past its end; returns every key's window start and total. */
const COUNT_REQUESTS = `
INSERT INTO rate_counts AS r (key, started_at, n)
SELECT k, $1::bigint, c FROM unnest($3::text[], $4::integer[]) AS x(k, c)
ON CONFLICT (key) DO UPDATE SET
  started_at = CASE WHEN r.started_at + $2::bigint <= $1::bigint THEN $1::bigint ELSE r.started_at END,
  n = CASE WHEN r.started_at + $2::bigint <= $1::bigint THEN excluded.n ELSE r.n + excluded.n END
RETURNING key, started_at, n`;

/** keys: their windows' starts and totals. */
const READ_REQUEST_COUNTS = `SELECT key, started_at, n FROM rate_counts WHERE key = ANY($1::text[])`;

/** cutoff: forget the windows that ended before it. */
const PRUNE_REQUEST_COUNTS = `DELETE FROM rate_counts WHERE started_at < $1`;

/** user_id, name, ciphertext, now. `created`: the row is new (xmax is 0 for a fresh insert). */
const PUT_SECRET = `
INSERT INTO secrets (user_id, name, ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (user_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at
RETURNING *, (xmax = 0) AS created`;

/** BIGINT as a number (times are ms since the epoch), JSON as its text (row.ts parses it, and
 *  `result` is kept as text); the rest as pg's defaults. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8) return Number;
    if (oid === pg.types.builtins.JSON || oid === pg.types.builtins.JSONB) return (text: string) => text;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** A transaction on one pooled connection. */
interface Tx {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs once the transaction has ended, committed or not. */
  onEnd(fn: (committed: boolean) => void): void;
}

/** Names of the statements sent so far, by text. */
const statementNames = new Map<string, string>();

/** FINISH_FENCED's audit parameters: at (null for none), actor, source, outcome, detail. */
function finishAuditParams(taskId: string, outcome: Outcome, next: TaskStatus): unknown[] {
  if (!outcome.audit) return [null, null, null, null, null];
  const e = executionAuditEntry(taskId, outcome.audit, next);
  return [e.at, e.actor, e.source, e.outcome, JSON.stringify(e.detail)];
}

/** APPEND_AUDIT's parameters. */
function auditColumns(entries: NewAuditEntry[]): unknown[][] {
  const column = <T>(f: (e: NewAuditEntry) => T) => entries.map(f);
  return [
    column((e) => e.at),
    column((e) => e.actor),
    column((e) => e.keyId),
    column((e) => e.action),
    column((e) => e.target),
    column((e) => e.source),
    column((e) => e.outcome),
    column((e) => (e.detail ? JSON.stringify(e.detail) : null)),
  ];
}

/**
 * A statement as a named prepared statement: each connection parses it once and, after a few
 * runs, reuses one plan, instead of parsing and planning it on every call (measured: a claim
 * of 10 went from 1.46 to 1.08 ms, a submit from 1.4 to 1.0 ms). The statements here are
 * constants or built from a handful of fixed parts, so connections keep few of them.
 */
function prepared(text: string, values?: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `hangar_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

export class PostgresStore implements Store {
  readonly capabilities: StoreCapabilities = { crossProcessWakeups: true };
  private readonly pool: pg.Pool;
  private readonly connection: pg.ClientConfig;
  private readonly schema: string;
  private readonly channel: string;
  /** Where appended output is announced: "<instance> <task id> <task id> ..." or "<instance> *". */
  private readonly outputChannel: string;
  /** Payload of this store's notifications, so its own LISTEN ignores them (it woke locally). */
  private readonly instance = randomUUID();
  private readonly migrated: Promise<void>;
  private readonly clock: Clock;
  private readonly dbClock: DatabaseClock | null;
  private clockTimer: NodeJS.Timeout | null = null;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private readonly wake = new EventEmitter();
  private readonly takers: LocalTaker[] = [];
  private listener: pg.Client | null = null;
  /** Backend pid of the LISTEN session once it listens: offers name it. */
  private listenerPid: number | null = null;
  /** Offers of local takers' free slots, by worker id (push dispatch). */
  private readonly offers = new Map<string, Offer>();
  private offerGen = 0;
  /** Notices for other processes, sent on the next turn of the event loop (scheduleNotices). */
  private readyToAnnounce = false;
  private keysToAnnounce = false;
  private readonly outputToAnnounce = new Set<string>();
  private noticesScheduled = false;
  private noticesInFlight = false;
  /** The earliest end of a backoff this store knows of (its own retries, nextRunAfter), and
   *  when END_BACKOFFS last ran: see endBackoffs. */
  private backoffEndsAt = 0;
  private backoffsEndedAt = 0;
  /** When the LISTEN session was lost, while offers stood: pushes since may not have been heard. */
  private listenLostAt: number | null = null;
  /** Pushed tasks handed over (or released) lately, with when, oldest first. */
  private readonly adopted = new Map<string, number>();
  /** Final outcomes waiting for this tick's shared statement (finishFinal). */
  private readonly finishing: { params: unknown[]; finished: Finished; resolve: (f: Finished | null) => void; reject: (err: unknown) => void }[] = [];
  /** Plain submits (submitPlain) running as a statement of their own. */
  private plainInFlight = 0;
  /** Plain submits waiting to share one INSERT_TASKS (flushGroup). */
  private readonly grouped: { t: NewTask; resolve: (r: SubmitResult) => void; reject: (err: unknown) => void }[] = [];
  private groupsInFlight = 0;
  private groupScheduled = false;
  private closed = false;
  /** When keepStatistics last looked. */
  private statisticsCheckedAt = 0;

  constructor(opts: PostgresStoreOptions) {
    const schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,49}$/.test(schema)) {
      throw new Error(`schema '${schema}' is not a lower-case identifier of at most 50 characters`);
    }
    this.schema = schema;
    this.channel = `hangar_ready_${schema}`;
    this.outputChannel = `hangar_output_${schema}`;
    // TCP keepalive (first probe after a minute idle) holds the pool's idle connections and the
    // LISTEN session through middleboxes that drop idle flows, and lets a dropped one be seen.
    // `hangar <schema>` in pg_stat_activity: whose connections these are.
    this.connection = {
      connectionString: opts.url,
      options: `-c search_path=${schema}`,
      application_name: `hangar ${schema}`,
      types: TYPES,
      keepAlive: true,
      keepAliveInitialDelayMillis: 60_000,
    };
    // Connections stay open once made (pg-pool closes idle ones after 10 s by default): a new
    // one starts with cold caches, and its first claim took 30 ms more than a warm one's
    // (measured, 10 at once after an 11 s pause: 39.5 ms against 9). Idle ones do not keep
    // the process alive.
    this.pool = new pg.Pool({ ...this.connection, max: opts.poolSize ?? 10, idleTimeoutMillis: 0, allowExitOnIdle: true });
    // An idle connection that breaks is dropped from the pool; the next query opens another.
    this.pool.on('error', () => {});
    // One that breaks while checked out fails its query (which reports it); the client's own
    // 'error' event must not go unheard, or it ends the process.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.dbClock = (opts.syncClock ?? !opts.clock) ? new DatabaseClock(opts.clock ?? systemClock) : null;
    this.clock = this.dbClock ?? opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.retry = opts.retry ?? { baseMs: 1000, maxMs: 300_000 };
    this.wake.setMaxListeners(0);
    const clock = this.dbClock;
    this.migrated = migrate(this.pool, schema, this.clock.now()).then(async () => {
      if (!clock) return;
      await clock.sync(this.pool);
      this.clockTimer = setInterval(() => void clock.sync(this.pool).catch(() => {}), CLOCK_SYNC_MS);
      this.clockTimer.unref();
    });
    // Not unhandled: every query awaits it and reports the failure.
    this.migrated.catch(() => {});
  }

  /** A store whose schema is migrated: fails here, not on the first call, if the database is not usable. */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(opts);
    try {
      await store.migrated;
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  private async query(sql: string, params?: unknown[]): Promise<pg.QueryResult<Row>> {
    await this.migrated;
    try {
      return await this.pool.query<Row>(prepared(sql, params));
    } catch (err) {
      throw unavailable(err);
    }
  }

  private async rows(sql: string, params?: unknown[]): Promise<Row[]> {
    return (await this.query(sql, params)).rows;
  }

  /** Runs `fn` between BEGIN and COMMIT on one connection; ROLLBACK if it throws. */
  private async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrated;
    try {
      return await this.txOnce(fn);
    } catch (err) {
      throw unavailable(err);
    }
  }

  private async txOnce<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const ends: ((committed: boolean) => void)[] = [];
    let committed = false;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn({ query: async (sql, params) => (await client.query<Row>(prepared(sql, params))).rows, onEnd: (f) => ends.push(f) });
      await client.query('COMMIT');
      committed = true;
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
      for (const f of ends) f(committed);
    }
  }

  /** Calls the listener when tasks may have become ready, here or in another process. */
  subscribe(listener: () => void): () => void {
    this.wake.on('ready', listener);
    this.listen();
    return () => this.wake.off('ready', listener);
  }

  /** Opens the LISTEN connection, once; again a second after it drops while anyone listens
   *  (waking them then: notifications sent meanwhile are lost). */
  private listen(): void {
    if (this.listener || this.closed) return;
    const client = new pg.Client(this.connection);
    this.listener = client;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = null;
      if (this.offers.size > 0) this.listenLostAt ??= this.clock.now();
      this.listenerPid = null;
      // Pushes to this process are no longer heard: offers go (a submit checks the session too).
      this.syncOffers();
      client.end().catch(() => {});
      // Revocations announced meanwhile are not heard: key caches start again.
      this.wake.emit('keys');
      if (this.closed || this.wake.listenerCount('ready') + this.wake.listenerCount('output') + this.wake.listenerCount('keys') + this.offers.size === 0) return;
      setTimeout(() => {
        this.listen();
        this.wakeLocal();
      }, 1000).unref();
    };
    client.on('notification', (n) => {
      if (n.channel === this.outputChannel) {
        const [from, ...ids] = (n.payload ?? '').split(' ');
        if (from !== this.instance) for (const id of ids) this.wake.emit('output', id);
      } else if (n.payload?.startsWith('push ')) this.onPush(n.payload);
      else if (n.payload?.startsWith('keys ')) {
        if (n.payload !== `keys ${this.instance}`) this.wake.emit('keys');
      } else if (n.payload !== this.instance) this.wakeLocal();
    });
    client.on('error', lost);
    client.on('end', lost);
    client
      .connect()
      .then(() => client.query(`LISTEN ${this.channel}; LISTEN ${this.outputChannel}`))
      .then(() => {
        if (this.listener !== client) return;
        // Revocations announced before this session listened were not heard.
        this.wake.emit('keys');
        this.listenerPid = (client as unknown as { processID: number | null }).processID;
        this.syncOffers();
        if (this.listenLostAt !== null) {
          const since = this.listenLostAt - PUSH_GRACE_MS;
          this.listenLostAt = null;
          void this.adoptUnheard(since);
        }
      })
      .catch(lost);
  }

  private wakeLocal(): void {
    this.wake.emit('ready');
  }

  /** Once `tx` commits: wakes this process's listeners, and other processes' (readyNow). */
  private async notifyReady(tx: Tx): Promise<void> {
    tx.onEnd((committed) => {
      if (committed) this.readyNow();
    });
  }

  /** Tasks became ready (committed): this process's listeners now, other processes' next. */
  private readyNow(): void {
    this.wakeLocal();
    this.readyToAnnounce = true;
    this.scheduleNotices();
  }

  /** Output appended to these tasks, or their attempt ended (committed): this process's
   *  followers now, other processes' next. */
  private outputNow(ids: Iterable<string>): void {
    for (const id of ids) {
      this.wake.emit('output', id);
      this.outputToAnnounce.add(id);
    }
    this.scheduleNotices();
  }

  /**
   * Other processes hear of what committed with a NOTIFY statement of its own, sent on the next
   * turn of the event loop, never from inside the transactions: PostgreSQL holds a global lock
   * from a transaction's NOTIFY until its commit is flushed, which made every submit wait for
   * the previous one's fsync (measured, 10 connections inserting: 4.5k rows/s with the NOTIFY
   * inside the insert, 12.5k with one sent after each turn). A NOTIFY's commit is flushed too,
   * so one statement is in flight at a time: what commits meanwhile goes in the next. A
   * process that dies between a commit and its notice loses the wake-up: workers find the task
   * at their fallback poll, followers at theirs. A push (INSERT_TASK) is the exception: its
   * notification is its delivery, so it stays in the transaction.
   */
  private scheduleNotices(): void {
    if (this.noticesScheduled || this.noticesInFlight || this.closed) return;
    this.noticesScheduled = true;
    setImmediate(() => {
      this.noticesScheduled = false;
      const channels: string[] = [];
      const payloads: string[] = [];
      if (this.readyToAnnounce) {
        this.readyToAnnounce = false;
        channels.push(this.channel);
        payloads.push(this.instance);
      }
      if (this.keysToAnnounce) {
        this.keysToAnnounce = false;
        channels.push(this.channel);
        payloads.push(`keys ${this.instance}`);
      }
      if (this.outputToAnnounce.size > 0) {
        const listed = [...this.outputToAnnounce].join(' ');
        this.outputToAnnounce.clear();
        channels.push(this.outputChannel);
        payloads.push(`${this.instance} ${listed.length <= MAX_NOTIFY_IDS ? listed : '*'}`);
      }
      if (channels.length === 0) return;
      this.noticesInFlight = true;
      this.query(NOTIFY, [channels, payloads])
        // Unreachable database: the listeners' fallback polls cover it.
        .catch(() => {})
        .finally(() => {
          this.noticesInFlight = false;
          if (this.readyToAnnounce || this.keysToAnnounce || this.outputToAnnounce.size > 0) this.scheduleNotices();
        });
    });
  }

  async submit(t: NewTask): Promise<SubmitResult> {
    const r = await this.submitOne(t);
    this.announceLanes(lanesWithNew([t], [r]));
    return r;
  }

  async submitMany(tasks: NewTask[]): Promise<SubmitResult[]> {
    const results = await this.submitBatch(tasks);
    this.announceLanes(lanesWithNew(tasks, results));
    return results;
  }

  /** A lane has a new task: its followers (a terminal's) look, here and in other processes. */
  private announceLanes(lanes: string[]): void {
    this.outputNow(lanes.map((l) => `lane:${l}`));
  }

  private async submitOne(t: NewTask): Promise<SubmitResult> {
    // Nothing to read first (no idempotency key to look up, no local worker to hand it to):
    // one statement, committed on its own.
    if (!t.idempotencyKey) {
      const takers = this.takersFor(t);
      if (takers.length === 0) return this.submitPlain(t);
      // Per-user running limits need counts read under a lock: the transaction below.
      if (takers.every((k) => (k.maxRunningPerUser ?? 0) <= 0)) return this.offer(t, takers);
    }
    try {
      return await this.tx((tx) => this.insertTask(tx, t));
    } catch (err) {
      // A concurrent submit with the same key committed first: answer as if it had come first.
      if (t.idempotencyKey && isUniqueViolation(err, 'tasks_idempotency')) return this.tx((tx) => this.insertTask(tx, t));
      throw err;
    }
  }

  private async submitBatch(tasks: NewTask[]): Promise<SubmitResult[]> {
    if (tasks.length === 0) return [];
    const keyed = tasks.filter((t) => t.idempotencyKey);
    if (keyed.length === 0) {
      const plan = planBatch(tasks, () => undefined);
      const results = batchResults(plan, await this.insertTasks((sql, params) => this.rows(sql, params), plan.inserts));
      this.readyNow();
      return results;
    }
    const once = () =>
      this.tx(async (tx) => {
        const found = new Map<string, Task>();
        for (const row of await tx.query(SELECT_BY_IDEMPOTENCY_MANY, [keyed.map((t) => t.userId ?? ''), keyed.map((t) => t.idempotencyKey)])) {
          found.set(`${row.user_id ?? ''}\0${row.idempotency_key}`, taskFromRow(row));
        }
        const plan = planBatch(tasks, (user, key) => found.get(`${user}\0${key}`));
        return batchResults(plan, await this.insertTasks(tx.query, plan.inserts));
      });
    let results: SubmitResult[];
    try {
      results = await once();
    } catch (err) {
      // A concurrent submit with one of the keys committed first: answer as if it had come first.
      if (!isUniqueViolation(err, 'tasks_idempotency')) throw err;
      results = await once();
    }
    if (results.some((r) => r.created)) this.readyNow();
    return results;
  }

  /** INSERT_TASKS through `run` (a transaction's or the pool's); the caller wakes the workers
   *  once it has committed. Returns the tasks in `tasks`' order. */
  private async insertTasks(run: (sql: string, params: unknown[]) => Promise<Row[]>, tasks: NewTask[]): Promise<Task[]> {
    if (tasks.length === 0) return [];
    const input = tasks.map((t, i) => ({
      i, id: t.id, command: t.command, args: t.args, shell: t.shell, queue: t.queue, priority: t.priority, user_id: t.userId,
      timeout_s: t.timeout, visibility_timeout_s: t.visibilityTimeout, max_attempts: t.maxAttempts,
      idempotency_key: t.idempotencyKey, request_hash: t.requestHash, resources: t.resources, env: t.env, metadata: t.metadata,
      network: t.network, image: t.image, secrets: t.secrets.length > 0 ? t.secrets : null, project_id: t.projectId,
      lane: t.lane, trace_parent: t.traceParent ?? null,
    }));
    const byId = new Map<string, Task>();
    for (const row of await run(INSERT_TASKS, [JSON.stringify(input), this.clock.now()])) byId.set(String(row.id), taskFromRow(row));
    return tasks.map((t) => byId.get(t.id) as Task);
  }

  /**
   * A submit with nothing to read first and no local worker to offer it to. Alone, it is
   * INSERT_TASK (which may push it to an idle worker elsewhere), committed on its own. While
   * one is in flight, those that follow share INSERT_TASKS statements, up to GROUPS of them in
   * flight and GROUP_MAX tasks each (what arrives meanwhile waits for the next): a submit's
   * cost in PostgreSQL is mostly the statement's, not the row's (measured, 100 submits in
   * flight: ~2-3k/s one statement each, whatever the users and the pool size, with PostgreSQL
   * on the CPU; a batch of 100 in one statement, ~25k tasks/s). Grouped tasks go in PENDING
   * and are claimed, never pushed: under such load the workers are busy anyway. A group of
   * one (two submits that merely overlapped) is an INSERT_TASK, so it may still be pushed.
   */
  private async submitPlain(t: NewTask): Promise<SubmitResult> {
    if (this.plainInFlight > 0) {
      return new Promise((resolve, reject) => {
        this.grouped.push({ t, resolve, reject });
        this.scheduleGroup();
      });
    }
    this.plainInFlight++;
    try {
      return await this.insertAlone(t);
    } finally {
      this.plainInFlight--;
    }
  }

  /** INSERT_TASK committed on its own: pushed to an idle worker (answered once on disk), or
   *  PENDING and announced. */
  private async insertAlone(t: NewTask): Promise<SubmitResult> {
    const result = this.inserted((await this.rows(INSERT_TASK, [...this.newTaskParams(t, this.clock.now()), this.channel]))[0], true);
    if (result.handedOff) await this.flush();
    return result;
  }

  /** Returns once what this store committed early (EARLY_COMMIT) is on disk. */
  private async flush(): Promise<void> {
    await this.query(FLUSH);
  }

  private scheduleGroup(): void {
    if (this.groupScheduled || this.groupsInFlight >= GROUPS || this.grouped.length === 0) return;
    this.groupScheduled = true;
    setImmediate(() => {
      this.groupScheduled = false;
      void this.flushGroup();
    });
  }

  private async flushGroup(): Promise<void> {
    if (this.groupsInFlight >= GROUPS || this.grouped.length === 0) return;
    const group = this.grouped.splice(0, GROUP_MAX);
    this.groupsInFlight++;
    try {
      if (group.length === 1) {
        // Only one waited: its own INSERT_TASK, which may still push it to an idle worker.
        group[0].resolve(await this.insertAlone(group[0].t));
        return;
      }
      const tasks = await this.insertTasks((sql, params) => this.rows(sql, params), group.map((g) => g.t));
      this.readyNow();
      group.forEach((g, i) => g.resolve({ task: tasks[i], created: true }));
    } catch (err) {
      // Unreachable: each is told so (as a statement of its own would have been). Any other
      // error is one task's (say, a number out of its column's range): each goes again
      // on its own, so the others are kept.
      if (group.length === 1 || (err instanceof HangarError && err.status === 503)) for (const g of group) g.reject(err);
      else {
        for (const g of group) {
          this.insertAlone(g.t).then(g.resolve, g.reject);
        }
      }
    } finally {
      this.groupsInFlight--;
      this.scheduleGroup();
    }
  }

  /**
   * Direct dispatch in one statement (INSERT_TASK_OFFERED): the first local taker with a free
   * slot holds it while the task is inserted, and gets the lease if the task went in leased to
   * it; otherwise it is told there is none, and the task waits PENDING like any other.
   */
  private async offer(t: NewTask, takers: LocalTaker[]): Promise<SubmitResult> {
    let taker: LocalTaker | undefined;
    let deliver: ((lease: Lease | null) => void) | null = null;
    for (taker of takers) if ((deliver = taker.offer())) break;
    // No local slot free: as a submit with no local worker (grouped while others are in flight).
    if (!taker || !deliver) return this.submitPlain(t);
    const now = this.clock.now();
    const params = this.newTaskParams(t, now);
    let row: Row;
    try {
      [row] = await this.rows(INSERT_TASK_OFFERED, [...params, taker.workerId]);
    } catch (err) {
      deliver(null);
      throw err;
    }
    const task = taskFromRow(row);
    if (task.status !== 'RUNNING') {
      deliver(null);
      this.readyNow();
      return { task, created: true };
    }
    // Committed early: the worker starts now, the submitter is answered once it is on disk.
    deliver({ task, attempt: 1, workerId: taker.workerId, expiresAt: task.leaseExpiresAt ?? now });
    await this.flush();
    return { task: asSubmitted(task), created: true, handedOff: true };
  }

  /** What INSERT_TASK returned, as the submitter sees it: a task pushed to a worker is shown as
   *  submitted (PENDING), as a hand-off is. `wake`: this process's workers are told of a
   *  PENDING one now (in a transaction, the caller does it once it commits). */
  private inserted(row: Row, wake: boolean): SubmitResult {
    const task = taskFromRow(row);
    if (task.status === 'RUNNING') return { task: asSubmitted(task), created: true, handedOff: true };
    if (wake) this.readyNow();
    return { task, created: true };
  }

  /** Parameters $1 to $22 of INSERT_TASK, INSERT_TASK_LEASED and INSERT_TASK_OFFERED. */
  private newTaskParams(t: NewTask, now: number): unknown[] {
    return [
      t.id, t.command, t.args ? JSON.stringify(t.args) : null, t.shell, t.queue, t.priority, t.userId,
      t.timeout, t.visibilityTimeout, t.maxAttempts, t.idempotencyKey, t.requestHash,
      JSON.stringify(t.resources), JSON.stringify(t.env), JSON.stringify(t.metadata), now, t.network, t.image,
      t.secrets.length > 0 ? JSON.stringify(t.secrets) : null, t.projectId, t.lane, t.traceParent ?? null,
    ];
  }

  /** Local workers a new task may be handed to. Not a lane's task: whether an earlier one of
   *  its lane is unfinished is for the claim to decide. */
  private takersFor(t: NewTask): LocalTaker[] {
    if (t.lane) return [];
    return this.takers.filter((k) => !k.queues || k.queues.includes(t.queue));
  }

  private async insertTask(tx: Tx, t: NewTask): Promise<SubmitResult> {
    if (t.idempotencyKey) {
      const [existing] = await tx.query(SELECT_BY_IDEMPOTENCY, [t.userId ?? '', t.idempotencyKey]);
      if (existing) {
        if (existing.request_hash !== t.requestHash) throw idempotencyConflict(t.idempotencyKey, String(existing.id));
        return { task: taskFromRow(existing), created: false };
      }
    }
    const now = this.clock.now();
    const params = this.newTaskParams(t, now);
    const handed = await this.handOff(tx, t, now, params);
    if (handed) return handed;
    const [row] = await tx.query(INSERT_TASK_IN_TX, [...params, this.channel]);
    const result = this.inserted(row, false);
    if (!result.handedOff) await this.notifyReady(tx);
    return result;
  }

  attachTaker(taker: LocalTaker): () => void {
    this.takers.push(taker);
    return () => {
      const i = this.takers.indexOf(taker);
      if (i >= 0) this.takers.splice(i, 1);
      this.advertise(taker.workerId, 0, 0);
    };
  }

  /**
   * Push dispatch: offers `slots` of a local taker's free slots to submits in any process
   * (worker_offers), for `ttlMs` unless offered again; 0 withdraws. Written in the background,
   * one write at a time per worker, only when the count changes or the expiry needs pushing
   * back. Offered slots are not reserved: the taker takes a push even when full (it waits for
   * a slot), and one it declines (stopping, gone) is released.
   */
  advertise(workerId: string, slots: number, ttlMs: number): void {
    let o = this.offers.get(workerId);
    if (!o) {
      if (slots <= 0 || !this.takerOf(workerId)) return;
      o = { want: 0, have: 0, gen: ++this.offerGen, unknown: false, written: false, forgetting: false, ttlMs, refreshedAt: 0, pid: null, writing: false };
      this.offers.set(workerId, o);
    }
    o.want = Math.max(0, slots);
    if (ttlMs > 0) o.ttlMs = ttlMs;
    // Pushes arrive as notifications: the offer is written once this store listens.
    this.listen();
    this.syncOffer(workerId, o);
  }

  /** The attached taker of that worker, if it is still attached. */
  private takerOf(workerId: string): LocalTaker | undefined {
    return this.takers.find((k) => k.workerId === workerId);
  }

  private syncOffers(): void {
    for (const [id, o] of this.offers) this.syncOffer(id, o);
  }

  private syncOffer(workerId: string, o: Offer): void {
    if (o.writing) return;
    const taker = this.takerOf(workerId);
    const pid = this.listenerPid;
    const want = this.closed || !taker || pid === null ? 0 : o.want;
    const now = this.clock.now();
    let write: Promise<unknown>;
    if (want === 0) {
      // A row whose slots pushes took is left (it offers nothing) unless the taker has gone.
      if (o.have === 0 && !o.unknown && (taker || !o.written)) {
        // Forgotten a while later: a push committed before the withdrawal may still be on its
        // way, and is then released rather than left to its lease's expiry.
        if (!taker && !o.forgetting) {
          o.forgetting = true;
          setTimeout(() => {
            o.forgetting = false;
            if (this.offers.get(workerId) === o && !o.writing && !this.takerOf(workerId)) this.offers.delete(workerId);
          }, PUSH_GRACE_MS).unref();
        }
        return;
      }
      // Pushes of this generation still on their way are not counted against the next offer.
      o.gen = ++this.offerGen;
      o.have = 0;
      o.written = false;
      write = this.query(DELETE_OFFER, [workerId]);
    } else {
      if (!o.unknown && want === o.have && pid === o.pid && now < o.refreshedAt + o.ttlMs / 3) return;
      write = this.query(UPSERT_OFFER, [workerId, o.gen, want, want - o.have, taker!.queues ?? null, pid, now + o.ttlMs]);
      o.have = want;
      o.written = true;
      o.pid = pid;
      o.refreshedAt = now;
    }
    o.unknown = false;
    o.writing = true;
    write
      .catch(() => {
        // The row may or may not have changed: the next write starts a new generation.
        o.unknown = true;
        o.gen = ++this.offerGen;
        o.have = 0;
      })
      .finally(() => {
        o.writing = false;
        // Once more if the wish changed meanwhile; after a failure, at the next advertise.
        if (!o.unknown) this.syncOffer(workerId, o);
      });
  }

  /** "push <worker> <gen> <task> [<row>]": a submit inserted a task leased to that worker. If
   *  it is one of ours, hand the lease over (reading the row if the payload lacks it, or if it
   *  comes late); if the taker declines it (stopping) or is gone, release it. */
  private onPush(payload: string): void {
    const m = /^push (\S+) (\S+) (\S+)(?: (.*))?$/s.exec(payload);
    if (!m) return;
    const [, workerId, gen, taskId, json] = m;
    const o = this.offers.get(workerId);
    if (!o) return; // another process's worker
    if (String(o.gen) === gen && o.have > 0) o.have--;
    const taker = this.takerOf(workerId);
    // A notification heard late (this process was stopped, or starved) may announce a task
    // that has since been re-queued and run elsewhere: then the row is read, not trusted.
    const row = json ? rowFromJson(json) : null;
    const fresh = row !== null && this.clock.now() - Number(row.started_at) < PUSH_FRESH_MS;
    void this.adoptPushed(taker, workerId, taskId, fresh ? row : null);
  }

  /** After the LISTEN session came back: hands over what was pushed to this process's workers
   *  since `since` and not heard of (otherwise it would wait for its lease to expire). */
  private async adoptUnheard(since: number): Promise<void> {
    try {
      const rows = await this.rows(SELECT_PUSHED_SINCE, [[...this.offers.keys()], since]);
      for (const row of rows) {
        const workerId = String(row.worker_id);
        void this.adoptPushed(this.takerOf(workerId), workerId, String(row.id), row);
      }
    } catch {
      // The database went again: the next reconnection looks once more.
      this.listenLostAt ??= since + PUSH_GRACE_MS;
    }
  }

  private async adoptPushed(taker: LocalTaker | undefined, workerId: string, taskId: string, pushed: Row | null): Promise<void> {
    const now = this.clock.now();
    if (this.adopted.has(taskId)) return;
    for (const [id, at] of this.adopted) {
      if (at > now - ADOPTED_MEMORY_MS) break;
      this.adopted.delete(id);
    }
    this.adopted.set(taskId, now);
    try {
      const [row] = pushed ? [pushed] : await this.rows(SELECT_PUSHED, [taskId, workerId]);
      if (!row) return; // cancelled, or reaped
      const task = taskFromRow(row);
      const deliver = taker?.offer(true);
      if (deliver) return deliver({ task, attempt: 1, workerId, expiresAt: task.leaseExpiresAt ?? this.clock.now() });
      await this.release({ taskId, attempt: 1 });
    } catch {
      // The database is unreachable: a search after the LISTEN session's return may find it
      // again; otherwise its lease expires and it runs again elsewhere.
      this.adopted.delete(taskId);
    }
  }

  /**
   * Direct dispatch, inside the submit's transaction: if a local taker has a free slot and no
   * ready task should run first (priority, then fair share and FIFO, as a claim would order
   * them), insert the task already leased to it and hand it the lease once the transaction
   * has committed (null if it did not). The caller sees the task as submitted (PENDING).
   */
  private async handOff(tx: Tx, t: NewTask, now: number, params: unknown[]): Promise<SubmitResult | null> {
    const takers = this.takersFor(t);
    if (takers.length === 0 || (await tx.query(READY_AHEAD, [t.priority, now, t.userId ?? ''])).length > 0) return null;
    let running: number | null = null;
    for (const taker of takers) {
      const max = taker.maxRunningPerUser ?? 0;
      if (max > 0) {
        if (running === null) {
          await tx.query(LOCK_USER_LIMITS, [USER_LIMITS_LOCK, this.schema]);
          running = Number((await tx.query(COUNT_RUNNING_OF, [t.userId]))[0].n);
        }
        if (running >= max) continue;
      }
      const deliver = taker.offer();
      if (!deliver) continue;
      let lease: Lease | null = null;
      tx.onEnd((committed) => deliver(committed ? lease : null));
      const [row] = await tx.query(INSERT_TASK_LEASED, [...params, taker.workerId]);
      const task = taskFromRow(row);
      lease = { task, attempt: 1, workerId: taker.workerId, expiresAt: task.leaseExpiresAt ?? now };
      return { task: asSubmitted(task), created: true, handedOff: true };
    }
    return null;
  }

  async get(id: string): Promise<Task | null> {
    const [row] = await this.rows(SELECT_TASK, [id]);
    return row ? taskFromRow(row) : null;
  }

  async list(f: ListFilter): Promise<Page<Task>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => (params.push(v), `$${params.length}`);
    if (f.status) where.push(`status = ${param(f.status)}`);
    if (f.userId) where.push(`user_id = ${param(f.userId)}`);
    if (f.queue) where.push(`queue = ${param(f.queue)}`);
    if (f.lane) where.push(`lane = ${param(f.lane)}`);
    if (f.deadLettered !== undefined) where.push(f.deadLettered ? 'dead_lettered' : 'NOT dead_lettered');
    // strpos, not LIKE: the text is matched as given, % and _ included.
    if (f.command) {
      const c = param(f.command);
      where.push(`(strpos(lower(command), lower(${c})) > 0 OR strpos(lower(coalesce(shell, '')), lower(${c})) > 0)`);
    }
    if (f.after) where.push(`seq < ${param(decodeCursor(f.after))}`);
    const sql = `SELECT * FROM tasks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${param(f.limit + 1)}`;
    const rows = await this.rows(sql, params);
    const more = rows.length > f.limit;
    const page = rows.slice(0, f.limit);
    return { items: page.map(taskFromRow), nextCursor: more ? encodeCursor(Number(page[page.length - 1].seq)) : null };
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (await this.rows('SELECT * FROM task_history WHERE task_id = $1 ORDER BY id', [id])).map(historyFromRow);
  }

  async feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]> {
    const rows =
      userId === undefined
        ? await this.rows('SELECT * FROM task_history WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
        : userId === null
          ? await this.rows('SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > $1 AND t.user_id IS NULL ORDER BY h.id LIMIT $2', [afterId, limit])
          : await this.rows('SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > $1 AND t.user_id = $2 ORDER BY h.id LIMIT $3', [afterId, userId, limit]);
    return rows.map(feedFromRow);
  }

  async feedHead(): Promise<number> {
    return Number((await this.rows('SELECT coalesce(max(id), 0) AS n FROM task_history'))[0].n);
  }

  async claim(o: ClaimOptions): Promise<Lease[]> {
    if (o.limit <= 0) return [];
    const now = this.clock.now();
    await this.endBackoffs(now);
    const rows =
      (o.maxRunningPerUser ?? 0) > 0
        ? await this.tx((tx) => this.claimWithinUserLimits(tx, o, now))
        : await this.rows(CLAIM, [o.workerId, now, o.limit, o.queues ?? null]);
    rows.sort((a, b) => Number(b.eff_priority) - Number(a.eff_priority) || Number(a.fair_rank) - Number(b.fair_rank) || Number(a.seq) - Number(b.seq));
    return rows.map((r) => {
      const task = taskFromRow(r);
      return { task, attempt: task.attempt, workerId: o.workerId, expiresAt: task.leaseExpiresAt ?? now };
    });
  }

  /**
   * Tasks whose backoff has ended go back to the ready queue (END_BACKOFFS), before a claim
   * looks at it: once a backoff this store knows of has ended (a retry of its own, or the next
   * end nextRunAfter found, which an idle worker asks for), and at least every
   * END_BACKOFFS_EVERY_MS whatever it knows (retries of other processes, while its workers are
   * too busy to ask). The reaper runs it too (`force`). Those moved are announced: this claim
   * may not take them all.
   */
  private async endBackoffs(now: number, force = false): Promise<void> {
    if (!force && now < this.backoffEndsAt && now - this.backoffsEndedAt < END_BACKOFFS_EVERY_MS) return;
    this.backoffsEndedAt = now;
    this.backoffEndsAt = Infinity;
    const moved = (await this.query(END_BACKOFFS, [now, END_BACKOFFS_MAX])).rowCount ?? 0;
    // More may have ended than one statement moves: again at the next claim.
    if (moved >= END_BACKOFFS_MAX) this.backoffEndsAt = now;
    if (moved > 0) this.readyNow();
  }

  /**
   * A claim under a per-user running limit: count RUNNING tasks per user (few: at most the
   * workers' slots), lock ready tasks in claim order skipping users already at the limit, and
   * lease those that keep every user within it. Serialized with the other limited claims and
   * hand-offs (LOCK_USER_LIMITS), so the counts stay true until it commits.
   */
  private async claimWithinUserLimits(tx: Tx, o: ClaimOptions, now: number): Promise<Row[]> {
    const max = o.maxRunningPerUser ?? 0;
    await tx.query(LOCK_USER_LIMITS, [USER_LIMITS_LOCK, this.schema]);
    const running = new Map<string, number>();
    for (const r of await tx.query(RUNNING_BY_USER)) running.set(String(r.u), Number(r.n));
    const full = [...running].filter(([, n]) => n >= max).map(([u]) => u);
    const picked: number[] = [];
    // Read a few times the limit: one user's run of tasks may fill its quota early.
    for (const c of await tx.query(READY_CANDIDATES, [now, o.limit * 4 + 16, full, o.queues ?? null])) {
      if (picked.length >= o.limit) break;
      const u = c.user_id === null ? '' : String(c.user_id);
      const n = running.get(u) ?? 0;
      if (n >= max) continue;
      running.set(u, n + 1);
      picked.push(Number(c.seq));
    }
    return picked.length === 0 ? [] : tx.query(CLAIM_SEQS, [o.workerId, now, picked]);
  }

  async userLoad(userId: string, max: number): Promise<{ pending: number; running: number }> {
    const [r] = await this.rows(USER_LOAD, [userId, max]);
    return { pending: Number(r.pending), running: Number(r.running) };
  }

  async createKey(k: NewApiKey): Promise<ApiKey> {
    const [row] = await this.rows(
      `INSERT INTO api_keys (id, hash, prefix, user_id, scope, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [k.id, k.hash, k.prefix, k.userId, k.scope, k.name, this.clock.now()],
    );
    return keyFromRow(row);
  }

  async keyByHash(hash: string): Promise<ApiKey | null> {
    const [row] = await this.rows('SELECT * FROM api_keys WHERE hash = $1', [hash]);
    return row ? keyFromRow(row) : null;
  }

  async listKeys(f: { userId?: string }): Promise<ApiKey[]> {
    const rows = f.userId
      ? await this.rows('SELECT * FROM api_keys WHERE user_id = $1 ORDER BY created_at, id', [f.userId])
      : await this.rows('SELECT * FROM api_keys ORDER BY created_at, id');
    return rows.map(keyFromRow);
  }

  async revokeKey(id: string): Promise<ApiKey | null> {
    const [row] = await this.rows('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING *', [this.clock.now(), id]);
    if (!row) return null;
    // Every process's key cache drops it: this one's now, the others' with the next notice.
    this.wake.emit('keys');
    this.keysToAnnounce = true;
    this.scheduleNotices();
    return keyFromRow(row);
  }

  now(): number {
    return this.clock.now();
  }

  subscribeKeys(listener: () => void): () => void {
    this.wake.on('keys', listener);
    this.listen();
    return () => this.wake.off('keys', listener);
  }

  async touchKey(id: string, at: number): Promise<void> {
    await this.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }> {
    const [row] = await this.rows(PUT_SECRET, [userId, name, ciphertext, this.clock.now()]);
    return { secret: secretFromRow(row), created: row.created === true };
  }

  async secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]> {
    const rows = names
      ? await this.rows('SELECT * FROM secrets WHERE user_id = $1 AND name = ANY($2::text[]) ORDER BY name', [userId, names])
      : await this.rows('SELECT * FROM secrets WHERE user_id = $1 ORDER BY name', [userId]);
    return rows.map(secretFromRow);
  }

  async deleteSecret(userId: string, name: string): Promise<boolean> {
    return ((await this.query('DELETE FROM secrets WHERE user_id = $1 AND name = $2', [userId, name])).rowCount ?? 0) > 0;
  }

  async appendAudit(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.query(APPEND_AUDIT, auditColumns(entries));
  }

  async queryAudit(f: AuditFilter): Promise<Page<AuditEntry>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => (params.push(v), `$${params.length}`);
    if (f.actor) where.push(`actor = ${param(f.actor)}`);
    if (f.action) where.push(`action = ${param(f.action)}`);
    if (f.target) where.push(`target = ${param(f.target)}`);
    if (f.since !== undefined) where.push(`at >= ${param(f.since)}`);
    if (f.until !== undefined) where.push(`at < ${param(f.until)}`);
    if (f.after) where.push(`id < ${param(decodeCursor(f.after))}`);
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ${param(f.limit + 1)}`;
    const rows = await this.rows(sql, params);
    const more = rows.length > f.limit;
    const page = rows.slice(0, f.limit);
    return { items: page.map(auditFromRow), nextCursor: more ? encodeCursor(Number(page[page.length - 1].id)) : null };
  }

  async purgeAudit(olderThan: number, limit: number): Promise<number> {
    const r = await this.query('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)', [olderThan, limit]);
    return r.rowCount ?? 0;
  }

  async heartbeat(workerId: string, attempts: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult> {
    const rows = await this.rows(EXTEND_LEASES, [this.clock.now(), workerId, attempts.map((a) => a.taskId), attempts.map((a) => a.attempt), straysBefore ?? null]);
    const held = new Map<string, boolean>();
    const out: HeartbeatResult = { held: [], lost: [], strays: [] };
    for (const r of rows) {
      if (r.stray) out.strays.push({ taskId: String(r.id), attempt: Number(r.attempt) });
      else held.set(`${String(r.id)}:${Number(r.attempt)}`, r.cancel_requested === true);
    }
    for (const a of attempts) {
      const cancelRequested = held.get(`${a.taskId}:${a.attempt}`);
      if (cancelRequested === undefined) out.lost.push(a);
      else out.held.push({ ...a, cancelRequested });
    }
    return out;
  }

  async finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null> {
    const now = this.clock.now();
    if (outcome.status !== 'FAILED') return this.finishFinal(ref, outcome, now);
    const done = await this.tx(async (tx) => {
      const [row] = await tx.query(SELECT_RUNNING_ATTEMPT, [ref.taskId, ref.attempt]);
      if (!row) return null;
      const cur = taskFromRow(row);
      const end = decideFinish(cur, outcome, now, this.retry, this.random);
      const after = await this.endAttempt(tx, cur, end, now, outcome.failure, outcome);
      if (outcome.audit) await tx.query(APPEND_AUDIT, auditColumns([executionAuditEntry(ref.taskId, outcome.audit, after.status)]));
      if (wakesWorkers(cur.lane, after.status)) await this.notifyReady(tx);
      return { status: after.status, attempt: after.attempt, runAfter: end.final ? null : after.runAfter, deadLettered: after.deadLettered, completedAt: after.completedAt };
    });
    // Its followers see the attempt's end at once, not at their next poll.
    if (done) this.outputNow([ref.taskId]);
    return done;
  }

  /**
   * Success, timeout and cancel end the task whatever its row says: one fenced statement.
   * Those that arrive in the same tick (a pool's slots finishing together) share one statement
   * and one commit: group commit, as the SQLite store's write batch does.
   */
  private finishFinal(ref: AttemptRef, outcome: Outcome, now: number): Promise<Finished | null> {
    const end = decideFinish({ attempt: ref.attempt, attemptLimit: ref.attempt, cancelRequested: false }, outcome, now, this.retry, this.random);
    const params = [
      end.status,
      now,
      end.deadLettered,
      outcome.summary ? JSON.stringify(outcome.summary) : null,
      outcome.failure ? JSON.stringify(outcome.failure) : null,
      outcome.resultKey,
      outcome.stdoutKey,
      outcome.stderrKey,
      ref.taskId,
      ref.attempt,
      outcome.resultJson,
      end.reason,
      ...finishAuditParams(ref.taskId, outcome, end.status),
    ];
    const finished: Finished = { status: end.status, attempt: ref.attempt, runAfter: null, deadLettered: end.deadLettered, completedAt: now };
    return new Promise((resolve, reject) => {
      this.finishing.push({ params, finished, resolve, reject });
      if (this.finishing.length === 1) setImmediate(() => void this.flushFinishes());
    });
  }

  private async flushFinishes(): Promise<void> {
    const batch = this.finishing.splice(0);
    try {
      let rows: Row[];
      if (batch.length === 1) {
        rows = (await this.rows(FINISH_FENCED, batch[0].params)).map((r) => ({ ...r, id: batch[0].params[8] }));
      } else {
        const columns = batch[0].params.map((_, i) => batch.map((b) => b.params[i]));
        rows = await this.rows(FINISH_FENCED_MANY, columns);
      }
      const ended = new Map(rows.map((r) => [String(r.id), r.lane === null ? null : String(r.lane)]));
      const laneOf = (b: (typeof batch)[number]) => ended.get(String(b.params[8])) ?? null;
      // Their followers see the end at once, not at their next poll; workers in every process
      // see the next task of a lane that one of them ended.
      this.outputNow(ended.keys());
      if (batch.some((b) => ended.has(String(b.params[8])) && wakesWorkers(laneOf(b), b.finished.status))) this.readyNow();
      for (const b of batch) b.resolve(ended.has(String(b.params[8])) ? b.finished : null);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  private async endAttempt(
    tx: Tx,
    cur: Task,
    end: AttemptEnd,
    now: number,
    failure: TaskFailure | null,
    outcome: Pick<Outcome, 'summary' | 'resultJson' | 'resultKey' | 'stdoutKey' | 'stderrKey'> | null,
  ): Promise<Task> {
    const summary = outcome?.summary ?? cur.summary;
    const [row] = await tx.query(END_ATTEMPT, [
      end.status,
      end.final ? now : null,
      end.runAfter ?? cur.runAfter,
      end.deadLettered,
      summary ? JSON.stringify(summary) : null,
      failure ? JSON.stringify(failure) : null,
      outcome ? outcome.resultJson : cur.resultJson,
      outcome ? outcome.resultKey : cur.resultKey,
      outcome ? outcome.stdoutKey : cur.stdoutKey,
      outcome ? outcome.stderrKey : cur.stderrKey,
      cur.id,
      now,
      cur.workerId,
      end.reason,
    ]);
    const after = taskFromRow(row);
    if (after.status === 'PENDING' && after.runAfter > now) this.backoffEndsAt = Math.min(this.backoffEndsAt, after.runAfter);
    return after;
  }

  async release(ref: AttemptRef): Promise<boolean> {
    return this.tx(async (tx) => {
      const [row] = await tx.query(SELECT_RUNNING_ATTEMPT, [ref.taskId, ref.attempt]);
      if (!row) return false;
      const now = this.clock.now();
      await tx.query(RELEASE, [now, ref.taskId]);
      await tx.query(INSERT_HISTORY, [ref.taskId, now, 'PENDING', ref.attempt, row.worker_id, 'released by worker']);
      await this.notifyReady(tx);
      return true;
    });
  }

  async cancel(id: string): Promise<CancelResult | null> {
    return this.tx(async (tx) => {
      const [row] = await tx.query(SELECT_TASK_FOR_UPDATE, [id]);
      if (!row) return null;
      const cur = taskFromRow(row);
      const now = this.clock.now();
      switch (cur.status) {
        case 'PENDING': {
          const [r] = await tx.query(CANCEL_PENDING, [now, id]);
          await tx.query(INSERT_HISTORY, [id, now, 'CANCELLED', cur.attempt, null, 'cancelled while pending']);
          // A lane head: the next task of its lane may run now.
          if (wakesWorkers(cur.lane, 'CANCELLED')) await this.notifyReady(tx);
          return { task: taskFromRow(r), effect: 'cancelled' as const };
        }
        case 'RUNNING': {
          if (!cur.cancelRequested) {
            await tx.query('UPDATE tasks SET cancel_requested = true WHERE id = $1', [id]);
            await tx.query(INSERT_HISTORY, [id, now, 'RUNNING', cur.attempt, cur.workerId, 'cancel requested']);
          }
          return { task: { ...cur, cancelRequested: true }, effect: 'requested' as const };
        }
        case 'SUCCESS':
        case 'FAILED':
        case 'TIMEOUT':
        case 'CANCELLED':
          return { task: cur, effect: 'already-final' as const };
        default: {
          const never: never = cur.status;
          throw new Error(`unknown status ${String(never)}`);
        }
      }
    });
  }

  async reap(workerStaleMs: number): Promise<ReapResult> {
    const now = this.clock.now();
    const expired = await this.tx(async (tx) => {
      const gone = (await tx.query(DELETE_STALE_WORKERS, [now - workerStaleMs])).map((r) => String(r.id));
      const rows = await tx.query(SELECT_EXPIRED, [now, gone]);
      const audit: NewAuditEntry[] = [];
      for (const r of rows) {
        const cur = taskFromRow(r);
        const failure = expiryFailure(cur, now);
        const after = await this.endAttempt(tx, { ...cur, runAfter: now }, decideExpiry(cur, failure, now), now, failure, null);
        audit.push(lostAttemptAuditEntry(cur, failure, after.status, now));
      }
      if (audit.length > 0) await tx.query(APPEND_AUDIT, auditColumns(audit));
      if (rows.length > 0) await this.notifyReady(tx);
      // Their followers see the attempt's end at once, as after a worker's finish.
      const ids = rows.map((r) => String(r.id));
      tx.onEnd((committed) => committed && ids.length > 0 && this.outputNow(ids));
      return rows.length;
    });
    await this.endBackoffs(now, true);
    await this.keepStatistics(now);
    return { expired };
  }

  /**
   * Refreshes the task table's planner statistics when they are stale: the server's autovacuum
   * does this, but it may be off, and its first look at a new table comes up to a minute
   * (autovacuum_naptime) after the table fills. Meanwhile the statements' plans were made for an
   * empty table: a sustained 2,000 submits/s to a fresh schema saw submit → start p50 grow from
   * 4 to 150 ms in two minutes, ~100 sequential scans of the whole table a second, and fall to
   * 3.4 ms at once after an ANALYZE (bench/experiments/sustained.ts). One store at a time
   * (advisory lock); its failure is not the reap's.
   */
  private async keepStatistics(now: number): Promise<void> {
    if (now - this.statisticsCheckedAt < STATISTICS_EVERY_MS) return;
    this.statisticsCheckedAt = now;
    try {
      const [r] = await this.rows(STALE_STATISTICS, [this.schema]);
      if (!r?.stale) return;
      await this.tx(async (tx) => {
        const [lock] = await tx.query('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [STATISTICS_LOCK, this.schema]);
        if (lock?.ok) await tx.query(`ANALYZE ${this.schema}.tasks`);
      });
    } catch {
      // Next time. (A role that does not own the table is not refused: PostgreSQL skips the
      // ANALYZE with a warning, and autovacuum is left to do it.)
    }
  }

  async redrive(id: string): Promise<Task> {
    return this.tx(async (tx) => {
      const [row] = await tx.query(SELECT_TASK_FOR_UPDATE, [id]);
      if (!row) throw new HangarError(ErrorCode.TaskNotFound, `task ${id} not found`, 404);
      const cur = taskFromRow(row);
      if (!cur.deadLettered) {
        throw new HangarError(ErrorCode.TaskNotDeadLettered, `task ${id} is not in the dead-letter queue`, 409);
      }
      const now = this.clock.now();
      const [r] = await tx.query(REDRIVE, [now, id]);
      await tx.query(INSERT_HISTORY, [id, now, 'PENDING', cur.attempt, null, 'redriven from the dead-letter queue']);
      await this.notifyReady(tx);
      return taskFromRow(r);
    });
  }

  async touchWorker(workerId: string, info: WorkerInfo): Promise<void> {
    const now = this.clock.now();
    await this.query(
      `INSERT INTO workers (id, host, pid, concurrency, started_at, last_seen) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, concurrency = excluded.concurrency`,
      [workerId, info.host, info.pid, info.concurrency, now],
    );
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.query('DELETE FROM workers WHERE id = $1', [workerId]);
  }

  async liveWorkers(staleMs: number): Promise<WorkerRecord[]> {
    const rows = await this.rows('SELECT * FROM workers WHERE last_seen >= $1 ORDER BY started_at', [this.clock.now() - staleMs]);
    return rows.map(workerFromRow);
  }

  async purgeFairShare(): Promise<number> {
    // A submit racing with this upserts the row again (ON CONFLICT); its rank is the same.
    const r = await this.query('DELETE FROM fair_users WHERE last_rank <= (SELECT rank FROM fair_clock WHERE id = 1)');
    return r.rowCount ?? 0;
  }

  async workerLoads(): Promise<WorkerLoad[]> {
    const rows = await this.rows(`SELECT worker_id, count(*) AS n FROM tasks WHERE status = 'RUNNING' AND worker_id IS NOT NULL GROUP BY worker_id`);
    return rows.map((r) => ({ workerId: String(r.worker_id), running: Number(r.n) }));
  }

  async recordScaling(e: NewScalingEvent): Promise<ScalingEvent> {
    const [r] = await this.rows(
      'INSERT INTO scaling_events (at, action, depth, current, desired, workers, reason, autoscaler) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
      [e.at, e.action, e.depth, e.current, e.desired, JSON.stringify(e.workers), e.reason, e.autoscaler],
    );
    return { ...e, id: Number(r.id) };
  }

  async scalingEvents(f: { since?: number; limit: number }): Promise<ScalingEvent[]> {
    const rows = await this.rows('SELECT * FROM scaling_events WHERE at >= $1 ORDER BY id DESC LIMIT $2', [f.since ?? 0, f.limit]);
    return rows.map(scalingFromRow);
  }

  async purgeScaling(olderThan: number, limit: number): Promise<number> {
    const r = await this.query('DELETE FROM scaling_events WHERE id IN (SELECT id FROM scaling_events WHERE at < $1 ORDER BY at LIMIT $2)', [olderThan, limit]);
    return r.rowCount ?? 0;
  }

  async outcomesSince(since: number): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>> {
    const out = { SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0 };
    for (const r of await this.rows('SELECT status, count(*) AS n FROM tasks WHERE completed_at >= $1 GROUP BY status', [since])) {
      if (String(r.status) in out) out[String(r.status) as keyof typeof out] = Number(r.n);
    }
    return out;
  }

  async deadLetterCount(userId?: string): Promise<number> {
    if (userId !== undefined) return Number((await this.rows('SELECT count(*) AS n FROM tasks WHERE dead_lettered AND user_id = $1', [userId]))[0].n);
    return Number((await this.rows('SELECT count(*) AS n FROM tasks WHERE dead_lettered'))[0].n);
  }

  async timeline(since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]> {
    const rows = await this.rows(
      `SELECT (completed_at / $1) * $1 AS at, count(*) AS finished, count(*) FILTER (WHERE status IN ('FAILED', 'TIMEOUT')) AS failed,
              avg(started_at - created_at)::float8 AS wait, avg(completed_at - started_at)::float8 AS run
       FROM tasks WHERE completed_at >= $2 ${userId !== undefined ? 'AND user_id = $3' : ''} GROUP BY 1 ORDER BY 1`,
      [bucketMs, since, ...(userId !== undefined ? [userId] : [])],
    );
    return rows.map(timelineFromRow);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const r = await this.query(
      `INSERT INTO leader_leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < $4`,
      [name, holder, now + ttlMs, now],
    );
    return r.rowCount === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.query('DELETE FROM leader_leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async alertStates(): Promise<AlertState[]> {
    return (await this.rows('SELECT * FROM alert_state ORDER BY name')).map(alertFromRow);
  }

  async transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean> {
    const r = from === null
      ? await this.query('INSERT INTO alert_state (name, state, since, value, message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING', [s.name, s.state, s.since, s.value, s.message])
      : await this.query('UPDATE alert_state SET state = $1, since = $2, value = $3, message = $4 WHERE name = $5 AND state = $6', [s.state, s.since, s.value, s.message, s.name, from]);
    return r.rowCount === 1;
  }

  async queueDepths(userId?: string): Promise<QueueDepth[]> {
    const rows = await this.rows(
      `SELECT queue, priority, count(*) FILTER (WHERE status = 'PENDING') AS pending, count(*) FILTER (WHERE status = 'RUNNING') AS running
       FROM tasks WHERE status IN ('PENDING', 'RUNNING') ${userId !== undefined ? 'AND user_id = $1' : ''} GROUP BY queue, priority ORDER BY queue, priority DESC`,
      userId !== undefined ? [userId] : [],
    );
    return rows.map(depthFromRow);
  }

  async counts(userId?: string): Promise<StatusCounts> {
    const out: StatusCounts = { PENDING: 0, RUNNING: 0, SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0, deadLettered: 0 };
    const sql = `SELECT status, count(*) AS n, count(*) FILTER (WHERE dead_lettered) AS dead FROM tasks ${userId !== undefined ? 'WHERE user_id = $1' : ''} GROUP BY status`;
    for (const r of await this.rows(sql, userId !== undefined ? [userId] : [])) {
      out[String(r.status) as TaskStatus] = Number(r.n);
      out.deadLettered += Number(r.dead);
    }
    return out;
  }

  async activeCounts(): Promise<{ pending: number; running: number }> {
    const [r] = await this.rows(
      `SELECT (SELECT count(*) FROM tasks WHERE status = 'PENDING') AS pending, (SELECT count(*) FROM tasks WHERE status = 'RUNNING') AS running`,
    );
    return { pending: Number(r.pending), running: Number(r.running) };
  }

  async positionOf(task: Task, max: number): Promise<number> {
    return Number((await this.rows(COUNT_AHEAD, [task.id, max]))[0].n);
  }

  async age(stepMs: number): Promise<number> {
    if (stepMs <= 0) return 0;
    return (await this.query(AGE_PRIORITIES, [this.clock.now(), stepMs])).rowCount ?? 0;
  }

  async finishedSince(windowMs: number, sample: number): Promise<FinishedSince> {
    const now = this.clock.now();
    return finishedSinceFrom(await this.rows(FINISHED_SINCE, [now - windowMs, sample, Math.min(sample, KIND_SAMPLE), RECENT_KINDS]), now, windowMs, sample);
  }

  async nextRunAfter(): Promise<number | null> {
    const [r] = await this.rows(`SELECT min(run_after) AS t FROM tasks WHERE status = 'PENDING' AND in_backoff`);
    const t = r.t === null ? null : Number(r.t);
    this.backoffEndsAt = Math.min(this.backoffEndsAt, t ?? Infinity);
    return t;
  }

  async purgeFinished(olderThan: number, limit: number): Promise<string[]> {
    return (await this.rows(PURGE_FINISHED, [olderThan, limit])).map((r) => String(r.id));
  }

  async appendOutput(chunks: OutputChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.query(APPEND_OUTPUT, [
      chunks.map((c) => c.taskId),
      chunks.map((c) => c.attempt),
      chunks.map((c) => c.seq),
      chunks.map((c) => c.stream),
      chunks.map((c) => c.data),
      chunks.map((c) => c.at),
    ]);
    this.outputNow(new Set(chunks.map((c) => c.taskId)));
  }

  async readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]> {
    return (await this.rows(READ_OUTPUT, [taskId, after.attempt, after.seq, limit])).map(outputFromRow);
  }

  subscribeOutput(listener: (taskId: string) => void): () => void {
    this.wake.on('output', listener);
    this.listen();
    return () => this.wake.off('output', listener);
  }

  async createProject(p: NewProject): Promise<Project> {
    const [r] = await this.rows('INSERT INTO projects (id, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [p.id, p.userId, p.name, this.clock.now()]);
    return projectFromRow(r);
  }

  async getProject(id: string): Promise<Project | null> {
    const [r] = await this.rows('SELECT * FROM projects WHERE id = $1', [id]);
    return r ? projectFromRow(r) : null;
  }

  async listProjects(f: { userId?: string }): Promise<Project[]> {
    const rows =
      f.userId === undefined
        ? await this.rows('SELECT * FROM projects ORDER BY created_at, id')
        : await this.rows('SELECT * FROM projects WHERE user_id = $1 ORDER BY created_at, id', [f.userId]);
    return rows.map(projectFromRow);
  }

  async addProjectVersion(v: ProjectVersion): Promise<boolean> {
    const rows = await this.rows(ADD_PROJECT_VERSION, [
      v.projectId, v.version, v.createdAt, v.baseVersion, v.taskId, v.blobKey, v.files, v.bytes, JSON.stringify(v.conflicts),
    ]);
    return rows.length === 1;
  }

  async projectVersions(projectId: string): Promise<ProjectVersion[]> {
    return (await this.rows('SELECT * FROM project_versions WHERE project_id = $1 ORDER BY version DESC', [projectId])).map(projectVersionFromRow);
  }

  async projectVersion(projectId: string, version: number): Promise<ProjectVersion | null> {
    const [r] = await this.rows('SELECT * FROM project_versions WHERE project_id = $1 AND version = $2', [projectId, version]);
    return r ? projectVersionFromRow(r) : null;
  }

  private lastPrune = 0;

  async countRequests(counts: { key: string; n: number }[], windowMs: number, watch: string[] = []): Promise<{ now: number; counts: RequestCount[] }> {
    const now = this.clock.now();
    // Sorted: two nodes' upserts take the rows' locks in one order, never waiting on each other in a cycle.
    const sorted = [...counts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows = [
      ...(sorted.length > 0 ? await this.rows(COUNT_REQUESTS, [now, windowMs, sorted.map((c) => c.key), sorted.map((c) => c.n)]) : []),
      ...(watch.length > 0 ? await this.rows(READ_REQUEST_COUNTS, [watch]) : []),
    ];
    if (now - this.lastPrune > Math.max(10_000, 10 * windowMs)) {
      this.lastPrune = now;
      await this.query(PRUNE_REQUEST_COUNTS, [now - 2 * windowMs]).catch(() => {});
    }
    return { now, counts: rows.map((r) => ({ key: String(r.key), startedAt: Number(r.started_at), n: Number(r.n) })) };
  }

  /** Whether the server's autovacuum is on: without it the dead row versions every claim and
   *  finish leaves are never reclaimed (null: could not be read). */
  async autovacuumOn(): Promise<boolean | null> {
    try {
      const [r] = await this.rows(`SELECT current_setting('autovacuum') = 'on' AS on`);
      return r ? Boolean(r.on) : null;
    } catch {
      return null;
    }
  }

  /** The database server's clock minus this host's, ms, as last measured (0 with an injected
   *  clock): what every time this store keeps is corrected by. */
  get clockOffsetMs(): number {
    return this.dbClock?.offsetMs ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.clockTimer) clearInterval(this.clockTimer);
    // Offers go first (a submit also checks the listener session, which ends below).
    await Promise.all([...this.offers.keys()].map((id) => this.query(DELETE_OFFER, [id]).catch(() => {})));
    this.wake.removeAllListeners();
    const listener = this.listener;
    this.listener = null;
    await Promise.all([listener?.end().catch(() => {}), this.migrated.catch(() => {}).then(() => this.pool.end())]);
  }
}

/** A row as row_to_json gives it, as a query gives it here: JSON columns as text. Only they
 *  come out as objects or arrays (the other columns are text, numbers and booleans). */
function rowFromJson(json: string): Row {
  const row = JSON.parse(json) as Row;
  for (const [k, v] of Object.entries(row)) if (v !== null && typeof v === 'object') row[k] = JSON.stringify(v);
  return row;
}

/** A task handed to a worker at submit, as its submitter sees it: just submitted. */
function asSubmitted(task: Task): Task {
  return { ...task, status: 'PENDING', attempt: 0, workerId: null, startedAt: null, leaseExpiresAt: null };
}

/**
 * A database that cannot be reached (refused, dropped, shutting down or starting up) becomes
 * STORE_UNAVAILABLE: the API answers 503 with Retry-After, workers retry what they were
 * recording. Anything else is passed on as it is.
 */
function unavailable(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  const gone =
    (typeof code === 'string' && (/^(08|57P0[1-3])/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))) ||
    (err instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message));
  if (!gone) return err;
  return new HangarError(ErrorCode.StoreUnavailable, `the database cannot be reached (${(err as Error).message}); retry shortly`, 503, {
    cause: err,
    details: { retryAfter: 1 },
  });
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  return err instanceof pg.DatabaseError && err.code === '23505' && err.constraint === constraint;
}
