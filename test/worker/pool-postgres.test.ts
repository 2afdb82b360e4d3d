/**
 * The worker pool on a PostgreSQL server of its own that crashes and comes back: no lease the
 * pool means to give back is dropped while the database is out of reach.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { ProcessExecutor } from '../../src/executor/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { WorkerPool, type PoolOptions } from '../../src/worker/index.ts';
import { newTask } from '../conformance/store.ts';
import { until } from '../helpers/platform.ts';
import { privatePostgresProblems, startPrivatePostgres } from '../helpers/private-postgres.ts';

it('a prefetched lease that waits too long while the database is down goes back once it is up, not after its visibility timeout', {
  skip: privatePostgresProblems(),
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-pool-pg-'));
  const srv = await startPrivatePostgres();
  const store = await PostgresStore.open({ url: srv.url, poolSize: 4 });
  const pool = (over: Partial<PoolOptions>) =>
    new WorkerPool({
      store,
      blobs: new DiskBlobStore(join(dir, 'blobs')),
      executor: new ProcessExecutor({}),
      log: createLogger('silent'),
      workerId: 'w',
      concurrency: 2,
      workDir: join(dir, 'work'),
      heartbeatMs: 100,
      pollMs: 100,
      ...over,
    });
  const busy = pool({ workerId: 'w-busy', concurrency: 1, prefetch: 2, prefetchWaitMs: 1500 });
  const idle = pool({ workerId: 'w-idle' });
  try {
    // Leases last the default 15 minutes: only a release brings the short tasks back in time.
    const long = newTask({ shell: 'sleep 4' });
    const short = [newTask({ shell: 'echo a' }), newTask({ shell: 'echo b' })];
    for (const t of [long, ...short]) await store.submit(t);
    await busy.start();
    await until(async () => ((await store.activeCounts()).running === 3 ? true : null), 5000); // 1 running + 2 prefetched
    // Down before the prefetched leases' wait runs out, so that their release meets no database.
    await srv.crash();
    await sleep(2500);
    await srv.start();
    await idle.start();
    const done = await until(async () => {
      const ts = await Promise.all(short.map((t) => store.get(t.id)));
      return ts.every((t) => t?.status === 'SUCCESS') ? ts : null;
    }, 20_000);
    for (const t of done) {
      const h = await store.history(t!.id);
      assert.deepEqual(
        h.map((e) => [e.status, e.workerId]).slice(0, 3),
        [
          ['PENDING', null],
          ['RUNNING', 'w-busy'],
          ['PENDING', 'w-busy'],
        ],
        'leased by the busy worker, then given back',
      );
    }
    await until(async () => ((await store.get(long.id))?.status === 'SUCCESS' ? true : null), 20_000);
  } finally {
    await Promise.all([busy.close(0), idle.close(0)]);
    await store.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
