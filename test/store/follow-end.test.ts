/** A follower sees a task's end as its worker's finish commits, not at its next status poll:
 *  in one process (SQLite) and from another (PostgreSQL, the notice crosses by NOTIFY). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { follow, followLane } from '../../src/output/follow.ts';
import { SqliteStore, type Store } from '../../src/store/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { ManualClock, newTask } from '../conformance/store.ts';
import { NOOP_OUTCOME } from '../../bench/noop.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

/** Submits a task through `follower`, leases it through `worker`, follows it with an hour's
 *  poll, finishes it: the follower must see the end long before its poll would. */
async function followsToTheEnd(worker: Store, follower: Store): Promise<void> {
  const t = newTask();
  await follower.submit(t);
  const [lease] = await worker.claim({ workerId: 'w', limit: 1 });
  assert.equal(lease.task.id, t.id);
  const ac = new AbortController();
  const events = follow(follower, t.id, { after: { attempt: 0, seq: 0 }, signal: ac.signal, pollMs: 3_600_000 });
  const first = await events.next();
  assert.equal(first.value?.type, 'status');
  // The follower now waits (for output, its end, or its poll).
  const ended = (async () => {
    for (let e = await events.next(); !e.done; e = await events.next()) if (e.value.type === 'end') return e.value.status;
    return null;
  })();
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(await worker.finish({ taskId: t.id, attempt: 1 }, NOOP_OUTCOME));
  const status = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  ac.abort();
  assert.equal(status, 'SUCCESS', 'the end arrived without the poll');
}

describe("a follower hears of its task's end at once", () => {
  it('SQLite, in process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-follow-end-'));
    const store = new SqliteStore({ path: join(dir, 'db') });
    try {
      await followsToTheEnd(store, store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL, follower in another process', async () => {
    const schema = freshSchema('hangar_fe');
    const [worker, follower] = await Promise.all([0, 1].map(() => PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4 })));
    try {
      // LISTEN starts with the first subscriber: let the follower's session be up first.
      follower.subscribeOutput(() => {});
      await new Promise((r) => setTimeout(r, 300));
      await followsToTheEnd(worker, follower);
    } finally {
      await Promise.all([worker.close(), follower.close()]);
    }
  });
});

/** A lane follower (a terminal's) with an hour's poll, idle between tasks, in `follower`: the
 *  deployment's other submits, through `submitter`, must not make it list its lane; a task of
 *  its lane must reach it at once. Counts the follower store's lane listings. */
async function laneWakesOnItsOwn(submitter: Store, follower: Store & { list: Store['list'] }): Promise<void> {
  let listings = 0;
  const list = follower.list.bind(follower);
  follower.list = async (f) => {
    if (f.lane) listings++;
    return list(f);
  };
  const lane = `terminal:p:${Math.random().toString(36).slice(2)}`;
  const ac = new AbortController();
  const events = followLane(follower, lane, 'user123', {
    after: { taskId: null, cursor: { attempt: 0, seq: 0 } },
    signal: ac.signal,
    pollMs: 3_600_000,
  });
  const next = events.next();
  await new Promise((r) => setTimeout(r, 200));
  const idle = listings;
  for (let i = 0; i < 20; i++) await submitter.submit(newTask());
  await submitter.submitMany([newTask(), newTask({ lane: 'another' })]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(listings, idle, "other tasks' submits do not make the lane's follower look");
  const mine = newTask({ lane });
  await submitter.submit(mine);
  const first = await Promise.race([next, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  ac.abort();
  assert.ok(
    first && !first.done && first.value.type === 'status' && first.value.taskId === mine.id,
    'its own task reached it without the poll',
  );
}

describe("a lane's follower wakes for its lane's tasks only", () => {
  it('SQLite, in process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-follow-lane-'));
    const store = new SqliteStore({ path: join(dir, 'db') });
    try {
      await laneWakesOnItsOwn(store, store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL, follower in another process', async () => {
    const schema = freshSchema('hangar_fl');
    const [submitter, follower] = await Promise.all([0, 1].map(() => PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4 })));
    try {
      follower.subscribeOutput(() => {});
      await new Promise((r) => setTimeout(r, 300));
      await laneWakesOnItsOwn(submitter, follower);
    } finally {
      await Promise.all([submitter.close(), follower.close()]);
    }
  });
});

/** A follower of a running task with an hour's poll, in `follower`; the attempt's lease runs
 *  out and `reaper` takes it back: the follower must see the task PENDING again at once. */
async function hearsTheReap(worker: Store, reaper: Store, follower: Store, clock: ManualClock): Promise<void> {
  const t = newTask({ visibilityTimeout: 1 });
  await worker.submit(t);
  const [lease] = await worker.claim({ workerId: 'w', limit: 1 });
  assert.equal(lease.task.id, t.id);
  const ac = new AbortController();
  const events = follow(follower, t.id, { after: { attempt: 0, seq: 0 }, signal: ac.signal, pollMs: 3_600_000 });
  const first = await events.next();
  assert.equal(first.value?.type === 'status' && first.value.status, 'RUNNING');
  const next = events.next();
  await new Promise((r) => setTimeout(r, 100));
  clock.advance(1001);
  assert.equal((await reaper.reap(3_600_000)).expired, 1);
  const seen = await Promise.race([next, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  ac.abort();
  assert.ok(
    seen && !seen.done && seen.value.type === 'status' && seen.value.status === 'PENDING',
    'the reaped attempt reached it without the poll',
  );
}

describe("a follower hears of its task's reaped attempt at once", () => {
  it('SQLite, in process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-follow-reap-'));
    const clock = new ManualClock();
    const store = new SqliteStore({ path: join(dir, 'db'), clock });
    try {
      await hearsTheReap(store, store, store, clock);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL, reaper and follower in other processes', async () => {
    const schema = freshSchema('hangar_fr');
    const clock = new ManualClock();
    const [worker, reaper, follower] = await Promise.all(
      [0, 1, 2].map(() => PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4, clock })),
    );
    try {
      follower.subscribeOutput(() => {});
      await new Promise((r) => setTimeout(r, 300));
      await hearsTheReap(worker, reaper, follower, clock);
    } finally {
      await Promise.all([worker.close(), reaper.close(), follower.close()]);
    }
  });
});

describe('a follower of a task that stays pending', () => {
  it('reads it less and less often, and still sees it start and end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-follow-pending-'));
    const store = new SqliteStore({ path: join(dir, 'db') });
    const ac = new AbortController();
    try {
      const t = newTask();
      await store.submit(t);
      // Counts this (real) store's reads of the task.
      let reads = 0;
      const get = store.get.bind(store);
      store.get = (id) => (id === t.id && reads++, get(id));
      const events = follow(store, t.id, { after: { attempt: 0, seq: 0 }, signal: ac.signal });
      assert.equal((await events.next()).value?.type, 'status');
      const next = events.next();
      await new Promise((r) => setTimeout(r, 3200));
      // Every 250 ms, 13 reads; doubling from 250 ms up to 2 s, 4 (at 0, 0.25, 0.75 and 1.75 s).
      assert.ok(reads <= 6, `${reads} reads in 3.2 s`);
      // A start without output is seen at the next poll, at most 2 s on.
      const [lease] = await store.claim({ workerId: 'w', limit: 1 });
      const started = await Promise.race([next, new Promise<null>((r) => setTimeout(() => r(null), 4000))]);
      assert.equal(started && !started.done && started.value.type === 'status' ? started.value.status : null, 'RUNNING');
      const ended = (async () => {
        for (let e = await events.next(); !e.done; e = await events.next()) if (e.value.type === 'end') return e.value.status;
        return null;
      })();
      assert.ok(await store.finish({ taskId: t.id, attempt: lease.attempt }, NOOP_OUTCOME));
      const end = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
      assert.equal(end, 'SUCCESS', 'the end at once, by its notice');
    } finally {
      ac.abort();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
