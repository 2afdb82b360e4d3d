/**
 * The autoscaler: worker capacity from queue depth, with seed 004's rule
 * `desired = min(max(ceil(depth / tasksPerWorker), min), max)`.
 *
 * Seed 004's orchestrator looks every 30 s and ECS starts a container within 60 s; this one
 * reacts to the store's ready signal (every submit, retry, release), so a burst is answered in
 * the same event-loop turn, and a periodic check catches what no signal announces (workers
 * idle long enough to retire, a worker that died). It only ever adds workers on the way up;
 * on the way down it asks idle workers to retire, and a worker that took a task in between
 * refuses (scale-in protection, as ECS task protection): busy work is never stopped.
 *
 * Capacity comes from a CapacityProvider; the scaler knows nothing of processes, pods or ECS
 * tasks. Every decision is logged, recorded in the store (the dashboard and /metrics of every
 * API node read it there) and counted in this process's metrics.
 */
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Clock } from '../core/index.ts';
import type { Fleet, NewScalingEvent, TaskQueue, TaskReads } from '../store/index.ts';
import { coerceError } from '../core/index.ts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** The store lease that makes one autoscaler of a deployment the active one. */
const LEASE = 'autoscaler';

export interface ScalingRule {
  min: number;
  max: number;
  /** Queue depth one worker is sized for (seed 004's messages_per_task). */
  tasksPerWorker: number;
}

/** Seed 004's formula. */
export function desiredWorkers(depth: number, r: ScalingRule): number {
  return Math.min(Math.max(Math.ceil(depth / Math.max(1, r.tasksPerWorker)), r.min), r.max);
}

/** One unit of capacity: a worker process, a pod, an ECS task. Its id is the worker id it
 *  registers in the store (HANGAR_WORKER_ID), which is how the scaler sees what it runs. */
export interface WorkerUnit {
  id: string;
  /** starting: launched, not yet leasing; running: leasing (registered in the store). */
  state: 'starting' | 'running';
  launchedAt: number;
}

/**
 * Where workers come from. Implemented here by LocalProcessProvider (worker processes on this
 * host). A Kubernetes provider would launch by raising a Deployment's replicas or creating Jobs
 * whose pods run `hangar worker` with HANGAR_WORKER_ID set to the pod name; an ECS provider by
 * RunTask with the id in the container's environment. Retire must keep the promise below: such
 * providers deliver it to the worker itself (the worker's retire decision is local and atomic),
 * then delete the pod or let the task exit.
 */
export interface CapacityProvider {
  readonly name: string;
  /** Units that exist now and are not stopping. */
  units(): Promise<WorkerUnit[]>;
  /** Starts up to `count` units; returns those started (fewer while start-ups keep failing). */
  launch(count: number): Promise<WorkerUnit[]>;
  /** Asks a unit to stop if it has held no task for `idleForMs`. True: it stopped leasing and
   *  is going away. False: it is busy (or went busy meanwhile) and keeps working. Never
   *  interrupts a task. */
  retire(unitId: string, idleForMs: number): Promise<boolean>;
  /** Tells units that tasks may be ready, for stores whose wake-ups do not cross processes. */
  nudge?(): void;
  /** Stops every unit gracefully (running tasks get the shutdown grace). */
  close(): Promise<void>;
}

export interface AutoscalerOptions {
  store: Fleet & Pick<TaskReads, 'activeCounts'> & Pick<TaskQueue, 'subscribe'>;
  provider: CapacityProvider;
  log: Logger;
  clock: Clock;
  rule: ScalingRule;
  /** Periodic check, ms. */
  intervalMs: number;
  /** A worker must have been idle this long to be retired, ms. */
  idleMs: number;
  /** The leader lease: one autoscaler of a deployment scales at a time; another one started
   *  against the same store waits as a standby and takes over within this long of the
   *  leader's end (ms; renewed every third of it). */
  leaseMs?: number;
  metrics?: Metrics;
}

export class Autoscaler {
  private readonly o: AutoscalerOptions;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  /** A re-check armed while workers wait to be idle long enough to retire. */
  private retireTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private busy: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** The last desired count recorded (null before the first check). */
  private desired: number | null = null;
  /** This autoscaler holds the leader lease: only then does it launch workers. */
  private leader = false;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** This autoscaler: its leader-lease holder id, and what its decisions are recorded under. */
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor(o: AutoscalerOptions) {
    this.o = o;
    this.log = o.log.child({ module: 'autoscaler', provider: o.provider.name });
  }

  private get leaseMs(): number {
    return this.o.leaseMs ?? 15_000;
  }

  /** Takes or renews the leader lease; a store error counts as not leading (never two leaders). */
  private async renewLease(): Promise<void> {
    const was = this.leader;
    this.leader = await this.o.store.acquireLease(LEASE, this.id, this.leaseMs).catch(() => false);
    if (was !== this.leader) {
      this.log.info(
        { holder: this.id },
        this.leader ? 'autoscaler is the leader: it scales' : 'autoscaler is a standby: another one scales',
      );
      this.check();
    }
  }

  async start(): Promise<void> {
    await this.renewLease();
    this.leaseTimer = setInterval(() => void this.renewLease(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.leaseTimer.unref();
    this.unsubscribe = this.o.store.subscribe(() => {
      this.o.provider.nudge?.();
      this.check();
    });
    this.timer = setInterval(() => this.check(), this.o.intervalMs);
    this.timer.unref();
    this.log.info({ ...this.o.rule, intervalMs: this.o.intervalMs, idleMs: this.o.idleMs }, 'autoscaler started');
    this.check();
  }

  /** Runs a check now, or right after the one in progress (signals that arrive meanwhile
   *  collapse into that one). */
  check(): void {
    if (this.closed) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = (async () => {
      do {
        this.again = false;
        try {
          await this.step();
        } catch (err) {
          this.log.error({ err: coerceError(err) }, 'autoscaler check failed');
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.busy = null));
  }

  /** Resolves once no check is in progress (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private async step(): Promise<void> {
    await this.decideOnce();
    // Workers above the minimum: look again when one may have been idle long enough, not at
    // the next periodic check (which may be far off). Task ends send no ready signal.
    if ((await this.o.provider.units()).length > this.o.rule.min) this.armRetireCheck();
  }

  private async decideOnce(): Promise<void> {
    const { store, provider, rule } = this.o;
    const { pending, running } = await store.activeCounts();
    const depth = pending + running;
    // A standby launches nothing and lets its own idle workers go (it may have led before).
    const desired = this.leader ? desiredWorkers(depth, rule) : 0;
    const who = this.leader ? '' : 'standby (another autoscaler leads): ';
    const units = await provider.units();
    const current = units.length;
    if (desired > current) {
      const launched = await provider.launch(desired - current);
      const reason = `queue depth ${depth} needs ${desired} worker(s) at ${rule.tasksPerWorker} task(s) each; ${current} running or starting`;
      if (launched.length > 0) await this.decide({ action: 'launch', depth, current, desired, workers: launched.map((u) => u.id), reason });
      else
        await this.decideOnChange({
          action: 'hold',
          depth,
          current,
          desired,
          workers: [],
          reason: `${reason}; the provider started none (start-ups failing, backing off)`,
        });
      return;
    }
    if (desired < current) {
      const loads = new Map((await store.workerLoads()).map((l) => [l.workerId, l.running]));
      // Oldest first: the newest may still be warming up to the burst that launched it.
      const idle = units.filter((u) => u.state === 'running' && !loads.get(u.id)).sort((a, b) => a.launchedAt - b.launchedAt);
      const retired: string[] = [];
      for (const u of idle) {
        if (retired.length >= current - desired) break;
        if (await provider.retire(u.id, this.o.idleMs)) retired.push(u.id);
      }
      if (retired.length > 0) {
        await this.decide({
          action: 'retire',
          depth,
          current,
          desired,
          workers: retired,
          reason: `${who}queue depth ${depth} needs ${desired}; retired ${retired.length} worker(s) idle for ${this.o.idleMs} ms`,
        });
      } else {
        await this.decideOnChange({
          action: 'hold',
          depth,
          current,
          desired,
          workers: [],
          reason:
            `${who}queue depth ${depth} needs ${desired}; ${current - desired} worker(s) to retire once idle for ${this.o.idleMs} ms ` +
            '(busy workers are never stopped)',
        });
      }
      return;
    }
    await this.decideOnChange({
      action: 'hold',
      depth,
      current,
      desired,
      workers: [],
      reason: `${who}queue depth ${depth}: ${desired} worker(s) desired, ${current} running or starting`,
    });
  }

  private armRetireCheck(): void {
    if (this.retireTimer || this.closed) return;
    const delay = Math.min(this.o.intervalMs, Math.max(50, Math.ceil(this.o.idleMs / 2)));
    this.retireTimer = setTimeout(() => {
      this.retireTimer = null;
      this.check();
    }, delay);
    this.retireTimer.unref();
  }

  /** Records a 'hold' only when the desired count changed, so a steady state writes nothing. */
  private async decideOnChange(e: Omit<NewScalingEvent, 'at' | 'autoscaler'>): Promise<void> {
    if (e.desired !== this.desired) await this.decide(e);
  }

  private async decide(e: Omit<NewScalingEvent, 'at' | 'autoscaler'>): Promise<void> {
    this.desired = e.desired;
    const event: NewScalingEvent = { ...e, at: this.o.clock.now(), autoscaler: this.id };
    this.log.info(event, `autoscaler ${e.action}`);
    this.o.metrics?.autoscalerDecisions.inc({ action: e.action });
    // A standby's holds stay in its log: the store's latest decision is the leader's desired count.
    if (!this.leader && e.action === 'hold') return;
    await this.o.store
      .recordScaling(event)
      .catch((err: unknown) => this.log.error({ err: coerceError(err) }, 'scaling decision not recorded'));
  }

  /** Stops checking, then stops every worker the provider runs (gracefully). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.settled();
    if (this.retireTimer) clearTimeout(this.retireTimer);
    await this.o.provider.close();
    if (this.leader) await this.o.store.releaseLease(LEASE, this.id).catch(() => {});
    this.log.info('autoscaler stopped');
  }
}
