/** Retry timing: exponential backoff with full jitter. */

export interface RetryPolicy {
  /** First backoff cap in ms; attempt n waits uniform[0, min(maxMs, baseMs * 2^(n-1))] (full jitter). */
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
