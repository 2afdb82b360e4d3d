/**
 * Reserved concurrency (Lambda's ReservedConcurrentExecutions): a slot is taken before an
 * invocation runs and given back after, synchronous and Event invocations alike, counted where
 * every process that runs the function's invocations sees it:
 *  - in this process (admitLocally) on the embedded shape, where they all run here;
 *  - in the store (admitShared), one lease row per invocation in flight, on the scale-out shape:
 *    an API node takes it for a synchronous invocation before sending it to a worker host, and
 *    a worker takes it for an Event invocation it runs (counted per worker, several workers
 *    running one function's events together went past its limit).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, type FunctionSnapshot, Throttled } from '../core/index.ts';
import { type FunctionHost, initLimitMs } from '../functions/index.ts';
import type { FunctionFleet } from '../store/index.ts';

/** Beyond the function's timeout and its instance's init, how long an invocation may take: the
 *  code's download and unpacking, ms. */
const HOLD_EXTRA_MS = 30_000;

/** How long an invocation of `f` may hold a slot and keep its API node waiting (a lease's life
 *  and an API node's patience): a cold start's init at its longest, the function's timeout and
 *  the code's download, ms. */
export const holdMsOf = (f: FunctionSnapshot): number => initLimitMs(f.timeoutS, 'on-demand') + f.timeoutS * 1000 + HOLD_EXTRA_MS;

/** Lambda's 429 for a function at its reserved concurrency. */
export const throttled = (name: string, reserved: number): Throttled =>
  new Throttled(ErrorCode.FunctionThrottled, `function ${name} is at its reserved concurrency (${reserved}): Rate Exceeded.`, 1);

/** A slot counted in this process (embedded: every invocation runs here). */
export function admitLocally(host: FunctionHost, userId: string, name: string, reserved: number | null): () => Promise<void> {
  const release = host.acquire(JSON.stringify([userId, name]), reserved);
  if (!release) throw throttled(name, reserved ?? 0);
  return async () => release();
}

/**
 * A slot leased in the store, shared by every process; `reserved` as read with the function:
 * those without reserved concurrency stop here, at no cost. A release that fails leaves the
 * lease to expire (holdMsOf): the caller has its result already.
 */
export async function admitShared(
  fleet: FunctionFleet,
  userId: string,
  f: FunctionSnapshot,
  reserved: number | null,
  onReleaseError: (err: unknown, leaseId: string) => void,
): Promise<() => Promise<void>> {
  if (reserved === null) return async () => {};
  const leaseId = randomUUID();
  const take = await fleet.takeConcurrency(userId, f.name, leaseId, holdMsOf(f));
  if (!take.taken) throw throttled(f.name, take.reserved);
  if (take.reserved === null) return async () => {};
  return async () => {
    await fleet.releaseConcurrency(leaseId).catch((err: unknown) => onReleaseError(err, leaseId));
  };
}
