/**
 * Submits: one task or a batch, each in its write, with idempotency keys, fair-share ranks and
 * direct dispatch to an idle local worker (handOff).
 */
import type { SQLInputValue } from 'node:sqlite';
import { asSubmitted, leaseOf, takersFor } from '../../core/hand-off.ts';
import { batchResults, idempotencyConflict, lanesWithNew, planBatch } from '../batch.ts';
import { taskFromRow, type Row } from '../row.ts';
import type { LocalTaker, NewTask, Task } from '../../core/index.ts';
import type { SubmitResult } from '../ports/index.ts';
import { CLAIM_ORDER } from './claim.ts';
import type { SqliteContext } from './context.ts';
import { advanceClock, takeRank } from './fair-share.ts';
import { countUser, runningOfNobody } from './user-load.ts';

/** id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
 *  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata,
 *  created_at, run_after, network, image, fair_rank, (?22 is the worker of INSERT_TASK_LEASED), secrets */
const INSERT_TASK = `
INSERT INTO tasks (id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, status, created_at, run_after, network, image,
  fair_rank, eff_priority, secrets, project_id, lane, trace_parent)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'PENDING', ?17, ?18, ?19, ?20, ?21, ?6, ?23, ?24, ?25, ?26)
RETURNING *`;

/** As INSERT_TASK, for a task handed to a local worker as it is submitted (direct dispatch):
 *  inserted RUNNING, attempt 1, leased to worker_id ?22 from created_at. */
const INSERT_TASK_LEASED = `
INSERT INTO tasks (id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s,
  max_attempts, attempt_limit, idempotency_key, request_hash, resources, env, metadata, status, created_at, run_after,
  network, image, fair_rank, eff_priority, attempt, worker_id, started_at, lease_expires_at, secrets, project_id, lane, trace_parent)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'RUNNING', ?17, ?18,
  ?19, ?20, ?21, ?6, 1, ?22, ?17, ?17 + ?9 * 1000, ?23, ?24, ?25, ?26)
RETURNING *`;

/** Is a task ready that a claim would take before a new one of priority ?1 and rank ?3? (now
 *  ?2) The head of the ready queue in claim order is looked at, not every ready task (which,
 *  with nothing ahead, read them all). */
const READY_AHEAD = `
SELECT 1 FROM (
  SELECT eff_priority AS p, fair_rank AS r FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?2
  ORDER BY ${CLAIM_ORDER} LIMIT 1)
WHERE p > ?1 OR (p = ?1 AND r <= ?3)`;

/** user_id ('' for none), idempotency_key */
const SELECT_BY_IDEMPOTENCY = `SELECT * FROM tasks WHERE coalesce(user_id, '') = ? AND idempotency_key = ?`;

export async function submit(ctx: SqliteContext, t: NewTask): Promise<SubmitResult> {
  const r = await submitOne(ctx, t);
  announceLanes(ctx, lanesWithNew([t], [r]));
  return r;
}

export async function submitMany(ctx: SqliteContext, tasks: NewTask[]): Promise<SubmitResult[]> {
  const results = await submitBatch(ctx, tasks);
  announceLanes(ctx, lanesWithNew(tasks, results));
  return results;
}

/** A lane has a new task: its followers (a terminal's) look, here and in other processes. */
function announceLanes(ctx: SqliteContext, lanes: string[]): void {
  for (const l of lanes) ctx.wake.emit('output', `lane:${l}`);
}

async function submitOne(ctx: SqliteContext, t: NewTask): Promise<SubmitResult> {
  return ctx.writes.run(() => {
    if (t.idempotencyKey) {
      const existing = byIdempotencyKey(ctx, t.userId ?? '', t.idempotencyKey);
      if (existing) {
        if (existing.requestHash !== t.requestHash) throw idempotencyConflict(t.idempotencyKey, existing.id);
        return { task: existing, created: false };
      }
    }
    const now = ctx.clock.now();
    const { rank, params } = rankedParams(ctx, t, now);
    const handed = handOff(ctx, t, now, rank, params);
    if (handed) return handed;
    const task = insertPending(ctx, t, now, params);
    // Wake workers inside this transaction: a claim they make at once joins it (write-batch.ts),
    // so the task is leased in the submit's own commit, and the fsync covers both. A task may
    // thus start up to one fsync before its submit is acknowledged.
    ctx.notifyReady();
    return { task, created: true };
  });
}

async function submitBatch(ctx: SqliteContext, tasks: NewTask[]): Promise<SubmitResult[]> {
  return ctx.writes.run(() => {
    const plan = planBatch(tasks, (user, key) => byIdempotencyKey(ctx, user, key));
    const now = ctx.clock.now();
    const inserted = plan.inserts.map((t) => insertPending(ctx, t, now, rankedParams(ctx, t, now).params));
    if (inserted.length > 0) ctx.notifyReady();
    return batchResults(plan, inserted);
  });
}

function byIdempotencyKey(ctx: SqliteContext, user: string, key: string): Task | undefined {
  const row = ctx.stmt(SELECT_BY_IDEMPOTENCY).get(user, key) as Row | undefined;
  return row ? taskFromRow(row) : undefined;
}

/** Takes the task's fair-share rank (its user's next) and returns INSERT_TASK's parameters. */
function rankedParams(ctx: SqliteContext, t: NewTask, now: number): { rank: number; params: SQLInputValue[] } {
  const rank = takeRank(ctx, t.userId ?? '');
  const params = [
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
    t.maxAttempts,
    t.idempotencyKey,
    t.requestHash,
    JSON.stringify(t.resources),
    JSON.stringify(t.env),
    JSON.stringify(t.metadata),
    now,
    now,
    t.network,
    t.image,
    rank,
    null,
    t.secrets.length > 0 ? JSON.stringify(t.secrets) : null,
    t.projectId,
    t.lane,
    t.traceParent ?? null,
  ];
  return { rank, params };
}

function insertPending(ctx: SqliteContext, t: NewTask, now: number, params: SQLInputValue[]): Task {
  const row = ctx.stmt(INSERT_TASK).get(...params) as Row;
  ctx.addHistory(t.id, now, 'PENDING', 0, null, 'submitted');
  return taskFromRow(row);
}

/**
 * Direct dispatch, inside the submit's transaction: if a local taker has a free slot and no
 * ready task should run first (priority, then FIFO, as a claim would order them), insert the
 * task already leased to it and hand it the lease when the transaction commits. The caller
 * sees the task as submitted (PENDING); its history has both rows.
 */
function handOff(ctx: SqliteContext, t: NewTask, now: number, rank: number, params: SQLInputValue[]): SubmitResult | null {
  const takers = takersFor(ctx.takers, t);
  if (takers.length === 0 || ctx.stmt(READY_AHEAD).get(t.priority, now, rank)) return null;
  let running: number | null = null;
  for (const taker of takers) {
    const max = taker.maxRunningPerUser ?? 0;
    if (max > 0) {
      running ??= t.userId === null ? runningOfNobody(ctx) : countUser(ctx, t.userId, 'RUNNING', max);
      if (running >= max) continue;
    }
    const deliver = taker.offer();
    if (!deliver) continue;
    params[21] = taker.workerId;
    let row: Row;
    try {
      row = ctx.stmt(INSERT_TASK_LEASED).get(...params) as Row;
    } catch (err) {
      // The offered slot is freed: its worker would wait for this lease for good (and keep
      // its pool from stopping).
      deliver(null);
      throw err;
    }
    advanceClock(ctx, rank);
    ctx.addHistory(t.id, now, 'PENDING', 0, null, 'submitted');
    ctx.addHistory(t.id, now, 'RUNNING', 1, taker.workerId, 'handed to an idle worker at submit');
    const task = taskFromRow(row);
    const lease = leaseOf(task, taker.workerId, now);
    ctx.writes.onEnd((committed) => deliver(committed ? lease : null));
    return { task: asSubmitted(task), created: true, handedOff: true };
  }
  return null;
}

export function attachTaker(ctx: SqliteContext, taker: LocalTaker): () => void {
  ctx.takers.push(taker);
  return () => {
    const i = ctx.takers.indexOf(taker);
    if (i >= 0) ctx.takers.splice(i, 1);
  };
}
