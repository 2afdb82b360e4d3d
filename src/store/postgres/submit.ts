/**
 * Submits: one task or a batch, with or without an idempotency key, handed at once to a local
 * taker with a free slot (direct dispatch: which takers, core/hand-off.ts; push.ts keeps
 * them), pushed to another process's idle worker (INSERT_TASK), or left PENDING for a claim.
 * Plain submits go through plain-submit.ts.
 */
import { asSubmitted, leaseOf, takersFor } from '../../core/hand-off.ts';
import { batchResults, idempotencyConflict, lanesWithNew, planBatch } from '../batch.ts';
import { taskFromRow, type Row } from '../row.ts';
import type { Lease, LocalTaker, NewTask, Task } from '../../core/index.ts';
import type { SubmitResult } from '../ports/index.ts';
import { LOCK_USER_LIMITS, USER_LIMITS_LOCK } from './claim.ts';
import { isUniqueViolation, type Db, type Tx } from './db.ts';
import {
  EARLY_COMMIT,
  INSERT_TASK_IN_TX,
  insertedResult,
  NEW_TASK_COLUMNS,
  NEW_TASK_VALUES,
  newTaskParams,
  RANK,
  readyAhead,
} from './new-task.ts';
import type { Notifier } from './notifier.ts';
import type { PlainSubmits } from './plain-submit.ts';
import type { PushDispatch } from './push.ts';

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

/** $1 to $21 as INSERT_TASK, then worker_id ($23): a submit handed to a local worker, in one
 *  statement. If no ready task should run first (priority, then fair share and FIFO, as a
 *  claim orders them), as INSERT_TASK_LEASED, committed early (EARLY_COMMIT); otherwise
 *  PENDING, as INSERT_TASK without its push. The returned row's status says which. */
const INSERT_TASK_HANDED = `
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

/** user_id (null for none): that user's RUNNING tasks. */
const COUNT_RUNNING_OF = `SELECT count(*) AS n FROM tasks WHERE status = 'RUNNING' AND user_id IS NOT DISTINCT FROM $1::text`;

export class Submits {
  private readonly db: Db;
  private readonly notifier: Notifier;
  private readonly push: PushDispatch;
  private readonly plain: PlainSubmits;

  constructor(db: Db, notifier: Notifier, push: PushDispatch, plain: PlainSubmits) {
    this.db = db;
    this.notifier = notifier;
    this.push = push;
    this.plain = plain;
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
    this.notifier.outputNow(lanes.map((l) => `lane:${l}`));
  }

  private async submitOne(t: NewTask): Promise<SubmitResult> {
    // Nothing to read first (no idempotency key to look up, no local worker to hand it to):
    // one statement, committed on its own.
    if (!t.idempotencyKey) {
      const takers = takersFor(this.push.attached, t);
      if (takers.length === 0) return this.plain.submit(t);
      // Per-user running limits need counts read under a lock: the transaction below.
      if (takers.every((k) => (k.maxRunningPerUser ?? 0) <= 0)) return this.submitHanded(t, takers);
    }
    try {
      return await this.db.tx((tx) => this.insertTask(tx, t));
    } catch (err) {
      // A concurrent submit with the same key committed first: answer as if it had come first.
      if (t.idempotencyKey && isUniqueViolation(err, 'tasks_idempotency')) return this.db.tx((tx) => this.insertTask(tx, t));
      throw err;
    }
  }

  private async submitBatch(tasks: NewTask[]): Promise<SubmitResult[]> {
    if (tasks.length === 0) return [];
    const keyed = tasks.filter((t) => t.idempotencyKey);
    if (keyed.length === 0) {
      const plan = planBatch(tasks, () => undefined);
      const results = batchResults(plan, await this.plain.insertTasks((sql, params) => this.db.rows(sql, params), plan.inserts));
      this.notifier.readyNow();
      return results;
    }
    const once = () =>
      this.db.tx(async (tx) => {
        const found = new Map<string, Task>();
        for (const row of await tx.query(SELECT_BY_IDEMPOTENCY_MANY, [
          keyed.map((t) => t.userId ?? ''),
          keyed.map((t) => t.idempotencyKey),
        ])) {
          found.set(`${row.user_id ?? ''}\0${row.idempotency_key}`, taskFromRow(row));
        }
        const plan = planBatch(tasks, (user, key) => found.get(`${user}\0${key}`));
        return batchResults(plan, await this.plain.insertTasks(tx.query, plan.inserts));
      });
    let results: SubmitResult[];
    try {
      results = await once();
    } catch (err) {
      // A concurrent submit with one of the keys committed first: answer as if it had come first.
      if (!isUniqueViolation(err, 'tasks_idempotency')) throw err;
      results = await once();
    }
    if (results.some((r) => r.created)) this.notifier.readyNow();
    return results;
  }

  /**
   * Direct dispatch in one statement (INSERT_TASK_HANDED): the first local taker with a free
   * slot holds it (its offer() reserves the slot) while the task is inserted, and gets the lease if the task went in leased to
   * it; otherwise it is told there is none, and the task waits PENDING like any other.
   */
  private async submitHanded(t: NewTask, takers: LocalTaker[]): Promise<SubmitResult> {
    let taker: LocalTaker | undefined;
    let deliver: ((lease: Lease | null) => void) | null = null;
    for (taker of takers) if ((deliver = taker.offer())) break;
    // No local slot free: as a submit with no local worker (grouped while others are in flight).
    if (!taker || !deliver) return this.plain.submit(t);
    const now = this.db.now();
    const params = newTaskParams(t, now);
    let row: Row;
    try {
      [row] = await this.db.rows(INSERT_TASK_HANDED, [...params, taker.workerId]);
    } catch (err) {
      deliver(null);
      throw err;
    }
    const task = taskFromRow(row);
    if (task.status !== 'RUNNING') {
      deliver(null);
      this.notifier.readyNow();
      return { task, created: true };
    }
    // Committed early: the worker starts now, the submitter is answered once it is on disk.
    deliver(leaseOf(task, taker.workerId, now));
    await this.plain.flush();
    return { task: asSubmitted(task), created: true, handedOff: true };
  }

  private async insertTask(tx: Tx, t: NewTask): Promise<SubmitResult> {
    if (t.idempotencyKey) {
      const [existing] = await tx.query(SELECT_BY_IDEMPOTENCY, [t.userId ?? '', t.idempotencyKey]);
      if (existing) {
        if (existing.request_hash !== t.requestHash) throw idempotencyConflict(t.idempotencyKey, String(existing.id));
        return { task: taskFromRow(existing), created: false };
      }
    }
    const now = this.db.now();
    const params = newTaskParams(t, now);
    const handed = await this.handOff(tx, t, now, params);
    if (handed) return handed;
    const [row] = await tx.query(INSERT_TASK_IN_TX, [...params, this.notifier.channel]);
    const result = insertedResult(row);
    if (!result.handedOff) await this.notifier.notifyReady(tx);
    return result;
  }

  /**
   * Direct dispatch, inside the submit's transaction: if a local taker has a free slot and no
   * ready task should run first (priority, then fair share and FIFO, as a claim would order
   * them), insert the task already leased to it and hand it the lease once the transaction
   * has committed (null if it did not). The caller sees the task as submitted (PENDING).
   */
  private async handOff(tx: Tx, t: NewTask, now: number, params: unknown[]): Promise<SubmitResult | null> {
    const takers = takersFor(this.push.attached, t);
    if (takers.length === 0 || (await tx.query(READY_AHEAD, [t.priority, now, t.userId ?? ''])).length > 0) return null;
    let running: number | null = null;
    for (const taker of takers) {
      const max = taker.maxRunningPerUser ?? 0;
      if (max > 0) {
        if (running === null) {
          await tx.query(LOCK_USER_LIMITS, [USER_LIMITS_LOCK, this.db.schema]);
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
      lease = leaseOf(task, taker.workerId, now);
      return { task: asSubmitted(task), created: true, handedOff: true };
    }
    return null;
  }
}
