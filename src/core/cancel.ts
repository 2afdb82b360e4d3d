/**
 * What a cancel does in each state of its task, the same for every Store backend: the backend
 * reads the row (locked, or inside its write), persists what this decides, and answers.
 */
import { wakesWorkers } from './transitions.ts';
import type { HistoryEntry, Task } from './task.ts';

export interface CancelResult {
  task: Task;
  /** 'cancelled': was pending and will never run; 'requested': running, its worker will kill it. */
  effect: 'cancelled' | 'requested' | 'already-final';
}

export interface CancelDecision {
  effect: CancelResult['effect'];
  /** What the backend writes: 'end' a pending task (CANCELLED, completed now, cancel_requested,
   *  out of backoff); 'flag' a running attempt (cancel_requested: its worker kills it when its
   *  heartbeat says so); null: nothing (already flagged, or already final). */
  write: 'end' | 'flag' | null;
  /** The history row written with it (at: now), or null with no write. */
  history: Omit<HistoryEntry, 'taskId' | 'at'> | null;
  /** Wake workers once it commits: a pending lane head ended, so the next of its lane may run. */
  wakes: boolean;
}

export function decideCancel(cur: Pick<Task, 'status' | 'attempt' | 'cancelRequested' | 'workerId' | 'lane'>): CancelDecision {
  switch (cur.status) {
    case 'PENDING':
      return {
        effect: 'cancelled',
        write: 'end',
        history: { status: 'CANCELLED', attempt: cur.attempt, workerId: null, reason: 'cancelled while pending' },
        wakes: wakesWorkers(cur.lane, 'CANCELLED'),
      };
    case 'RUNNING':
      // Asked twice: the first request stands, and is not written again.
      return cur.cancelRequested
        ? { effect: 'requested', write: null, history: null, wakes: false }
        : {
            effect: 'requested',
            write: 'flag',
            history: { status: 'RUNNING', attempt: cur.attempt, workerId: cur.workerId, reason: 'cancel requested' },
            wakes: false,
          };
    case 'SUCCESS':
    case 'FAILED':
    case 'TIMEOUT':
    case 'CANCELLED':
      return { effect: 'already-final', write: null, history: null, wakes: false };
    default: {
      const never: never = cur.status;
      throw new Error(`unknown status ${String(never)}`);
    }
  }
}

/** The answer to a cancel: the ended row ('end': what the backend's UPDATE returned), the task
 *  as its worker will see it ('requested'), or the task as it was. */
export function cancelResult(cur: Task, d: CancelDecision, ended: Task | null): CancelResult {
  if (d.write === 'end') {
    if (!ended) throw new Error(`cancel of task ${cur.id}: the ended row is missing`);
    return { task: ended, effect: d.effect };
  }
  return { task: d.effect === 'requested' ? { ...cur, cancelRequested: true } : cur, effect: d.effect };
}
