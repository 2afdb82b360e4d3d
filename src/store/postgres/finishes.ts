/**
 * Final outcomes (success, timeout, cancel) end the task whatever its row says (decideFinal,
 * core/finish.ts): one fenced statement per tick, shared by every attempt that ends in it
 * (group commit).
 */
import { decideFinal, finishedFinal } from '../../core/finish.ts';
import type { Row } from '../row.ts';
import { executionAuditEntry, wakesWorkers } from '../../core/index.ts';
import type { AttemptRef, Finished, Outcome, RetryPolicy, TaskStatus } from '../../core/index.ts';
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

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

/** FINISH_FENCED's audit parameters: at (null for none), actor, source, outcome, detail. */
function finishAuditParams(taskId: string, outcome: Outcome, next: TaskStatus): unknown[] {
  if (!outcome.audit) return [null, null, null, null, null];
  const e = executionAuditEntry(taskId, outcome.audit, next);
  return [e.at, e.actor, e.source, e.outcome, JSON.stringify(e.detail)];
}

export class FencedFinishes {
  private readonly db: Db;
  private readonly notifier: Notifier;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  /** Final outcomes waiting for this tick's shared statement (finish). */
  private readonly finishing: {
    params: unknown[];
    finished: Finished;
    resolve: (f: Finished | null) => void;
    reject: (err: unknown) => void;
  }[] = [];

  constructor(db: Db, notifier: Notifier, retry: RetryPolicy, random: () => number) {
    this.db = db;
    this.notifier = notifier;
    this.retry = retry;
    this.random = random;
  }

  /**
   * Success, timeout and cancel end the task whatever its row says: one fenced statement.
   * Those that arrive in the same tick (a pool's slots finishing together) share one statement
   * and one commit: group commit, as the SQLite store's write batch does.
   */
  finish(ref: AttemptRef, outcome: Outcome, now: number): Promise<Finished | null> {
    const end = decideFinal(ref, outcome, now, this.retry, this.random);
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
    const finished = finishedFinal(ref, end, now);
    return new Promise((resolve, reject) => {
      this.finishing.push({ params, finished, resolve, reject });
      if (this.finishing.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.finishing.splice(0);
    try {
      let rows: Row[];
      if (batch.length === 1) {
        rows = (await this.db.rows(FINISH_FENCED, batch[0].params)).map((r) => ({ ...r, id: batch[0].params[8] }));
      } else {
        const columns = batch[0].params.map((_, i) => batch.map((b) => b.params[i]));
        rows = await this.db.rows(FINISH_FENCED_MANY, columns);
      }
      const ended = new Map(rows.map((r) => [String(r.id), r.lane === null ? null : String(r.lane)]));
      const laneOf = (b: (typeof batch)[number]) => ended.get(String(b.params[8])) ?? null;
      // Their followers see the end at once, not at their next poll; workers in every process
      // see the next task of a lane that one of them ended.
      this.notifier.outputNow(ended.keys());
      if (batch.some((b) => ended.has(String(b.params[8])) && wakesWorkers(laneOf(b), b.finished.status))) this.notifier.readyNow();
      for (const b of batch) b.resolve(ended.has(String(b.params[8])) ? b.finished : null);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}
