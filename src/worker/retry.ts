/**
 * The one retry loop of the worker: a write tried again with growing waits (200 ms, doubling,
 * at most 2 s) until it succeeds, fails for a reason a retry cannot help, or `forMs` has passed
 * since the first try. An attempt's outcome and lease releases retry through a store restart
 * with it; its result and logs through a blob store that fails.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The first wait after a failure, ms; each next one twice the last, up to RETRY_MAX_DELAY_MS. */
export const RETRY_FIRST_DELAY_MS = 200;
export const RETRY_MAX_DELAY_MS = 2000;

export interface RetryOptions {
  /** Give up (throw the last error) rather than wait past this long after the first try, ms. */
  forMs: number;
  /** Whether a retry may help after this error; default: any error. */
  retryable?: (err: unknown) => boolean;
  /** Told before each wait (to log it). */
  onRetry?: (err: unknown, delayMs: number) => void;
  /** Stops retrying: once aborted, the last error is thrown instead of waiting again. */
  signal?: AbortSignal;
  /** Injected time, for tests; default Date.now and a real timer. */
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

/** Runs `write` until it resolves; rejects with its last error when retrying is over. */
export async function retry<T>(write: () => Promise<T>, o: RetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const wait = o.wait ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }));
  const giveUpAt = now() + o.forMs;
  for (let delay = RETRY_FIRST_DELAY_MS; ; delay = Math.min(delay * 2, RETRY_MAX_DELAY_MS)) {
    try {
      return await write();
    } catch (err) {
      if ((o.retryable && !o.retryable(err)) || o.signal?.aborted || now() + delay > giveUpAt) throw err;
      o.onRetry?.(err, delay);
      try {
        await wait(delay, o.signal);
      } catch {
        throw err; // stopped while waiting
      }
    }
  }
}
