/**
 * A pool's `concurrency` execution slots and the prefetch beyond them: a lease the pool holds
 * waits here for a slot (at once unless leases were prefetched), in claim order.
 */

export interface SlotsOptions {
  concurrency: number;
  /** Leases claimed beyond the free slots, to start the moment a slot frees (default 0): the
   *  next claim runs while the current tasks do. They wait RUNNING to the API, with their
   *  leases heartbeated, and go back on shutdown. Worth it for short tasks only: a long task
   *  holds prefetched ones back from other workers. 'auto': as many as keep about
   *  AUTO_PREFETCH_BACKLOG_MS of work (at the recent average execution time) per slot. */
  prefetch?: number | 'auto';
  /** prefetch 'auto': ms of work per slot to hold beyond it; default AUTO_PREFETCH_BACKLOG_MS. */
  prefetchBacklogMs?: number;
  /** A prefetched lease that has waited this long for a slot goes back to the queue, where an
   *  idle worker can take it, and this pool prefetches nothing more until one of its slots
   *  frees (its slots are held by long tasks); ms, default 1000. */
  prefetchWaitMs?: number;
}

/** prefetch 'auto': the work, in ms of execution at the recent average, a pool may hold
 *  beyond its slots, so a prefetched lease waits about this long for its slot. Tasks averaging
 *  this long or more get fewer prefetched leases than slots; a long-task workload gets none. */
export const AUTO_PREFETCH_BACKLOG_MS = 50;

/** prefetch 'auto' holds at most this many leases per slot beyond the slots, and at most
 *  AUTO_PREFETCH_MAX in all. An average of a few executions cannot see a long one still
 *  running: uncapped, the first pool to see no-ops took a whole small queue (measured,
 *  bench/experiments/prefetch-mixed.ts, 2 pools × 4 slots, 400 tasks of which 10 % sleep
 *  200 ms: makespan 2.3 × ideal against 1.2 × without prefetch). 20 rather than 10 (session
 *  11, AMD host): no-op drains at C = 10 went from about 9k to 11-12k jobs/s, the claim of the
 *  next batch now overlapping the current one; the mixed workload above stayed 1.03-1.22 ×
 *  ideal at either cap (six runs each; the spread is one long task landing last). */
const AUTO_PREFETCH_PER_SLOT = 20;
const AUTO_PREFETCH_MAX = 1000;

/** Weight of the newest execution in the running average prefetch 'auto' reads: one long
 *  execution among short ones cuts the prefetch at once; about 30 short ones restore it. */
const RUN_AVERAGE_WEIGHT = 0.1;

export class Slots {
  private readonly o: SlotsOptions;
  /** Attempts holding one of the `concurrency` execution slots. */
  private executing = 0;
  /** Prefetched leases waiting for an execution slot, in claim order. */
  private readonly waiters: (() => void)[] = [];
  /** Set when a prefetched lease waited too long: no prefetch until a slot frees. */
  private prefetchPaused = false;
  /** Running average of this pool's execution times, ms (null before the first). */
  private runAverageMs: number | null = null;

  constructor(o: SlotsOptions) {
    this.o = o;
  }

  /** Attempts executing now (at most `concurrency`; prefetched leases waiting are not). */
  get active(): number {
    return this.executing;
  }

  /** Leases waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Leases to hold beyond the execution slots now. */
  prefetch(): number {
    if (this.prefetchPaused) return 0;
    const p = this.o.prefetch ?? 0;
    if (p !== 'auto') return p;
    if (this.runAverageMs === null) return 0;
    const cap = Math.min(AUTO_PREFETCH_MAX, AUTO_PREFETCH_PER_SLOT * this.o.concurrency);
    return Math.min(
      cap,
      Math.floor((this.o.concurrency * (this.o.prefetchBacklogMs ?? AUTO_PREFETCH_BACKLOG_MS)) / Math.max(this.runAverageMs, 0.01)),
    );
  }

  /** Every slot is held by tasks longer than a prefetched lease may wait: prefetch nothing
   *  more until one frees. */
  pausePrefetch(): void {
    this.prefetchPaused = true;
  }

  noteExecution(ms: number): void {
    const m = Math.max(0, ms);
    this.runAverageMs = this.runAverageMs === null ? m : this.runAverageMs + RUN_AVERAGE_WEIGHT * (m - this.runAverageMs);
  }

  /** Waits for one of the `concurrency` execution slots (at once unless leases were prefetched);
   *  false if the attempt was aborted first (it then never holds one). */
  async take(signal: AbortSignal, onLongWait: () => void): Promise<boolean> {
    if (this.executing < this.o.concurrency) {
      this.executing++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(onLongWait, this.o.prefetchWaitMs ?? 1000);
      const onAbort = () => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(take);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      const take = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(take);
    });
  }

  release(): void {
    this.prefetchPaused = false;
    const next = this.waiters.shift();
    if (next)
      next(); // the slot passes straight to the next waiting lease
    else this.executing--;
  }
}
