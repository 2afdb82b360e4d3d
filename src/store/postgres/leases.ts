/**
 * The lease lifecycle after a claim: heartbeats extend leases, a finish ends the attempt (a
 * failure decides retry or dead letter under the row's lock; final outcomes go through
 * finishes.ts), a worker may release one, a cancel stops one, the reaper ends the expired, and
 * a dead-lettered task may be redriven. What a cancel and a redrive do is decided in
 * core/cancel.ts and core/redrive.ts; this persists it.
 */
import { cancelResult, decideCancel } from '../../core/cancel.ts';
import { finishedAfter } from '../../core/finish.ts';
import { attemptKey, heartbeatResult } from '../../core/heartbeat.ts';
import { decideRedrive } from '../../core/redrive.ts';
import { taskFromRow } from '../row.ts';
import {
  decideExpiry,
  decideFinish,
  executionAuditEntry,
  expiryFailure,
  lostAttemptAuditEntry,
  wakesWorkers,
  type AttemptEnd,
} from '../../core/index.ts';
import type {
  AttemptRef,
  CancelResult,
  Finished,
  HeartbeatResult,
  NewAuditEntry,
  Outcome,
  RetryPolicy,
  Task,
  TaskFailure,
} from '../../core/index.ts';
import type { ReapResult } from '../ports/index.ts';
import { APPEND_AUDIT, auditColumns } from './access.ts';
import type { Backoffs } from './backoffs.ts';
import type { Db, Tx } from './db.ts';
import type { FencedFinishes } from './finishes.ts';
import type { Notifier } from './notifier.ts';
import type { PlannerStatistics } from './statistics.ts';

/** id */
const SELECT_TASK_FOR_UPDATE = `SELECT * FROM tasks WHERE id = $1 FOR UPDATE`;

/** id, attempt: the running attempt, locked, or nothing if the attempt is stale. */
const SELECT_RUNNING_ATTEMPT = `SELECT * FROM tasks WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' FOR UPDATE`;

/** task_id, at, status, attempt, worker_id, reason */
const INSERT_HISTORY = `INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason) VALUES ($1, $2, $3, $4, $5, $6)`;

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

/** stale-worker cutoff: forget workers not seen since; returns their ids. First in a reap, so
 *  a reap takes worker rows before task rows, in the order a heartbeat does. */
const DELETE_STALE_WORKERS = `DELETE FROM workers WHERE last_seen < $1 RETURNING id`;

/** now, stale workers: leases past their time or held by those workers, locked; rows another
 *  reaper holds are skipped. */
const SELECT_EXPIRED = `
SELECT * FROM tasks WHERE status = 'RUNNING' AND (lease_expires_at <= $1 OR worker_id = ANY($2::text[]))
FOR UPDATE SKIP LOCKED`;

/** now, id: see core/redrive.ts. */
const REDRIVE = `
UPDATE tasks SET status = 'PENDING', dead_lettered = false, cancel_requested = false, completed_at = NULL,
  worker_id = NULL, run_after = $1, in_backoff = false, attempt_limit = attempt + max_attempts WHERE id = $2 RETURNING *`;

/** now, id: a pending task ends CANCELLED, out of backoff. */
const CANCEL_PENDING = `UPDATE tasks SET status = 'CANCELLED', completed_at = $1, cancel_requested = true, in_backoff = false WHERE id = $2 RETURNING *`;

/** id: its worker kills the running attempt when its heartbeat says so. */
const REQUEST_CANCEL = 'UPDATE tasks SET cancel_requested = true WHERE id = $1';

export class Leases {
  private readonly db: Db;
  private readonly notifier: Notifier;
  private readonly backoffs: Backoffs;
  private readonly finishes: FencedFinishes;
  private readonly statistics: PlannerStatistics;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;

  constructor(
    db: Db,
    notifier: Notifier,
    backoffs: Backoffs,
    finishes: FencedFinishes,
    statistics: PlannerStatistics,
    retry: RetryPolicy,
    random: () => number,
  ) {
    this.db = db;
    this.notifier = notifier;
    this.backoffs = backoffs;
    this.finishes = finishes;
    this.statistics = statistics;
    this.retry = retry;
    this.random = random;
  }

  async heartbeat(workerId: string, attempts: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult> {
    const rows = await this.db.rows(EXTEND_LEASES, [
      this.db.now(),
      workerId,
      attempts.map((a) => a.taskId),
      attempts.map((a) => a.attempt),
      straysBefore ?? null,
    ]);
    const extended = new Map<string, boolean>();
    const strays: AttemptRef[] = [];
    for (const r of rows) {
      const a = { taskId: String(r.id), attempt: Number(r.attempt) };
      if (r.stray) strays.push(a);
      else extended.set(attemptKey(a), r.cancel_requested === true);
    }
    return heartbeatResult(attempts, extended, strays);
  }

  async finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null> {
    const now = this.db.now();
    if (outcome.status !== 'FAILED') return this.finishes.finish(ref, outcome, now);
    const done = await this.db.tx(async (tx) => {
      const [row] = await tx.query(SELECT_RUNNING_ATTEMPT, [ref.taskId, ref.attempt]);
      if (!row) return null;
      const cur = taskFromRow(row);
      const end = decideFinish(cur, outcome, now, this.retry, this.random);
      const after = await this.endAttempt(tx, cur, end, now, outcome.failure, outcome);
      if (outcome.audit) await tx.query(APPEND_AUDIT, auditColumns([executionAuditEntry(ref.taskId, outcome.audit, after.status)]));
      if (wakesWorkers(cur.lane, after.status)) await this.notifier.notifyReady(tx);
      return finishedAfter(end, after);
    });
    // Its followers see the attempt's end at once, not at their next poll.
    if (done) this.notifier.outputNow([ref.taskId]);
    return done;
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
    this.backoffs.watch.attemptEnded(after, now);
    return after;
  }

  async release(ref: AttemptRef): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const [row] = await tx.query(SELECT_RUNNING_ATTEMPT, [ref.taskId, ref.attempt]);
      if (!row) return false;
      const now = this.db.now();
      await tx.query(RELEASE, [now, ref.taskId]);
      await tx.query(INSERT_HISTORY, [ref.taskId, now, 'PENDING', ref.attempt, row.worker_id, 'released by worker']);
      await this.notifier.notifyReady(tx);
      return true;
    });
  }

  async cancel(id: string): Promise<CancelResult | null> {
    return this.db.tx(async (tx) => {
      const [row] = await tx.query(SELECT_TASK_FOR_UPDATE, [id]);
      if (!row) return null;
      const cur = taskFromRow(row);
      const now = this.db.now();
      const d = decideCancel(cur);
      let ended: Task | null = null;
      if (d.write === 'end') ended = taskFromRow((await tx.query(CANCEL_PENDING, [now, id]))[0]);
      else if (d.write === 'flag') await tx.query(REQUEST_CANCEL, [id]);
      if (d.history) await tx.query(INSERT_HISTORY, [id, now, d.history.status, d.history.attempt, d.history.workerId, d.history.reason]);
      // A pending lane head cancelled: the next task of its lane may run now.
      if (d.wakes) await this.notifier.notifyReady(tx);
      return cancelResult(cur, d, ended);
    });
  }

  async reap(workerStaleMs: number): Promise<ReapResult> {
    const now = this.db.now();
    const expired = await this.db.tx(async (tx) => {
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
      if (rows.length > 0) await this.notifier.notifyReady(tx);
      // Their followers see the attempt's end at once, as after a worker's finish.
      const ids = rows.map((r) => String(r.id));
      tx.onEnd((committed) => committed && ids.length > 0 && this.notifier.outputNow(ids));
      return rows.length;
    });
    await this.backoffs.end(now, true);
    await this.statistics.keep(now);
    return { expired };
  }

  async redrive(id: string): Promise<Task> {
    return this.db.tx(async (tx) => {
      const [row] = await tx.query(SELECT_TASK_FOR_UPDATE, [id]);
      const h = decideRedrive(id, row ? taskFromRow(row) : null);
      const now = this.db.now();
      const [r] = await tx.query(REDRIVE, [now, id]);
      await tx.query(INSERT_HISTORY, [id, now, h.status, h.attempt, h.workerId, h.reason]);
      await this.notifier.notifyReady(tx);
      return taskFromRow(r);
    });
  }
}
