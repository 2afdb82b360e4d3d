/**
 * Capacity from worker processes on this host: each unit is a `hangar worker` child with the
 * parent's configuration and its own worker id, talking to the parent over an IPC channel:
 * it says `ready` once it leases, answers `retire` itself (only an idle pool agrees, so a
 * retire can never cut a task short) and takes `wake` nudges (SQLite's wake-ups do not cross
 * processes). A child whose parent goes away drains and exits on its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configEnv, type Config } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { AggregatorRegistry } from 'prom-client';
import type { MetricsSnapshot } from '../metrics/index.ts';
import type { CapacityProvider, WorkerUnit } from './index.ts';

/** Messages between the autoscaler and its worker processes. */
export type ToWorker = { type: 'wake' } | { type: 'retire'; seq: number; idleForMs: number } | { type: 'metrics'; seq: number };
export type FromWorker =
  | { type: 'ready'; workerId: string }
  /** On ok, the worker's final metrics: what it counted stays in the parent's totals. */
  | { type: 'retired'; seq: number; ok: boolean; metrics?: MetricsSnapshot }
  | { type: 'metrics'; seq: number; metrics: MetricsSnapshot };

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
/** A retire not answered within this long counts as refused. */
const RETIRE_ANSWER_MS = 5000;
/** Start-ups that fail (exit before `ready`) back off from 1 s up to this, ms. */
const MAX_BACKOFF_MS = 30_000;

interface Child {
  unit: WorkerUnit;
  proc: ChildProcess;
  exited: Promise<void>;
  stopping: boolean;
}

export interface LocalProviderOptions {
  config: Config;
  log: Logger;
  /** Settings that differ for the children (e.g. the network test URL of the parent's API). */
  env?: Record<string, string>;
}

export class LocalProcessProvider implements CapacityProvider {
  readonly name = 'local-processes';
  private readonly o: LocalProviderOptions;
  private readonly log: Logger;
  private readonly children = new Map<string, Child>();
  private readonly answers = new Map<number, (m: FromWorker) => void>();
  /** Worker metrics of children that retired, summed: counters must not drop when one goes. */
  private gone: MetricsSnapshot | null = null;
  private seq = 0;
  private launches = 0;
  private failedStarts = 0;
  private noStartBefore = 0;
  private closed = false;

  constructor(o: LocalProviderOptions) {
    this.o = o;
    this.log = o.log.child({ module: 'autoscaler', provider: this.name });
  }

  async units(): Promise<WorkerUnit[]> {
    return [...this.children.values()].filter((c) => !c.stopping).map((c) => ({ ...c.unit }));
  }

  async launch(count: number): Promise<WorkerUnit[]> {
    if (this.closed || Date.now() < this.noStartBefore) return [];
    const out: WorkerUnit[] = [];
    for (let i = 0; i < count; i++) out.push(this.spawn());
    return out;
  }

  private spawn(): WorkerUnit {
    const id = `${hostname()}-w${++this.launches}-${randomBytes(3).toString('hex')}`;
    const unit: WorkerUnit = { id, state: 'starting', launchedAt: Date.now() };
    const proc = fork(MAIN, ['worker'], {
      env: {
        ...process.env,
        ...configEnv(this.o.config),
        ...this.o.env,
        HANGAR_WORKER_ID: id,
        // V8's code cache on disk: the second and later workers load Hangar in about half
        // the time (measured 206 -> 115 ms of imports).
        NODE_COMPILE_CACHE:
          process.env.NODE_COMPILE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hangar', 'node-compile'),
        // A worker never runs an autoscaler of its own, and reports its metrics to this process.
        HANGAR_AUTOSCALE_MAX_WORKERS: '0',
        HANGAR_METRICS_PORT: '0',
        // Several workers on one host: each its own function port, advertised (app/dispatch.ts).
        HANGAR_FUNCTION_PORT: '0',
      },
      execArgv: ['--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child: Child = { unit, proc, stopping: false, exited: new Promise((r) => proc.once('exit', () => r())) };
    this.children.set(id, child);
    proc.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        unit.state = 'running';
        this.failedStarts = 0;
        this.log.info({ workerId: id, startMs: Date.now() - unit.launchedAt }, 'worker process ready');
      } else if (m.type === 'retired' || m.type === 'metrics') {
        this.answers.get(m.seq)?.(m);
      }
    });
    proc.on('error', (err) => this.log.error({ workerId: id, err }, 'worker process error'));
    proc.once('exit', (code, signal) => {
      this.children.delete(id);
      const early = unit.state === 'starting' && !child.stopping;
      if (early) {
        this.failedStarts++;
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.failedStarts - 1));
        this.noStartBefore = Date.now() + backoff;
        this.log.error({ workerId: id, code, signal, retryInMs: backoff }, 'worker process exited before it was ready');
      } else if (!child.stopping) this.log.error({ workerId: id, code, signal }, 'worker process exited unexpectedly');
      else this.log.info({ workerId: id, code, signal }, 'worker process exited');
    });
    return { ...unit };
  }

  /** Sends a request a child answers by seq; null if it does not within RETIRE_ANSWER_MS. */
  private ask(c: Child, msg: ToWorker & { seq: number }): Promise<FromWorker | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), RETIRE_ANSWER_MS);
      const done = (v: FromWorker | null) => {
        clearTimeout(timer);
        this.answers.delete(msg.seq);
        resolve(v);
      };
      this.answers.set(msg.seq, done);
      c.proc.send(msg, (err) => err && done(null));
    });
  }

  async retire(unitId: string, idleForMs: number): Promise<boolean> {
    const c = this.children.get(unitId);
    if (!c || c.stopping || c.unit.state !== 'running' || !c.proc.connected) return false;
    const answer = await this.ask(c, { type: 'retire', seq: ++this.seq, idleForMs });
    const ok = answer?.type === 'retired' && answer.ok;
    if (ok) {
      c.stopping = true;
      if (answer.metrics) await this.keep(answer.metrics);
    }
    return ok;
  }

  private async keep(final: MetricsSnapshot): Promise<void> {
    this.gone = await AggregatorRegistry.aggregate(this.gone ? [this.gone, final] : [final]).getMetricsAsJSON();
  }

  /** The worker metrics of every running child, and the totals of those that retired. */
  async collectMetrics(): Promise<MetricsSnapshot[]> {
    const live = [...this.children.values()].filter((c) => !c.stopping && c.unit.state === 'running' && c.proc.connected);
    const answers = await Promise.all(live.map((c) => this.ask(c, { type: 'metrics', seq: ++this.seq })));
    const out = answers.flatMap((a) => (a?.type === 'metrics' ? [a.metrics] : []));
    return this.gone ? [...out, this.gone] : out;
  }

  nudge(): void {
    for (const c of this.children.values())
      if (!c.stopping && c.unit.state === 'running' && c.proc.connected) c.proc.send({ type: 'wake' } satisfies ToWorker);
  }

  /** SIGTERM to every child (each drains: running tasks get the shutdown grace, then are
   *  released); SIGKILL to any still there 5 s after its grace. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.children.values()];
    for (const c of all) {
      c.stopping = true;
      c.proc.kill('SIGTERM');
    }
    const deadline = setTimeout(() => {
      for (const c of all) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    }, this.o.config.shutdownGraceMs + 5000);
    await Promise.all(all.map((c) => c.exited));
    clearTimeout(deadline);
  }
}
