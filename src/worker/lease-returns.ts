/**
 * How a pool gives leases back to the store, and writes an attempt's outcome, through a store
 * that is briefly out of reach: a lease handed over while it stops, one whose attempt was
 * stopped or crashed, and a stray (granted to the pool, never received).
 */
import { coerceError } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { AttemptRef, Lease } from '../core/index.ts';
import type { TaskQueue } from '../store/index.ts';
import { isStoreUnavailable } from './outage.ts';
import { retry } from './retry.ts';

/** How long a lease's release is retried while the store is unreachable when something waits on
 *  it (shutdown) or it follows a failure: not the lease's whole visibility timeout. */
const BRIEF_RELEASE_MS = 30_000;

export class LeaseReturns {
  private readonly store: Pick<TaskQueue, 'release'>;
  private readonly log: Logger;
  /** Releases of tasks handed over while stopping. */
  private readonly releasing = new Set<Promise<void>>();
  /** Leases of crashed attempts ('taskId:attempt' → when their lease expires, ms): left to
   *  expire, so that the reaper counts them, not given back as strays. */
  private readonly abandoned = new Map<string, number>();
  /** Strays being given back. */
  private readonly straysReleasing = new Set<string>();

  constructor(store: Pick<TaskQueue, 'release'>, log: Logger) {
    this.store = store;
    this.log = log;
  }

  /**
   * A write of an attempt's lease (its outcome, or giving it back), retried while the store is
   * unreachable (a PostgreSQL restart) for up to `forMs`, as long as the lease could still
   * hold: after that the attempt is re-run elsewhere anyway, and fencing refuses this one. A
   * lease dropped instead would sit out its whole visibility timeout before anyone ran it.
   */
  durably<T>(what: 'outcome' | 'release', ref: AttemptRef, forMs: number, write: () => Promise<T>): Promise<T> {
    return retry(write, {
      forMs,
      retryable: isStoreUnavailable,
      onRetry: (_err, delay) =>
        this.log.warn({ taskId: ref.taskId, attempt: ref.attempt, retryInMs: delay }, `store unavailable; retrying the ${what}`),
    });
  }

  /** Gives a lease back (see durably). */
  release(ref: AttemptRef, leaseMs: number): Promise<boolean> {
    return this.durably('release', ref, leaseMs, () => this.store.release(ref));
  }

  /** Gives a lease back, retried for no longer than BRIEF_RELEASE_MS. */
  releaseBriefly(lease: Lease): Promise<boolean> {
    return this.release({ taskId: lease.task.id, attempt: lease.attempt }, Math.min(lease.task.visibilityTimeout * 1000, BRIEF_RELEASE_MS));
  }

  /** A lease handed to the pool as it stopped: back to the queue (settled() waits for it). */
  releaseHandedOver(lease: Lease): void {
    const ref = { taskId: lease.task.id, attempt: lease.attempt };
    const released = this.releaseBriefly(lease).then(
      () => {},
      (err: unknown) => this.log.warn({ err: coerceError(err), ...ref }, 'lease not given back; it returns to the queue when it expires'),
    );
    this.releasing.add(released);
    void released.finally(() => this.releasing.delete(released));
  }

  /** The releases of leases handed over while stopping are done. */
  settled(): Promise<unknown> {
    return Promise.all(this.releasing);
  }

  /** An attempt crashed with `err`: its lease goes back, or is left to expire. */
  async crashed(lease: Lease, err: unknown): Promise<void> {
    // The store was out of reach: the lease goes back rather than sit out its visibility
    // timeout (a harmless no-op when it is gone). Any other crash leaves it to expire, so
    // that the reaper counts the attempt and a task that crashes every worker dead-letters.
    if (isStoreUnavailable(err)) {
      await this.releaseBriefly(lease).catch(() => {});
    } else {
      this.abandoned.set(`${lease.task.id}:${lease.attempt}`, Date.now() + lease.task.visibilityTimeout * 1000);
    }
  }

  /**
   * Gives back a lease this pool holds in the store but never received: the claim that took it
   * committed and its answer was lost with the connection (a PostgreSQL crash). Without this
   * it would sit out its visibility timeout. `held`: the pool runs this very attempt.
   */
  releaseStray(ref: AttemptRef, held: boolean): void {
    const key = `${ref.taskId}:${ref.attempt}`;
    const now = Date.now();
    for (const [k, until] of this.abandoned) if (until < now) this.abandoned.delete(k);
    // Arrived while the heartbeat was on its way, or left on purpose, or on its way back.
    if (held || this.abandoned.has(key) || this.straysReleasing.has(key)) return;
    this.straysReleasing.add(key);
    this.log.warn(ref, 'the store holds a lease for this worker that it never received; giving it back');
    void this.release(ref, BRIEF_RELEASE_MS)
      .catch((err: unknown) =>
        this.log.warn({ err: coerceError(err), ...ref }, 'stray lease not given back; it returns to the queue when it expires'),
      )
      .finally(() => this.straysReleasing.delete(key));
  }
}
