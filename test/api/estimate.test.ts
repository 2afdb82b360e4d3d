/** estimatedStartTime comes from free slots, the queue ahead and the measured run times of the
 *  work it waits for: unit cases on a store with a manual clock, and a real platform. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { StartEstimator, storeCapacity } from '../../src/api/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import type { Outcome } from '../../src/core/index.ts';
import { ManualClock, newTask } from '../conformance/store.ts';
import { testPlatform, until } from '../helpers/platform.ts';

const ok: Outcome = {
  status: 'SUCCESS',
  summary: null,
  failure: null,
  resultJson: null,
  resultKey: null,
  stdoutKey: null,
  stderrKey: null,
};

/** A store with one worker of `slots` slots, and an estimator on it. */
async function withEstimator(
  slots: number,
  fn: (store: SqliteStore, est: StartEstimator, clock: ManualClock) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-est-'));
  const clock = new ManualClock();
  const store = new SqliteStore({ path: join(dir, 'db'), clock });
  try {
    await store.touchWorker('w', { host: 'h', pid: 1, concurrency: slots });
    await fn(store, new StartEstimator(store, clock, storeCapacity(store, 60_000)), clock);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `n` tasks of `command`, each taking `ms` on the manual clock. */
async function history(store: SqliteStore, clock: ManualClock, command: string, n: number, ms: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.submit(newTask({ command, priority: 9 }));
    const [l] = await store.claim({ workerId: 'w', limit: 1 });
    clock.advance(ms);
    await store.finish({ taskId: l.task.id, attempt: l.attempt }, ok);
  }
}

it('a free slot means now; a backlog waits in rounds of the slots, at the measured run time', () =>
  withEstimator(2, async (store, est, clock) => {
    const first = (await store.submit(newTask())).task;
    assert.equal(await est.estimate(first), clock.now(), 'two free slots, nothing ahead');
    await store.cancel(first.id);

    await history(store, clock, 'noop', 10, 400);
    // Fill both slots, then queue ten more.
    await store.submit(newTask({ priority: 9 }));
    await store.submit(newTask({ priority: 9 }));
    await store.claim({ workerId: 'w', limit: 2 });
    const queued = [];
    for (let i = 0; i < 10; i++) queued.push((await store.submit(newTask())).task);
    clock.advance(2000); // past the estimator's one-second cache
    assert.equal((await est.estimate(queued[0])) - clock.now(), 400, 'first in line: one slot frees after a run');
    assert.equal((await est.estimate(queued[1])) - clock.now(), 400, 'second: the other slot, in the same round');
    assert.equal((await est.estimate(queued[9])) - clock.now(), 5 * 400, 'tenth: ten slots to free, five rounds of two');
    const urgent = (await store.submit(newTask({ priority: 10 }))).task;
    assert.equal((await est.estimate(urgent)) - clock.now(), 400, 'a higher priority jumps the line');
  }));

it("a batch on an idle worker: now for each free slot, then the run time of the entries ahead, not the last minutes' throughput", () =>
  withEstimator(2, async (store, est, clock) => {
    // 26 noops of 20 ms and two 3 s tasks spread over five minutes: a throughput of ~0.09 tasks/s.
    await history(store, clock, 'noop', 26, 20);
    await history(store, clock, 'cpu-intensive', 2, 3000);
    clock.advance(250_000);
    await store.touchWorker('w', { host: 'h', pid: 1, concurrency: 2 }); // its heartbeat
    const snap = await est.snapshot();
    const batch = (await store.submitMany(Array.from({ length: 4 }, () => newTask({ command: 'noop' })))).map((r) => r.task);
    // The worker leases all four (prefetch) before the answer is made: they must not wait behind themselves.
    assert.equal((await store.claim({ workerId: 'w', limit: 4 })).length, 4);
    const at = (await est.estimateMany(batch, snap)).map((t) => t - clock.now());
    assert.deepEqual(at, [0, 0, 20, 20]);
  }));

it('past the positions counted exactly, the tasks queued at its priority or above stand in, not the whole queue', () =>
  withEstimator(1, async (store, est, clock) => {
    await history(store, clock, 'noop', 5, 200);
    await store.submit(newTask({ priority: 9 }));
    await store.claim({ workerId: 'w', limit: 1 });
    await store.submitMany(Array.from({ length: 300 }, () => newTask({ priority: 1 })));
    const mine = await store.submitMany(Array.from({ length: 150 }, () => newTask({ priority: 5 })));
    clock.advance(2000);
    // The 150 queued at priority 5 or above stand in for those ahead (an upper bound: the task
    // is one of them), not all 450; then its own turn, one slot, 200 ms a task.
    assert.equal((await est.estimate(mine[149].task)) - clock.now(), 151 * 200);
    assert.equal((await est.estimate(mine[9].task)) - clock.now(), 10 * 200, 'within the exact count: its position');
  }));

it('a real platform: a batch of noops on an idle 2-slot worker is estimated to start within moments', async () => {
  const p = await testPlatform({ HANGAR_WORKERS: '2' });
  try {
    const post = async (url: string, payload: object) => (await p.inject({ method: 'POST', url, payload })).json();
    // Some history, then an idle worker.
    const warm = await post('/tasks/batch', { tasks: Array.from({ length: 4 }, () => ({ command: 'noop' })) });
    await until(async () => {
      const ts = await Promise.all(
        warm.tasks.map(async (t: { taskId: string }) => (await p.inject({ method: 'GET', url: `/tasks/${t.taskId}` })).json()),
      );
      return ts.every((t) => t.status === 'SUCCESS');
    }, 30_000);
    const before = Date.now();
    const r = await post('/tasks/batch', { tasks: Array.from({ length: 4 }, () => ({ command: 'noop' })) });
    const answered = Date.now();
    const at = r.tasks.map((t: { estimatedStartTime: string }) => Date.parse(t.estimatedStartTime));
    assert.ok(
      at[0] >= before - 1000 && at[1] <= answered,
      `the first two start now: ${r.tasks.map((t: { estimatedStartTime: string }) => t.estimatedStartTime)} (answered at ${new Date(answered).toISOString()})`,
    );
    // The others wait for a noop to end: well under the +11.5 s and +23 s seen before.
    assert.ok(at[3] < answered + 5_000, `the last within moments: ${new Date(at[3]).toISOString()}`);
    assert.ok(at[0] <= at[2] && at[2] <= at[3]);
  } finally {
    await p.close();
  }
});
