/**
 * Direct dispatch (a new task handed to a local worker inside its submit): which local takers
 * may take it, and what its submitter and its worker see, the same for every Store backend.
 */
import type { Lease, LocalTaker, NewTask, Task } from '../store/types.ts';

/** Local takers a new task may be handed to, in the order they are offered it. Not a lane's
 *  task: whether an earlier one of its lane is unfinished is for the claim to decide. */
export function takersFor(takers: readonly LocalTaker[], t: Pick<NewTask, 'lane' | 'queue'>): LocalTaker[] {
  if (t.lane) return [];
  return takers.filter((k) => !k.queues || k.queues.includes(t.queue));
}

/** A task handed to a worker at submit, as its submitter sees it: just submitted. */
export function asSubmitted(task: Task): Task {
  return { ...task, status: 'PENDING', attempt: 0, workerId: null, startedAt: null, leaseExpiresAt: null };
}

/** The lease of a task just leased to `workerId` at `now` (by a claim or a hand-off). */
export function leaseOf(task: Task, workerId: string, now: number): Lease {
  return { task, attempt: task.attempt, workerId, expiresAt: task.leaseExpiresAt ?? now };
}
