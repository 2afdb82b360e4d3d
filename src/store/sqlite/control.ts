/** An operator's actions on a task: cancel it, redrive it out of the dead-letter queue. What
 *  each does is decided in core/cancel.ts and core/redrive.ts; this persists it. */
import { cancelResult, decideCancel } from '../../core/cancel.ts';
import { decideRedrive } from '../../core/redrive.ts';
import { taskFromRow, type Row } from '../row.ts';
import type { CancelResult, Task } from '../../core/index.ts';
import type { SqliteContext } from './context.ts';
import { SELECT_TASK } from './reads.ts';

/** now, id: a pending task ends CANCELLED, out of backoff. */
const CANCEL_PENDING = `UPDATE tasks SET status = 'CANCELLED', completed_at = ?, cancel_requested = 1, in_backoff = 0 WHERE id = ? RETURNING *`;

/** id: its worker kills the running attempt when its heartbeat says so. */
const REQUEST_CANCEL = 'UPDATE tasks SET cancel_requested = 1 WHERE id = ?';

/** now, id: see core/redrive.ts. */
const REDRIVE = `UPDATE tasks SET status = 'PENDING', dead_lettered = 0, cancel_requested = 0, completed_at = NULL,
           worker_id = NULL, run_after = ?, in_backoff = 0, attempt_limit = attempt + max_attempts WHERE id = ? RETURNING *`;

export async function cancel(ctx: SqliteContext, id: string): Promise<CancelResult | null> {
  const result = await ctx.writes.run(() => {
    const row = ctx.stmt(SELECT_TASK).get(id) as Row | undefined;
    if (!row) return null;
    const cur = taskFromRow(row);
    const now = ctx.clock.now();
    const d = decideCancel(cur);
    let ended: Task | null = null;
    if (d.write === 'end') ended = taskFromRow(ctx.stmt(CANCEL_PENDING).get(now, id) as Row);
    else if (d.write === 'flag') ctx.stmt(REQUEST_CANCEL).run(id);
    if (d.history) ctx.addHistory(id, now, d.history.status, d.history.attempt, d.history.workerId, d.history.reason);
    return { result: cancelResult(cur, d, ended), wakes: d.wakes };
  });
  // A pending lane head cancelled: the next task of its lane may run now.
  if (result?.wakes) ctx.notifyReady();
  return result?.result ?? null;
}

export async function redrive(ctx: SqliteContext, id: string): Promise<Task> {
  const task = await ctx.writes.run(() => {
    const row = ctx.stmt(SELECT_TASK).get(id) as Row | undefined;
    const cur = row ? taskFromRow(row) : null;
    const h = decideRedrive(id, cur);
    const now = ctx.clock.now();
    const r = ctx.stmt(REDRIVE).get(now, id) as Row;
    ctx.addHistory(id, now, h.status, h.attempt, h.workerId, h.reason);
    return taskFromRow(r);
  });
  ctx.notifyReady();
  return task;
}
