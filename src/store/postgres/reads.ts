/** Reads of tasks and their history: one task, pages, the history feed, counts and statistics. */
import { pageOf, rowsForPage } from '../../core/page.ts';
import { decodeCursor, depthFromRow, encodeCursor, feedFromRow, historyFromRow, taskFromRow, timelineFromRow } from '../row.ts';
import {
  finishedSinceFrom,
  KIND_SAMPLE,
  RECENT_KINDS,
  type FinishedSince,
  type ListFilter,
  type QueueDepth,
  type StatusCounts,
  type TimelineBucket,
} from '../ports/index.ts';
import type { FeedEntry, HistoryEntry, Page, Task, TaskStatus } from '../../core/index.ts';
import type { Db } from './db.ts';

/** id */
const SELECT_TASK = `SELECT * FROM tasks WHERE id = $1`;

/** id, max: PENDING tasks that task waits behind, counted up to max; 0 for an unknown task
 *  (tasks_ahead, migration 0011: before it, one join with an OR that the planner answered by
 *  scanning the table, measured at 6-7 ms per submit with 20,000 tasks queued). */
const COUNT_AHEAD = `SELECT tasks_ahead($1, $2) AS n`;

/** window start, sample, kind sample, kinds: the latest completions (at most `sample`), and per
 *  command among the latest `kind sample` (the `kinds` most frequent). */
const FINISHED_SINCE = `
SELECT NULL::text AS command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
  SELECT completed_at, started_at FROM tasks WHERE completed_at >= $1 ORDER BY completed_at DESC LIMIT $2) recent
UNION ALL
SELECT * FROM (SELECT command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
    SELECT command, completed_at, started_at FROM tasks WHERE completed_at >= $1 ORDER BY completed_at DESC LIMIT $3) latest
  GROUP BY command ORDER BY n DESC LIMIT $4) kinds`;

export class Reads {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async get(id: string): Promise<Task | null> {
    const [row] = await this.db.rows(SELECT_TASK, [id]);
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
    const sql = `SELECT * FROM tasks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${param(rowsForPage(f.limit))}`;
    return pageOf(await this.db.rows(sql, params), f.limit, taskFromRow, (last) => encodeCursor(Number(last.seq)));
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (await this.db.rows('SELECT * FROM task_history WHERE task_id = $1 ORDER BY id', [id])).map(historyFromRow);
  }

  async feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]> {
    const rows =
      userId === undefined
        ? await this.db.rows('SELECT * FROM task_history WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
        : userId === null
          ? await this.db.rows(
              'SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > $1 AND t.user_id IS NULL ORDER BY h.id LIMIT $2',
              [afterId, limit],
            )
          : await this.db.rows(
              'SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > $1 AND t.user_id = $2 ORDER BY h.id LIMIT $3',
              [afterId, userId, limit],
            );
    return rows.map(feedFromRow);
  }

  async feedHead(): Promise<number> {
    return Number((await this.db.rows('SELECT coalesce(max(id), 0) AS n FROM task_history'))[0].n);
  }

  async outcomesSince(since: number): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>> {
    const out = { SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0 };
    for (const r of await this.db.rows('SELECT status, count(*) AS n FROM tasks WHERE completed_at >= $1 GROUP BY status', [since])) {
      if (String(r.status) in out) out[String(r.status) as keyof typeof out] = Number(r.n);
    }
    return out;
  }

  async deadLetterCount(userId?: string): Promise<number> {
    if (userId !== undefined)
      return Number((await this.db.rows('SELECT count(*) AS n FROM tasks WHERE dead_lettered AND user_id = $1', [userId]))[0].n);
    return Number((await this.db.rows('SELECT count(*) AS n FROM tasks WHERE dead_lettered'))[0].n);
  }

  async timeline(since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]> {
    const rows = await this.db.rows(
      `SELECT (completed_at / $1) * $1 AS at, count(*) AS finished, count(*) FILTER (WHERE status IN ('FAILED', 'TIMEOUT')) AS failed,
              avg(started_at - created_at)::float8 AS wait, avg(completed_at - started_at)::float8 AS run
       FROM tasks WHERE completed_at >= $2 ${userId !== undefined ? 'AND user_id = $3' : ''} GROUP BY 1 ORDER BY 1`,
      [bucketMs, since, ...(userId !== undefined ? [userId] : [])],
    );
    return rows.map(timelineFromRow);
  }

  async queueDepths(userId?: string): Promise<QueueDepth[]> {
    const rows = await this.db.rows(
      `SELECT queue, priority, count(*) FILTER (WHERE status = 'PENDING') AS pending, count(*) FILTER (WHERE status = 'RUNNING') AS running
       FROM tasks WHERE status IN ('PENDING', 'RUNNING') ${userId !== undefined ? 'AND user_id = $1' : ''} GROUP BY queue, priority ORDER BY queue, priority DESC`,
      userId !== undefined ? [userId] : [],
    );
    return rows.map(depthFromRow);
  }

  async counts(userId?: string): Promise<StatusCounts> {
    const out: StatusCounts = { PENDING: 0, RUNNING: 0, SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0, deadLettered: 0 };
    const sql = `SELECT status, count(*) AS n, count(*) FILTER (WHERE dead_lettered) AS dead FROM tasks ${userId !== undefined ? 'WHERE user_id = $1' : ''} GROUP BY status`;
    for (const r of await this.db.rows(sql, userId !== undefined ? [userId] : [])) {
      out[String(r.status) as TaskStatus] = Number(r.n);
      out.deadLettered += Number(r.dead);
    }
    return out;
  }

  async activeCounts(): Promise<{ pending: number; running: number }> {
    const [r] = await this.db.rows(
      `SELECT (SELECT count(*) FROM tasks WHERE status = 'PENDING') AS pending, (SELECT count(*) FROM tasks WHERE status = 'RUNNING') AS running`,
    );
    return { pending: Number(r.pending), running: Number(r.running) };
  }

  async positionOf(task: Task, max: number): Promise<number> {
    return Number((await this.db.rows(COUNT_AHEAD, [task.id, max]))[0].n);
  }

  async finishedSince(windowMs: number, sample: number): Promise<FinishedSince> {
    const now = this.db.now();
    return finishedSinceFrom(
      await this.db.rows(FINISHED_SINCE, [now - windowMs, sample, Math.min(sample, KIND_SAMPLE), RECENT_KINDS]),
      now,
      windowMs,
      sample,
    );
  }
}
