/**
 * A worker pool: leases tasks from the store, runs each attempt through the executor,
 * heartbeats its leases, stores results and logs as blobs and records the outcome.
 *
 * One dispatcher per pool claims as many tasks as it has free slots in one store call, so a
 * burst of submits becomes one transaction. It wakes on the store's ready signal (a submit
 * starts at once, no polling delay), at the earliest backoff expiry, and on a fallback poll.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { logKey, resultKey, type BlobStore } from '../blobs/index.ts';
import { coerceError, ErrorCode, HangarError } from '../errors/index.ts';
import type { CapturedOutput, ExecutionResult, Executor } from '../executor/types.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { AttemptRef, Finished, Lease, Outcome, OutputStream, Project, Store, Task } from '../store/index.ts';
import { redact, redactBytes, StreamRedactor } from '../secrets/index.ts';
import type { OutputSink } from './live-output.ts';
import { isStoreUnavailable, OutageLog } from './outage.ts';
import { retry } from './retry.ts';
import { DEFAULT_ARCHIVE_LIMITS, storeBack, unpack, type ArchiveLimits } from '../projects/index.ts';
import { NO_TRACING, SpanKind, type Context, type Tracing } from '../trace/index.ts';

export interface PoolOptions {
  store: Store;
  blobs: BlobStore;
  executor: Executor;
  log: Logger;
  metrics?: Metrics;
  workerId: string;
  concurrency: number;
  /** Root under which each attempt gets a fresh workspace directory. */
  workDir: string;
  queues?: string[];
  heartbeatMs: number;
  pollMs: number;
  /** Results up to this many bytes stay in the task's row; default INLINE_RESULT_BYTES. */
  inlineResultBytes?: number;
  /** Opens the owner's secrets a task names; a missing one rejects (the attempt fails, not retried). */
  revealSecrets?: (userId: string | null, names: string[]) => Promise<Record<string, string>>;
  /** Per-user running limit enforced by this pool's claims (0 = none). */
  maxRunningPerUser?: number;
  /** Audit every execution (issue 4): its entry goes with the outcome, written in the same
   *  transaction, so a worker that dies right after recording an outcome loses neither. */
  audit?: boolean;
  /** Where running attempts' output goes live (followers read it from the store); none = no live output. */
  output?: OutputSink;
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
  /** What one project version may hold; default DEFAULT_ARCHIVE_LIMITS. */
  projectLimits?: ArchiveLimits;
  /** How long to keep trying to store an attempt's result and logs in a blob store that fails
   *  before recording the outcome without them, ms; default BLOB_RETRY_MS. */
  blobRetryMs?: number;
  /** OpenTelemetry: each attempt is a span in its task's trace (default: no tracing). */
  tracing?: Tracing;
  /** A lease the store says this pool holds, granted this long ago, that the pool never
   *  received (the answer to its claim was lost with the connection) is given back, ms;
   *  default STRAY_LEASE_MS. */
  strayLeaseMs?: number;
}

/** A project's files for one attempt: `inDir` holds its base version, `outDir` what it left. */
interface ProjectFiles {
  project: Project;
  base: number;
  root: string;
  inDir: string;
  outDir: string;
}

/** requeue: a prefetched lease that waited too long for a slot goes back to the queue. */
type StopReason = 'cancel' | 'lost' | 'shutdown' | 'requeue';

/** Wait after a failed claim before the next, ms. */
const CLAIM_RETRY_MS = 500;
/** How long a lease's release is retried while the store is unreachable when something waits on
 *  it (shutdown) or it follows a failure: not the lease's whole visibility timeout. */
const BRIEF_RELEASE_MS = 30_000;
/** Default PoolOptions.strayLeaseMs: far longer than a granted lease takes to reach its pool
 *  (a claim's answer, a push's notification, the search for pushes unheard while the LISTEN
 *  session was down), so a lease on its way is never taken for a lost one. */
export const STRAY_LEASE_MS = 10_000;

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

/** How long a worker keeps trying to store an attempt's result and logs in a blob store that
 *  fails (S3 restarting, or not answering), ms, before it records the outcome without them. */
const BLOB_RETRY_MS = 60_000;

/** What an attempt may store as blobs, in the order summary.unstored names them. */
const BLOB_KINDS = ['result', 'stdout', 'stderr'];

/** Results up to this size are kept in the task's row instead of a blob. */
export const INLINE_RESULT_BYTES = 16 * 1024;

interface Running {
  lease: Lease;
  abort: AbortController;
  done: Promise<void>;
}

export class WorkerPool {
  private readonly o: PoolOptions;
  private readonly running = new Map<string, Running>();
  private claiming = false;
  /** Slots the claim in flight may fill. */
  private claimLimit = 0;
  /** Slots promised to submits in flight (direct dispatch, see offer()). */
  private reserved = 0;
  /** A claim is due on the next turn of the event loop (dispatch). */
  private dispatchScheduled = false;
  /** Attempts holding one of the `concurrency` execution slots. */
  private executing = 0;
  /** Set when a prefetched lease waited too long: no prefetch until a slot frees. */
  private prefetchPaused = false;
  /** Running average of this pool's execution times, ms (null before the first). */
  private runAverageMs: number | null = null;
  /** Prefetched leases waiting for an execution slot, in claim order. */
  private readonly slotWaiters: (() => void)[] = [];
  private detachTaker: (() => void) | null = null;
  /** Releases of tasks handed over while stopping. */
  private readonly releasing = new Set<Promise<void>>();
  /** A wake-up arrived that no claim has answered yet. */
  private wakePending = true;
  /** The last claim got every task it asked for, so more may be waiting. */
  private lastClaimFull = false;
  /** Attempts whose finish is being recorded: their slots count as free for the next claim. */
  private freeing = 0;
  private stopping = false;
  private closing = false;
  private started = false;
  /** When the pool last became empty (nothing running or waiting); null while it holds work. */
  private idleSince: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  /** Set after a failed claim: no claim until it fires. */
  private claimRetry: NodeJS.Timeout | null = null;
  /** Leases of crashed attempts ('taskId:attempt' → when their lease expires, ms): left to
   *  expire, so that the reaper counts them, not given back as strays. */
  private readonly abandoned = new Map<string, number>();
  /** Strays being given back. */
  private readonly straysReleasing = new Set<string>();
  private readonly log: Logger;
  /** Claims and heartbeats failing because the store is gone: said once, then now and then. */
  private readonly outage: OutageLog;

  constructor(o: PoolOptions) {
    this.o = o;
    this.log = o.log.child({ module: 'worker', workerId: o.workerId });
    this.outage = new OutageLog(this.log);
  }

  get id(): string {
    return this.o.workerId;
  }
  /** Attempts executing now (at most `concurrency`; prefetched leases waiting are not). */
  get active(): number {
    return this.executing;
  }
  get concurrency(): number {
    return this.o.concurrency;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await mkdir(this.o.workDir, { recursive: true });
    await this.o.store.touchWorker(this.o.workerId, { host: hostname(), pid: process.pid, concurrency: this.o.concurrency });
    this.unsubscribe = this.o.store.subscribe(() => this.wake());
    this.detachTaker = this.o.store.attachTaker({
      workerId: this.o.workerId,
      queues: this.o.queues,
      maxRunningPerUser: this.o.maxRunningPerUser,
      offer: (pushed) => this.offer(pushed),
    });
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs);
    this.pollTimer = setInterval(() => this.wake(), this.o.pollMs);
    this.heartbeatTimer.unref();
    this.pollTimer.unref();
    this.idleSince = Date.now();
    this.log.info({ concurrency: this.o.concurrency, executor: this.o.executor.name }, 'worker started');
    this.dispatch();
  }

  /** Tasks may be ready (a wake-up relayed by another process, e.g. the autoscaler's). */
  nudge(): void {
    if (this.started && !this.stopping) this.wake();
  }

  /** How long the pool has held no work, ms (0 while it holds some). */
  idleFor(now = Date.now()): number {
    return this.idleSince === null || this.running.size > 0 || this.claiming || this.reserved > 0 ? 0 : now - this.idleSince;
  }

  /**
   * Scale-in protection: stops leasing, and says yes, only if the pool has held no work for at
   * least `idleForMs` and no claim or hand-over is in flight; the caller then closes it. A busy
   * pool says no and keeps working, so a retire never interrupts a task.
   */
  retireIfIdle(idleForMs: number): boolean {
    if (!this.started || this.stopping) return false;
    if (this.running.size > 0 || this.claiming || this.reserved > 0 || this.idleFor() < idleForMs) return false;
    this.stopping = true;
    this.unsubscribe?.();
    this.detachTaker?.();
    return true;
  }

  /** Kill a task this pool runs (the in-process shortcut of a cancel; heartbeats carry it otherwise). */
  cancelLocal(taskId: string): boolean {
    const r = this.running.get(taskId);
    if (!r) return false;
    r.abort.abort('cancel' satisfies StopReason);
    return true;
  }

  /** Leases this pool may still take: its slots plus the prefetch, less those held (running or
   *  waiting for a slot), promised to a submit, or asked for by the claim in flight. */
  private freeSlots(): number {
    return this.o.concurrency + this.prefetch() - this.running.size + this.freeing - this.reserved - (this.claiming ? this.claimLimit : 0);
  }

  /** Leases to hold beyond the execution slots now. */
  private prefetch(): number {
    if (this.prefetchPaused) return 0;
    const p = this.o.prefetch ?? 0;
    if (p !== 'auto') return p;
    if (this.runAverageMs === null) return 0;
    const cap = Math.min(AUTO_PREFETCH_MAX, AUTO_PREFETCH_PER_SLOT * this.o.concurrency);
    return Math.min(cap, Math.floor((this.o.concurrency * (this.o.prefetchBacklogMs ?? AUTO_PREFETCH_BACKLOG_MS)) / Math.max(this.runAverageMs, 0.01)));
  }

  private noteExecution(ms: number): void {
    const m = Math.max(0, ms);
    this.runAverageMs = this.runAverageMs === null ? m : this.runAverageMs + RUN_AVERAGE_WEIGHT * (m - this.runAverageMs);
  }

  /** Waits for one of the `concurrency` execution slots (at once unless leases were prefetched);
   *  false if the attempt was aborted first (it then never holds one). */
  private async execSlot(signal: AbortSignal, onLongWait: () => void): Promise<boolean> {
    if (this.executing < this.o.concurrency) {
      this.executing++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(onLongWait, this.o.prefetchWaitMs ?? 1000);
      const onAbort = () => {
        clearTimeout(timer);
        const i = this.slotWaiters.indexOf(take);
        if (i >= 0) this.slotWaiters.splice(i, 1);
        resolve(false);
      };
      const take = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.slotWaiters.push(take);
    });
  }

  private releaseSlot(): void {
    this.prefetchPaused = false;
    const next = this.slotWaiters.shift();
    if (next) next(); // the slot passes straight to the next waiting lease
    else this.executing--;
  }

  /** Direct dispatch (Store.attachTaker): a submit asks, inside its transaction, for a slot;
   *  or a task pushed to this pool (already leased to it) arrives. */
  private offer(pushed = false): ((lease: Lease | null) => void) | null {
    if (this.stopping || !this.started) return null;
    // A hand-off only to a free execution slot: a handed task must not wait behind prefetched
    // ones. A pushed task is taken even when a claim in flight or a race has filled the
    // slots: it then waits for one as a prefetched lease does, which beats releasing it (a
    // release costs a round trip and shows as a second attempt).
    if (!pushed && (this.freeSlots() <= 0 || this.running.size + this.reserved >= this.o.concurrency)) return null;
    this.reserved++;
    return (lease) => {
      this.reserved--;
      if (lease && !this.stopping) this.startAttempt(lease);
      else if (lease) {
        const ref = { taskId: lease.task.id, attempt: lease.attempt };
        const released = this.releaseDurably(ref, Math.min(lease.task.visibilityTimeout * 1000, BRIEF_RELEASE_MS)).then(
          () => {},
          (err: unknown) => this.log.warn({ err: coerceError(err), ...ref }, 'lease not given back; it returns to the queue when it expires'),
        );
        this.releasing.add(released);
        void released.finally(() => this.releasing.delete(released));
      }
      this.dispatch();
    };
  }

  /** Something may be ready: a wake-up, a poll tick or a backoff expiry. */
  private wake(): void {
    this.wakePending = true;
    this.dispatch();
  }

  /**
   * Claims as many tasks as there are free slots, in one store call. A claim happens only when
   * work may be ready (a wake-up arrived, or the last claim filled every slot it asked for):
   * an empty claim is a wasted write transaction, and at 200 submits/s the first version made
   * three claims per task, two of them empty.
   */
  dispatch(): void {
    // On the next turn of the event loop: the slots that free in this one (a claim's tasks
    // ending together) then go in one claim, not one claim per slot.
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.claimNow();
      this.advertise();
    });
  }

  /**
   * Push dispatch (Store.advertise): while the last claim found the queue empty, offer the free
   * execution slots to submits in other processes, which then lease a task to this pool as
   * they insert it (no claim round trip); nothing while busy, stopping, or enforcing a per-user
   * limit (that needs the claim's count). Also called by the heartbeat, which keeps the offer
   * alive; it lapses after three missed heartbeats.
   */
  private advertise(): void {
    if (!this.o.store.advertise || !this.started) return;
    const idle = !this.stopping && !this.lastClaimFull && this.slotWaiters.length === 0 && (this.o.maxRunningPerUser ?? 0) <= 0;
    const free = idle ? Math.max(0, this.o.concurrency - this.running.size - this.reserved) : 0;
    this.o.store.advertise(this.o.workerId, free, 3 * this.o.heartbeatMs);
  }

  private claimNow(): void {
    if (this.stopping || !this.started || this.claiming || this.claimRetry) return;
    if (!this.wakePending && !this.lastClaimFull) return;
    const free = this.freeSlots();
    if (free <= 0) return;
    this.claiming = true;
    this.claimLimit = free;
    this.wakePending = false;
    this.o.store
      .claim({ workerId: this.o.workerId, limit: free, queues: this.o.queues, maxRunningPerUser: this.o.maxRunningPerUser })
      .then(async (leases) => {
        this.outage.ok();
        this.lastClaimFull = leases.length === free;
        for (const lease of leases) this.startAttempt(lease);
        if (!this.lastClaimFull) await this.armBackoffTimer();
      })
      .catch((err: unknown) => {
        // The store is unreachable (a database restart): try again shortly, not in a loop, for
        // as long as it takes (the process lives until told to stop: cli/serve.ts).
        if (isStoreUnavailable(err)) this.outage.failed(err, 'claim');
        else this.log.error({ err: coerceError(err), retryInMs: CLAIM_RETRY_MS }, 'claim failed');
        this.wakePending = true;
        this.claimRetry = setTimeout(() => {
          this.claimRetry = null;
          this.dispatch();
        }, CLAIM_RETRY_MS);
      })
      .finally(() => {
        this.claiming = false;
        this.dispatch();
      });
  }

  private async armBackoffTimer(): Promise<void> {
    const next = await this.o.store.nextRunAfter();
    if (next === null) return;
    // In the store's clock, as the backoff's end is: with this host's, a host ahead of the
    // database saw every backoff as ended and claimed in a loop until it really was.
    const delay = Math.max(0, next - this.o.store.now());
    if (delay >= this.o.pollMs) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.wake();
    }, delay + 1);
    this.backoffTimer.unref();
  }

  private startAttempt(lease: Lease): void {
    this.idleSince = null;
    const abort = new AbortController();
    const entry: Running = { lease, abort, done: Promise.resolve() };
    this.running.set(lease.task.id, entry);
    let slot = false;
    const freeSlot = () => {
      if (slot) this.releaseSlot();
      slot = false;
    };
    const requeue = () => {
      // Every slot is held by tasks longer than this wait: let another worker have it.
      this.prefetchPaused = true;
      abort.abort('requeue' satisfies StopReason);
    };
    entry.done = this.execSlot(abort.signal, requeue)
      .then((got) => {
        slot = got;
        // Not started when aborted while waiting: the run below sees the signal and records a
        // cancel, releases on shutdown, or drops a lost lease, without running anything.
        return this.runAttempt(lease, abort.signal, freeSlot);
      })
      .catch(async (err: unknown) => {
        this.log.error({ err: coerceError(err), taskId: lease.task.id }, 'attempt crashed');
        // The store was out of reach: the lease goes back rather than sit out its visibility
        // timeout (a harmless no-op when it is gone). Any other crash leaves it to expire, so
        // that the reaper counts the attempt and a task that crashes every worker dead-letters.
        if (err instanceof HangarError && err.code === ErrorCode.StoreUnavailable) {
          await this.releaseDurably({ taskId: lease.task.id, attempt: lease.attempt }, Math.min(lease.task.visibilityTimeout * 1000, BRIEF_RELEASE_MS)).catch(() => {});
        } else {
          this.abandoned.set(`${lease.task.id}:${lease.attempt}`, Date.now() + lease.task.visibilityTimeout * 1000);
        }
      })
      .finally(() => {
        freeSlot();
        this.running.delete(lease.task.id);
        if (this.running.size === 0) this.idleSince = Date.now();
        this.dispatch();
      });
  }

  /** `freeSlot`: the execution is over (called once its outcome is in hand; again is harmless). */
  private runAttempt(lease: Lease, signal: AbortSignal, freeSlot: () => void): Promise<void> {
    const tracing = this.o.tracing ?? NO_TRACING;
    if (!tracing.enabled) return this.attempt(lease, signal, freeSlot, tracing, tracing.extract(null));
    const { task, attempt } = lease;
    const attrs = { 'hangar.task_id': task.id, 'hangar.attempt': attempt, 'hangar.worker_id': this.o.workerId, 'hangar.queue': task.queue, 'hangar.user_id': task.userId ?? '' };
    return tracing.span('task.attempt', tracing.extract(task.traceParent), attrs, (_span, ctx) => this.attempt(lease, signal, freeSlot, tracing, ctx), SpanKind.CONSUMER);
  }

  private async attempt(lease: Lease, signal: AbortSignal, freeSlot: () => void, tracing: Tracing, trace: Context): Promise<void> {
    const { task, attempt } = lease;
    if (signal.aborted && signal.reason === 'requeue') {
      await this.releaseDurably({ taskId: task.id, attempt }, task.visibilityTimeout * 1000);
      this.log.debug({ taskId: task.id, attempt }, 'prefetched lease waited too long for a slot; released');
      return;
    }
    /** A child span of the attempt around one step (a no-op without tracing). */
    const step = <T>(name: string, fn: () => Promise<T>): Promise<T> => (tracing.enabled ? tracing.span(name, trace, { 'hangar.task_id': task.id }, fn) : fn());
    const ref: AttemptRef = { taskId: task.id, attempt };
    const log = this.log.child({ taskId: task.id, attempt, userId: task.userId });
    const waitFrom = Math.max(task.createdAt, task.runAfter);
    // In the store's clock, as createdAt is (this host's may be off the database's).
    this.o.metrics?.waitSeconds.observe({ queue: task.queue }, Math.max(0, this.o.store.now() - waitFrom) / 1000);
    log.debug('attempt started');
    // The executor creates and removes the workspace: it knows what kind it needs.
    const workspace = join(this.o.workDir, `${task.id}-${attempt}`);
    let secretEnv: Record<string, string> = {};
    let result: ExecutionResult | undefined;
    try {
      if (task.secrets.length > 0) {
        if (!this.o.revealSecrets) throw new Error('this worker has no access to secrets');
        secretEnv = await this.o.revealSecrets(task.userId, task.secrets);
      }
    } catch (err) {
      result = notRun('SECRET_UNAVAILABLE', `secrets could not be read: ${coerceError(err).message}`);
    }
    let files: ProjectFiles | null = null;
    if (!result && task.projectId) {
      try {
        files = await this.projectFiles(task.projectId, `${workspace}.project`);
      } catch (err) {
        // The blob store may be down for a moment: another attempt may find it back.
        result = notRun('PROJECT_UNAVAILABLE', `the project's files could not be read: ${coerceError(err).message}`, true);
      }
    }
    const ran = !result;
    const live = result ? null : this.liveOutput(task, attempt, Object.values(secretEnv));
    result ??= await step(`sandbox.run`, () => this.o.executor.run({
      taskId: task.id,
      attempt,
      command: task.command,
      args: task.args,
      shell: task.shell,
      env: task.secrets.length > 0 ? { ...task.env, ...secretEnv } : task.env,
      metadata: task.metadata,
      resources: task.resources,
      network: task.network,
      image: task.image,
      timeoutMs: task.timeout * 1000,
      workspace,
      signal,
      onOutput: live?.write,
      project: files ? { inDir: files.inDir, outDir: files.outDir } : undefined,
    }));
    await live?.close();
    if (ran) this.noteExecution(result.finishedAt - result.startedAt);
    const projectNote = files ? await this.storeProjectFiles(files, task, result, log) : null;
    freeSlot();
    const reason = signal.aborted ? (signal.reason as StopReason) : null;
    if (reason === 'lost') {
      log.warn('lease lost; outcome not recorded');
      return;
    }
    if (reason === 'shutdown') {
      await this.releaseDurably(ref, Math.min(task.visibilityTimeout * 1000, BRIEF_RELEASE_MS));
      log.info('released on shutdown');
      return;
    }
    const secretValues = Object.values(secretEnv);
    if (secretValues.length > 0) result = redactResult(result, secretValues);
    const done = result;
    if (tracing.enabled) tracing.annotate(trace, { 'hangar.outcome': result.status, 'hangar.failure': result.failure?.code ?? '', 'hangar.exit_code': result.exitCode ?? -1 });
    const outcome = await step('blobs.store', () => this.storeOutcome(task, attempt, done, signal, log));
    if (projectNote) outcome.summary = { ...outcome.summary, project: projectNote };
    if (this.o.audit) {
      outcome.audit = {
        // The execution's end in the store's clock, as the task's own times are.
        at: result.finishedAt + (this.o.store.now() - Date.now()),
        actor: task.userId,
        source: this.o.workerId,
        outcome: result.status,
        detail: { attempt, command: task.command, failure: result.failure?.code ?? null, runMs: result.finishedAt - result.startedAt },
      };
    }
    // The slot frees with this finish: claim its next task in the same tick, so the claim and
    // the finish share one transaction (measured: a 10-slot drain 11.3k → 16.4k tasks/s).
    const finishing = step('store.finish', () => this.durably('outcome', ref, task.visibilityTimeout * 1000, () => this.o.store.finish(ref, outcome)));
    this.freeing++;
    this.dispatch();
    let after: Finished | null;
    try {
      after = await finishing;
    } finally {
      this.freeing--;
    }
    this.o.metrics?.attempts.inc({ outcome: result.failure?.code ?? result.status });
    this.o.metrics?.runSeconds.observe({ queue: task.queue }, (result.finishedAt - result.startedAt) / 1000);
    this.observeSandbox(task.queue, result);
    if (!after) {
      log.warn('attempt was stale; outcome discarded');
      return;
    }
    // The next task of its lane may run now: this pool looks at once (other workers at their
    // next wake-up or poll).
    if (task.lane && after.status !== 'PENDING') this.wake();
    if (after.status !== 'PENDING') this.o.metrics?.finished.inc({ status: after.status, queue: task.queue });
    log.info({ status: after.status, outcome: result.status, failure: result.failure?.code }, 'attempt finished');
  }

  /** The sandbox's cgroup accounting of the attempt (absent with the plain process executor). */
  private observeSandbox(queue: string, result: ExecutionResult): void {
    const m = this.o.metrics;
    const meta = result.detailedResults.metadata as { accounting?: { cpuUserMs?: number | null; cpuSystemMs?: number | null; peakMemoryBytes?: number | null; oomKilled?: boolean } } | undefined;
    const a = meta?.accounting;
    if (!m || !a) return;
    if (typeof a.cpuUserMs === 'number' && typeof a.cpuSystemMs === 'number') m.sandboxCpuSeconds.observe({ queue }, (a.cpuUserMs + a.cpuSystemMs) / 1000);
    if (typeof a.peakMemoryBytes === 'number') m.sandboxMemoryPeakBytes.observe({ queue }, a.peakMemoryBytes);
    if (a.oomKilled) m.sandboxOomKills.inc({ queue });
  }

  /**
   * A write of an attempt's lease (its outcome, or giving it back), retried while the store is
   * unreachable (a PostgreSQL restart) for up to `forMs`, as long as the lease could still
   * hold: after that the attempt is re-run elsewhere anyway, and fencing refuses this one. A
   * lease dropped instead would sit out its whole visibility timeout before anyone ran it.
   */
  private durably<T>(what: 'outcome' | 'release', ref: AttemptRef, forMs: number, write: () => Promise<T>): Promise<T> {
    return retry(write, {
      forMs,
      retryable: isStoreUnavailable,
      onRetry: (_err, delay) => this.log.warn({ taskId: ref.taskId, attempt: ref.attempt, retryInMs: delay }, `store unavailable; retrying the ${what}`),
    });
  }

  /** Gives a lease back (see durably). */
  private releaseDurably(ref: AttemptRef, leaseMs: number): Promise<boolean> {
    return this.durably('release', ref, leaseMs, () => this.o.store.release(ref));
  }

  /** The project's latest files, unpacked for the executor to copy into the workspace. */
  private async projectFiles(projectId: string, root: string): Promise<ProjectFiles> {
    const project = await this.o.store.getProject(projectId);
    if (!project) throw new Error(`project ${projectId} does not exist`);
    const files: ProjectFiles = { project, base: project.latestVersion, root, inDir: join(root, 'in'), outDir: join(root, 'out') };
    await rm(root, { recursive: true, force: true });
    await mkdir(files.inDir, { recursive: true });
    await mkdir(files.outDir, { recursive: true });
    if (files.base > 0) {
      const v = await this.o.store.projectVersion(projectId, files.base);
      const archive = v ? await this.o.blobs.get(v.blobKey) : null;
      if (!archive) throw new Error(`version ${files.base} of project ${projectId} is missing`);
      await unpack(archive, files.inDir);
    }
    return files;
  }

  /** Stores what the attempt left in its workspace as the project's next version, if it exited
   *  on its own and changed anything; what happened, for the task's summary. */
  private async storeProjectFiles(files: ProjectFiles, task: Task, result: ExecutionResult, log: Logger): Promise<Record<string, unknown>> {
    const note: Record<string, unknown> = { projectId: files.project.id, baseVersion: files.base || null, version: null };
    try {
      // A stopped task's wrapper may still copy its files out in the kill's grace time (the
      // program dies of the SIGTERM, the wrapper does not): the outcome decides, not the marker.
      const stopped = result.status === 'TIMEOUT' || result.status === 'CANCELLED';
      if (stopped || !existsSync(join(files.outDir, 'done'))) return { ...note, stored: false, reason: `not stored: the task did not exit on its own (${result.status})` };
      const v = await storeBack({
        store: this.o.store,
        blobs: this.o.blobs,
        project: files.project,
        base: files.base,
        baseDir: files.inDir,
        outDir: join(files.outDir, 'files'),
        taskId: task.id,
        scratch: files.root,
        limits: this.o.projectLimits ?? DEFAULT_ARCHIVE_LIMITS,
        now: () => this.o.store.now(),
      });
      return v ? { ...note, stored: true, version: v.version, conflicts: v.conflicts } : { ...note, stored: false, reason: 'no file changed' };
    } catch (err) {
      log.error({ err: coerceError(err), projectId: files.project.id }, "the task's project files were not stored");
      return { ...note, stored: false, reason: `not stored: ${coerceError(err).message}` };
    } finally {
      await rm(files.root, { recursive: true, force: true }).catch(() => {});
    }
  }

  /** The attempt's live output writer, redacting the task's secret values as they stream by. */
  private liveOutput(task: Task, attempt: number, secretValues: string[]) {
    const writer = this.o.output?.open(task.id, attempt);
    if (!writer) return null;
    if (secretValues.length === 0) return { write: (s: OutputStream, c: Buffer) => writer.write(s, c), close: () => writer.close() };
    const redactors = { stdout: new StreamRedactor(secretValues), stderr: new StreamRedactor(secretValues) };
    return {
      write: (s: OutputStream, c: Buffer) => writer.write(s, redactors[s].push(c)),
      close: () => {
        writer.write('stdout', redactors.stdout.end());
        writer.write('stderr', redactors.stderr.end());
        return writer.close();
      },
    };
  }

  /**
   * Logs and large results go to the blob store, the database keeps their keys and a summary.
   * A result of at most INLINE_RESULT_BYTES stays in the row, as Trigger.dev keeps small
   * payloads: creating a file per attempt waited behind the WAL's journal commits (16 ms p50
   * per attempt at 32 concurrent submits) and capped the embedded shape near 600 tasks/s.
   */
  /**
   * The attempt's result and logs as blobs, and its outcome naming them. A blob the store
   * cannot take (S3 down or not answering) is tried again for blobRetryMs, the lease held
   * meanwhile by the heartbeat; then, or when the attempt is stopped, the outcome is recorded
   * without it, and its summary says so (`unstored`): the task ran, and running it again
   * would repeat what it did.
   */
  private async storeOutcome(task: Task, attempt: number, r: ExecutionResult, signal: AbortSignal, log: Logger): Promise<Outcome> {
    const json = JSON.stringify(r.detailedResults);
    const inline = Buffer.byteLength(json) <= (this.o.inlineResultBytes ?? INLINE_RESULT_BYTES);
    const unstored: string[] = [];
    const put = async (what: string, key: string, data: Buffer | string): Promise<string | null> => {
      if (await this.putDurably(key, data, signal, log)) return key;
      unstored.push(what);
      return null;
    };
    const [rKey, stdoutKey, stderrKey] = await Promise.all([
      inline ? null : put('result', resultKey(task.id, attempt), json),
      r.stdout.bytes > 0 ? put('stdout', logKey(task.id, attempt, 'stdout'), r.stdout.data) : null,
      r.stderr.bytes > 0 ? put('stderr', logKey(task.id, attempt, 'stderr'), r.stderr.data) : null,
    ]);
    // In a fixed order, whichever gave up first.
    unstored.sort((a, b) => BLOB_KINDS.indexOf(a) - BLOB_KINDS.indexOf(b));
    if (unstored.length > 0) log.error({ unstored }, 'the blob store did not take these; the outcome is recorded without them');
    return {
      status: r.status,
      failure: r.failure,
      resultJson: inline ? json : null,
      resultKey: rKey,
      stdoutKey,
      stderrKey,
      summary: {
        exitCode: r.exitCode,
        signal: r.signal,
        runMs: r.finishedAt - r.startedAt,
        stdoutBytes: r.stdout.bytes,
        stderrBytes: r.stderr.bytes,
        stdoutTruncated: r.stdout.truncated,
        stderrTruncated: r.stderr.truncated,
        ...(unstored.length > 0 ? { unstored } : {}),
      },
    };
  }

  /** Puts a blob, trying again with backoff for blobRetryMs after the first failure, until
   *  `signal` aborts; false if it never went in. */
  private putDurably(key: string, data: Buffer | string, signal: AbortSignal, log: Logger): Promise<boolean> {
    return retry(() => this.o.blobs.put(key, data), {
      forMs: this.o.blobRetryMs ?? BLOB_RETRY_MS,
      signal,
      onRetry: (err, delay) => log.warn({ err: coerceError(err), key, retryInMs: delay }, 'blob store unavailable; retrying'),
    }).then(
      () => true,
      () => false,
    );
  }

  private async heartbeat(): Promise<void> {
    this.advertise();
    try {
      const refs = [...this.running.values()].map((r) => ({ taskId: r.lease.task.id, attempt: r.lease.attempt }));
      await this.o.store.touchWorker(this.o.workerId, { host: hostname(), pid: process.pid, concurrency: this.o.concurrency });
      const hb = await this.o.store.heartbeat(this.o.workerId, refs, this.o.store.now() - (this.o.strayLeaseMs ?? STRAY_LEASE_MS));
      for (const h of hb.held) if (h.cancelRequested) this.running.get(h.taskId)?.abort.abort('cancel' satisfies StopReason);
      for (const l of hb.lost) {
        const r = this.running.get(l.taskId);
        if (r && r.lease.attempt === l.attempt) r.abort.abort('lost' satisfies StopReason);
      }
      for (const s of hb.strays) this.releaseStray(s);
      this.outage.ok();
    } catch (err) {
      if (isStoreUnavailable(err)) this.outage.failed(err, 'heartbeat');
      else this.log.error({ err: coerceError(err) }, 'heartbeat failed');
    }
  }

  /**
   * Gives back a lease this pool holds in the store but never received: the claim that took it
   * committed and its answer was lost with the connection (a PostgreSQL crash). Without this
   * it would sit out its visibility timeout.
   */
  private releaseStray(ref: AttemptRef): void {
    const key = `${ref.taskId}:${ref.attempt}`;
    const now = Date.now();
    for (const [k, until] of this.abandoned) if (until < now) this.abandoned.delete(k);
    // Arrived while the heartbeat was on its way, or left on purpose, or on its way back.
    if (this.running.get(ref.taskId)?.lease.attempt === ref.attempt || this.abandoned.has(key) || this.straysReleasing.has(key)) return;
    this.straysReleasing.add(key);
    this.log.warn(ref, 'the store holds a lease for this worker that it never received; giving it back');
    void this.releaseDurably(ref, BRIEF_RELEASE_MS)
      .catch((err: unknown) => this.log.warn({ err: coerceError(err), ...ref }, 'stray lease not given back; it returns to the queue when it expires'))
      .finally(() => this.straysReleasing.delete(key));
  }

  /**
   * Stop leasing; give running attempts `graceMs` to finish, then kill them and release their
   * leases so another worker takes them at once.
   */
  async close(graceMs = 0): Promise<void> {
    if (!this.started || this.closing) return;
    this.closing = true;
    this.stopping = true;
    this.unsubscribe?.();
    this.detachTaker?.();
    // A submit may be handing this pool a task: wait for its commit (a few ms at most).
    while (this.reserved > 0) await new Promise((r) => setImmediate(r));
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.claimRetry) clearTimeout(this.claimRetry);
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    if (this.running.size > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((res) => (timer = setTimeout(res, graceMs)))]);
      clearTimeout(timer);
    }
    for (const r of this.running.values()) r.abort.abort('shutdown' satisfies StopReason);
    await all();
    await Promise.all(this.releasing);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.o.executor.close();
    await this.o.store.removeWorker(this.o.workerId).catch(() => {});
    this.log.info('worker stopped');
  }
}

/** An attempt that did not start (e.g. its secrets are gone): FAILED, not retried. */
function notRun(code: 'SECRET_UNAVAILABLE' | 'PROJECT_UNAVAILABLE', message: string, retryable = false): ExecutionResult {
  const now = Date.now();
  const empty = { data: Buffer.alloc(0), bytes: 0, truncated: false };
  return {
    status: 'FAILED',
    failure: { code, message, retryable },
    exitCode: null,
    signal: null,
    detailedResults: { success: false, error: message },
    stdout: empty,
    stderr: empty,
    startedAt: now,
    finishedAt: now,
  };
}

/** The result with every secret value masked, before anything of it is stored. */
function redactResult(r: ExecutionResult, values: string[]): ExecutionResult {
  return {
    ...r,
    failure: r.failure ? { ...r.failure, message: redact(r.failure.message, values) } : null,
    detailedResults: JSON.parse(redact(JSON.stringify(r.detailedResults), values.map((v) => JSON.stringify(v).slice(1, -1)))) as Record<string, unknown>,
    stdout: redactCapture(r.stdout, values),
    stderr: redactCapture(r.stderr, values),
  };
}

/** A kept log with every secret value masked: its head and tail apart, each cut where the
 *  middle was left out, so that no part of a value survives on either side of the marker. */
function redactCapture(c: CapturedOutput, values: string[]): CapturedOutput {
  if (!c.omitted) return { ...c, data: redactBytes(c.data, values, c.truncated) };
  const head = redactBytes(c.data.subarray(0, c.omitted.start), values, true);
  const marker = c.data.subarray(c.omitted.start, c.omitted.end);
  const tail = redactBytes(c.data.subarray(c.omitted.end), values, false, true);
  return { ...c, data: Buffer.concat([head, marker, tail]), omitted: { ...c.omitted, start: head.length, end: head.length + marker.length } };
}
