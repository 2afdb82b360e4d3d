/**
 * Pure decisions about what an attempt's end means for its task, shared by every Store
 * backend so that SQLite and PostgreSQL cannot drift apart.
 */
import type { NewAuditEntry } from './access.ts';
import { backoffDelay, type RetryPolicy } from './retry.ts';
import type { ExecutionAudit, Outcome, Task, TaskFailure, TaskStatus } from './task.ts';

export interface AttemptEnd {
  status: TaskStatus;
  /** ms; only for PENDING (a retry). */
  runAfter: number | null;
  deadLettered: boolean;
  final: boolean;
  reason: string | null;
}

interface AttemptState {
  attempt: number;
  attemptLimit: number;
  cancelRequested: boolean;
}

/** What a recorded outcome does: a retryable failure with attempts left goes back to PENDING
 *  after a full-jitter backoff; anything else is final, and final failures are dead-lettered. */
export function decideFinish(
  task: AttemptState,
  outcome: Pick<Outcome, 'status' | 'failure'>,
  now: number,
  policy: RetryPolicy,
  random: () => number,
): AttemptEnd {
  switch (outcome.status) {
    case 'SUCCESS':
      return { status: 'SUCCESS', runAfter: null, deadLettered: false, final: true, reason: null };
    case 'CANCELLED':
      return { status: 'CANCELLED', runAfter: null, deadLettered: false, final: true, reason: 'cancelled' };
    case 'TIMEOUT':
      // Final and not retried, as in AWS Batch; listed in the DLQ so it can be redriven.
      return { status: 'TIMEOUT', runAfter: null, deadLettered: true, final: true, reason: reasonOf(outcome.failure) };
    case 'FAILED':
      return failedAttempt(task, outcome.failure, now, policy, random);
    default: {
      const never: never = outcome.status;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}

/**
 * Whether a task moving to `status` may let a task run that could not before, so that waiting
 * workers are woken at once rather than left to their fallback poll: back to PENDING (a retry,
 * even in backoff: the workers learn when it ends from nextRunAfter; a re-run; a redrive), or
 * the end of a lane's task, pending or running (the next task of its lane was held behind it).
 */
export function wakesWorkers(lane: string | null, status: TaskStatus): boolean {
  return status === 'PENDING' || (lane !== null && status !== 'RUNNING');
}

/** Attempts past its budget (attemptLimit) a task may still get when its worker is lost. */
export const LOST_RERUNS = 2;

/**
 * A lease that ran out or whose worker vanished (WORKER_LOST, LEASE_EXPIRED) counts as a
 * failed attempt (as an SQS message whose visibility timeout expires), retried at once: ready
 * from `now` (not from 0, which priority aging would read as a task waiting since 1970).
 * Nobody learnt how such an attempt ended, so it runs again even when it was the last one its
 * budget allowed (a program with maxAttempts 1 is run at least once, not failed for a worker's
 * death), up to LOST_RERUNS attempts past the budget: a program that takes its worker down with
 * it ends FAILED instead of looping. `attempt - attemptLimit` counts those extra attempts
 * without a column: a release gives back the budget it takes, and only this path runs past it.
 */
export function decideExpiry(task: AttemptState, failure: TaskFailure, now: number): AttemptEnd {
  if (task.cancelRequested) {
    return { status: 'CANCELLED', runAfter: null, deadLettered: false, final: true, reason: 'cancelled; ' + failure.message };
  }
  if (task.attempt < task.attemptLimit + LOST_RERUNS) {
    return { status: 'PENDING', runAfter: now, deadLettered: false, final: false, reason: reasonOf(failure) };
  }
  return { status: 'FAILED', runAfter: null, deadLettered: true, final: true, reason: reasonOf(failure) };
}

function failedAttempt(
  task: AttemptState,
  failure: TaskFailure | null,
  now: number,
  policy: RetryPolicy,
  random: () => number,
): AttemptEnd {
  if (task.cancelRequested) {
    return { status: 'CANCELLED', runAfter: null, deadLettered: false, final: true, reason: 'cancelled' };
  }
  const retryable = failure?.retryable ?? true;
  if (retryable && task.attempt < task.attemptLimit) {
    const delay = failure?.retryAfterMs ?? backoffDelay(policy, task.attempt, random);
    return {
      status: 'PENDING',
      runAfter: now + delay,
      deadLettered: false,
      final: false,
      reason: `retry in ${delay} ms after ${reasonOf(failure)}`,
    };
  }
  return { status: 'FAILED', runAfter: null, deadLettered: failure?.deadLetter !== false, final: true, reason: reasonOf(failure) };
}

function reasonOf(failure: TaskFailure | null): string {
  return failure ? `${failure.code}: ${failure.message}` : 'failed';
}

/** The audit entry an outcome's execution leaves, written with the outcome: `next` is the
 *  task's status after it (PENDING for a retry). */
export function executionAuditEntry(taskId: string, a: ExecutionAudit, next: TaskStatus): NewAuditEntry {
  return {
    at: a.at,
    actor: a.actor,
    keyId: null,
    action: 'task.execute',
    target: taskId,
    source: a.source,
    outcome: a.outcome,
    detail: { ...a.detail, next },
  };
}

/** Why the reaper ends a leased attempt at `now`: its worker stopped heartbeating (the lease
 *  still runs), or the lease ran out. */
export function expiryFailure(cur: Task, now: number): TaskFailure {
  return (cur.leaseExpiresAt ?? 0) > now
    ? { code: 'WORKER_LOST', message: `worker ${cur.workerId} stopped heartbeating`, retryable: true }
    : { code: 'LEASE_EXPIRED', message: `lease of attempt ${cur.attempt} expired`, retryable: true };
}

/** The audit entry of an attempt the reaper ends: its worker held it and may have run it (side
 *  effects included), so it is an execution whose outcome is the failure's code; `next` is the
 *  task's status after. Written in the reaper's transaction. */
export function lostAttemptAuditEntry(cur: Task, failure: TaskFailure, next: TaskStatus, now: number): NewAuditEntry {
  return {
    at: now,
    actor: cur.userId,
    keyId: null,
    action: 'task.execute',
    target: cur.id,
    source: cur.workerId,
    outcome: failure.code,
    detail: { attempt: cur.attempt, command: cur.command, failure: failure.code, runMs: null, next },
  };
}
