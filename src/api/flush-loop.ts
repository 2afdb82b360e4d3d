/**
 * The beat of counts shared across API nodes (rate-counts.ts, throttle-counts.ts): every
 * FLUSH_MS, while there is something to share, one flush at a time, each adding this node's
 * counts to the database's and reading back the totals. A flush that fails throws after keeping
 * its counts for the next; the loop says so once, and once again when the database answers.
 */

/** How often a node adds its counts to the shared ones, ms. */
export const FLUSH_MS = 50;

/** What it logs through (the API's logger). */
export interface RateLog {
  info(msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FlushLoopOptions {
  /** Adds and reads back; throws (its counts kept) when the database does not answer. */
  flush(): Promise<void>;
  /** Something to add, or totals still worth reading. */
  active(): boolean;
  log: RateLog;
  /** What is said when sharing stops, and when it is back. */
  failing: string;
  recovered: string;
}

export class FlushLoop {
  private readonly o: FlushLoopOptions;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failing = false;
  private closed = false;

  constructor(o: FlushLoopOptions) {
    this.o = o;
  }

  /** A flush within FLUSH_MS (one already due stands). */
  schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing ??= this.flush().finally(() => {
        this.flushing = null;
        if (this.o.active()) this.schedule();
      });
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** One flush now, after the one under way. */
  async flush(): Promise<void> {
    await this.flushing;
    try {
      await this.o.flush();
      if (this.failing) this.o.log.info(this.o.recovered);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.o.log.warn({ err }, this.o.failing);
      this.failing = true;
    }
  }

  /** Stops the beat and waits for a flush under way; the owner flushes what is left. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
  }
}
