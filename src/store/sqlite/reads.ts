/** Task reads: one task, pages of tasks, their history, the feed of all transitions, and a
 *  task's place in the ready queue. Reads run directly, outside the write batch. */
import { pageOf, rowsForPage } from '../../core/page.ts';
import { decodeCursor, encodeCursor, feedFromRow, historyFromRow, taskFromRow, type Row } from '../row.ts';
import type { FeedEntry, HistoryEntry, Page, Task } from '../../core/index.ts';
import type { ListFilter } from '../ports/index.ts';
import type { SqliteContext } from './context.ts';

/** id */
export const SELECT_TASK = `SELECT * FROM tasks WHERE id = ?`;

/** PENDING tasks that a task of effective priority ?1, rank ?4 and seq ?2 waits behind, counted up to ?3. Every
 *  POST runs it, so it reads the index alone: filtering on run_after (not in the index) cost a
 *  table lookup per row, 9 % of the API's CPU at a 1,000-task backlog. Tasks in backoff are
 *  not in it (migration 0015), so not counted. Claim order (core/claim-order.ts), counted. */
const COUNT_AHEAD = `
SELECT min(?3,
  (SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND eff_priority > ?1 LIMIT ?3))
  + (SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND eff_priority = ?1
      AND (fair_rank, seq) < (?4, ?2) LIMIT ?3))) AS n`;

export async function get(ctx: SqliteContext, id: string): Promise<Task | null> {
  const row = ctx.stmt(SELECT_TASK).get(id) as Row | undefined;
  return row ? taskFromRow(row) : null;
}

export async function list(ctx: SqliteContext, f: ListFilter): Promise<Page<Task>> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.status) where.push('status = ?'), params.push(f.status);
  if (f.userId) where.push('user_id = ?'), params.push(f.userId);
  if (f.queue) where.push('queue = ?'), params.push(f.queue);
  if (f.lane) where.push('lane = ?'), params.push(f.lane);
  if (f.deadLettered !== undefined) where.push(f.deadLettered ? 'dead_lettered = 1' : 'dead_lettered = 0');
  // instr, not LIKE: the text is matched as given, % and _ included.
  if (f.command)
    where.push("(instr(lower(command), lower(?)) > 0 OR instr(lower(coalesce(shell, '')), lower(?)) > 0)"),
      params.push(f.command, f.command);
  if (f.after) where.push('seq < ?'), params.push(decodeCursor(f.after));
  const sql = `SELECT * FROM tasks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
  const rows = ctx.stmt(sql).all(...params, rowsForPage(f.limit)) as Row[];
  return pageOf(rows, f.limit, taskFromRow, (last) => encodeCursor(Number(last.seq)));
}

export async function history(ctx: SqliteContext, id: string): Promise<HistoryEntry[]> {
  return (ctx.stmt('SELECT * FROM task_history WHERE task_id = ? ORDER BY id').all(id) as Row[]).map(historyFromRow);
}

export async function feed(ctx: SqliteContext, afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]> {
  const rows = (
    userId === undefined
      ? ctx.stmt('SELECT * FROM task_history WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit)
      : userId === null
        ? ctx
            .stmt(
              'SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > ? AND t.user_id IS NULL ORDER BY h.id LIMIT ?',
            )
            .all(afterId, limit)
        : ctx
            .stmt('SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > ? AND t.user_id = ? ORDER BY h.id LIMIT ?')
            .all(afterId, userId, limit)
  ) as Row[];
  return rows.map(feedFromRow);
}

export async function feedHead(ctx: SqliteContext): Promise<number> {
  return Number((ctx.stmt('SELECT coalesce(max(id), 0) AS n FROM task_history').get() as Row).n);
}

export async function positionOf(ctx: SqliteContext, task: Task, max: number): Promise<number> {
  const r = ctx.stmt('SELECT seq, fair_rank, eff_priority FROM tasks WHERE id = ?').get(task.id) as Row | undefined;
  if (!r) return 0;
  return Number((ctx.stmt(COUNT_AHEAD).get(Number(r.eff_priority), Number(r.seq), max, Number(r.fair_rank)) as Row).n);
}
