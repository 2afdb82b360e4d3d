/** The worker pool and upkeep against a real SQLite store, disk blobs and the process executor. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DiskBlobStore, taskPrefix } from '../../src/blobs/index.ts';
import { ProcessExecutor } from '../../src/executor/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { type NewExecution, SqliteStore } from '../../src/store/index.ts';
import { Maintenance, OutputSink, WorkerPool, type PoolOptions } from '../../src/worker/index.ts';
import { newTask } from '../conformance/store.ts';
import { processesOfTask, until } from '../helpers/platform.ts';
import { runningExecution } from '../helpers/workflows.ts';

const log = createLogger('silent');

/** A pool of 2 slots on the process executor; a minute's poll: any test that finishes quickly
 *  was woken, not polled. */
function testPool(dir: string, store: SqliteStore, over: Partial<PoolOptions>): WorkerPool {
  return new WorkerPool({
    store,
    blobs: new DiskBlobStore(join(dir, 'blobs')),
    executor: new ProcessExecutor({}),
    log,
    workerId: 'w',
    concurrency: 2,
    workDir: join(dir, 'work'),
    heartbeatMs: 100,
    pollMs: 60_000,
    ...over,
  });
}

describe('worker pool', () => {
  let dir: string;
  let store: SqliteStore;
  let blobs: DiskBlobStore;
  let pool: WorkerPool;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-pool-'));
    store = new SqliteStore({ path: join(dir, 'db'), retry: { baseMs: 10, maxMs: 100 } });
    blobs = new DiskBlobStore(join(dir, 'blobs'));
    pool = testPool(dir, store, { blobs, workerId: 'w-test' });
  });
  afterEach(async () => {
    await pool.close(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a submit wakes an idle worker at once, without waiting for a poll', async () => {
    await pool.start();
    await new Promise((r) => setTimeout(r, 50));
    const t = newTask({ args: ['true'] });
    await store.submit(t);
    const done = await until(async () => {
      const x = await store.get(t.id);
      return x?.status === 'SUCCESS' ? x : null;
    }, 5000);
    assert.ok(done.startedAt! - done.createdAt < 1000, 'started well before the 60 s poll');
  });

  it('never runs more tasks than its slots, whether they come by claim or handed over at submit', async () => {
    await pool.start();
    await new Promise((r) => setTimeout(r, 50));
    const tasks = Array.from({ length: 12 }, () => newTask({ shell: 'sleep 0.1' }));
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, pool.active);
    }, 2);
    // Half in one burst (one transaction), half one by one while the first ones run.
    await Promise.all(tasks.slice(0, 6).map((t) => store.submit(t)));
    for (const t of tasks.slice(6)) await store.submit(t);
    await until(async () => ((await store.counts()).SUCCESS === tasks.length ? true : null), 10_000);
    clearInterval(sampler);
    assert.ok(most <= 2, `at most 2 at once, saw ${most}`);
    const store2 = await store.activeCounts();
    assert.equal(store2.running, 0);
    const started = await Promise.all(tasks.map(async (t) => (await store.history(t.id))[1].reason));
    assert.equal(started[0], 'handed to an idle worker at submit', 'an idle pool takes the first task in its submit');
    assert.ok(started.includes(null), 'the rest wait and are claimed as slots free up');
  });

  it('a retry after backoff starts without a poll too', async () => {
    await pool.start();
    const t = newTask({ shell: 'exit 1', maxAttempts: 3 });
    await store.submit(t);
    const done = await until(async () => {
      const x = await store.get(t.id);
      return x?.status === 'FAILED' ? x : null;
    }, 5000);
    assert.equal(done.attempt, 3);
  });

  it("an idle worker of one queue does not claim in a loop while another queue's tasks wait", async () => {
    // Counts the claims of this (real) store.
    let claims = 0;
    const claim = store.claim.bind(store);
    store.claim = (o) => (claims++, claim(o));
    for (let i = 0; i < 20; i++) await store.submit(newTask({ queue: 'other', args: ['true'] }));
    const own = testPool(dir, store, { blobs, workerId: 'w-own', queues: ['own'] });
    try {
      await own.start();
      await new Promise((r) => setTimeout(r, 500));
      // Before, its next-wake-up timer read the other queue's ready tasks as due now, and
      // claimed again every millisecond or two (1,676 claims in 2 s).
      assert.ok(claims <= 5, `${claims} claims in 500 ms`);
      assert.equal((await store.activeCounts()).pending, 20);
    } finally {
      await own.close(0);
    }
  });

  it("waits for a backoff's end in the store's clock, on a host whose clock is ahead of it", async () => {
    // The store's clock is 10 minutes behind this host's; a failed attempt waits 30 s of it.
    const behind = new SqliteStore({
      path: join(dir, 'behind.db'),
      clock: { now: () => Date.now() - 600_000 },
      retry: { baseMs: 60_000, maxMs: 60_000 },
      random: () => 0.5,
    });
    let claims = 0;
    const claim = behind.claim.bind(behind);
    behind.claim = (o) => (claims++, claim(o));
    const own = testPool(dir, behind, { blobs, workerId: 'w-ahead' });
    try {
      await own.start();
      const t = newTask({ shell: 'exit 1', maxAttempts: 3 });
      await behind.submit(t);
      await until(
        async () => ((await behind.get(t.id))?.attempt === 1 && (await behind.get(t.id))?.status === 'PENDING' ? true : null),
        5000,
      );
      const before = claims;
      await new Promise((r) => setTimeout(r, 500));
      // Before, the backoff's end (store time) read as 10 minutes past: a claim every
      // millisecond or two until it really ended.
      assert.ok(claims - before <= 5, `${claims - before} claims in 500 ms`);
    } finally {
      await own.close(0);
      await behind.close();
    }
  });

  it('keeps a small result in the row, logs as blobs, pointers and a summary in the store', async () => {
    await pool.start();
    const t = newTask({ shell: 'echo out; echo err >&2' });
    await store.submit(t);
    const done = await until(async () => {
      const x = await store.get(t.id);
      return x?.status === 'SUCCESS' ? x : null;
    });
    assert.equal((await blobs.get(done.stdoutKey!))?.toString(), 'out\n');
    assert.equal((await blobs.get(done.stderrKey!))?.toString(), 'err\n');
    assert.equal(done.resultKey, null);
    assert.equal(JSON.parse(done.resultJson!).success, true);
    assert.equal(done.summary?.exitCode, 0);
    assert.equal(done.summary?.stdoutBytes, 4);
  });

  it('a result above the inline limit goes to the blob store', async () => {
    await pool.close(0);
    pool = new WorkerPool({
      store,
      blobs,
      executor: new ProcessExecutor({}),
      log,
      workerId: 'w-big',
      concurrency: 1,
      workDir: join(dir, 'work'),
      heartbeatMs: 100,
      pollMs: 60_000,
      inlineResultBytes: 0,
    });
    await pool.start();
    const t = newTask({ args: ['true'] });
    await store.submit(t);
    const done = await until(async () => {
      const x = await store.get(t.id);
      return x?.status === 'SUCCESS' ? x : null;
    });
    assert.equal(done.resultJson, null);
    assert.equal(JSON.parse((await blobs.get(done.resultKey!))!.toString()).success, true);
  });

  it('a blob store that fails: the outcome waits while it is tried again, then goes without the blobs it refused', async () => {
    await pool.close(0);
    // A real failure: the store's directory sits under a regular file (ENOTDIR), until removed.
    const blocker = join(dir, 'blocked');
    writeFileSync(blocker, '');
    const failing = new DiskBlobStore(join(blocker, 'blobs'));
    pool = testPool(dir, store, { blobs: failing, workerId: 'w-blobs', blobRetryMs: 5_000 });
    await pool.start();
    const recovers = newTask({ shell: 'echo out' });
    await store.submit(recovers);
    await until(async () => ((await store.get(recovers.id))?.status === 'RUNNING' ? true : null));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await store.get(recovers.id))?.status, 'RUNNING', 'the outcome waits for its logs');
    rmSync(blocker);
    const stored = await until(async () => {
      const x = await store.get(recovers.id);
      return x?.status === 'SUCCESS' ? x : null;
    });
    assert.equal((await failing.get(stored.stdoutKey!))?.toString(), 'out\n');
    assert.equal(stored.summary?.unstored, undefined);
    assert.equal(stored.attempt, 1);

    await pool.close(0);
    rmSync(blocker, { recursive: true, force: true });
    writeFileSync(blocker, '');
    pool = testPool(dir, store, { blobs: failing, workerId: 'w-blobs-2', blobRetryMs: 300 });
    await pool.start();
    const gives = newTask({ shell: 'echo out; echo err >&2' });
    await store.submit(gives);
    const without = await until(async () => {
      const x = await store.get(gives.id);
      return x?.status === 'SUCCESS' ? x : null;
    });
    assert.equal(without.stdoutKey, null);
    assert.equal(without.stderrKey, null);
    assert.deepEqual(without.summary?.unstored, ['stdout', 'stderr']);
    assert.equal(without.summary?.stdoutBytes, 4, 'the summary still says what there was');
    assert.equal(without.attempt, 1, 'not run again');
  });

  it('on shutdown, a running task gets its grace period and then is released, budget intact', async () => {
    await pool.start();
    const quick = newTask({ shell: 'sleep 0.3' });
    const slow = newTask({ command: 'timeout', maxAttempts: 1 });
    await store.submit(quick);
    await store.submit(slow);
    await until(async () => (await store.get(slow.id))?.status === 'RUNNING' && (await store.get(quick.id))?.status === 'RUNNING');
    await pool.close(1000);
    assert.equal((await store.get(quick.id))?.status, 'SUCCESS', 'finished within the grace period');
    const released = await store.get(slow.id);
    assert.equal(released?.status, 'PENDING');
    assert.equal(released?.attemptLimit, 2, 'the released attempt is given back');
    assert.deepEqual(processesOfTask(slow.id), []);
    assert.deepEqual(await store.liveWorkers(60_000), [], 'the worker deregistered');
    const h = await store.history(slow.id);
    assert.equal(h.at(-1)?.reason, 'released by worker');
  });

  it('gives back a lease the store holds for it that it never received (its claim answered into a lost connection), then runs the task', async () => {
    const t = newTask({ args: ['true'] });
    await store.submit(t);
    await store.claim({ workerId: 'w-stray', limit: 1 });
    const stray = testPool(dir, store, { blobs, workerId: 'w-stray', strayLeaseMs: 300 });
    try {
      await stray.start();
      await until(async () => ((await store.get(t.id))?.status === 'SUCCESS' ? true : null), 5000);
      const h = await store.history(t.id);
      assert.deepEqual(h.map((e) => [e.status, e.reason === 'released by worker']).slice(0, 4), [
        ['PENDING', false],
        ['RUNNING', false],
        ['PENDING', true],
        ['RUNNING', false],
      ]);
    } finally {
      await stray.close(0);
    }
  });

  it('a cancel requested elsewhere reaches the worker through its heartbeat', async () => {
    await pool.start();
    const t = newTask({ command: 'timeout' });
    await store.submit(t);
    await until(async () => (await store.get(t.id))?.status === 'RUNNING');
    assert.equal((await store.cancel(t.id))?.effect, 'requested');
    const done = await until(async () => {
      const x = await store.get(t.id);
      return x?.status === 'CANCELLED' ? x : null;
    }, 5000);
    assert.equal(done.attempt, 1);
    assert.deepEqual(processesOfTask(t.id), []);
  });

  it("audits an execution and times its live output in the store's clock, not this host's, when the two differ", async () => {
    // A store an hour ahead of this host, as a database server whose clock this host's is off.
    const ahead = new SqliteStore({ path: join(dir, 'ahead.db'), clock: { now: () => Date.now() + 3_600_000 } });
    const p = testPool(dir, ahead, {
      workerId: 'w-skew',
      audit: true,
      output: new OutputSink(ahead, log, { flushMs: 0, maxBytes: 1 << 20 }),
    });
    try {
      await p.start();
      const t = newTask({ shell: 'echo hi' });
      await ahead.submit(t);
      const done = await until(async () => {
        const x = await ahead.get(t.id);
        return x?.status === 'SUCCESS' ? x : null;
      }, 5000);
      const [entry] = (await ahead.queryAudit({ action: 'task.execute', target: t.id, limit: 10 })).items;
      assert.ok(Math.abs(entry.at - done.completedAt!) < 2000, `audited at ${entry.at}, completed at ${done.completedAt}`);
      const [chunk] = await ahead.readOutput(t.id, { attempt: 0, seq: 0 }, 10);
      assert.equal(chunk?.data.toString(), 'hi\n');
      assert.ok(Math.abs(chunk.at - done.completedAt!) < 2000, `output at ${chunk.at}, completed at ${done.completedAt}`);
    } finally {
      await p.close(0);
      await ahead.close();
    }
  });
});

describe('worker pool with prefetch', () => {
  let dir: string;
  let store: SqliteStore;
  let pool: WorkerPool;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-pool-'));
    store = new SqliteStore({ path: join(dir, 'db'), retry: { baseMs: 10, maxMs: 100 } });
    pool = testPool(dir, store, { workerId: 'w-prefetch', prefetch: 2 });
  });
  afterEach(async () => {
    await pool.close(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds up to concurrency + prefetch leases but never runs more than concurrency at once', async () => {
    const tasks = Array.from({ length: 10 }, () => newTask({ shell: 'sleep 0.1' }));
    for (const t of tasks) await store.submit(t);
    let most = 0;
    let held = 0;
    const sampler = setInterval(async () => {
      most = Math.max(most, pool.active);
      held = Math.max(held, (await store.activeCounts()).running);
    }, 5);
    await pool.start();
    await until(async () => ((await store.counts()).SUCCESS === tasks.length ? true : null), 10_000);
    clearInterval(sampler);
    assert.ok(most <= 2, `at most 2 running at once, saw ${most}`);
    assert.equal(held, 4, 'two running and two prefetched leases');
  });

  it('gives prefetched leases back on shutdown, and a cancelled one ends CANCELLED without running', async () => {
    const slow = [newTask({ command: 'timeout', maxAttempts: 1 }), newTask({ command: 'timeout', maxAttempts: 1 })];
    const waiting = [newTask({ shell: 'echo ran' }), newTask({ shell: 'echo ran' })];
    for (const t of [...slow, ...waiting]) await store.submit(t);
    await pool.start();
    await until(async () => ((await store.activeCounts()).running === 4 ? true : null), 5000);
    assert.equal(pool.active, 2);
    assert.equal((await store.cancel(waiting[0].id))?.effect, 'requested');
    const cancelled = await until(async () => {
      const x = await store.get(waiting[0].id);
      return x?.status === 'CANCELLED' ? x : null;
    }, 5000);
    assert.equal(cancelled.summary?.stdoutBytes ?? 0, 0, 'it never ran');
    await pool.close(0);
    const back = await store.get(waiting[1].id);
    assert.equal(back?.status, 'PENDING', 'the prefetched lease went back');
    assert.equal(back?.attemptLimit, back!.maxAttempts + 1, 'without spending an attempt');
  });
});

describe("worker pool with prefetch 'auto'", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-pool-'));
    store = new SqliteStore({ path: join(dir, 'db'), retry: { baseMs: 10, maxMs: 100 } });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Most leases held at once (running or prefetched) until every task given has ended. */
  async function mostHeld(ids: string[]): Promise<number> {
    let held = 0;
    const sampler = setInterval(async () => {
      held = Math.max(held, (await store.activeCounts()).running);
    }, 2);
    await until(
      async () => ((await Promise.all(ids.map((id) => store.get(id)))).every((t) => t?.status === 'SUCCESS') ? true : null),
      20_000,
    );
    clearInterval(sampler);
    return held;
  }

  it('holds leases beyond its slots once its tasks prove short', async () => {
    // A budget no process start can exceed: the first execution makes the tasks "short".
    const pool = testPool(dir, store, { workerId: 'w-auto', prefetch: 'auto', prefetchBacklogMs: 60_000 });
    try {
      const tasks = Array.from({ length: 60 }, () => newTask({ args: ['true'] }));
      for (const t of tasks) await store.submit(t);
      await pool.start();
      const held = await mostHeld(tasks.map((t) => t.id));
      assert.ok(held > 2, `more leases than its 2 slots, saw at most ${held}`);
      assert.ok(held <= 42, `at most 20 per slot beyond them, saw ${held}`);
    } finally {
      await pool.close(0);
    }
  });

  it('holds none beyond its slots while its tasks run long', async () => {
    const pool = testPool(dir, store, { workerId: 'w-auto', prefetch: 'auto' });
    try {
      await pool.start();
      const first = newTask({ shell: 'sleep 0.3' });
      await store.submit(first);
      await mostHeld([first.id]);
      const next = [
        newTask({ shell: 'sleep 0.5' }),
        newTask({ shell: 'sleep 0.5' }),
        ...Array.from({ length: 4 }, () => newTask({ args: ['true'] })),
      ];
      for (const t of next) await store.submit(t);
      assert.equal(await mostHeld(next.map((t) => t.id)), 2, 'two running, nothing prefetched');
    } finally {
      await pool.close(0);
    }
  });
});

describe('worker pool with prefetch, a slow slot', () => {
  it('a prefetched lease that waits too long goes back to the queue, and an idle worker runs it', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-pool-'));
    const store = new SqliteStore({ path: join(dir, 'db'), retry: { baseMs: 10, maxMs: 100 } });
    const busy = testPool(dir, store, { workerId: 'w-busy', concurrency: 1, prefetch: 2, prefetchWaitMs: 200, pollMs: 100 });
    const idle = testPool(dir, store, { workerId: 'w-idle', concurrency: 2, pollMs: 100 });
    try {
      const long = newTask({ shell: 'sleep 3' });
      const short = [newTask({ shell: 'echo a' }), newTask({ shell: 'echo b' })];
      for (const t of [long, ...short]) await store.submit(t);
      await busy.start();
      await until(async () => ((await store.activeCounts()).running === 3 ? true : null), 5000); // 1 running + 2 prefetched
      await idle.start();
      const done = await until(async () => {
        const ts = await Promise.all(short.map((t) => store.get(t.id)));
        return ts.every((t) => t?.status === 'SUCCESS') ? ts : null;
      }, 10_000);
      assert.notEqual((await store.get(long.id))?.status, 'SUCCESS', 'the short tasks did not wait for the long one');
      for (const t of done) {
        assert.equal(t!.workerId, 'w-idle', 'run by the idle worker');
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
      await until(async () => ((await store.get(long.id))?.status === 'SUCCESS' ? true : null), 10_000);
    } finally {
      await Promise.all([busy.close(0), idle.close(0)]);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('upkeep', () => {
  it('retention removes finished tasks older than the cutoff, with their blobs; nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-retention-'));
    const store = new SqliteStore({ path: join(dir, 'db') });
    const blobs = new DiskBlobStore(join(dir, 'blobs'));
    try {
      const old = newTask();
      const pending = newTask();
      await store.submit(old);
      await store.submit(pending);
      const [lease] = await store.claim({ workerId: 'w', limit: 1 });
      await blobs.put(`${taskPrefix(old.id)}/1/result.json`, '{}');
      await store.finish(
        { taskId: old.id, attempt: lease.attempt },
        {
          status: 'SUCCESS',
          summary: null,
          failure: null,
          resultJson: null,
          resultKey: `${taskPrefix(old.id)}/1/result.json`,
          stdoutKey: null,
          stderrKey: null,
        },
      );
      const at = (hours: number) => ({ now: () => Date.now() + hours * 3_600_000 });
      const m = (hours: number) =>
        new Maintenance({
          store,
          blobs,
          log,
          clock: at(hours),
          reapEveryMs: 1000,
          workerStaleMs: 1e9,
          retentionMs: 24 * 3_600_000,
          retentionEveryMs: 1000,
        });
      assert.equal(await m(23).purge(), 0);
      assert.equal(await m(25).purge(), 1);
      assert.equal(await store.get(old.id), null);
      assert.deepEqual(await blobs.list(taskPrefix(old.id)), []);
      assert.ok(await store.get(pending.id), 'unfinished work is never purged');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retention releases a closed execution’s redrive frames after 14 days and deletes it after its retention; never a running one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-retention-'));
    const store = new SqliteStore({ path: join(dir, 'db') });
    const wf = store.workflows;
    const blobs = new DiskBlobStore(join(dir, 'blobs'));
    const start = Date.now();
    const DAY = 24 * 3_600_000;
    /** A STANDARD execution started now, held by runner r1. */
    const started = async (name: string) => {
      const n: NewExecution = {
        execution: runningExecution({
          userId: 'alice',
          stateMachineName: 'machine',
          name,
          definition: '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":31536000,"End":true}}}',
          revisionId: 'rev',
          startedAt: start,
        }),
        events: [{ id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: start, details: null }],
        frames: [{ frameId: 0, doc: '{}' }],
        wakeAt: start + 365 * DAY,
        lease: { owner: 'r1', until: start + 60_000 },
      };
      return (await wf.startExecution(n)).execution;
    };
    try {
      const failed = await started('failed');
      const end = {
        status: 'FAILED' as const,
        output: null,
        error: 'E',
        cause: 'c',
        stoppedAt: start,
        frames: [{ frameId: 0, doc: '{}' }],
      };
      const failing = { events: [], putFrames: [], deleteFrames: [], wakeAt: null, leaseUntil: null, end };
      assert.equal(await wf.commit(failed.id, 'r1', failing), true);
      // A year's Wait: running for ever as far as retention goes.
      const waiting = await started('waiting');
      const m = (days: number, workflowRetentionMs = 90 * DAY) =>
        new Maintenance({
          store,
          workflows: wf,
          blobs,
          log,
          clock: { now: () => start + days * DAY },
          reapEveryMs: 1000,
          workerStaleMs: 1e9,
          retentionMs: 24 * 3_600_000,
          workflowRetentionMs,
          retentionEveryMs: 1000,
        });
      await m(14).purge();
      assert.equal((await wf.loadRuntime(failed.id)).frames.length, 1, 'redrivable for 14 days: its frames stay');
      await m(15).purge();
      assert.deepEqual((await wf.loadRuntime(failed.id)).frames, [], 'past the redrive window: released');
      assert.equal((await wf.getExecutionById(failed.id))?.status, 'FAILED');
      await m(1000, 0).purge();
      assert.ok(await wf.getExecutionById(failed.id), 'retention 0: kept for ever');
      await m(89).purge();
      assert.ok(await wf.getExecutionById(failed.id));
      await m(91).purge();
      assert.equal(await wf.getExecutionById(failed.id), null);
      assert.deepEqual(await wf.history('alice', failed.id, { limit: 10 }), []);
      await m(400).purge();
      assert.equal((await wf.getExecutionById(waiting.id))?.status, 'RUNNING', 'a running execution is never deleted');
      assert.equal((await wf.loadRuntime(waiting.id)).frames.length, 1);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
