/** How a long-lived part of a worker process reports an outage of the store it keeps retrying. */
import { coerceError, ErrorCode, HangarError } from '../core/index.ts';
import type { Logger } from '../log/index.ts';

/** The first reminder after this long, ms; each next one after twice the last gap. */
const FIRST_REMINDER_MS = 5_000;
/** Reminders never further apart than this, ms: an outage of hours still shows, once a minute. */
const MAX_REMINDER_MS = 60_000;

/** Whether an error means the store cannot be reached (a restart, a crash, a cut network). */
export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof HangarError && err.code === ErrorCode.StoreUnavailable;
}

/**
 * Says the store is unavailable at its first failure, then reminds at growing intervals (5 s,
 * 10 s, 20 s, 40 s, then every minute), and once it answers again says for how long it was
 * gone. A claim retries every 500 ms and a heartbeat every 2 s: a line each would flood the log
 * over a long outage, and silence would look like a hang (or, as it was, an idle worker just
 * exited with status 0).
 */
export class OutageLog {
  private readonly log: Logger;
  private readonly now: () => number;
  private since: number | null = null;
  private failures = 0;
  private gapMs = FIRST_REMINDER_MS;
  private nextAt = 0;

  constructor(log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  /** `during`: what failed ('claim', 'heartbeat', …). */
  failed(err: unknown, during: string): void {
    const now = this.now();
    this.failures++;
    if (this.since === null) {
      this.since = now;
      this.gapMs = FIRST_REMINDER_MS;
      this.nextAt = now + this.gapMs;
      this.log.error({ err: coerceError(err), during }, 'store unavailable; retrying');
      return;
    }
    if (now < this.nextAt) return;
    this.log.warn(
      { reason: coerceError(err).message, during, downForMs: now - this.since, failures: this.failures },
      'store still unavailable; retrying',
    );
    this.gapMs = Math.min(this.gapMs * 2, MAX_REMINDER_MS);
    this.nextAt = now + this.gapMs;
  }

  /** A call to the store succeeded. */
  ok(): void {
    if (this.since === null) return;
    this.log.info({ downForMs: this.now() - this.since, failures: this.failures }, 'store reachable again');
    this.since = null;
    this.failures = 0;
  }
}
