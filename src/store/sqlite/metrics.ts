/** Counts over the task table for the dashboard, the metrics and the autoscaler. */
import { depthFromRow, timelineFromRow, type Row } from '../row.ts';
import {
  finishedSinceFrom,
  KIND_SAMPLE,
  RECENT_KINDS,
  type FinishedSince,
  type QueueDepth,
  type StatusCounts,
  type TimelineBucket,
  type WorkerLoad,
} from '../ports/index.ts';
import type { TaskStatus } from '../../core/index.ts';
import type { SqliteContext } from './context.ts';

export async function queueDepths(ctx: SqliteContext, userId?: string): Promise<QueueDepth[]> {
  const rows = ctx
    .stmt(
      `SELECT queue, priority, sum(status = 'PENDING') AS pending, sum(status = 'RUNNING') AS running
       FROM tasks WHERE status IN ('PENDING', 'RUNNING') ${userId !== undefined ? 'AND user_id = ?' : ''} GROUP BY queue, priority ORDER BY queue, priority DESC`,
    )
    .all(...(userId !== undefined ? [userId] : [])) as Row[];
  return rows.map(depthFromRow);
}

export async function counts(ctx: SqliteContext, userId?: string): Promise<StatusCounts> {
  const out: StatusCounts = { PENDING: 0, RUNNING: 0, SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0, deadLettered: 0 };
  const rows =
    userId !== undefined
      ? ctx.stmt('SELECT status, count(*) AS n FROM tasks WHERE user_id = ? GROUP BY status').all(userId)
      : ctx.stmt('SELECT status, count(*) AS n FROM tasks GROUP BY status').all();
  for (const r of rows as Row[]) out[String(r.status) as TaskStatus] = Number(r.n);
  out.deadLettered = await deadLetterCount(ctx, userId);
  return out;
}

export async function deadLetterCount(ctx: SqliteContext, userId?: string): Promise<number> {
  if (userId !== undefined)
    return Number((ctx.stmt('SELECT count(*) AS n FROM tasks WHERE dead_lettered = 1 AND user_id = ?').get(userId) as Row).n);
  return Number((ctx.stmt('SELECT count(*) AS n FROM tasks WHERE dead_lettered = 1').get() as Row).n);
}

export async function activeCounts(ctx: SqliteContext): Promise<{ pending: number; running: number }> {
  const p = ctx
    .stmt(
      `SELECT (SELECT count(*) FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0)
        + (SELECT count(*) FROM tasks INDEXED BY tasks_backoff WHERE status = 'PENDING' AND in_backoff = 1) AS n`,
    )
    .get() as Row;
  const r = ctx.stmt(`SELECT count(*) AS n FROM tasks INDEXED BY tasks_leased WHERE status = 'RUNNING'`).get() as Row;
  return { pending: Number(p.n), running: Number(r.n) };
}

export async function outcomesSince(
  ctx: SqliteContext,
  since: number,
): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>> {
  const out = { SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0 };
  for (const r of ctx.stmt('SELECT status, count(*) AS n FROM tasks WHERE completed_at >= ? GROUP BY status').all(since) as Row[]) {
    if (String(r.status) in out) out[String(r.status) as keyof typeof out] = Number(r.n);
  }
  return out;
}

export async function timeline(ctx: SqliteContext, since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]> {
  const rows = ctx
    .stmt(
      `SELECT (completed_at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS at, count(*) AS finished, sum(status IN ('FAILED', 'TIMEOUT')) AS failed,
              avg(started_at - created_at) AS wait, avg(completed_at - started_at) AS run
       FROM tasks WHERE completed_at >= ? ${userId !== undefined ? 'AND user_id = ?' : ''} GROUP BY 1 ORDER BY 1`,
    )
    .all(bucketMs, bucketMs, since, ...(userId !== undefined ? [userId] : [])) as Row[];
  return rows.map(timelineFromRow);
}

export async function finishedSince(ctx: SqliteContext, windowMs: number, sample: number): Promise<FinishedSince> {
  // Bounded by `sample`: an unbounded count over five minutes at 1,000 tasks/s scanned 300,000
  // index entries on the event loop once a second.
  const now = ctx.clock.now();
  const rows = ctx
    .stmt(
      `SELECT NULL AS command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
         SELECT completed_at, started_at FROM tasks INDEXED BY tasks_completed
         WHERE completed_at >= ? ORDER BY completed_at DESC LIMIT ?)
       UNION ALL
       SELECT * FROM (SELECT command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
           SELECT command, completed_at, started_at FROM tasks INDEXED BY tasks_completed
           WHERE completed_at >= ? ORDER BY completed_at DESC LIMIT ?)
         GROUP BY command ORDER BY n DESC LIMIT ?)`,
    )
    .all(now - windowMs, sample, now - windowMs, Math.min(sample, KIND_SAMPLE), RECENT_KINDS) as Row[];
  return finishedSinceFrom(rows, now, windowMs, sample);
}

export async function workerLoads(ctx: SqliteContext): Promise<WorkerLoad[]> {
  const rows = ctx
    .stmt(`SELECT worker_id, count(*) AS n FROM tasks WHERE status = 'RUNNING' AND worker_id IS NOT NULL GROUP BY worker_id`)
    .all() as Row[];
  return rows.map((r) => ({ workerId: String(r.worker_id), running: Number(r.n) }));
}
