/** The dispatch port: handing tasks to workers without a claim round trip. */
import type { Lease } from '../../core/task.ts';

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

/** Direct dispatch in the store's process; push dispatch across processes where the backend has it. */
export interface Dispatch {
  /** Direct dispatch: a submit that finds `taker` with a free slot, and no ready task that
   *  should run before it, inserts the task already leased to the taker (no claim). */
  attachTaker(taker: LocalTaker): () => void;
  /** Push dispatch, where wake-ups cross processes: offers `slots` free slots of an attached
   *  taker to submits in other processes, which then insert a task already leased to it and
   *  the store hands the lease to the taker (through its offer()) as the notification arrives.
   *  Good for `ttlMs` unless offered again; 0 withdraws. Absent: only local hand-offs. */
  advertise?(workerId: string, slots: number, ttlMs: number): void;
}
