/** checkHealth (src/app/health.ts): which status the checks add up to. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkHealth, type HealthDeps } from '../../src/app/index.ts';
import type { BlobStore } from '../../src/blobs/index.ts';
import type { Store } from '../../src/store/index.ts';

function deps(o: { dbDown?: boolean; storage?: boolean; slots?: number; firing?: string[] }): HealthDeps {
  return {
    store: {
      activeCounts: async () => (o.dbDown ? Promise.reject(new Error('down')) : { running: 1, pending: 2 }),
      liveWorkers: async () => [],
      alertStates: async () => (o.firing ?? []).map((name) => ({ name, state: 'firing', since: 0, message: 'm' })),
    } as unknown as Store,
    blobs: { check: async () => o.storage ?? true } as unknown as BlobStore,
    capacity: { slots: async () => ({ total: o.slots ?? 2, busy: 0 }) },
    clock: { now: () => 0 },
    config: { workerStaleMs: 1000 },
    counts: async () => ({ SUCCESS: 3, FAILED: 1, TIMEOUT: 1 }) as never,
    warnings: () => ['w'],
  };
}

it('healthy with every check up; degraded with no worker; unhealthy without database, storage, or when starved', async () => {
  const ok = await checkHealth(deps({}));
  assert.deepEqual([ok.status, ok.metrics.failedTasks, ok.metrics.queuedTasks, ok.warnings], ['healthy', 2, 2, ['w']]);
  const idle = await checkHealth(deps({ slots: 0 }));
  assert.deepEqual([idle.status, idle.warnings], ['degraded', ['w', 'no live worker: tasks will wait until one starts']]);
  assert.equal((await checkHealth(deps({ dbDown: true }))).status, 'unhealthy');
  assert.equal((await checkHealth(deps({ storage: false }))).status, 'unhealthy');
  const starved = await checkHealth(deps({ slots: 0, firing: ['no_capacity'] }));
  assert.equal(starved.status, 'unhealthy');
  assert.match(starved.warnings.at(-1)!, /^alert no_capacity firing since 1970-01-01T00:00:00.000Z: m$/);
});
