/**
 * Direct dispatch (a new task handed to a local worker inside its submit): which local takers
 * may take it, and what its submitter and its worker see, the same for every Store backend.
 */
import type { Lease, NewTask, Task } from './task.ts';

/**
 * A worker in the store's process that can take a task as it is submitted. The dispatch latency
 * of an idle pool is then one commit, not a commit and a claim.
 */
export interface LocalTaker {
  workerId: string;
  /** Queues it takes from; undefined = all. */
  queues?: string[];
  /** As ClaimOptions.maxRunningPerUser: a task of a user at the limit is not handed over. */
  maxRunningPerUser?: number;
  /** Called inside the submit's transaction: reserve a slot, synchronously. Returns what to call
   *  once the transaction has ended (the lease if it committed, null if it did not), or null
   *  when no slot is free. `pushed`: the task is already leased to this taker (push dispatch,
   *  Store.advertise); declining it has the store release it. */
  offer(pushed?: boolean): ((lease: Lease | null) => void) | null;
}

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
