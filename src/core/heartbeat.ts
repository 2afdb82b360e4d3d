/**
 * A worker's heartbeat answer, assembled the same way by every Store backend from what its
 * statements found: which listed attempts it still holds (their leases extended), which it
 * lost, and which leases it holds that it did not list (strays).
 */
import type { AttemptRef } from './task.ts';

export interface HeartbeatResult {
  /** Attempts still held, with the lease's new expiry. */
  held: { taskId: string; attempt: number; cancelRequested: boolean }[];
  /** Attempts this worker no longer holds (expired, re-leased or finished). */
  lost: AttemptRef[];
  /** Leases this worker holds that it did not list, granted before the cutoff asked for: ones
   *  it never received (the answer to the claim or submit that granted one was lost with its
   *  connection). Empty unless a cutoff is given. */
  strays: AttemptRef[];
}

/** One attempt as a map key. */
export function attemptKey(a: AttemptRef): string {
  return `${a.taskId}:${a.attempt}`;
}

/**
 * `attempts`: as the worker listed them. `extended`: the attempts whose lease was extended
 * (attemptKey), each with whether a cancel is requested. `leased`: the leases the worker holds
 * granted before the stray cutoff (empty without one); those it listed are not strays.
 */
export function heartbeatResult(
  attempts: AttemptRef[],
  extended: ReadonlyMap<string, boolean>,
  leased: Iterable<AttemptRef>,
): HeartbeatResult {
  const out: HeartbeatResult = { held: [], lost: [], strays: [] };
  for (const a of attempts) {
    const cancelRequested = extended.get(attemptKey(a));
    if (cancelRequested === undefined) out.lost.push(a);
    else out.held.push({ ...a, cancelRequested });
  }
  const listed = new Set(attempts.map(attemptKey));
  for (const a of leased) if (!listed.has(attemptKey(a))) out.strays.push(a);
  return out;
}
