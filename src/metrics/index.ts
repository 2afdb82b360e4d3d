/**
 * Prometheus metrics. Counters and histograms are fed by the workers of this process; queue
 * depth and task counts are read from the store at scrape time, so every API node reports the
 * same truth.
 */
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What a worker process counts (the rest is the API's, or read from the store at scrape
 *  time): the metrics an autoscaler's children report to it, and a worker's own /metrics. */
export const WORKER_METRICS = new Set([
  'hangar_tasks_finished_total',
  'hangar_attempts_total',
  'hangar_task_run_seconds',
  'hangar_task_wait_seconds',
  'hangar_sandbox_cpu_seconds',
  'hangar_sandbox_memory_peak_bytes',
  'hangar_sandbox_oom_kills_total',
]);

/** What the /metrics of a process without the API shows (besides process metrics). */
export const PROCESS_METRICS = new Set([...WORKER_METRICS, 'hangar_autoscaler_decisions_total']);

/** Metrics of other processes, as prom-client's getMetricsAsJSON() gives them. */
export type MetricsSnapshot = object[];
import { shareRecent, type Fleet, type StatusCounts, type TaskReads } from '../store/index.ts';
import { FunctionMetrics } from './functions.ts';

export { type EventDropReason, FunctionMetrics, type InvocationFacts } from './functions.ts';

/** A live worker is one seen within this long (the default HANGAR_WORKER_STALE_MS). */
const LIVE_MS = 15_000;

const BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class Metrics {
  readonly registry = new Registry();
  readonly finished: Counter<'status' | 'queue'>;
  readonly attempts: Counter<'outcome'>;
  readonly runSeconds: Histogram<'queue'>;
  readonly waitSeconds: Histogram<'queue'>;
  readonly submitted: Counter<'queue'>;
  readonly autoscalerDecisions: Counter<'action'>;
  readonly sandboxCpuSeconds: Histogram<'queue'>;
  readonly sandboxMemoryPeakBytes: Histogram<'queue'>;
  readonly sandboxOomKills: Counter<'queue'>;
  /** Functions' invocations, errors, throttles, durations, cold starts and concurrency. */
  readonly functions: FunctionMetrics;

  /** Names of Node's default metrics (every process shows its own). */
  private readonly runtimeMetrics: Set<string>;
  /** Snapshots of other processes' worker metrics to add in (the autoscaler's children). */
  private peers: (() => Promise<MetricsSnapshot[]>) | null = null;

  constructor(
    store: Pick<TaskReads, 'counts' | 'queueDepths'> & Fleet,
    opts: { workerStaleMs?: number; counts?: () => Promise<StatusCounts> } = {},
  ) {
    const liveMs = opts.workerStaleMs ?? LIVE_MS;
    const counts = opts.counts ?? (() => store.counts());
    // Node's process and runtime metrics: hangar_process_cpu_seconds_total, hangar_nodejs_heap_size_used_bytes...
    collectDefaultMetrics({ register: this.registry, prefix: 'hangar_' });
    this.runtimeMetrics = new Set(this.registry.getMetricsAsArray().map((m) => m.name));
    this.submitted = new Counter({
      name: 'hangar_tasks_submitted_total',
      help: 'Tasks accepted by the API',
      labelNames: ['queue'],
      registers: [this.registry],
    });
    this.finished = new Counter({
      name: 'hangar_tasks_finished_total',
      help: 'Tasks that reached a final state, by state',
      labelNames: ['status', 'queue'],
      registers: [this.registry],
    });
    this.attempts = new Counter({
      name: 'hangar_attempts_total',
      help: 'Attempts run by this process, by outcome',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.runSeconds = new Histogram({
      name: 'hangar_task_run_seconds',
      help: 'Wall time of one attempt',
      labelNames: ['queue'],
      buckets: BUCKETS_S,
      registers: [this.registry],
    });
    this.waitSeconds = new Histogram({
      name: 'hangar_task_wait_seconds',
      help: 'Time from ready (submit or retry) to lease',
      labelNames: ['queue'],
      buckets: BUCKETS_S,
      registers: [this.registry],
    });
    new Gauge({
      name: 'hangar_queue_depth',
      help: 'Tasks waiting (PENDING) or running, per queue and priority',
      labelNames: ['queue', 'priority', 'queue_type', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const d of await store.queueDepths()) {
          const labels = { queue: d.queue, priority: String(d.priority), queue_type: d.queueType };
          this.set({ ...labels, state: 'pending' }, d.pending);
          this.set({ ...labels, state: 'running' }, d.running);
        }
      },
    });
    this.sandboxCpuSeconds = new Histogram({
      name: 'hangar_sandbox_cpu_seconds',
      help: 'CPU time (user + system) of one sandboxed attempt, from its cgroup',
      labelNames: ['queue'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
      registers: [this.registry],
    });
    this.sandboxMemoryPeakBytes = new Histogram({
      name: 'hangar_sandbox_memory_peak_bytes',
      help: 'Peak memory of one sandboxed attempt, from its cgroup',
      labelNames: ['queue'],
      buckets: [1, 4, 16, 64, 128, 256, 512, 1024, 2048, 4096].map((mb) => mb * 1024 * 1024),
      registers: [this.registry],
    });
    this.sandboxOomKills = new Counter({
      name: 'hangar_sandbox_oom_kills_total',
      help: 'Sandboxed attempts killed by the kernel for exceeding their memory limit',
      labelNames: ['queue'],
      registers: [this.registry],
    });
    this.autoscalerDecisions = new Counter({
      name: 'hangar_autoscaler_decisions_total',
      help: 'Decisions of the autoscaler running in this process: launch, retire, hold (desired changed, nothing to do yet)',
      labelNames: ['action'],
      registers: [this.registry],
    });
    this.functions = new FunctionMetrics(this.registry);
    // Both worker gauges come from one read of the workers and their loads per scrape.
    const fleet = shareRecent(() => Promise.all([store.liveWorkers(liveMs), store.workerLoads()]), 500);
    new Gauge({
      name: 'hangar_workers',
      help: 'Live worker processes: busy (running at least one task) or idle',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const [workers, loads] = await fleet();
        const busy = new Set(loads.filter((l) => l.running > 0).map((l) => l.workerId));
        const n = workers.filter((w) => busy.has(w.id)).length;
        this.set({ state: 'busy' }, n);
        this.set({ state: 'idle' }, workers.length - n);
      },
    });
    new Gauge({
      name: 'hangar_worker_slots',
      help: 'Task slots of the live workers: total, and busy (running tasks)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const [workers, loads] = await fleet();
        const live = new Set(workers.map((w) => w.id));
        this.set(
          { state: 'total' },
          workers.reduce((a, w) => a + w.concurrency, 0),
        );
        this.set(
          { state: 'busy' },
          loads.filter((l) => live.has(l.workerId)).reduce((a, l) => a + l.running, 0),
        );
      },
    });
    new Gauge({
      name: 'hangar_autoscaler_desired_workers',
      help: "The autoscaler's latest desired worker count (from the store; 0 before its first decision)",
      registers: [this.registry],
      async collect() {
        const [last] = await store.scalingEvents({ limit: 1 });
        this.set(last?.desired ?? 0);
      },
    });
    new Gauge({
      name: 'hangar_tasks',
      help: 'Tasks in the store by state (finished ones until retention removes them)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const c = await counts();
        for (const [k, v] of Object.entries(c)) this.set({ status: k === 'deadLettered' ? 'DEAD_LETTERED' : k }, v);
      },
    });
  }

  /** This process's worker metrics, for a parent to add to its own. */
  async workerSnapshot(): Promise<MetricsSnapshot> {
    return (await this.registry.getMetricsAsJSON()).filter((m) => WORKER_METRICS.has(m.name));
  }

  /** Adds the worker metrics of other processes (counters and histograms summed per label set). */
  addPeers(collect: () => Promise<MetricsSnapshot[]>): void {
    this.peers = collect;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text: this process's metrics plus its peers'. */
  async text(only?: Set<string>): Promise<string> {
    const own = (await this.registry.getMetricsAsJSON()).filter((m) => !only || only.has(m.name) || this.runtimeMetrics.has(m.name));
    const peers = this.peers ? await this.peers().catch(() => []) : [];
    if (peers.length === 0) return only ? AggregatorRegistry.aggregate([own]).metrics() : this.registry.metrics();
    return AggregatorRegistry.aggregate([own, ...peers]).metrics();
  }
}
