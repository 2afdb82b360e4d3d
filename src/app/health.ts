/** How the platform is: database, storage and compute, with the task totals and what is wrong. */
import type { BlobStore } from '../blobs/index.ts';
import type { Fleet, StatusCounts, TaskReads } from '../store/index.ts';
import type { CapacityView } from './estimate.ts';

export interface HealthDeps {
  store: Pick<TaskReads, 'activeCounts'> & Pick<Fleet, 'liveWorkers' | 'alertStates'>;
  blobs: BlobStore;
  capacity: CapacityView;
  clock: { now(): number };
  config: { workerStaleMs: number };
  /** Task counts, shared between callers within a second (a scan of the tasks table). */
  counts(): Promise<StatusCounts>;
  /** Names of unsafe or degraded modes the operator opted into. */
  warnings(): string[];
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export async function checkHealth(app: HealthDeps) {
  // The database check is a live read (cheap: partial indexes); the totals may be up to a
  // second old (a scan of the tasks table, shared with /stats and /metrics).
  const [live, counts, storage, slots] = await Promise.all([
    app.store.activeCounts().catch(() => null),
    app.counts().catch(() => null),
    app.blobs.check(),
    app.capacity.slots().catch(() => ({ total: 0, busy: 0 })),
  ]);
  const workers = await app.store.liveWorkers(app.config.workerStaleMs).catch(() => []);
  const firing = (await app.store.alertStates().catch(() => [])).filter((a) => a.state === 'firing');
  const checks = { database: live !== null, storage, compute: slots.total > 0 };
  // No worker while nothing waits (an autoscaler at zero) is degraded; tasks waiting with no
  // worker for the no_capacity rule's `for` time is unhealthy: the check that failed says why.
  const starved = firing.some((a) => a.name === 'no_capacity');
  // Warnings (e.g. tasks running without isolation) are listed, not folded into the status.
  const status: HealthStatus = !checks.database || !checks.storage || starved ? 'unhealthy' : checks.compute ? 'healthy' : 'degraded';
  return {
    status,
    checks,
    metrics: {
      activeTasks: live?.running ?? 0,
      queuedTasks: live?.pending ?? 0,
      failedTasks: (counts?.FAILED ?? 0) + (counts?.TIMEOUT ?? 0),
      completedTasks: counts?.SUCCESS ?? 0,
      workers: workers.length,
      slots: slots.total,
    },
    warnings: [
      ...app.warnings(),
      ...(checks.compute ? [] : ['no live worker: tasks will wait until one starts']),
      ...firing.map((a) => `alert ${a.name} firing since ${new Date(a.since).toISOString()}: ${a.message}`),
    ],
    timestamp: new Date(app.clock.now()).toISOString(),
  };
}
