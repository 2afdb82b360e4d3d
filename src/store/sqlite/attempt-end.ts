/**
 * How attempts end: a worker's finish or release, or the reaper's finding that its lease ran out
 * or its worker vanished. What each end does to the task is decided in core/transitions.ts
 * and core/finish.ts; this persists it.
 */
import { decideFinal, finishedAfter, finishedFinal } from '../../core/finish.ts';
import {
  decideExpiry,
  decideFinish,
  executionAuditEntry,
  expiryFailure,
  lostAttemptAuditEntry,
  wakesWorkers,
  type AttemptEnd,
} from '../../core/index.ts';
import { strOrNull, taskFromRow, type Row } from '../row.ts';
import type { AttemptRef, Finished, Outcome, Task, TaskFailure } from '../../core/index.ts';
import type { ReapResult } from '../ports/index.ts';
import { insertAudit } from './access.ts';
import { endBackoffs } from './backoffs.ts';
import type { SqliteContext } from './context.ts';

/** id, attempt: the running attempt, or nothing if the attempt is stale. */
const SELECT_RUNNING_ATTEMPT = `SELECT * FROM tasks WHERE id = ? AND attempt = ? AND status = 'RUNNING'`;

/** status, completed_at, run_after, dead_lettered, summary, failure, result, result_key, stdout_key,
 *  stderr_key, id, now. worker_id is kept: it names the last worker. A retry that must wait
 *  goes in backoff (migration 0015). */
const END_ATTEMPT = `
UPDATE tasks SET status = ?1, completed_at = ?2, run_after = ?3, lease_expires_at = NULL,
  dead_lettered = ?4, summary = ?5, failure = ?6, result = ?7, result_key = ?8, stdout_key = ?9, stderr_key = ?10,
  in_backoff = (?1 = 'PENDING' AND ?3 > ?12)
WHERE id = ?11
RETURNING *`;

/** status, completed_at, dead_lettered, summary, failure, result_key, stdout_key, stderr_key, id,
 *  attempt, result. A final outcome whose effect does not depend on the row (success, timeout, cancel),
 *  fenced by attempt in one statement; no row back means the attempt was stale. Returns only the
 *  worker (for the history row) and the lane (whose next task may now run): the caller knows the rest. */
const FINISH_FENCED = `
UPDATE tasks SET status = ?1, completed_at = ?2, lease_expires_at = NULL, dead_lettered = ?3, summary = ?4,
  failure = ?5, result_key = ?6, stdout_key = ?7, stderr_key = ?8, result = ?11
WHERE id = ?9 AND attempt = ?10 AND status = 'RUNNING'
RETURNING worker_id, lane`;

/** now, stale-worker cutoff: leases past their time or held by workers not seen since the cutoff. */
const SELECT_EXPIRED = `
SELECT * FROM tasks WHERE status = 'RUNNING' AND (lease_expires_at <= ?1
  OR worker_id IN (SELECT id FROM workers WHERE last_seen < ?2))`;

export async function finish(ctx: SqliteContext, ref: AttemptRef, outcome: Outcome): Promise<Finished | null> {
  const done = await ctx.writes.run(() => {
    const now = ctx.clock.now();
    if (outcome.status !== 'FAILED') return finishFinal(ctx, ref, outcome, now);
    const row = ctx.stmt(SELECT_RUNNING_ATTEMPT).get(ref.taskId, ref.attempt) as Row | undefined;
    if (!row) return null;
    const cur = taskFromRow(row);
    const end = decideFinish(cur, outcome, now, ctx.retry, ctx.random);
    const after = endAttempt(ctx, cur, end, now, outcome.failure, outcome);
    if (outcome.audit) insertAudit(ctx, [executionAuditEntry(ref.taskId, outcome.audit, after.status)]);
    return { finished: finishedAfter(end, after), lane: cur.lane };
  }, false);
  if (!done) return null;
  if (wakesWorkers(done.lane, done.finished.status)) ctx.notifyReady();
  // Its followers see the attempt's end at once, not at their next poll.
  ctx.wake.emit('output', ref.taskId);
  return done.finished;
}

/** Success, timeout and cancel end the task whatever its row says: one fenced UPDATE. */
function finishFinal(
  ctx: SqliteContext,
  ref: AttemptRef,
  outcome: Outcome,
  now: number,
): { finished: Finished; lane: string | null } | null {
  const end = decideFinal(ref, outcome, now, ctx.retry, ctx.random);
  const row = ctx
    .stmt(FINISH_FENCED)
    .get(
      end.status,
      now,
      end.deadLettered ? 1 : 0,
      outcome.summary ? JSON.stringify(outcome.summary) : null,
      outcome.failure ? JSON.stringify(outcome.failure) : null,
      outcome.resultKey,
      outcome.stdoutKey,
      outcome.stderrKey,
      ref.taskId,
      ref.attempt,
      outcome.resultJson,
    ) as Row | undefined;
  if (!row) return null;
  ctx.addHistory(ref.taskId, now, end.status, ref.attempt, strOrNull(row.worker_id), end.reason);
  if (outcome.audit) insertAudit(ctx, [executionAuditEntry(ref.taskId, outcome.audit, end.status)]);
  return { finished: finishedFinal(ref, end, now), lane: strOrNull(row.lane) };
}

function endAttempt(
  ctx: SqliteContext,
  cur: Task,
  end: AttemptEnd,
  now: number,
  failure: TaskFailure | null,
  outcome: Pick<Outcome, 'summary' | 'resultJson' | 'resultKey' | 'stdoutKey' | 'stderrKey'> | null,
): Task {
  const row = ctx
    .stmt(END_ATTEMPT)
    .get(
      end.status,
      end.final ? now : null,
      end.runAfter ?? cur.runAfter,
      end.deadLettered ? 1 : 0,
      outcome?.summary ? JSON.stringify(outcome.summary) : cur.summary ? JSON.stringify(cur.summary) : null,
      failure ? JSON.stringify(failure) : null,
      outcome ? outcome.resultJson : cur.resultJson,
      outcome ? outcome.resultKey : cur.resultKey,
      outcome ? outcome.stdoutKey : cur.stdoutKey,
      outcome ? outcome.stderrKey : cur.stderrKey,
      cur.id,
      now,
    ) as Row;
  ctx.addHistory(cur.id, now, end.status, cur.attempt, cur.workerId, end.reason);
  const after = taskFromRow(row);
  ctx.backoffs.attemptEnded(after, now);
  return after;
}

export async function release(ctx: SqliteContext, ref: AttemptRef): Promise<boolean> {
  const ok = await ctx.writes.run(() => {
    const row = ctx.stmt(SELECT_RUNNING_ATTEMPT).get(ref.taskId, ref.attempt) as Row | undefined;
    if (!row) return false;
    const now = ctx.clock.now();
    // The attempt number stays (fencing needs it monotonic); the budget grows back by one.
    ctx
      .stmt(
        `UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_expires_at = NULL, run_after = ?, in_backoff = 0,
           attempt_limit = attempt_limit + 1 WHERE id = ?`,
      )
      .run(now, ref.taskId);
    ctx.addHistory(ref.taskId, now, 'PENDING', ref.attempt, String(row.worker_id), 'released by worker');
    return true;
  }, false);
  if (ok) ctx.notifyReady();
  return ok;
}

export async function reap(ctx: SqliteContext, workerStaleMs: number): Promise<ReapResult> {
  const ended: string[] = [];
  let moved = 0;
  const expired = await ctx.writes.run(() => {
    const now = ctx.clock.now();
    moved = endBackoffs(ctx, now, true);
    const rows = ctx.stmt(SELECT_EXPIRED).all(now, now - workerStaleMs) as Row[];
    ended.push(...rows.map((r) => String(r.id)));
    for (const r of rows) {
      const cur = taskFromRow(r);
      const failure = expiryFailure(cur, now);
      const after = endAttempt(ctx, { ...cur, runAfter: now }, decideExpiry(cur, failure, now), now, failure, null);
      insertAudit(ctx, [lostAttemptAuditEntry(cur, failure, after.status, now)]);
    }
    ctx.stmt('DELETE FROM workers WHERE last_seen < ?').run(now - workerStaleMs);
    return rows.length;
  }, false);
  if (expired > 0 || moved > 0) ctx.notifyReady();
  // Their followers see the attempt's end at once, as after a worker's finish.
  for (const id of ended) ctx.wake.emit('output', id);
  return { expired };
}
