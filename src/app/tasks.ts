/** A task's results and cancelling it. */
import type { Principal } from '../auth/index.ts';
import { Conflict, ErrorCode, NotFound } from '../core/errors.ts';
import type { Task } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { ownedTask } from './ownership.ts';

/** The task's detailed results: kept in its row when small, else in the blob store. */
export async function readResults(app: Pick<AppContext, 'blobs'>, t: Task): Promise<Record<string, unknown> | null> {
  if (t.resultJson !== null) return JSON.parse(t.resultJson) as Record<string, unknown>;
  if (!t.resultKey) return null;
  const raw = await app.blobs.get(t.resultKey);
  return raw ? (JSON.parse(raw.toString()) as Record<string, unknown>) : null;
}

export interface Cancelled {
  taskId: string;
  status: string;
  effect: 'cancelled' | 'requested' | 'already-final';
  message: string;
}

/** Cancels a task: a pending one never runs, a running one is killed (here at once, elsewhere
 *  by its next heartbeat). A task that already finished otherwise is a Conflict. */
export async function cancelTask(app: Pick<AppContext, 'store' | 'cancelLocal'>, who: Principal, id: string): Promise<Cancelled> {
  await ownedTask(app.store, who, id);
  const res = await app.store.cancel(id);
  if (!res) throw new NotFound(ErrorCode.TaskNotFound, `task ${id} not found`);
  if (res.effect === 'requested') app.cancelLocal(res.task.id);
  if (res.effect === 'already-final' && res.task.status !== 'CANCELLED') {
    throw new Conflict(ErrorCode.TaskNotCancellable, `task ${res.task.id} already finished with ${res.task.status}`);
  }
  const message = {
    cancelled: 'Task cancelled before it ran',
    requested: 'Cancellation requested; the running attempt is being killed',
    'already-final': 'Task was already cancelled',
  }[res.effect];
  return { taskId: res.task.id, status: res.task.status, effect: res.effect, message };
}
