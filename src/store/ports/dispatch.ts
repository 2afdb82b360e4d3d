/** The dispatch port: handing tasks to workers without a claim round trip. */
import type { LocalTaker } from '../../core/hand-off.ts';

/** Direct dispatch in the store's process; push dispatch across processes where the backend has it. */
export interface Dispatch {
  /** Direct dispatch: a submit that finds `taker` with a free slot, and no ready task that
   *  should run before it, inserts the task already leased to the taker (no claim). */
  attachTaker(taker: LocalTaker): () => void;
  /** Push dispatch (StoreCapabilities.pushDispatch): offers `slots` free slots of an attached
   *  taker to submits in other processes, which then insert a task already leased to it and
   *  the store hands the lease to the taker (through its offer()) as the notification arrives.
   *  Good for `ttlMs` unless offered again; 0 withdraws. Without the capability it does
   *  nothing: only local hand-offs. */
  advertise(workerId: string, slots: number, ttlMs: number): void;
}
