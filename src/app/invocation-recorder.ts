/**
 * Keeps what each function invocation did (core/invocation.ts) and counts it for Prometheus,
 * without making its caller wait: invoke.ts hands the facts over (`ran`, `throttled`) and
 * answers; the metrics are counted at once (in memory) and the record is written with the
 * others of the next `flushMs`, in one batch — logs longer than INLINE_LOG_BYTES to the blob
 * store first — so a busy function costs one store write per batch, not per invocation.
 *
 * A record is lost if the process dies within flushMs of the invocation, or if the store is
 * unreachable for longer than `maxPending` records take to arrive (the oldest are dropped, with
 * a warning): the records are an operator's view, not a ledger; the caller's answer is what counts.
 */
import type { BlobStore } from '../blobs/index.ts';
import { type Clock, coerceError, INLINE_LOG_BYTES, type InvocationRecord, invocationLogKey, invocationStatusOf } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { EventDropReason, FunctionMetrics } from '../metrics/index.ts';
import type { FunctionInvocations } from '../store/index.ts';

/** What invoke.ts reports of an invocation that ran. */
export interface RanInvocation {
  requestId: string;
  userId: string;
  functionName: string;
  executedVersion: string;
  invocationType: string;
  /** nodejs | python3 | provided (the init-duration metric's label). */
  runtime: string;
  durationMs: number;
  initDurationMs: number | null;
  /** null: it returned; else the function's errorType. */
  errorType: string | null;
  memoryMb: number;
  maxMemoryBytes: number | null;
  /** START, the output, END, REPORT. */
  log: Buffer;
  /** Another account that invoked it (its policy allowed them); absent: the owner. */
  callerAccountId?: string;
}

/** The one hook of the invoke path: each invocation reports here once. */
export interface InvocationObserver {
  ran(r: RanInvocation): void;
  throttled(userId: string, functionName: string): void;
  /** An event was queued for the function (invoke-async.ts). */
  eventReceived(userId: string, functionName: string): void;
  /** An attempt to run an event starts, the event `ageMs` old. */
  eventAttempt(ageMs: number): void;
  /** An event ended without a successful run; `onFailure`: its record went to that destination. */
  eventDropped(userId: string, functionName: string, reason: EventDropReason, onFailure: boolean): void;
}

export interface RecorderOptions {
  /** How long a record waits for others to share its write, ms. */
  flushMs?: number;
  /** Records held while the store does not take them; beyond, the oldest are dropped. */
  maxPending?: number;
}

export class InvocationRecorder implements InvocationObserver {
  private readonly store: FunctionInvocations;
  private readonly blobs: BlobStore;
  private readonly metrics: FunctionMetrics;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private pending: { record: InvocationRecord; log: Buffer }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  private closed = false;

  constructor(
    deps: { store: FunctionInvocations; blobs: BlobStore; metrics: FunctionMetrics; clock: Clock; log: Logger },
    o: RecorderOptions = {},
  ) {
    this.store = deps.store;
    this.blobs = deps.blobs;
    this.metrics = deps.metrics;
    this.clock = deps.clock;
    this.log = deps.log.child({ module: 'invocations' });
    this.flushMs = o.flushMs ?? 50;
    this.maxPending = o.maxPending ?? 10_000;
  }

  ran(r: RanInvocation): void {
    const status = invocationStatusOf(r.errorType);
    this.metrics.ran({ ...r, status });
    const endedAt = this.clock.now();
    const inline = r.log.length <= INLINE_LOG_BYTES;
    const record: InvocationRecord = {
      requestId: r.requestId,
      userId: r.userId,
      functionName: r.functionName,
      executedVersion: r.executedVersion,
      invocationType: r.invocationType,
      startedAt: endedAt - Math.round(r.durationMs + (r.initDurationMs ?? 0)),
      endedAt,
      durationMs: r.durationMs,
      initDurationMs: r.initDurationMs,
      status,
      errorType: r.errorType,
      memoryMb: r.memoryMb,
      maxMemoryBytes: r.maxMemoryBytes,
      logBytes: r.log.length,
      log: inline ? r.log : null,
      logKey: inline ? null : invocationLogKey(r.userId, r.functionName, endedAt, r.requestId),
      callerAccountId: r.callerAccountId ?? null,
    };
    this.pending.push({ record, log: r.log });
    if (this.pending.length > this.maxPending) {
      this.dropped += this.pending.length - this.maxPending;
      this.pending.splice(0, this.pending.length - this.maxPending);
    }
    this.schedule();
  }

  throttled(userId: string, functionName: string): void {
    this.metrics.throttled(userId, functionName);
  }

  eventReceived(userId: string, functionName: string): void {
    this.metrics.eventReceived(userId, functionName);
  }

  eventAttempt(ageMs: number): void {
    this.metrics.eventAttempt(ageMs);
  }

  eventDropped(userId: string, functionName: string, reason: EventDropReason, onFailure: boolean): void {
    this.metrics.eventDropped(userId, functionName, reason, onFailure);
  }

  private schedule(): void {
    if (this.timer || this.closed || this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
    this.timer.unref();
  }

  /** Writes what is pending now (and waits for a write under way first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.flushing = this.write(batch).finally(() => {
      this.flushing = null;
      this.schedule();
    });
    await this.flushing;
  }

  /** Long logs to the blob store, then the records (which name them) in one store write. */
  private async persist(batch: { record: InvocationRecord; log: Buffer }[]): Promise<void> {
    await Promise.all(batch.filter((b) => b.record.logKey !== null).map((b) => this.blobs.put(b.record.logKey!, b.log)));
    await this.store.recordInvocations(batch.map((b) => b.record));
  }

  private async write(batch: { record: InvocationRecord; log: Buffer }[]): Promise<void> {
    try {
      await this.persist(batch);
      if (this.dropped > 0) {
        this.log.warn({ dropped: this.dropped }, 'invocation records dropped while the store did not take them');
        this.dropped = 0;
      }
    } catch (err) {
      // Kept for the next flush (the newest win if too many wait): records are written once
      // however often a batch is tried (recordInvocations ignores one already there).
      this.log.warn({ err: coerceError(err), records: batch.length }, 'invocation records not written; retrying');
      this.pending = [...batch, ...this.pending];
      const over = this.pending.length - this.maxPending;
      if (over > 0) {
        this.dropped += over;
        this.pending.splice(0, over);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000).unref());
    }
  }

  /** Writes what is pending (once: a store that is gone does not hold up shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.persist(batch);
    } catch (err) {
      this.log.warn({ err: coerceError(err), records: batch.length }, 'invocation records not written at shutdown');
    }
  }
}
