/**
 * estimatedStartTime: how long a new task waits, from its queue position and the throughput
 * measured over the last five minutes. The throughput query is refreshed at most once a
 * second so that submits stay cheap under load.
 */
import type { Clock, Store, Task } from '../store/index.ts';

const WINDOW_MS = 5 * 60_000;
/** Exact positions are counted up to here (each POST reads that many index entries, ~1 µs
 *  each); past it, every task queued at the task's priority or above stands in. */
const COUNT_CAP = 100;

export interface CapacityView {
  /** Task slots of live workers and how many of them are busy. */
  slots(): Promise<{ total: number; busy: number }>;
}

/** Capacity as the store sees it: slots of workers seen within `staleMs`, busy = RUNNING tasks. */
export function storeCapacity(store: Store, staleMs: number): CapacityView {
  return {
    async slots() {
      const [workers, active] = await Promise.all([store.liveWorkers(staleMs), store.activeCounts()]);
      return { total: workers.reduce((n, w) => n + w.concurrency, 0), busy: active.running };
    },
  };
}

export class StartEstimator {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly capacity: CapacityView;
  private cached: { at: number; perSecond: number; avgMs: number | null; total: number; busy: number } | null = null;
  /** Queued tasks per priority, read only for a task past COUNT_CAP, at most once a second. */
  private depths: { at: number; pendingFrom: (priority: number) => number } | null = null;

  constructor(store: Store, clock: Clock, capacity: CapacityView) {
    this.store = store;
    this.clock = clock;
    this.capacity = capacity;
  }

  private async rates() {
    const now = this.clock.now();
    if (!this.cached || now - this.cached.at > 1000) {
      const [f, s] = await Promise.all([this.store.finishedSince(WINDOW_MS, 2000), this.capacity.slots()]);
      this.cached = { at: now, perSecond: f.count / (f.spanMs / 1000), avgMs: f.avgDurationMs, ...s };
    }
    return this.cached;
  }

  /** The tasks ahead of `task`, from `counted` (counted up to COUNT_CAP). */
  private async ahead(task: Task, counted: number): Promise<number> {
    if (counted < COUNT_CAP) return counted;
    const now = this.clock.now();
    if (!this.depths || now - this.depths.at > 1000) {
      const depths = await this.store.queueDepths();
      this.depths = { at: now, pendingFrom: (priority) => depths.reduce((n, d) => n + (d.priority >= priority ? d.pending : 0), 0) };
    }
    return Math.max(COUNT_CAP, this.depths.pendingFrom(task.priority));
  }

  async estimate(task: Task): Promise<number> {
    const [counted, r] = await Promise.all([this.store.positionOf(task, COUNT_CAP), this.rates()]);
    return this.fromAhead(task, await this.ahead(task, counted), r);
  }

  /** Estimates for a batch's tasks, in order, with one position count per priority: a later
   *  task of the batch with the same priority is taken to wait behind the earlier ones. */
  async estimateMany(tasks: Task[]): Promise<number[]> {
    const r = await this.rates();
    const firsts = new Map<number, { counted: number; seen: number }>();
    const out: number[] = [];
    for (const task of tasks) {
      if (task.status !== 'PENDING') {
        out.push(task.startedAt ?? task.createdAt);
        continue;
      }
      let p = firsts.get(task.priority);
      if (!p) firsts.set(task.priority, (p = { counted: await this.store.positionOf(task, COUNT_CAP), seen: 0 }));
      out.push(this.fromAhead(task, await this.ahead(task, Math.min(COUNT_CAP, p.counted + p.seen++)), r));
    }
    return out;
  }

  private fromAhead(task: Task, ahead: number, r: Awaited<ReturnType<StartEstimator['rates']>>): number {
    const now = this.clock.now();
    const free = Math.max(0, r.total - r.busy);
    if (ahead < free) return Math.max(now, task.runAfter);
    const waiting = ahead - free + 1;
    let waitMs: number;
    if (r.perSecond > 0) waitMs = (waiting / r.perSecond) * 1000;
    else if (r.avgMs !== null && r.total > 0) waitMs = Math.ceil(waiting / r.total) * r.avgMs;
    else waitMs = 0; // No worker and no history: nothing to measure yet.
    return Math.max(now + Math.round(waitMs), task.runAfter);
  }
}
