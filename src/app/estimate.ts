/**
 * estimatedStartTime: when a new task should start, from the free slots of the live workers,
 * the tasks queued ahead of it and how long that work takes. A task that finds a free slot
 * starts now; else it waits for `ahead - free + 1` slots to come free, in rounds of every slot:
 * ceil(n / slots) × the mean run time of the work it waits for. Run times are measured per
 * command over the last completions (an earlier entry of a batch is that kind of work), and
 * over all of them for the tasks queued by others.
 *
 * Throughput over the last five minutes (what this used before) measures what was asked, not
 * what the workers can do: four noops on an idle 2-slot worker got +11.5 s, +23 s, +34.6 s and
 * +46 s, and ran within 100 ms. It remains the fallback when no worker is live.
 *
 * Capacity is read before the submit (app/submit.ts): read after, a worker that had already
 * leased the new tasks counted them busy, and they waited behind themselves. The reads are
 * refreshed at most once a second so that submits stay cheap under load.
 */
import type { Clock, Task } from '../core/index.ts';
import type { Fleet, TaskReads } from '../store/index.ts';

const WINDOW_MS = 5 * 60_000;
/** Completions whose run times are averaged (the latest within WINDOW_MS). */
const SAMPLE = 2000;
/** Exact positions are counted up to here (each POST reads that many index entries, ~1 µs
 *  each); past it, every task queued at the task's priority or above stands in. */
const COUNT_CAP = 100;

export interface CapacityView {
  /** Task slots of live workers and how many of them are busy. */
  slots(): Promise<{ total: number; busy: number }>;
}

/** Capacity as the store sees it: slots of workers seen within `staleMs`, busy = RUNNING tasks. */
export function storeCapacity(store: Pick<Fleet, 'liveWorkers'> & Pick<TaskReads, 'activeCounts'>, staleMs: number): CapacityView {
  return {
    async slots() {
      const [workers, active] = await Promise.all([store.liveWorkers(staleMs), store.activeCounts()]);
      return { total: workers.reduce((n, w) => n + w.concurrency, 0), busy: active.running };
    },
  };
}

/** What an estimate starts from: capacity and measured run times, as of one moment. */
export interface Snapshot {
  at: number;
  total: number;
  busy: number;
  /** Completions per second over the window (the fallback with no live worker). */
  perSecond: number;
  /** Mean run time of recent work, ms; null with no completion to measure. */
  avgMs: number | null;
  /** Mean run time per command, for the commands frequent among recent completions. */
  byCommand: Map<string, number>;
}

export class StartEstimator {
  private readonly store: TaskReads;
  private readonly clock: Clock;
  private readonly capacity: CapacityView;
  private cached: Snapshot | null = null;
  /** Queued tasks per priority, read only for a task past COUNT_CAP, at most once a second. */
  private depths: { at: number; pendingFrom: (priority: number) => number } | null = null;

  constructor(store: TaskReads, clock: Clock, capacity: CapacityView) {
    this.store = store;
    this.clock = clock;
    this.capacity = capacity;
  }

  /** Capacity and run times now (at most a second old): take it before submitting. */
  async snapshot(): Promise<Snapshot> {
    const now = this.clock.now();
    if (!this.cached || now - this.cached.at > 1000) {
      const [f, s] = await Promise.all([this.store.finishedSince(WINDOW_MS, SAMPLE), this.capacity.slots()]);
      const byCommand = new Map(f.byCommand.map((k) => [k.command, k.avgMs]));
      this.cached = { at: now, perSecond: f.count / (f.spanMs / 1000), avgMs: f.avgDurationMs, byCommand, ...s };
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

  async estimate(task: Task, snap?: Snapshot): Promise<number> {
    const [counted, s] = await Promise.all([this.store.positionOf(task, COUNT_CAP), snap ?? this.snapshot()]);
    const ahead = await this.ahead(task, counted);
    return this.startAt(task, ahead, ahead * (s.avgMs ?? 0), s);
  }

  /** Estimates for a batch's tasks, in order, with one position count per priority: a later
   *  task of the batch with the same priority waits behind the earlier ones, which are work of
   *  their own commands' kind. */
  async estimateMany(tasks: Task[], snap?: Snapshot): Promise<number[]> {
    const s = snap ?? (await this.snapshot());
    const firsts = new Map<number, { counted: number; seen: number; seenMs: number }>();
    const out: number[] = [];
    for (const task of tasks) {
      if (task.status !== 'PENDING') {
        out.push(task.startedAt ?? task.createdAt);
        continue;
      }
      let p = firsts.get(task.priority);
      if (!p) firsts.set(task.priority, (p = { counted: await this.store.positionOf(task, COUNT_CAP), seen: 0, seenMs: 0 }));
      const exact = p.counted + p.seen;
      if (exact >= COUNT_CAP) {
        // Past the exact count the depth at its priority stands in, the batch already in it.
        const ahead = await this.ahead(task, COUNT_CAP);
        out.push(this.startAt(task, ahead, ahead * (s.avgMs ?? 0), s));
      } else out.push(this.startAt(task, exact, p.counted * (s.avgMs ?? 0) + p.seenMs, s));
      p.seen++;
      p.seenMs += s.byCommand.get(task.command) ?? s.avgMs ?? 0;
    }
    return out;
  }

  /** `ahead` tasks before this one, `aheadMs` their summed run times. */
  private startAt(task: Task, ahead: number, aheadMs: number, s: Snapshot): number {
    const now = this.clock.now();
    const free = Math.max(0, s.total - s.busy);
    if (ahead < free) return Math.max(now, task.runAfter);
    // Slots that must come free before one is this task's: the running tasks' first (of
    // unknown kinds: the mean of all), then those ahead.
    const needed = ahead - free + 1;
    let waitMs: number;
    if (s.total > 0) {
      const running = Math.min(s.busy, s.total);
      const meanMs = (aheadMs + running * (s.avgMs ?? 0)) / Math.max(1, ahead + running);
      waitMs = Math.ceil(needed / s.total) * meanMs;
    } else if (s.perSecond > 0) waitMs = (needed / s.perSecond) * 1000;
    else waitMs = 0; // No worker and no history: nothing to measure yet.
    return Math.max(now + Math.round(waitMs), task.runAfter);
  }
}
