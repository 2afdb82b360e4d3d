/**
 * EXPRESS executions started asynchronously (StartExecution on an EXPRESS state machine): kept
 * from the start until they end, so that one accepted is run at least once — as AWS says of
 * asynchronous Express workflows — whatever process dies. They run in memory (no history, no
 * frames: an EXPRESS execution keeps none); what is kept is what running one again from its
 * start needs. A runner holds each it runs under a lease; when its process dies or lets them go,
 * the lease lapses and any runner takes them and runs them again from the start.
 */

/** One start: what running the execution (again) needs. */
export interface ExpressStart {
  /** The execution's id (the last part of its ARN). */
  id: string;
  userId: string;
  stateMachineName: string;
  /** The execution's name. */
  name: string;
  /** The definition it started with (an update after the start does not change it). */
  definition: string;
  roleArn: string;
  /** JSON text. */
  input: string;
  startedAt: number;
  /** How many times a runner has taken it: 1 at the start. */
  runs: number;
}

export interface ExpressStarts {
  /** Keeps a new start (runs 1), held by `owner` until `leaseUntil`; resolves once durable. */
  addExpressStart(s: Omit<ExpressStart, 'runs'>, owner: string, leaseUntil: number): Promise<void>;
  /** Forgets a start that ended (whoever holds it now). */
  endExpressStart(id: string): Promise<void>;
  /** Takes up to `limit` starts whose lease ended before `now`, oldest first, for `owner` until
   *  now + leaseMs; each one's `runs` counts this take. */
  claimExpressStarts(owner: string, now: number, leaseMs: number, limit: number): Promise<ExpressStart[]>;
  /** Extends the lease of each start `owner` holds to `until`; how many it holds. */
  renewExpressStarts(owner: string, until: number): Promise<number>;
  /** Lets go of every start `owner` holds (its runner is closing): claimable at once. */
  releaseExpressStarts(owner: string): Promise<number>;
}
