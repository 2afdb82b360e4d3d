/**
 * Whether a task may be redriven out of the dead-letter queue, and what the redrive records,
 * the same for every Store backend. The backend's UPDATE persists it: PENDING and ready now,
 * no longer dead-lettered nor cancel-requested, with a fresh budget of maxAttempts attempts from
 * the attempt it reached (attempt_limit = attempt + max_attempts: attempt numbers never go back,
 * fencing needs them monotonic).
 */
import { Conflict, ErrorCode, NotFound } from './errors.ts';
import type { HistoryEntry, Task } from './task.ts';

/** `cur`: the task's row as read inside the redrive's write, or null if there is none. Throws
 *  what the caller answers when it may not be redriven; returns the history row to write. */
export function decideRedrive(id: string, cur: Pick<Task, 'attempt' | 'deadLettered'> | null): Omit<HistoryEntry, 'taskId' | 'at'> {
  if (!cur) throw new NotFound(ErrorCode.TaskNotFound, `task ${id} not found`);
  if (!cur.deadLettered) {
    throw new Conflict(ErrorCode.TaskNotDeadLettered, `task ${id} is not in the dead-letter queue`);
  }
  return { status: 'PENDING', attempt: cur.attempt, workerId: null, reason: 'redriven from the dead-letter queue' };
}
