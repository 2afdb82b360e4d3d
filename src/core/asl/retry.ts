/** Retry and Catch decisions: which retrier or catcher matches an error, and how long a retry waits. */
import { type Json, StatesErrors } from './errors.ts';

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: Json;
  Assign?: Json;
}

/**
 * States.Runtime is never retried or caught, even when named (recorded on AWS: a Catch on
 * States.Runtime lets the execution fail). States.ALL matches every other error, including
 * States.DataLimitExceeded from a task's result (recorded); States.TaskFailed every other error
 * but States.Timeout.
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (error === StatesErrors.Runtime) return false;
  if (errorEquals.includes(error) || errorEquals.includes(StatesErrors.ALL)) return true;
  return errorEquals.includes(StatesErrors.TaskFailed) && error !== StatesErrors.Timeout;
}

export type RetryDecision = { kind: 'retry'; retrier: number; delaySeconds: number } | { kind: 'exhausted' };

/** The delay before retry number `attempt` (0-based) of one retrier, before jitter: IntervalSeconds × BackoffRate^attempt, capped. */
export function retryDelaySeconds(retrier: Retrier, attempt: number): number {
  const delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
  return retrier.MaxDelaySeconds === undefined ? delay : Math.min(delay, retrier.MaxDelaySeconds);
}

/**
 * The first retrier whose ErrorEquals matches decides alone: it retries while it has attempts
 * left (MaxAttempts 0: never), else the error goes to Catch. `counts[i]` is how often
 * retrier i has fired for this state entry.
 */
export function decideRetry(
  retriers: readonly Retrier[] | undefined,
  error: string,
  counts: readonly number[],
  random: () => number,
): RetryDecision {
  const index = (retriers ?? []).findIndex((r) => errorMatches(r.ErrorEquals, error));
  if (index < 0) return { kind: 'exhausted' };
  const retrier = retriers![index];
  const done = counts[index] ?? 0;
  if (done >= (retrier.MaxAttempts ?? 3)) return { kind: 'exhausted' };
  const delay = retryDelaySeconds(retrier, done);
  return { kind: 'retry', retrier: index, delaySeconds: retrier.JitterStrategy === 'FULL' ? random() * delay : delay };
}

export function findCatcher(catchers: readonly Catcher[] | undefined, error: string): Catcher | undefined {
  return (catchers ?? []).find((c) => errorMatches(c.ErrorEquals, error));
}
