/** estimatedStartTime comes from queue position, live capacity and measured throughput. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { StartEstimator, storeCapacity } from '../../src/api/index.ts';
import { SqliteStore, type Outcome } from '../../src/store/index.ts';
import { ManualClock, newTask } from '../conformance/store.ts';

const ok: Outcome = { status: 'SUCCESS', summary: null, failure: null, resultJson: null, resultKey: null, stdoutKey: null, stderrKey: null };

/** A store with one worker of `slots` slots that has finished 60 tasks in the last five
 *  minutes (0.2 tasks/s measured), and an estimator on it. */
async function withEstimator(slots: number, fn: (store: SqliteStore, est: StartEstimator, clock: ManualClock) => Promise<void>): Promise<void> {
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

async function finishSixty(store: SqliteStore): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await store.submit(newTask({ priority: 9 }));
    const [l] = await store.claim({ workerId: 'w', limit: 1 });
    await store.finish({ taskId: l.task.id, attempt: l.attempt }, ok);
  }
}

it('a free slot means now; a backlog waits in proportion to its position and the measured rate', () =>
  withEstimator(2, async (store, est, clock) => {
    const first = (await store.submit(newTask())).task;
    assert.equal(await est.estimate(first), clock.now(), 'two free slots, nothing ahead');

    // 60 tasks finished in the last five minutes → 0.2 tasks/s.
    await finishSixty(store);
    // Fill both slots, then queue ten more.
    await store.submit(newTask({ priority: 9 }));
    await store.claim({ workerId: 'w', limit: 2 });
    const queued = [];
    for (let i = 0; i < 10; i++) queued.push((await store.submit(newTask())).task);
    clock.advance(2000); // past the estimator's one-second cache
    const e0 = (await est.estimate(queued[0])) - clock.now();
    const e9 = (await est.estimate(queued[9])) - clock.now();
    assert.equal(e0, 5_000, 'first in line: 1 / 0.2 per s');
    assert.equal(e9, 50_000, 'tenth in line: 10 / 0.2 per s');
    const urgent = (await store.submit(newTask({ priority: 10 }))).task;
    assert.equal((await est.estimate(urgent)) - clock.now(), 5_000, 'a higher priority jumps the line');
  }));

it('past the positions counted exactly, the tasks queued at its priority or above stand in, not the whole queue', () =>
  withEstimator(1, async (store, est, clock) => {
    await finishSixty(store);
    await store.submit(newTask({ priority: 9 }));
    await store.claim({ workerId: 'w', limit: 1 });
    await store.submitMany(Array.from({ length: 300 }, () => newTask({ priority: 1 })));
    const mine = await store.submitMany(Array.from({ length: 150 }, () => newTask({ priority: 5 })));
    clock.advance(2000);
    // The 150 queued at priority 5 or above stand in for those ahead (an upper bound: the task
    // is one of them), not all 450; then its own turn.
    assert.equal((await est.estimate(mine[149].task)) - clock.now(), (151 / 0.2) * 1000);
    assert.equal((await est.estimate(mine[9].task)) - clock.now(), (10 / 0.2) * 1000, 'within the exact count: its position');
  }));
