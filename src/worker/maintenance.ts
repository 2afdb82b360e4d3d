/**
 * Background upkeep any process may run (it is idempotent and transactional): re-queue tasks
 * whose lease expired or whose worker vanished, age the priorities of waiting tasks, and delete
 * finished tasks past retention together with their blobs, function invocation records (and
 * their logs in the blob store) past the same retention, audit entries past theirs, closed
 * workflow executions past theirs, and the frames executions keep for a redrive once its window
 * has closed (core/execution-retention.ts decides both cutoffs).
 */
import { taskPrefix, type BlobStore } from '../blobs/index.ts';
import { coerceError, executionsPurgedBefore, framesReleasedBefore } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import { isStoreUnavailable, OutageLog } from './outage.ts';
import type { Clock } from '../core/index.ts';
import type { Access, Fleet, FunctionInvocations, TaskQueue, Workflows } from '../store/index.ts';

export interface MaintenanceOptions {
  store: TaskQueue & Pick<Fleet, 'purgeFinished' | 'purgeScaling'> & Pick<Access, 'purgeAudit'>;
  /** Function invocation records, deleted past retentionMs as finished tasks are. */
  invocations?: Pick<FunctionInvocations, 'purgeInvocations'>;
  blobs: BlobStore;
  log: Logger;
  clock: Clock;
  reapEveryMs: number;
  workerStaleMs: number;
  retentionMs: number;
  retentionEveryMs: number;
  /** Priority aging step (Store.age), ms; 0 = off. Runs with the reaper. */
  priorityAgingMs?: number;
  /** Audit entries older than this are deleted with the retention job; 0 or omitted = kept. */
  auditRetentionMs?: number;
  /** Workflow executions: closed ones are deleted workflowRetentionMs after their stop (0 or
   *  omitted: kept), and the frames kept for a redrive once its window has closed. */
  workflows?: Pick<Workflows, 'purgeExecutions' | 'releaseFrames'>;
  workflowRetentionMs?: number;
}

/** Executions deleted per store call: one may hold thousands of events, and on SQLite a call is
 *  one write that others wait behind. */
const EXECUTIONS_PER_BATCH = 100;
const FRAME_RELEASES_PER_BATCH = 500;

export class Maintenance {
  private readonly o: MaintenanceOptions;
  private timers: NodeJS.Timeout[] = [];
  private purging: Promise<number> | null = null;
  private closed = false;
  private readonly log: Logger;
  /** Reaps failing because the store is gone (every heartbeat): said once, then now and then. */
  private readonly outage: OutageLog;

  constructor(o: MaintenanceOptions) {
    this.o = o;
    this.log = o.log.child({ module: 'maintenance' });
    this.outage = new OutageLog(this.log);
  }

  start(): void {
    void this.reap();
    void this.purge();
    this.timers.push(setInterval(() => void this.reap(), this.o.reapEveryMs));
    this.timers.push(setInterval(() => void this.purge(), this.o.retentionEveryMs));
    for (const t of this.timers) t.unref();
  }

  async reap(): Promise<number> {
    try {
      if (this.o.priorityAgingMs) await this.o.store.age(this.o.priorityAgingMs);
      const { expired } = await this.o.store.reap(this.o.workerStaleMs);
      if (expired > 0) this.log.warn({ expired }, 'leases expired; tasks re-queued');
      this.outage.ok();
      return expired;
    } catch (err) {
      if (isStoreUnavailable(err)) this.outage.failed(err, 'reap');
      else this.log.error({ err: coerceError(err) }, 'reap failed');
      return 0;
    }
  }

  /** Deletes in batches until nothing is left past the cutoff; returns the finished tasks
   *  removed. One run at a time: called while one is under way, it waits for that one. */
  purge(): Promise<number> {
    this.purging ??= this.purgeOnce().finally(() => {
      this.purging = null;
    });
    return this.purging;
  }

  /** Each kind is a step of its own: one that fails (say, a blob store down while finished
   *  tasks' blobs are deleted) is logged, and the others still run; once closed, no step starts. */
  private async purgeOnce(): Promise<number> {
    const cutoff = this.o.clock.now() - this.o.retentionMs;
    let total = 0;
    await this.step('finished tasks', async () => {
      for (;;) {
        const ids = await this.o.store.purgeFinished(cutoff, 500);
        await Promise.all(ids.map((id) => this.o.blobs.deletePrefix(taskPrefix(id))));
        total += ids.length;
        if (ids.length < 500) break;
      }
      if (total > 0) this.log.info({ removed: total }, 'retention removed finished tasks');
    });
    const invocations = this.o.invocations;
    if (invocations) await this.step('function invocations', () => this.purgeInvocations(invocations, cutoff));
    // Fair-share ranks of users with nothing ahead of the clock: one row per user ever seen, else.
    await this.step('fair-share ranks', () => this.o.store.purgeFairShare());
    // Autoscaler decisions are kept as long as finished tasks.
    await this.step('autoscaler decisions', async () => {
      for (let n = 5000; n === 5000; ) n = await this.o.store.purgeScaling(cutoff, 5000);
    });
    const auditRetentionMs = this.o.auditRetentionMs;
    if (auditRetentionMs)
      await this.step('audit entries', async () => {
        let audit = 0;
        for (let n = 5000; n === 5000; audit += n) n = await this.o.store.purgeAudit(this.o.clock.now() - auditRetentionMs, 5000);
        if (audit > 0) this.log.info({ removed: audit }, 'retention removed audit entries');
      });
    const workflows = this.o.workflows;
    if (workflows) await this.step('workflow executions', () => this.purgeWorkflows(workflows));
    return total;
  }

  private async step(what: string, run: () => Promise<unknown>): Promise<void> {
    if (this.closed) return;
    try {
      await run();
    } catch (err) {
      this.log.error({ err: coerceError(err), step: what }, `retention of ${what} failed`);
    }
  }

  private async purgeInvocations(store: Pick<FunctionInvocations, 'purgeInvocations'>, cutoff: number): Promise<void> {
    let removed = 0;
    for (let n = 1000; n === 1000; removed += n) {
      const done = await store.purgeInvocations(cutoff, 1000);
      await Promise.all(done.logKeys.map((key) => this.o.blobs.deletePrefix(key)));
      n = done.removed;
    }
    if (removed > 0) this.log.info({ removed }, 'retention removed function invocation records');
  }

  /** Executions hold nothing in the blob store (a Map's ResultWriter writes into the user's
   *  projects, which are the user's data): deleting their rows is all. */
  private async purgeWorkflows(store: Pick<Workflows, 'purgeExecutions' | 'releaseFrames'>): Promise<void> {
    const now = this.o.clock.now();
    const before = executionsPurgedBefore(now, this.o.workflowRetentionMs ?? 0);
    let removed = 0;
    if (before !== null)
      for (let n = EXECUTIONS_PER_BATCH; n === EXECUTIONS_PER_BATCH; removed += n)
        n = (await store.purgeExecutions(before, EXECUTIONS_PER_BATCH)).length;
    if (removed > 0) this.log.info({ removed }, 'retention removed closed workflow executions');
    let released = 0;
    for (let n = FRAME_RELEASES_PER_BATCH; n === FRAME_RELEASES_PER_BATCH; released += n)
      n = await store.releaseFrames(framesReleasedBefore(now), FRAME_RELEASES_PER_BATCH);
    if (released > 0)
      this.log.info({ executions: released }, 'retention released the redrive state of executions past their redrive window');
  }

  /** Stops the timers; a retention run under way ends after its current step. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.purging;
  }
}
