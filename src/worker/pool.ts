/**
 * A worker pool: leases tasks from the store, runs each attempt (attempt.ts) in one of its
 * execution slots (slots.ts), heartbeats its leases and records each attempt's outcome.
 *
 * One dispatcher per pool claims as many tasks as it has free slots in one store call, so a
 * burst of submits becomes one transaction. It wakes on the store's ready signal (a submit
 * starts at once, no polling delay), at the earliest backoff expiry, and on a fallback poll.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { coerceError } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { AttemptRef, Finished, Lease } from '../core/index.ts';
import type { Dispatch, Fleet, Store, TaskQueue } from '../store/index.ts';
import { NO_TRACING, type Tracing } from '../trace/index.ts';
import {
  inAttemptSpan,
  observeSandbox,
  runAttempt,
  type AttemptEnd,
  type AttemptOptions,
  type AttemptTrace,
  type StopReason,
} from './attempt.ts';
import { isStoreUnavailable, OutageLog } from './outage.ts';
import { LeaseReturns } from './lease-returns.ts';
import { Slots, type SlotsOptions } from './slots.ts';

/** What a pool asks of the store: its own calls, and what its attempts need (AttemptOptions). */
type PoolStore = AttemptOptions['store'] &
  TaskQueue &
  Dispatch &
  Pick<Fleet, 'touchWorker' | 'removeWorker'> &
  Pick<Store, 'capabilities' | 'now'>;

export interface PoolOptions extends AttemptOptions, SlotsOptions {
  store: PoolStore;
  log: Logger;
  concurrency: number;
  queues?: string[];
  heartbeatMs: number;
  pollMs: number;
  /** Per-user running limit enforced by this pool's claims (0 = none). */
  maxRunningPerUser?: number;
  /** OpenTelemetry: each attempt is a span in its task's trace (default: no tracing). */
  tracing?: Tracing;
  /** A lease the store says this pool holds, granted this long ago, that the pool never
   *  received (the answer to its claim was lost with the connection) is given back, ms;
   *  default STRAY_LEASE_MS. */
  strayLeaseMs?: number;
}

/**
 * The pool's life, one mode at a time (they were the flags started, stopping and closing):
 * NEW until start(); LEASING while it claims and takes hand-overs; RETIRED once retireIfIdle()
 * said yes (it leases nothing more, its owner closes it); CLOSING from close() until its
 * attempts are over, their leases given back and the executor closed; CLOSED then.
 */
export const PoolMode = { NEW: 'NEW', LEASING: 'LEASING', RETIRED: 'RETIRED', CLOSING: 'CLOSING', CLOSED: 'CLOSED' } as const;
export type PoolMode = (typeof PoolMode)[keyof typeof PoolMode];

/**
 * The claim loop (it was the flag claiming and the timer claimRetry): IDLE, a claim may start
 * when one is due; CLAIMING, one is in flight (asking for claimLimit leases) until it has
 * started its tasks and armed the backoff timer; RETRY_WAIT, the last claim failed and none
 * starts until CLAIM_RETRY_MS has passed.
 */
export const ClaimMode = { IDLE: 'IDLE', CLAIMING: 'CLAIMING', RETRY_WAIT: 'RETRY_WAIT' } as const;
export type ClaimMode = (typeof ClaimMode)[keyof typeof ClaimMode];

/** Wait after a failed claim before the next, ms. */
const CLAIM_RETRY_MS = 500;
/** Default PoolOptions.strayLeaseMs: far longer than a granted lease takes to reach its pool
 *  (a claim's answer, a push's notification, the search for pushes unheard while the LISTEN
 *  session was down), so a lease on its way is never taken for a lost one. */
export const STRAY_LEASE_MS = 10_000;

interface Running {
  lease: Lease;
  abort: AbortController;
  done: Promise<void>;
}

export class WorkerPool {
  private readonly o: PoolOptions;
  private mode: PoolMode = PoolMode.NEW;
  private claimMode: ClaimMode = ClaimMode.IDLE;
  /** Slots the claim in flight may fill (read while CLAIMING). */
  private claimLimit = 0;
  // Independent facts, kept as fields rather than folded into a mode: each can hold in any
  // mode above, and together with the others. Why a claim is due (wakePending, lastClaimFull:
  // either or both, while a claim is in flight too), a claim queued for the next turn of the
  // event loop (dispatchScheduled), counts of leases (running, reserved, freeing), and the
  // prefetch's pause (in Slots: it follows slots freeing, not claims).
  /** Leases held: executing, or waiting for a slot. */
  private readonly running = new Map<string, Running>();
  private readonly slots: Slots;
  /** Slots promised to submits in flight (direct dispatch, see offer()). */
  private reserved = 0;
  /** Attempts whose finish is being recorded: their slots count as free for the next claim. */
  private freeing = 0;
  /** A claim is due on the next turn of the event loop (dispatch). */
  private dispatchScheduled = false;
  /** A wake-up arrived that no claim has answered yet (it may arrive while a claim is in flight). */
  private wakePending = true;
  /** The last claim got every task it asked for, so more may be waiting. */
  private lastClaimFull = false;
  /** When the pool last became empty (nothing running or waiting); null while it holds work. */
  private idleSince: number | null = null;
  private detachTaker: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  /** Set after a failed claim: no claim until it fires (RETRY_WAIT). */
  private claimRetry: NodeJS.Timeout | null = null;
  /** Leases going back to the store (handed over while stopping, stopped, crashed, strays). */
  private readonly leases: LeaseReturns;
  private readonly log: Logger;
  /** Claims and heartbeats failing because the store is gone: said once, then now and then. */
  private readonly outage: OutageLog;

  constructor(o: PoolOptions) {
    this.o = o;
    this.slots = new Slots(o);
    this.log = o.log.child({ module: 'worker', workerId: o.workerId });
    this.outage = new OutageLog(this.log);
    this.leases = new LeaseReturns(o.store, this.log);
  }

  get id(): string {
    return this.o.workerId;
  }
  /** Attempts executing now (at most `concurrency`; prefetched leases waiting are not). */
  get active(): number {
    return this.slots.active;
  }
  get concurrency(): number {
    return this.o.concurrency;
  }

  async start(): Promise<void> {
    if (this.mode !== PoolMode.NEW) return;
    this.mode = PoolMode.LEASING;
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
    if (this.mode === PoolMode.LEASING) this.wake();
  }

  /** How long the pool has held no work, ms (0 while it holds some). */
  idleFor(now = Date.now()): number {
    return this.idleSince === null || this.running.size > 0 || this.claimMode === ClaimMode.CLAIMING || this.reserved > 0
      ? 0
      : now - this.idleSince;
  }

  /**
   * Scale-in protection: stops leasing, and says yes, only if the pool has held no work for at
   * least `idleForMs` and no claim or hand-over is in flight; the caller then closes it. A busy
   * pool says no and keeps working, so a retire never interrupts a task.
   */
  retireIfIdle(idleForMs: number): boolean {
    if (this.mode !== PoolMode.LEASING) return false;
    if (this.running.size > 0 || this.claimMode === ClaimMode.CLAIMING || this.reserved > 0 || this.idleFor() < idleForMs) return false;
    this.mode = PoolMode.RETIRED;
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
    const asked = this.claimMode === ClaimMode.CLAIMING ? this.claimLimit : 0;
    return this.o.concurrency + this.slots.prefetch() - this.running.size + this.freeing - this.reserved - asked;
  }

  /** Direct dispatch (Store.attachTaker): a submit asks, inside its transaction, for a slot;
   *  or a task pushed to this pool (already leased to it) arrives. */
  private offer(pushed = false): ((lease: Lease | null) => void) | null {
    if (this.mode !== PoolMode.LEASING) return null;
    // A hand-off only to a free execution slot: a handed task must not wait behind prefetched
    // ones. A pushed task is taken even when a claim in flight or a race has filled the
    // slots: it then waits for one as a prefetched lease does, which beats releasing it (a
    // release costs a round trip and shows as a second attempt).
    if (!pushed && (this.freeSlots() <= 0 || this.running.size + this.reserved >= this.o.concurrency)) return null;
    this.reserved++;
    return (lease) => {
      this.reserved--;
      if (lease && this.mode === PoolMode.LEASING) this.startAttempt(lease);
      else if (lease) this.leases.releaseHandedOver(lease);
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
    if (!this.o.store.capabilities.pushDispatch) return;
    let free: number;
    switch (this.mode) {
      case PoolMode.NEW:
        return;
      case PoolMode.LEASING: {
        const idle = !this.lastClaimFull && this.slots.waiting === 0 && (this.o.maxRunningPerUser ?? 0) <= 0;
        free = idle ? Math.max(0, this.o.concurrency - this.running.size - this.reserved) : 0;
        break;
      }
      case PoolMode.RETIRED:
      case PoolMode.CLOSING:
      case PoolMode.CLOSED:
        free = 0; // withdraws the offer
        break;
      default: {
        const never: never = this.mode;
        throw new Error(`unknown pool mode ${String(never)}`);
      }
    }
    this.o.store.advertise(this.o.workerId, free, 3 * this.o.heartbeatMs);
  }

  private claimNow(): void {
    if (this.mode !== PoolMode.LEASING) return;
    switch (this.claimMode) {
      case ClaimMode.CLAIMING:
      case ClaimMode.RETRY_WAIT:
        return;
      case ClaimMode.IDLE:
        break;
      default: {
        const never: never = this.claimMode;
        throw new Error(`unknown claim mode ${String(never)}`);
      }
    }
    if (!this.wakePending && !this.lastClaimFull) return;
    const free = this.freeSlots();
    if (free <= 0) return;
    this.claimMode = ClaimMode.CLAIMING;
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
          this.claimMode = ClaimMode.IDLE;
          this.dispatch();
        }, CLAIM_RETRY_MS);
      })
      .finally(() => {
        this.claimMode = this.claimRetry ? ClaimMode.RETRY_WAIT : ClaimMode.IDLE;
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
      if (slot) this.slots.release();
      slot = false;
    };
    const requeue = () => {
      // Every slot is held by tasks longer than this wait: let another worker have it.
      this.slots.pausePrefetch();
      abort.abort('requeue' satisfies StopReason);
    };
    entry.done = this.slots
      .take(abort.signal, requeue)
      .then((got) => {
        slot = got;
        // Not started when aborted while waiting: the run below sees the signal and records a
        // cancel, releases on shutdown, or drops a lost lease, without running anything.
        return this.attempt(lease, abort.signal, freeSlot);
      })
      .catch(async (err: unknown) => {
        this.log.error({ err: coerceError(err), taskId: lease.task.id }, 'attempt crashed');
        await this.leases.crashed(lease, err);
      })
      .finally(() => {
        freeSlot();
        this.running.delete(lease.task.id);
        if (this.running.size === 0) this.idleSince = Date.now();
        this.dispatch();
      });
  }

  /** Runs the attempt (a span in its task's trace) and does what its end asks: nothing, a
   *  release, or recording its outcome. */
  private attempt(lease: Lease, signal: AbortSignal, freeSlot: () => void): Promise<void> {
    return inAttemptSpan(this.o.tracing ?? NO_TRACING, this.o.workerId, lease, async ({ step, annotate }) => {
      const { task, attempt } = lease;
      if (signal.aborted && signal.reason === 'requeue') {
        await this.leases.release({ taskId: task.id, attempt }, task.visibilityTimeout * 1000);
        this.log.debug({ taskId: task.id, attempt }, 'prefetched lease waited too long for a slot; released');
        return;
      }
      const log = this.log.child({ taskId: task.id, attempt, userId: task.userId });
      const end = await runAttempt(this.o, lease, {
        signal,
        log,
        step,
        annotate,
        freeSlot,
        onExecuted: (ms) => this.slots.noteExecution(ms),
      });
      await this.afterAttempt(lease, end, step, log);
    });
  }

  private async afterAttempt(lease: Lease, end: AttemptEnd, step: AttemptTrace['step'], log: Logger): Promise<void> {
    switch (end.kind) {
      case 'lost':
        log.warn('lease lost; outcome not recorded');
        return;
      case 'shutdown':
        await this.leases.releaseBriefly(lease);
        log.info('released on shutdown');
        return;
      case 'outcome':
        return this.record(lease, end, step, log);
      default: {
        const never: never = end;
        throw new Error(`unknown attempt end ${String(never)}`);
      }
    }
  }

  /** Records an attempt's outcome (fenced by its attempt number) and counts it. */
  private async record(
    lease: Lease,
    end: Extract<AttemptEnd, { kind: 'outcome' }>,
    step: AttemptTrace['step'],
    log: Logger,
  ): Promise<void> {
    const { task, attempt } = lease;
    const { result, outcome } = end;
    const ref: AttemptRef = { taskId: task.id, attempt };
    // The slot frees with this finish: claim its next task in the same tick, so the claim and
    // the finish share one transaction (measured: a 10-slot drain 11.3k → 16.4k tasks/s).
    const finishing = step('store.finish', () =>
      this.leases.durably('outcome', ref, task.visibilityTimeout * 1000, () => this.o.store.finish(ref, outcome)),
    );
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
    observeSandbox(this.o.metrics, task.queue, result);
    if (!after) {
      log.warn('attempt was stale; outcome discarded');
      return;
    }
    // The next task of its lane may run now: the store wakes this pool (and every worker) as
    // the finish commits, before `finish` resolves (wakesWorkers in src/core/transitions.ts),
    // so the pool no longer wakes itself here.
    if (after.status !== 'PENDING') this.o.metrics?.finished.inc({ status: after.status, queue: task.queue });
    log.info({ status: after.status, outcome: result.status, failure: result.failure?.code }, 'attempt finished');
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
      for (const s of hb.strays) this.leases.releaseStray(s, this.running.get(s.taskId)?.lease.attempt === s.attempt);
      this.outage.ok();
    } catch (err) {
      if (isStoreUnavailable(err)) this.outage.failed(err, 'heartbeat');
      else this.log.error({ err: coerceError(err) }, 'heartbeat failed');
    }
  }

  /**
   * Stop leasing; give running attempts `graceMs` to finish, then kill them and release their
   * leases so another worker takes them at once.
   */
  async close(graceMs = 0): Promise<void> {
    switch (this.mode) {
      case PoolMode.NEW:
      case PoolMode.CLOSING:
      case PoolMode.CLOSED:
        return;
      case PoolMode.LEASING:
      case PoolMode.RETIRED:
        break;
      default: {
        const never: never = this.mode;
        throw new Error(`unknown pool mode ${String(never)}`);
      }
    }
    this.mode = PoolMode.CLOSING;
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
    await this.leases.settled();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.o.executor.close();
    await this.o.store.removeWorker(this.o.workerId).catch(() => {});
    this.mode = PoolMode.CLOSED;
    this.log.info('worker stopped');
  }
}
