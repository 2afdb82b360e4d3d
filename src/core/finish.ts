/**
 * What a worker's finish answers (Finished), the same for every Store backend. What the
 * outcome does to the task is decideFinish's (transitions.ts).
 */
import { decideFinish, type AttemptEnd } from './transitions.ts';
import type { RetryPolicy } from './retry.ts';
import type { AttemptRef, Outcome, Task, TaskStatus } from './task.ts';

/** Where a finished attempt left its task. Not the whole task: the hot path returns only what
 *  the update decided, so the store need not read the row back (RETURNING * and its mapping were
 *  a fifth of a no-op task's cost in the store drain). */
export interface Finished {
  status: TaskStatus;
  attempt: number;
  /** When a retry may start (PENDING), else null. */
  runAfter: number | null;
  deadLettered: boolean;
  completedAt: number | null;
}

/** A final outcome (success, timeout, cancel) ends the task whatever its row says: decided
 *  without reading it, so that one fenced statement can persist it. */
export function decideFinal(
  ref: AttemptRef,
  outcome: Pick<Outcome, 'status' | 'failure'>,
  now: number,
  policy: RetryPolicy,
  random: () => number,
): AttemptEnd {
  return decideFinish({ attempt: ref.attempt, attemptLimit: ref.attempt, cancelRequested: false }, outcome, now, policy, random);
}

/** The answer to a final outcome that the fenced statement persisted at `now`. */
export function finishedFinal(ref: AttemptRef, end: AttemptEnd, now: number): Finished {
  return { status: end.status, attempt: ref.attempt, runAfter: null, deadLettered: end.deadLettered, completedAt: now };
}

/** The answer to a failure, from the task as the attempt's end left it. */
export function finishedAfter(end: AttemptEnd, after: Task): Finished {
  return {
    status: after.status,
    attempt: after.attempt,
    runAfter: end.final ? null : after.runAfter,
    deadLettered: after.deadLettered,
    completedAt: after.completedAt,
  };
}
