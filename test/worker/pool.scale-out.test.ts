/**
 * The worker pool on PostgreSQL with its submitter in another process (two stores on one
 * schema, as an API node and a worker host): push dispatch.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { ProcessExecutor } from '../../src/executor/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { WorkerPool } from '../../src/worker/index.ts';
import { newTask } from '../conformance/store.ts';
import { until } from '../helpers/platform.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describe('worker pool, submits from another process (push dispatch)', () => {
  let dir: string;
  let schema: string;
  let workerStore: PostgresStore;
  let apiStore: PostgresStore;
  let pool: WorkerPool;
  let db: pg.Client;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-pool-push-'));
    schema = freshSchema('hangar_push');
    workerStore = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
    apiStore = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    pool = new WorkerPool({
      store: workerStore,
      blobs: new DiskBlobStore(join(dir, 'blobs')),
      executor: new ProcessExecutor({}),
      log: createLogger('silent'),
      workerId: 'w-push',
      concurrency: 2,
      workDir: join(dir, 'work'),
      heartbeatMs: 100,
      // A minute's poll: a task that starts at once was pushed or woken, not polled.
      pollMs: 60_000,
    });
  });
  afterEach(async () => {
    await pool.close(0);
    await Promise.all([workerStore.close(), apiStore.close(), db.end()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const offered = async (): Promise<number | null> => {
    const r = await db.query(`SELECT slots FROM ${schema}.worker_offers WHERE worker_id = 'w-push'`);
    return r.rows.length ? Number(r.rows[0].slots) : null;
  };

  it('an idle pool offers its free slots; a submit elsewhere leases to it and it runs the task with no claim', async () => {
    await pool.start();
    await until(async () => ((await offered()) === 2 ? true : null), 5000);
    const t = newTask({ shell: 'echo pushed' });
    const submitted = await apiStore.submit(t);
    assert.equal(submitted.handedOff, true);
    const done = await until(async () => {
      const x = await apiStore.get(t.id);
      return x?.status === 'SUCCESS' ? x : null;
    }, 5000);
    assert.equal(done.attempt, 1);
    assert.equal(done.workerId, 'w-push');
    assert.deepEqual(
      (await apiStore.history(t.id)).map((h) => h.reason),
      ['submitted', 'pushed to an idle worker at submit', null],
    );
    // Idle again: the slot is offered again.
    await until(async () => ((await offered()) === 2 ? true : null), 5000);
  });

  it('never runs more than its slots, pushed or claimed; a busy pool offers nothing; closing withdraws the offer', async () => {
    await pool.start();
    await until(async () => ((await offered()) === 2 ? true : null), 5000);
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, pool.active);
    }, 2);
    const tasks = Array.from({ length: 10 }, () => newTask({ shell: 'sleep 0.1' }));
    await Promise.all(tasks.slice(0, 5).map((t) => apiStore.submit(t)));
    for (const t of tasks.slice(5)) await apiStore.submit(t);
    await until(async () => ((await apiStore.counts()).SUCCESS === tasks.length ? true : null), 15_000);
    clearInterval(sampler);
    assert.ok(most <= 2, `at most 2 at once, saw ${most}`);
    const started = await Promise.all(tasks.map(async (t) => (await apiStore.history(t.id)).find((h) => h.status === 'RUNNING')?.reason));
    assert.ok(started.includes('pushed to an idle worker at submit'), 'the first ones are pushed');
    assert.ok(started.includes(null), 'the rest wait and are claimed as slots free up');
    await until(async () => ((await offered()) === 2 ? true : null), 5000);
    await pool.close(0);
    await until(async () => ((await offered()) === null ? true : null), 5000);
    const later = await apiStore.submit(newTask());
    assert.equal(later.handedOff, undefined);
  });
});
