/** The task queue port: a task's life from submit to its final state. */
import type { AttemptRef, Lease, NewTask, Outcome, Task } from '../../core/task.ts';
import type { CancelResult } from '../../core/cancel.ts';
import type { Finished } from '../../core/finish.ts';
import type { HeartbeatResult } from '../../core/heartbeat.ts';

export type SubmitResult = {
  task: Task;
  created: boolean;
  /** The task went straight to a local worker in its submit (direct dispatch): it starts now. */
  handedOff?: boolean;
};

export interface ClaimOptions {
  workerId: string;
  limit: number;
  /** Only these queues; all when omitted. */
  queues?: string[];
  /** Skip tasks of users who already have this many RUNNING tasks (all workers); 0 or omitted = no limit. */
  maxRunningPerUser?: number;
}

export interface ReapResult {
  /** Attempts whose lease ran out or whose worker vanished. */
  expired: number;
}

/** Every method is atomic; time comes from the store's clock, never Date.now(). */
export interface TaskQueue {
  /** Insert a task, or return the existing one for a reused idempotency key with the same body.
   *  Durable before it resolves. Throws IDEMPOTENCY_CONFLICT on a key reused with another body. */
  submit(task: NewTask): Promise<SubmitResult>;
  /** Insert several tasks in one transaction: all of them, or none if one fails. Each entry as
   *  submit() (an idempotency key used before, or earlier in the batch, with the same body
   *  returns that task, created false; with another body the batch throws IDEMPOTENCY_CONFLICT
   *  with details.index, the entry's). New tasks go in PENDING, in order: FIFO within a
   *  priority, and one user's entries take consecutive fair-share ranks, as one by one would.
   *  No hand-off or push: workers claim them, many per claim. Durable before it resolves. */
  submitMany(tasks: NewTask[]): Promise<SubmitResult[]>;
  /** Lease up to `limit` ready tasks: highest priority first, FIFO within a priority. */
  claim(opts: ClaimOptions): Promise<Lease[]>;
  /** Extend the leases this worker holds; reports lost ones, cancel requests and, given a
   *  cutoff (store clock, ms), the strays granted before it. */
  heartbeat(workerId: string, attempts: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult>;
  /** Record an attempt's outcome. Returns where the task went, or null if the attempt is stale.
   *  A FAILED outcome with a retryable failure and attempts left goes back to PENDING after backoff. */
  finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null>;
  /** Give a leased attempt back without counting it (graceful shutdown). */
  release(ref: AttemptRef): Promise<boolean>;
  cancel(id: string): Promise<CancelResult | null>;
  /** Expire leases past their time or held by workers not seen within `workerStaleMs`. */
  reap(workerStaleMs: number): Promise<ReapResult>;
  /** Put a dead-lettered task back to PENDING with the same id and a fresh attempt budget. */
  redrive(id: string): Promise<Task>;
  /** Earliest runAfter among PENDING tasks in backoff, for the dispatcher's next wake-up. */
  nextRunAfter(): Promise<number | null>;
  /** Priority aging: a ready task's effective priority rises one level per `stepMs` it has
   *  waited, up to the highest, so no task starves. Returns how many tasks rose. */
  age(stepMs: number): Promise<number>;
  /** Forgets fair-share ranks that can no longer matter (a user's last rank not above the
   *  clock ranks their next task exactly as a new user's); returns how many. */
  purgeFairShare(): Promise<number>;
  /** Calls the listener when tasks may have become ready (submit, retry, release, redrive,
   *  reap). In-process for SQLite; across processes where capabilities say so. The listener
   *  may run inside the store's write transaction: it must not block (claiming is fine). */
  subscribe(listener: () => void): () => void;
}
