/**
 * The Store's behaviour, written once: every backend calls describeStore with a factory.
 * Time is injected (a manual clock), and so is randomness, so backoff and lease tests never sleep.
 */
import assert from 'node:assert/strict';
import { uuidv7 } from '../../src/store/index.ts';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ClaimOptions, Store } from '../../src/store/index.ts';
import type { Clock, Lease, LocalTaker, NewTask, Outcome, ProjectVersion, RetryPolicy } from '../../src/core/index.ts';

export interface StoreFactoryOptions {
  clock: Clock;
  random: () => number;
  retry: RetryPolicy;
}
export type MakeStore = (opts: StoreFactoryOptions) => Promise<Store>;

export class ManualClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export function newTask(over: Partial<NewTask> = {}): NewTask {
  return {
    id: uuidv7(),
    command: 'noop',
    args: null,
    shell: null,
    queue: 'default',
    priority: 1,
    userId: 'user123',
    timeout: 300,
    visibilityTimeout: 900,
    maxAttempts: 3,
    idempotencyKey: null,
    requestHash: null,
    resources: { cpu: 256, memory: 512 },
    env: {},
    metadata: {},
    network: 'none',
    image: null,
    secrets: [],
    projectId: null,
    lane: null,
    ...over,
  };
}

const ok: Outcome = {
  status: 'SUCCESS',
  summary: { exitCode: 0 },
  failure: null,
  resultJson: '{"success":true}',
  resultKey: 'r',
  stdoutKey: null,
  stderrKey: null,
};
const failed = (retryable = true): Outcome => ({
  status: 'FAILED',
  summary: null,
  failure: { code: 'NON_ZERO_EXIT', message: 'exit 1', retryable, exitCode: 1 },
  resultJson: null,
  resultKey: null,
  stdoutKey: null,
  stderrKey: null,
});

export function describeStore(name: string, makeStore: MakeStore): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;
    let randomValue: number;
    const retry: RetryPolicy = { baseMs: 1000, maxMs: 60_000 };

    beforeEach(async () => {
      clock = new ManualClock();
      randomValue = 0.5;
      store = await makeStore({ clock, random: () => randomValue, retry });
    });
    afterEach(async () => {
      await store.close();
    });

    it('submits durably and reads back every field', async () => {
      const t = newTask({ metadata: { project: 'ml' }, env: { A: '1' }, priority: 7, args: ['echo', 'hi'], secrets: ['TOKEN'] });
      const { task, created } = await store.submit(t);
      assert.equal(created, true);
      assert.equal(task.status, 'PENDING');
      assert.equal(task.queueType, 'priority');
      assert.equal(task.attempt, 0);
      const back = await store.get(t.id);
      assert.deepEqual(back?.metadata, { project: 'ml' });
      assert.deepEqual(back?.args, ['echo', 'hi']);
      assert.equal(back?.createdAt, clock.now());
      assert.deepEqual(
        (await store.history(t.id)).map((h) => h.status),
        ['PENDING'],
      );
      assert.equal(await store.get(uuidv7()), null);
    });

    it('routes priority >= 5 to the priority queue type', async () => {
      assert.equal((await store.submit(newTask({ priority: 4 }))).task.queueType, 'standard');
      assert.equal((await store.submit(newTask({ priority: 5 }))).task.queueType, 'priority');
    });

    it('leases higher priority first and FIFO within a priority', async () => {
      const ids: string[] = [];
      for (const p of [1, 5, 1, 9, 5, 1]) {
        const t = newTask({ priority: p });
        ids.push(t.id);
        await store.submit(t);
        clock.advance(1);
      }
      const order: string[] = [];
      for (;;) {
        const leases = await store.claim({ workerId: 'w', limit: 1 });
        if (leases.length === 0) break;
        order.push(leases[0].task.id);
      }
      assert.deepEqual(order, [ids[3], ids[1], ids[4], ids[0], ids[2], ids[5]]);
    });

    it('a batch claim keeps the same order and never hands a task out twice', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const t = newTask({ priority: i % 2 === 0 ? 1 : 6 });
        ids.push(t.id);
        await store.submit(t);
      }
      const [a, b] = await Promise.all([store.claim({ workerId: 'a', limit: 4 }), store.claim({ workerId: 'b', limit: 10 })]);
      const got = [...a, ...b].map((l) => l.task.id);
      assert.equal(new Set(got).size, 10);
      const expected = [...ids.filter((_, i) => i % 2 === 1), ...ids.filter((_, i) => i % 2 === 0)];
      assert.deepEqual(got, expected);
      assert.ok(a.every((l) => l.attempt === 1 && l.task.status === 'RUNNING' && l.workerId === 'a'));
    });

    it('claims only the named queues', async () => {
      await store.submit(newTask({ queue: 'gpu' }));
      const t = newTask({ queue: 'cpu' });
      await store.submit(t);
      const leases = await store.claim({ workerId: 'w', limit: 10, queues: ['cpu'] });
      assert.deepEqual(
        leases.map((l) => l.task.id),
        [t.id],
      );
    });

    it('re-delivers a task whose lease expired, with the next attempt number', async () => {
      const t = newTask({ visibilityTimeout: 60 });
      await store.submit(t);
      const [first] = await store.claim({ workerId: 'w1', limit: 1 });
      assert.equal(first.expiresAt, clock.now() + 60_000);
      clock.advance(59_999);
      assert.equal((await store.reap(3_600_000)).expired, 0);
      clock.advance(1);
      assert.equal((await store.reap(3_600_000)).expired, 1);
      const back = await store.get(t.id);
      assert.equal(back?.runAfter, clock.now(), 'ready from the reap, not from the epoch');
      assert.equal(await store.age(60_000), 0, 'so aging does not treat it as 50 years old');
      const [second] = await store.claim({ workerId: 'w2', limit: 1 });
      assert.equal(second.task.id, t.id);
      assert.equal(second.attempt, 2);
      const reasons = (await store.history(t.id)).map((h) => `${h.status}:${h.attempt}`);
      assert.deepEqual(reasons, ['PENDING:0', 'RUNNING:1', 'PENDING:1', 'RUNNING:2']);
    });

    it('heartbeats extend the lease; a lost lease is reported', async () => {
      const t = newTask({ visibilityTimeout: 60 });
      await store.submit(t);
      const [lease] = await store.claim({ workerId: 'w1', limit: 1 });
      for (let i = 0; i < 5; i++) {
        clock.advance(50_000);
        const hb = await store.heartbeat('w1', [{ taskId: t.id, attempt: lease.attempt }]);
        assert.deepEqual(hb.lost, []);
        assert.equal(hb.held.length, 1);
      }
      assert.equal((await store.reap(3_600_000)).expired, 0);
      clock.advance(60_001);
      await store.reap(3_600_000);
      const hb = await store.heartbeat('w1', [{ taskId: t.id, attempt: lease.attempt }]);
      assert.deepEqual(hb.lost, [{ taskId: t.id, attempt: 1 }]);
    });

    it('a heartbeat names the leases its worker holds but did not list, granted before the cutoff asked for', async () => {
      const [listed, unlisted, young, others] = [newTask(), newTask(), newTask(), newTask()];
      for (const t of [listed, unlisted]) await store.submit(t);
      const [a, b] = await store.claim({ workerId: 'w1', limit: 2 });
      clock.advance(10_000);
      await store.submit(young);
      await store.submit(others);
      await store.claim({ workerId: 'w1', limit: 1 });
      await store.claim({ workerId: 'w2', limit: 1 });
      const held = [a, b].find((l) => l.task.id === listed.id)!;
      const hb = await store.heartbeat('w1', [{ taskId: listed.id, attempt: held.attempt }], clock.now() - 5_000);
      assert.deepEqual(
        hb.held.map((h) => h.taskId),
        [listed.id],
      );
      assert.deepEqual(
        hb.strays,
        [{ taskId: unlisted.id, attempt: 1 }],
        "not the listed one, nor one granted after the cutoff, nor another worker's",
      );
      assert.deepEqual((await store.heartbeat('w1', [])).strays, [], 'none without a cutoff');
      assert.equal(await store.release(hb.strays[0]), true);
      clock.advance(1);
      assert.deepEqual(
        (await store.heartbeat('w1', [], clock.now())).strays.map((s) => s.taskId).sort(),
        [listed.id, young.id].sort(),
        'released: no longer a stray',
      );
    });

    it('expires the leases of a worker that stopped heartbeating', async () => {
      await store.touchWorker('w1', { host: 'h', pid: 1, concurrency: 1 });
      const t = newTask();
      await store.submit(t);
      await store.claim({ workerId: 'w1', limit: 1 });
      clock.advance(5_000);
      assert.equal((await store.reap(10_000)).expired, 0);
      assert.equal((await store.liveWorkers(10_000)).length, 1);
      clock.advance(5_001);
      assert.equal((await store.reap(10_000)).expired, 1);
      const task = await store.get(t.id);
      assert.equal(task?.status, 'PENDING');
      assert.equal(task?.failure?.code, 'WORKER_LOST');
      assert.equal((await store.liveWorkers(10_000)).length, 0);
    });

    it('records outcomes that arrive together, each fenced on its own', async () => {
      for (let i = 0; i < 6; i++) await store.submit(newTask());
      const leases = await store.claim({ workerId: 'w', limit: 6 });
      const [stale] = leases.splice(0, 1);
      await store.cancel(stale.task.id);
      const timeout: Outcome = { ...ok, status: 'TIMEOUT', failure: { code: 'TIMEOUT', message: 'timed out', retryable: false } };
      const results = await Promise.all([
        store.finish({ taskId: stale.task.id, attempt: stale.attempt + 1 }, ok),
        ...leases.map((l, i) => store.finish({ taskId: l.task.id, attempt: l.attempt }, i === 0 ? timeout : ok)),
      ]);
      assert.equal(results[0], null, 'an attempt that was never leased records nothing');
      assert.deepEqual(
        results.slice(1).map((r) => r?.status),
        ['TIMEOUT', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS'],
      );
      for (const [i, l] of leases.entries()) {
        const t = await store.get(l.task.id);
        assert.equal(t?.status, i === 0 ? 'TIMEOUT' : 'SUCCESS');
        assert.equal(t?.deadLettered, i === 0);
        assert.deepEqual(t?.summary, ok.summary);
        const h = await store.history(l.task.id);
        assert.deepEqual(
          h.map((e) => `${e.status}:${e.attempt}:${e.workerId ?? '-'}`),
          ['PENDING:0:-', 'RUNNING:1:w', `${i === 0 ? 'TIMEOUT' : 'SUCCESS'}:1:w`],
        );
      }
      assert.equal((await store.get(stale.task.id))?.status, 'RUNNING', 'the cancel is only requested; the bogus attempt changed nothing');
    });

    it('fences a stale attempt: its completion, failure and heartbeat change nothing', async () => {
      const t = newTask({ visibilityTimeout: 10 });
      await store.submit(t);
      const [stale] = await store.claim({ workerId: 'w1', limit: 1 });
      clock.advance(10_000);
      await store.reap(3_600_000);
      const [fresh] = await store.claim({ workerId: 'w2', limit: 1 });
      assert.equal(await store.finish({ taskId: t.id, attempt: stale.attempt }, ok), null);
      assert.equal(await store.finish({ taskId: t.id, attempt: stale.attempt }, failed()), null);
      const hb = await store.heartbeat('w1', [{ taskId: t.id, attempt: stale.attempt }]);
      assert.equal(hb.held.length, 0);
      assert.equal((await store.get(t.id))?.status, 'RUNNING');
      const done = await store.finish({ taskId: t.id, attempt: fresh.attempt }, ok);
      assert.equal(done?.status, 'SUCCESS');
      assert.equal(await store.finish({ taskId: t.id, attempt: fresh.attempt }, ok), null, 'no second completion');
      const finals = (await store.history(t.id)).filter((h) => h.status === 'SUCCESS');
      assert.equal(finals.length, 1);
    });

    it('retries with exponential backoff and full jitter, then dead-letters', async () => {
      const t = newTask({ maxAttempts: 3 });
      await store.submit(t);
      randomValue = 0.5;
      const [a1] = await store.claim({ workerId: 'w', limit: 1 });
      const r1 = await store.finish({ taskId: t.id, attempt: a1.attempt }, failed());
      assert.equal(r1?.status, 'PENDING');
      assert.equal(r1?.runAfter, clock.now() + 500, 'attempt 1: uniform[0, 1000) at 0.5');
      assert.deepEqual(await store.claim({ workerId: 'w', limit: 1 }), [], 'not before its backoff');
      assert.equal(await store.nextRunAfter(), clock.now() + 500);
      clock.advance(500);
      const [a2] = await store.claim({ workerId: 'w', limit: 1 });
      assert.equal(a2.attempt, 2);
      randomValue = 0.999;
      const r2 = await store.finish({ taskId: t.id, attempt: a2.attempt }, failed());
      assert.equal(r2?.runAfter, clock.now() + 1998, 'attempt 2: uniform[0, 2000)');
      clock.advance(2000);
      const [a3] = await store.claim({ workerId: 'w', limit: 1 });
      const r3 = await store.finish({ taskId: t.id, attempt: a3.attempt }, failed());
      assert.equal(r3?.status, 'FAILED');
      assert.equal(r3?.deadLettered, true);
      assert.ok(r3?.completedAt);
      const dlq = await store.list({ deadLettered: true, limit: 10 });
      assert.deepEqual(
        dlq.items.map((x) => x.id),
        [t.id],
      );
    });

    it('a retry in backoff leaves the ready queue, and takes its old place once the backoff ends', async () => {
      const first = newTask({ maxAttempts: 3 });
      await store.submit(first);
      randomValue = 0.5;
      const [a1] = await store.claim({ workerId: 'w', limit: 1 });
      assert.equal((await store.finish({ taskId: first.id, attempt: a1.attempt }, failed()))?.runAfter, clock.now() + 500);
      const later = [newTask(), newTask()];
      for (const t of later) await store.submit(t);
      assert.equal(await store.positionOf((await store.get(later[1].id))!, 100), 1, 'the retry in backoff is not ahead of it');
      assert.equal((await store.activeCounts()).pending, 3, 'still counted as pending');
      clock.advance(500);
      const [next] = await store.claim({ workerId: 'w', limit: 1 });
      assert.equal(next.task.id, first.id, 'back in its old place, ahead of the later submits');
      assert.equal(next.attempt, 2);
      assert.equal(await store.nextRunAfter(), null, 'nothing in backoff');
    });

    it('caps the backoff at maxMs', async () => {
      const t = newTask({ maxAttempts: 20 });
      await store.submit(t);
      randomValue = 0.999999;
      let last = 0;
      for (let i = 0; i < 10; i++) {
        const [l] = await store.claim({ workerId: 'w', limit: 1 });
        const r = await store.finish({ taskId: t.id, attempt: l.attempt }, failed());
        last = (r?.runAfter ?? 0) - clock.now();
        clock.advance(last + 1);
      }
      assert.ok(last <= 60_000 && last > 59_000, `backoff ${last}`);
    });

    it("a failure's own wait replaces the backoff; a final failure its owner handled is not dead-lettered", async () => {
      const t = newTask({ maxAttempts: 3 });
      await store.submit(t);
      randomValue = 0.5;
      const [a1] = await store.claim({ workerId: 'w', limit: 1 });
      const waited: Outcome = {
        ...failed(),
        failure: { code: 'FUNCTION_ERROR', message: 'Unhandled', retryable: true, retryAfterMs: 60_000 },
      };
      const r1 = await store.finish({ taskId: t.id, attempt: a1.attempt }, waited);
      assert.equal(r1?.runAfter, clock.now() + 60_000, 'the failure says how long, not the backoff');
      assert.equal(await store.nextRunAfter(), clock.now() + 60_000);
      clock.advance(60_000);
      const [a2] = await store.claim({ workerId: 'w', limit: 1 });
      const handled: Outcome = {
        ...failed(false),
        summary: { event: { invokeCount: 2 } },
        failure: { code: 'FUNCTION_ERROR', message: 'sent to its OnFailure destination', retryable: false, deadLetter: false },
      };
      const r2 = await store.finish({ taskId: t.id, attempt: a2.attempt }, handled);
      assert.deepEqual([r2?.status, r2?.deadLettered], ['FAILED', false]);
      const after = await store.get(t.id);
      assert.deepEqual(after?.summary, { event: { invokeCount: 2 } });
      assert.equal(after?.failure?.deadLetter, false);
      assert.deepEqual((await store.list({ deadLettered: true, limit: 10 })).items, []);
    });

    it('a non-retryable failure and a timeout are final at once', async () => {
      const a = newTask();
      const b = newTask();
      await store.submit(a);
      await store.submit(b);
      const leases = await store.claim({ workerId: 'w', limit: 2 });
      const byId = new Map(leases.map((l) => [l.task.id, l]));
      assert.equal((await store.finish({ taskId: a.id, attempt: byId.get(a.id)!.attempt }, failed(false)))?.status, 'FAILED');
      const timeout: Outcome = {
        ...failed(false),
        status: 'TIMEOUT',
        failure: { code: 'TIMEOUT', message: 'timed out', retryable: false },
      };
      const tb = await store.finish({ taskId: b.id, attempt: byId.get(b.id)!.attempt }, timeout);
      assert.equal(tb?.status, 'TIMEOUT');
      assert.equal(tb?.deadLettered, true);
    });

    it('a lost attempt runs again even past the budget, at most LOST_RERUNS (2) times, then dead-letters', async () => {
      const t = newTask({ maxAttempts: 1, visibilityTimeout: 1 });
      await store.submit(t);
      for (let i = 1; i <= 3; i++) {
        const [lease] = await store.claim({ workerId: 'w', limit: 1 });
        assert.equal(lease?.attempt, i, `attempt ${i} is leased`);
        clock.advance(1000);
        await store.reap(3_600_000);
        const task = await store.get(t.id);
        assert.equal(task?.failure?.code, 'LEASE_EXPIRED');
        assert.deepEqual([task?.status, task?.deadLettered], i < 3 ? ['PENDING', false] : ['FAILED', true], `after attempt ${i}`);
      }
    });

    it("a lost worker's re-run that fails on its own is final: only losses run past the budget", async () => {
      await store.touchWorker('w1', { host: 'h', pid: 1, concurrency: 1 });
      const t = newTask({ maxAttempts: 1 });
      await store.submit(t);
      await store.claim({ workerId: 'w1', limit: 1 });
      clock.advance(10_001);
      assert.equal((await store.reap(10_000)).expired, 1);
      assert.equal((await store.get(t.id))?.status, 'PENDING', 'its worker was lost: it runs again');
      const [again] = await store.claim({ workerId: 'w2', limit: 1 });
      assert.equal(again.attempt, 2);
      assert.equal((await store.finish({ taskId: t.id, attempt: 2 }, failed()))?.status, 'FAILED');
      assert.equal((await store.get(t.id))?.deadLettered, true);
    });

    it('redrives a dead-lettered task with the same id and a fresh budget', async () => {
      const t = newTask({ maxAttempts: 1 });
      await store.submit(t);
      const [l] = await store.claim({ workerId: 'w', limit: 1 });
      await store.finish({ taskId: t.id, attempt: l.attempt }, failed());
      await assert.rejects(store.redrive(uuidv7()), { code: 'TASK_NOT_FOUND' });
      const r = await store.redrive(t.id);
      assert.equal(r.id, t.id);
      assert.equal(r.status, 'PENDING');
      assert.equal(r.deadLettered, false);
      assert.equal(r.completedAt, null);
      await assert.rejects(store.redrive(t.id), { code: 'TASK_NOT_DEAD_LETTERED' });
      const [l2] = await store.claim({ workerId: 'w', limit: 1 });
      assert.equal(l2.attempt, 2, 'attempt numbers keep growing across a redrive');
      assert.equal(await store.finish({ taskId: t.id, attempt: l.attempt }, ok), null, 'the old attempt stays fenced');
      assert.equal((await store.finish({ taskId: t.id, attempt: l2.attempt }, ok))?.status, 'SUCCESS');
      assert.equal((await store.list({ deadLettered: true, limit: 10 })).items.length, 0);
    });

    it('idempotency: same key and body → same task; another body → conflict', async () => {
      const t = newTask({ idempotencyKey: 'k1', requestHash: 'h1' });
      const first = await store.submit(t);
      const again = await store.submit({ ...t, id: uuidv7() });
      assert.equal(again.created, false);
      assert.equal(again.task.id, first.task.id);
      await assert.rejects(store.submit({ ...t, id: uuidv7(), requestHash: 'h2' }), { code: 'IDEMPOTENCY_CONFLICT', status: 409 });
      const other = await store.submit({ ...t, id: uuidv7(), userId: 'someone-else' });
      assert.equal(other.created, true, 'keys are scoped per user');
      const concurrent = await Promise.all([1, 2, 3].map(() => store.submit(newTask({ idempotencyKey: 'k2', requestHash: 'h' }))));
      assert.equal(new Set(concurrent.map((c) => c.task.id)).size, 1);
      assert.equal(concurrent.filter((c) => c.created).length, 1);
    });

    describe('batch submit (submitMany)', () => {
      it('inserts every entry PENDING, in order, with its history, and wakes the workers', async () => {
        let woken = 0;
        const off = store.subscribe(() => woken++);
        const batch = [
          newTask({ priority: 1 }),
          newTask({ priority: 7, args: ['echo', 'x'], env: { A: '1' }, secrets: ['S'] }),
          newTask({ priority: 1, userId: null }),
        ];
        const results = await store.submitMany(batch);
        assert.deepEqual(
          results.map((r) => [r.task.id, r.created, r.task.status]),
          batch.map((t) => [t.id, true, 'PENDING']),
        );
        const back = await store.get(batch[1].id);
        assert.deepEqual(
          [back?.args, back?.env, back?.secrets, back?.queueType, back?.createdAt],
          [['echo', 'x'], { A: '1' }, ['S'], 'priority', clock.now()],
        );
        assert.equal((await store.get(batch[2].id))?.userId, null);
        for (const t of batch)
          assert.deepEqual(
            (await store.history(t.id)).map((h) => [h.status, h.reason]),
            [['PENDING', 'submitted']],
          );
        assert.ok(woken > 0, 'local workers are woken as it commits');
        off();
        const order = (await store.claim({ workerId: 'w', limit: 10 })).map((l) => l.task.id);
        assert.deepEqual(order, [batch[1].id, batch[0].id, batch[2].id], 'priority, then FIFO');
        assert.deepEqual(await store.submitMany([]), []);
      });

      it('FIFO within a priority, and fair share as if submitted one by one', async () => {
        const a = Array.from({ length: 4 }, (_, i) => newTask({ userId: 'alice', metadata: { i } }));
        const b = Array.from({ length: 2 }, (_, i) => newTask({ userId: 'bob', metadata: { i } }));
        await store.submitMany([...a, ...b]);
        const started: string[] = [];
        for (;;) {
          const [l] = await store.claim({ workerId: 'w', limit: 1 });
          if (!l) break;
          started.push(`${l.task.userId}:${String(l.task.metadata.i)}`);
        }
        assert.deepEqual(started, ['alice:0', 'bob:0', 'alice:1', 'bob:1', 'alice:2', 'alice:3']);
      });

      it('a key used before or earlier in the batch replays its task; another body fails the whole batch', async () => {
        const first = await store.submit(newTask({ idempotencyKey: 'k1', requestHash: 'h1' }));
        const fresh = newTask({ idempotencyKey: 'k2', requestHash: 'h2' });
        const results = await store.submitMany([
          newTask({ idempotencyKey: 'k1', requestHash: 'h1' }),
          fresh,
          newTask({ idempotencyKey: 'k2', requestHash: 'h2' }),
          newTask(),
        ]);
        assert.deepEqual(
          results.map((r) => [r.task.id, r.created]),
          [
            [first.task.id, false],
            [fresh.id, true],
            [fresh.id, false],
            [results[3].task.id, true],
          ],
        );
        const before = (await store.list({ limit: 100 })).items.length;
        const lost = newTask();
        await assert.rejects(
          store.submitMany([lost, newTask({ idempotencyKey: 'k1', requestHash: 'other' })]),
          (err: { code: string; status: number; details: Record<string, unknown> }) => {
            assert.deepEqual([err.code, err.status, err.details], ['IDEMPOTENCY_CONFLICT', 409, { taskId: first.task.id, index: 1 }]);
            return true;
          },
        );
        await assert.rejects(
          store.submitMany([newTask({ idempotencyKey: 'k3', requestHash: 'a' }), newTask({ idempotencyKey: 'k3', requestHash: 'b' })]),
          (err: { code: string; details: Record<string, unknown>; message: string }) => {
            assert.deepEqual([err.code, err.details], ['IDEMPOTENCY_CONFLICT', { index: 1 }], 'no task named: none was stored');
            assert.match(err.message, /entry 0 of this batch/);
            return true;
          },
        );
        assert.equal(await store.get(lost.id), null, 'nothing of a failed batch is kept');
        assert.equal((await store.list({ limit: 100 })).items.length, before);
        const concurrent = await Promise.all(
          [1, 2, 3].map(() => store.submitMany([newTask({ idempotencyKey: 'k4', requestHash: 'h' }), newTask()])),
        );
        assert.equal(new Set(concurrent.map((c) => c[0].task.id)).size, 1, 'concurrent batches with one key share its task');
        assert.equal(concurrent.filter((c) => c[0].created).length, 1);
      });
    });

    it('cancels a pending task: it never runs', async () => {
      const t = newTask();
      await store.submit(t);
      const r = await store.cancel(t.id);
      assert.equal(r?.effect, 'cancelled');
      assert.equal(r?.task.status, 'CANCELLED');
      assert.deepEqual(await store.claim({ workerId: 'w', limit: 10 }), []);
      assert.equal((await store.cancel(t.id))?.effect, 'already-final');
      assert.equal(await store.cancel(uuidv7()), null);
    });

    it('cancels a running task: the request reaches its worker, a failure then ends CANCELLED', async () => {
      const t = newTask();
      await store.submit(t);
      const [l] = await store.claim({ workerId: 'w', limit: 1 });
      const r = await store.cancel(t.id);
      assert.equal(r?.effect, 'requested');
      const hb = await store.heartbeat('w', [{ taskId: t.id, attempt: l.attempt }]);
      assert.equal(hb.held[0].cancelRequested, true);
      const end = await store.finish({ taskId: t.id, attempt: l.attempt }, failed());
      assert.equal(end?.status, 'CANCELLED', 'no retry after a cancel');
    });

    it('a cancelled running task whose worker died ends CANCELLED, not retried', async () => {
      const t = newTask({ visibilityTimeout: 1 });
      await store.submit(t);
      await store.claim({ workerId: 'w', limit: 1 });
      await store.cancel(t.id);
      clock.advance(1000);
      await store.reap(3_600_000);
      assert.equal((await store.get(t.id))?.status, 'CANCELLED');
    });

    it('release gives a lease back without spending an attempt', async () => {
      const t = newTask({ maxAttempts: 1 });
      await store.submit(t);
      const [l] = await store.claim({ workerId: 'w', limit: 1 });
      assert.equal(await store.release({ taskId: t.id, attempt: l.attempt }), true);
      const [l2] = await store.claim({ workerId: 'w', limit: 1 });
      assert.equal(l2.attempt, 2);
      const r = await store.finish({ taskId: t.id, attempt: l2.attempt }, failed());
      assert.equal(r?.status, 'FAILED', 'one real attempt was allowed, and it was spent');
    });

    it('records every transition with time, attempt and worker', async () => {
      const t = newTask();
      await store.submit(t);
      clock.advance(10);
      const [l] = await store.claim({ workerId: 'w7', limit: 1 });
      clock.advance(10);
      await store.finish({ taskId: t.id, attempt: l.attempt }, ok);
      const h = await store.history(t.id);
      assert.deepEqual(
        h.map((e) => [e.status, e.attempt, e.workerId, e.at - h[0].at]),
        [
          ['PENDING', 0, null, 0],
          ['RUNNING', 1, 'w7', 10],
          ['SUCCESS', 1, 'w7', 20],
        ],
      );
      const task = await store.get(t.id);
      assert.equal(task?.startedAt, h[1].at);
      assert.equal(task?.completedAt, h[2].at);
      assert.equal(task?.resultKey, 'r');
      assert.equal(task?.resultJson, '{"success":true}');
    });

    it('lists with filters and cursor pagination, newest first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const t = newTask({ userId: i % 2 ? 'odd' : 'even', queue: i < 3 ? 'a' : 'b' });
        ids.push(t.id);
        await store.submit(t);
      }
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await store.list({ limit: 3, after });
        seen.push(...page.items.map((t) => t.id));
        after = page.nextCursor ?? undefined;
      } while (after);
      assert.deepEqual(seen, [...ids].reverse());
      assert.equal((await store.list({ userId: 'odd', limit: 50 })).items.length, 3);
      assert.equal((await store.list({ queue: 'a', limit: 50 })).items.length, 3);
      assert.equal((await store.list({ status: 'PENDING', queue: 'b', userId: 'even', limit: 50 })).items.length, 2);
      await assert.rejects(store.list({ limit: 5, after: 'garbage!' }), { code: 'INVALID_CURSOR' });
    });

    it('finds tasks by a piece of their command or shell line, in any case, % and _ as written', async () => {
      const label = newTask({ command: 'Train-Model_v2' });
      const shell = newTask({ command: 'sh', shell: 'python3 fit.py --epochs 100%' });
      await store.submit(label);
      await store.submit(shell);
      await store.submit(newTask({ command: 'TrainXModelXv2', userId: 'other' }));
      const ids = async (command: string, userId?: string) => (await store.list({ command, userId, limit: 50 })).items.map((t) => t.id);
      assert.deepEqual(await ids('train-model_'), [label.id]);
      assert.deepEqual(await ids('FIT.PY'), [shell.id]);
      assert.deepEqual(await ids('100%'), [shell.id]);
      assert.deepEqual(await ids('model_', 'other'), [], 'with the other filters');
      const page = await store.list({ command: 'T', limit: 1 });
      assert.equal(page.items.length, 1);
      assert.deepEqual((await store.list({ command: 'T', limit: 5, after: page.nextCursor! })).items.length, 2, 'pages as any list');
    });

    it('reports queue depth, counts, position and throughput', async () => {
      await store.submit(newTask({ priority: 1 }));
      await store.submit(newTask({ priority: 1 }));
      await store.submit(newTask({ priority: 8 }));
      const late = newTask({ priority: 1 });
      await store.submit(late);
      assert.equal(await store.positionOf((await store.get(late.id))!, 100), 3);
      assert.equal(await store.positionOf((await store.get(late.id))!, 2), 2, 'counted up to the cap');
      const [l] = await store.claim({ workerId: 'w', limit: 1 });
      clock.advance(100);
      await store.finish({ taskId: l.task.id, attempt: l.attempt }, ok);
      const depths = await store.queueDepths();
      assert.deepEqual(
        depths.map((d) => [d.queue, d.priority, d.pending, d.running]),
        [['default', 1, 3, 0]],
      );
      const c = await store.counts();
      assert.equal(c.PENDING, 3);
      assert.deepEqual(await store.activeCounts(), { pending: 3, running: 0 });
      await store.claim({ workerId: 'w', limit: 1 });
      assert.deepEqual(await store.activeCounts(), { pending: 2, running: 1 });
      assert.equal(c.SUCCESS, 1);
      const f = await store.finishedSince(60_000, 100);
      assert.equal(f.count, 1);
      assert.equal(f.spanMs, 60_000);
      assert.equal(f.avgDurationMs, 100);
      for (let i = 0; i < 2; i++) {
        clock.advance(1000);
        const [x] = await store.claim({ workerId: 'w', limit: 1 });
        await store.finish({ taskId: x.task.id, attempt: x.attempt }, ok);
      }
      const capped = await store.finishedSince(60_000, 2);
      assert.equal(capped.count, 2);
      assert.equal(capped.spanMs, 1000, 'the two latest completions span one second');
    });

    it("scopes counts, queue depth, dead letters and the timeline to one user's tasks", async () => {
      const since = clock.now();
      await store.submit(newTask({ userId: 'ann', queue: 'a', priority: 7 }));
      await store.submit(newTask({ userId: 'ann', maxAttempts: 1 }));
      await store.submit(newTask({ userId: 'ben', queue: 'b' }));
      await store.submit(newTask({ userId: 'ben', queue: 'b', maxAttempts: 1 }));
      for (let i = 0; i < 4; i++) {
        const [l] = await store.claim({ workerId: 'w', limit: 1 });
        if (l.task.userId === 'ben' && l.task.maxAttempts > 1) continue; // stays RUNNING
        if (l.task.queue === 'a') continue; // ann's stays RUNNING too
        await store.finish(
          { taskId: l.task.id, attempt: l.attempt },
          { ...ok, status: 'FAILED', failure: { code: 'NON_ZERO_EXIT', message: 'exit 1', retryable: true } },
        );
      }
      const ann = await store.counts('ann');
      assert.deepEqual(ann, { PENDING: 0, RUNNING: 1, SUCCESS: 0, FAILED: 1, TIMEOUT: 0, CANCELLED: 0, deadLettered: 1 });
      assert.equal((await store.counts()).RUNNING, 2, 'everyone');
      assert.deepEqual(await store.counts('nobody'), {
        PENDING: 0,
        RUNNING: 0,
        SUCCESS: 0,
        FAILED: 0,
        TIMEOUT: 0,
        CANCELLED: 0,
        deadLettered: 0,
      });
      assert.deepEqual(
        (await store.queueDepths('ann')).map((d) => [d.queue, d.priority, d.pending, d.running]),
        [['a', 7, 0, 1]],
      );
      assert.deepEqual(
        (await store.queueDepths('ben')).map((d) => [d.queue, d.running]),
        [['b', 1]],
      );
      assert.equal((await store.queueDepths()).length, 2);
      assert.equal(await store.deadLetterCount('ann'), 1);
      assert.equal(await store.deadLetterCount('ben'), 1);
      assert.equal(await store.deadLetterCount(), 2);
      assert.equal(
        (await store.timeline(since, 60_000, 'ann')).reduce((a, b) => a + b.failed, 0),
        1,
      );
      assert.equal((await store.timeline(since, 60_000, 'nobody')).length, 0);
      assert.equal(
        (await store.timeline(since, 60_000)).reduce((a, b) => a + b.finished, 0),
        2,
      );
    });

    it('reports the mean run time of each kind of work among the latest completions, most frequent first', async () => {
      const run = async (command: string, ms: number) => {
        await store.submit(newTask({ command }));
        const [l] = await store.claim({ workerId: 'w', limit: 1 });
        clock.advance(ms);
        await store.finish({ taskId: l.task.id, attempt: l.attempt }, ok);
      };
      await run('slow', 300);
      await run('fast', 100);
      await run('slow', 500);
      const f = await store.finishedSince(60_000, 100);
      assert.equal(f.count, 3);
      assert.equal(f.avgDurationMs, 300);
      assert.deepEqual(f.byCommand, [
        { command: 'slow', count: 2, avgMs: 400 },
        { command: 'fast', count: 1, avgMs: 100 },
      ]);
      assert.deepEqual(
        (await store.finishedSince(60_000, 1)).byCommand,
        [{ command: 'slow', count: 1, avgMs: 500 }],
        'within the sample only',
      );
    });

    it('purges finished tasks past retention, and nothing else', async () => {
      const done = newTask();
      const pending = newTask();
      await store.submit(done);
      await store.submit(pending);
      const [l] = await store.claim({ workerId: 'w', limit: 1 });
      await store.finish({ taskId: l.task.id, attempt: l.attempt }, ok);
      assert.deepEqual(await store.purgeFinished(clock.now(), 100), []);
      clock.advance(1);
      assert.deepEqual(await store.purgeFinished(clock.now(), 100), [done.id]);
      assert.equal(await store.get(done.id), null);
      assert.deepEqual(await store.history(done.id), []);
      assert.ok(await store.get(pending.id));
    });

    it('counts recent outcomes and dead letters, buckets completions, and moves alert states by compare-and-set', async () => {
      const since = clock.now();
      for (let i = 0; i < 4; i++) await store.submit(newTask({ maxAttempts: 1 }));
      clock.advance(100);
      const ls = await store.claim({ workerId: 'w', limit: 4 });
      clock.advance(250);
      await store.finish({ taskId: ls[0].task.id, attempt: ls[0].attempt }, ok);
      await store.finish({ taskId: ls[1].task.id, attempt: ls[1].attempt }, ok);
      clock.advance(60_000);
      await store.finish(
        { taskId: ls[2].task.id, attempt: ls[2].attempt },
        { ...ok, status: 'FAILED', failure: { code: 'NON_ZERO_EXIT', message: 'exit 1', retryable: true } },
      );
      await store.finish(
        { taskId: ls[3].task.id, attempt: ls[3].attempt },
        { ...ok, status: 'TIMEOUT', failure: { code: 'TIMEOUT', message: 'timed out', retryable: false } },
      );
      assert.deepEqual(await store.outcomesSince(since), { SUCCESS: 2, FAILED: 1, TIMEOUT: 1, CANCELLED: 0 });
      assert.deepEqual(await store.outcomesSince(clock.now()), { SUCCESS: 0, FAILED: 1, TIMEOUT: 1, CANCELLED: 0 });
      assert.equal(await store.deadLetterCount(), 2, 'the failed task had no attempt left; the timeout is final');
      const tl = await store.timeline(since, 60_000);
      assert.equal(
        tl.reduce((a, b) => a + b.finished, 0),
        4,
      );
      assert.equal(
        tl.reduce((a, b) => a + b.failed, 0),
        2,
      );
      assert.ok(
        tl.every((b) => b.at % 60_000 === 0),
        'bucket starts are multiples of the bucket',
      );
      const first = tl.find((b) => b.finished === 2 && b.failed === 0)!;
      assert.equal(first.avgWaitMs, 100);
      assert.equal(first.avgRunMs, 250);

      assert.deepEqual(await store.alertStates(), []);
      const fire = { name: 'queue_depth', state: 'firing' as const, since: clock.now(), value: 12, message: '12 > 10' };
      assert.equal(await store.transitionAlert(null, fire), true);
      assert.equal(await store.transitionAlert(null, fire), false, 'only one process creates it');
      assert.equal(await store.transitionAlert('ok', { ...fire, value: 13 }), false, 'it is not ok: nothing changes');
      assert.deepEqual(await store.alertStates(), [fire]);
      const resolved = { ...fire, state: 'ok' as const, since: clock.now() + 1, value: 0, message: '0 <= 10' };
      assert.equal(await store.transitionAlert('firing', resolved), true);
      assert.equal(await store.transitionAlert('firing', resolved), false, 'a second node loses the race');
      assert.deepEqual(await store.alertStates(), [resolved]);
    });

    it('leader leases: one holder at a time, renewed by it, taken over once expired, released', async () => {
      assert.equal(await store.acquireLease('scaler', 'a', 10_000), true);
      assert.equal(await store.acquireLease('scaler', 'b', 10_000), false, 'held by a');
      assert.equal(await store.acquireLease('other', 'b', 10_000), true, 'leases are per name');
      clock.advance(9_000);
      assert.equal(await store.acquireLease('scaler', 'a', 10_000), true, 'a renews');
      clock.advance(9_000);
      assert.equal(await store.acquireLease('scaler', 'b', 10_000), false, 'the renewal holds');
      clock.advance(1_001);
      assert.equal(await store.acquireLease('scaler', 'b', 10_000), true, 'expired: b takes over');
      assert.equal(await store.acquireLease('scaler', 'a', 10_000), false, 'a lost it');
      await store.releaseLease('scaler', 'a');
      assert.equal(await store.acquireLease('scaler', 'a', 10_000), false, "a cannot release b's lease");
      await store.releaseLease('scaler', 'b');
      assert.equal(await store.acquireLease('scaler', 'a', 10_000), true, 'released: free at once');
    });

    it('counts running tasks per worker, and records, lists and purges scaling decisions', async () => {
      for (let i = 0; i < 5; i++) await store.submit(newTask());
      await store.claim({ workerId: 'wa', limit: 3 });
      const [b] = await store.claim({ workerId: 'wb', limit: 1 });
      await store.finish({ taskId: b.task.id, attempt: b.attempt }, ok);
      await store.claim({ workerId: 'wb', limit: 1 });
      const loads = (await store.workerLoads()).sort((x, y) => x.workerId.localeCompare(y.workerId));
      assert.deepEqual(loads, [
        { workerId: 'wa', running: 3 },
        { workerId: 'wb', running: 1 },
      ]);

      const first = await store.recordScaling({
        at: clock.now(),
        action: 'launch',
        depth: 9,
        current: 0,
        desired: 3,
        workers: ['x1', 'x2', 'x3'],
        reason: 'burst',
        autoscaler: 'host-a-1-abc',
      });
      clock.advance(1000);
      const second = await store.recordScaling({
        at: clock.now(),
        action: 'retire',
        depth: 0,
        current: 3,
        desired: 0,
        workers: ['x2'],
        reason: 'idle',
        autoscaler: null,
      });
      assert.ok(second.id > first.id);
      const all = await store.scalingEvents({ limit: 10 });
      assert.deepEqual(all, [second, first], 'latest first, every field back');
      assert.deepEqual(await store.scalingEvents({ since: second.at, limit: 10 }), [second]);
      assert.deepEqual(await store.scalingEvents({ limit: 1 }), [second]);
      assert.equal(await store.purgeScaling(second.at, 100), 1);
      assert.deepEqual(await store.scalingEvents({ limit: 10 }), [second]);
    });

    it('feeds transitions in id order, per user, after an id', async () => {
      const head = await store.feedHead();
      const a = newTask({ userId: 'feed-a' });
      const b = newTask({ userId: 'feed-b' });
      await store.submit(a);
      await store.submit(b);
      await store.claim({ workerId: 'w', limit: 10 });
      const all = await store.feed(head, undefined, 100);
      assert.deepEqual(
        all.map((e) => e.id),
        [...all.map((e) => e.id)].sort((x, y) => x - y),
      );
      const mine = await store.feed(head, 'feed-a', 100);
      assert.deepEqual(
        mine.map((e) => [e.taskId, e.status]),
        [
          [a.id, 'PENDING'],
          [a.id, 'RUNNING'],
        ],
      );
      assert.deepEqual(await store.feed(mine[0].id, 'feed-a', 100), mine.slice(1));
      assert.equal(await store.feedHead(), all[all.length - 1].id);
    });

    describe('lanes (FIFO groups)', () => {
      const claimIds = async (limit = 10) => (await store.claim({ workerId: 'w', limit })).map((l) => l.task.id);

      it('runs the tasks of one lane one at a time in submit order, other lanes and plain tasks alongside', async () => {
        const [x1, x2, x3] = [newTask({ lane: 'x' }), newTask({ lane: 'x' }), newTask({ lane: 'x' })];
        const y1 = newTask({ lane: 'y' });
        const plain = newTask();
        for (const t of [x1, x2, x3, y1, plain]) await store.submit(t);
        assert.deepEqual(new Set(await claimIds()), new Set([x1.id, y1.id, plain.id]), "each lane's first, and the plain task");
        assert.deepEqual(await claimIds(), [], 'x2 waits for x1');
        await store.finish({ taskId: x1.id, attempt: 1 }, ok);
        assert.deepEqual(await claimIds(), [x2.id]);
        // A retry in backoff still holds its lane.
        await store.finish({ taskId: x2.id, attempt: 1 }, failed());
        assert.equal((await store.get(x2.id))?.status, 'PENDING');
        clock.advance(60_000);
        assert.deepEqual(await claimIds(), [x2.id], 'the retry, not x3');
        await store.finish({ taskId: x2.id, attempt: 2 }, ok);
        assert.deepEqual(await claimIds(), [x3.id]);
        assert.deepEqual(
          (await store.list({ lane: 'x', limit: 10 })).items.map((t) => t.id),
          [x3.id, x2.id, x1.id],
        );
        assert.equal((await store.get(x3.id))?.lane, 'x');
      });

      it("a lane's next task starts no earlier than the one before it ended, whatever the claim's clock read", async () => {
        // A claim whose clock reading was taken before the previous task's end committed (it
        // waited for a connection, or a host whose offset was measured lower) still leases the
        // next task only after that end: its start is the end, not the earlier reading.
        const [a, b] = [newTask({ lane: 'seq' }), newTask({ lane: 'seq' })];
        const plain = newTask();
        for (const t of [a, b]) await store.submit(t);
        assert.deepEqual(await claimIds(), [a.id]);
        clock.advance(1000);
        await store.finish({ taskId: a.id, attempt: 1 }, ok);
        const ended = (await store.get(a.id))!.completedAt!;
        clock.advance(-16);
        await store.submit(plain);
        assert.deepEqual(new Set(await claimIds()), new Set([b.id, plain.id]));
        assert.equal((await store.get(b.id))!.startedAt, ended);
        assert.equal((await store.get(plain.id))!.startedAt, clock.now(), 'a task outside any lane keeps the reading');
      });

      it("one user's lane does not hold another user's lane of the same name", async () => {
        const a1 = newTask({ lane: 'build', userId: 'alice' });
        const a2 = newTask({ lane: 'build', userId: 'alice' });
        const b1 = newTask({ lane: 'build', userId: 'bob' });
        for (const t of [a1, a2, b1]) await store.submit(t);
        assert.deepEqual(new Set(await claimIds()), new Set([a1.id, b1.id]));
      });

      it("a lane's task is not handed to a local taker: the claim decides", async () => {
        const got: Lease[] = [];
        store.attachTaker({ workerId: 'local', offer: () => (l) => l && got.push(l) });
        const t = newTask({ lane: 'z' });
        await store.submit(t);
        assert.equal(got.length, 0);
        assert.deepEqual(await claimIds(), [t.id]);
      });
    });

    describe('projects', () => {
      const version = (projectId: string, v: number, over: Partial<ProjectVersion> = {}): ProjectVersion => ({
        projectId,
        version: v,
        createdAt: clock.now(),
        baseVersion: v - 1 || null,
        taskId: null,
        blobKey: `projects/${projectId}/${v}.tar.gz`,
        files: 2,
        bytes: 10,
        conflicts: [],
        ...over,
      });

      it('creates, reads and lists projects per user', async () => {
        const a = await store.createProject({ id: uuidv7(), userId: 'alice', name: 'site' });
        const b = await store.createProject({ id: uuidv7(), userId: 'bob', name: 'api' });
        assert.deepEqual(a, { id: a.id, userId: 'alice', name: 'site', latestVersion: 0, createdAt: clock.now() });
        assert.deepEqual(await store.getProject(a.id), a);
        assert.equal(await store.getProject('nope'), null);
        assert.deepEqual(
          (await store.listProjects({ userId: 'alice' })).map((p) => p.id),
          [a.id],
        );
        assert.ok((await store.listProjects({})).some((p) => p.id === b.id));
      });

      it('adds versions one after another: a version whose predecessor is not the latest is refused', async () => {
        const p = await store.createProject({ id: uuidv7(), userId: 'alice', name: 'site' });
        assert.equal(await store.addProjectVersion(version(p.id, 2)), false, 'version 1 comes first');
        assert.equal(await store.addProjectVersion(version(p.id, 1)), true);
        const second = version(p.id, 2, { taskId: 't1', conflicts: ['a.txt'], baseVersion: 1 });
        assert.equal(await store.addProjectVersion(second), true);
        assert.equal(await store.addProjectVersion(version(p.id, 2)), false, 'two writers of version 2: the second is refused');
        assert.equal((await store.getProject(p.id))?.latestVersion, 2);
        assert.deepEqual(await store.projectVersion(p.id, 2), second);
        assert.deepEqual(
          (await store.projectVersions(p.id)).map((v) => v.version),
          [2, 1],
        );
        assert.equal(await store.projectVersion(p.id, 3), null);
      });

      it("keeps a task's project", async () => {
        const t = newTask({ projectId: 'p-1' });
        await store.submit(t);
        assert.equal((await store.get(t.id))?.projectId, 'p-1');
        assert.equal((await store.get((await store.submit(newTask())).task.id))?.projectId, null);
      });
    });

    describe('live output', () => {
      const chunk = (taskId: string, attempt: number, seq: number, text: string, stream: 'stdout' | 'stderr' = 'stdout') => ({
        taskId,
        attempt,
        seq,
        stream,
        data: Buffer.from(text),
        at: clock.now(),
      });

      it('keeps chunks in order per task and reads them from any cursor, across attempts', async () => {
        const t = newTask();
        const other = newTask();
        await store.appendOutput([chunk(t.id, 1, 1, 'a'), chunk(t.id, 1, 2, 'b', 'stderr'), chunk(other.id, 1, 1, 'x')]);
        await store.appendOutput([chunk(t.id, 2, 1, 'c'), chunk(t.id, 1, 3, 'd')]);
        const text = (cs: { attempt: number; seq: number; stream: string; data: Buffer }[]) =>
          cs.map((c) => `${c.attempt}.${c.seq}${c.stream[3]}${c.data.toString()}`);
        assert.deepEqual(text(await store.readOutput(t.id, { attempt: 0, seq: 0 }, 100)), ['1.1oa', '1.2eb', '1.3od', '2.1oc']);
        assert.deepEqual(text(await store.readOutput(t.id, { attempt: 1, seq: 2 }, 100)), ['1.3od', '2.1oc']);
        assert.deepEqual(text(await store.readOutput(t.id, { attempt: 1, seq: 0 }, 2)), ['1.1oa', '1.2eb'], 'limit');
        assert.deepEqual(await store.readOutput(t.id, { attempt: 2, seq: 1 }, 100), []);
      });

      it('keeps a chunk appended twice as it was first stored, and binary bytes intact', async () => {
        const t = newTask();
        const bytes = Buffer.from([0, 255, 0xe2, 0x82, 10]);
        await store.appendOutput([{ ...chunk(t.id, 1, 1, ''), data: bytes }]);
        await store.appendOutput([chunk(t.id, 1, 1, 'again'), chunk(t.id, 1, 2, 'next')]);
        const got = await store.readOutput(t.id, { attempt: 0, seq: 0 }, 10);
        assert.deepEqual(
          got.map((c) => c.data),
          [bytes, Buffer.from('next')],
        );
      });

      it('tells output subscribers which task has new chunks', async () => {
        const t = newTask();
        const seen: string[] = [];
        const off = store.subscribeOutput((id) => seen.push(id));
        await store.appendOutput([chunk(t.id, 1, 1, 'a')]);
        off();
        await store.appendOutput([chunk(t.id, 1, 2, 'b')]);
        assert.deepEqual(seen, [t.id]);
      });

      it('purges the output of purged tasks', async () => {
        const t = newTask();
        await store.submit(t);
        const [l] = await store.claim({ workerId: 'w', limit: 1 });
        await store.appendOutput([chunk(t.id, l.attempt, 1, 'a')]);
        await store.finish({ taskId: t.id, attempt: l.attempt }, ok);
        clock.advance(1);
        await store.purgeFinished(clock.now(), 100);
        assert.deepEqual(await store.readOutput(t.id, { attempt: 0, seq: 0 }, 10), []);
      });
    });

    describe('fair share between users', () => {
      it("one user's backlog does not hold another's tasks back at equal priority", async () => {
        for (let i = 0; i < 200; i++) await store.submit(newTask({ userId: 'alice', metadata: { i } }));
        const started: string[] = [];
        const claim = async (n: number) => {
          for (const l of await store.claim({ workerId: 'w', limit: n })) started.push(`${l.task.userId}:${String(l.task.metadata.i)}`);
        };
        await claim(5);
        for (let i = 0; i < 10; i++) await store.submit(newTask({ userId: 'bob', metadata: { i } }));
        while (started.filter((s) => s.startsWith('bob')).length < 10) await claim(4);
        const lastBob = started.lastIndexOf('bob:9');
        assert.ok(lastBob < 5 + 22, `bob's 10 tasks started within ~20 task starts of his submit, not after 200 (${started.join(' ')})`);
        assert.deepEqual(
          started.filter((s) => s.startsWith('bob')),
          Array.from({ length: 10 }, (_, i) => `bob:${i}`),
          'FIFO within a user',
        );
        assert.deepEqual(
          started.filter((s) => s.startsWith('alice')),
          started.filter((s) => s.startsWith('alice')).map((_, i) => `alice:${i}`),
        );
      });

      it('forgets the ranks of users whose tasks have all been leased, without changing the order', async () => {
        for (const u of ['p1', 'p2', 'p3']) await store.submit(newTask({ userId: u }));
        const ahead = newTask({ userId: 'p4' });
        await store.submit(ahead);
        await store.submit(newTask({ userId: 'p4' }));
        await store.claim({ workerId: 'w', limit: 4 }); // p1, p2, p3 and p4's first: the clock passes them
        assert.ok((await store.purgeFairShare()) >= 3, 'p1, p2 and p3 are forgotten');
        assert.equal(await store.purgeFairShare(), 0, 'p4 still has a task ranked ahead of the clock');
        // A forgotten user is ranked as a new one: after p4's waiting task, interleaved.
        const p1 = newTask({ userId: 'p1' });
        await store.submit(p1);
        const order = (await store.claim({ workerId: 'w', limit: 2 })).map((l) => l.task.userId);
        assert.deepEqual(order, ['p4', 'p1']);
      });
      it('priority still comes first', async () => {
        for (let i = 0; i < 20; i++) await store.submit(newTask({ userId: 'alice' }));
        const urgent = newTask({ userId: 'bob', priority: 9 });
        await store.submit(urgent);
        const [first] = await store.claim({ workerId: 'w', limit: 1 });
        assert.equal(first.task.id, urgent.id);
      });

      it('priority aging: a low-priority task is not starved by a stream of urgent ones', async () => {
        const low = newTask({ priority: 0 });
        await store.submit(low);
        let rounds = 0;
        for (; rounds < 100; rounds++) {
          await store.submit(newTask({ priority: 9 }));
          clock.advance(1000);
          await store.age(2000);
          const [l] = await store.claim({ workerId: 'w', limit: 1 });
          if (l.task.id === low.id) break;
        }
        // Priority 0 + one level per 2 s waited reaches 9 after 18 s (round 17, 0-based); at equal
        // priority the task that has waited longer goes first.
        assert.equal(rounds, 17, `the low-priority task started in round ${rounds}`);
        const t = await store.get(low.id);
        assert.equal(t?.priority, 0, 'the priority the user gave is unchanged');
        assert.equal(await store.age(0), 0, '0 turns aging off');
      });

      it('a local taker is not handed a task that fair share puts behind a ready one', async () => {
        for (let i = 0; i < 3; i++) await store.submit(newTask({ userId: 'alice' }));
        const got: (Lease | null)[] = [];
        store.attachTaker({ workerId: 'local', offer: () => (l) => got.push(l) });
        await store.submit(newTask({ userId: 'bob' }));
        // A store may offer first and then hand nothing (null): the slot is the taker's again.
        assert.deepEqual(got.filter(Boolean), [], "bob's task ranks with alice's next one, which came first");
      });
    });

    describe('direct dispatch to a local taker', () => {
      /** A taker with `slots` free slots; how often it was asked, and the leases it got (an
       *  offer answered with null gives its slot back, as WorkerPool's does). */
      function taker(slots: number, queues?: string[]) {
        const got: Lease[] = [];
        const k = {
          offers: 0,
          got,
          taker: {
            workerId: 'local',
            queues,
            offer: () => {
              k.offers++;
              if (slots <= 0) return null;
              slots--;
              return (lease: Lease | null) => {
                if (lease) got.push(lease);
                else slots++;
              };
            },
          } satisfies LocalTaker,
        };
        return k;
      }

      it('hands a submitted task to a taker with a free slot: leased at once, no claim, both history rows', async () => {
        const k = taker(1);
        store.attachTaker(k.taker);
        const t = newTask();
        const { task, handedOff } = await store.submit(t);
        assert.equal(task.status, 'PENDING', 'the submitter sees the task as submitted');
        assert.equal(handedOff, true);
        assert.equal(k.got.length, 1);
        const lease = k.got[0]!;
        assert.equal(lease.task.id, t.id);
        assert.equal(lease.attempt, 1);
        assert.equal(lease.workerId, 'local');
        assert.equal(lease.expiresAt, clock.now() + t.visibilityTimeout * 1000);
        const stored = await store.get(t.id);
        assert.equal(stored?.status, 'RUNNING');
        assert.equal(stored?.workerId, 'local');
        assert.deepEqual(await store.claim({ workerId: 'other', limit: 10 }), [], 'nothing left to claim');
        assert.deepEqual(
          (await store.history(t.id)).map((h) => [h.status, h.attempt, h.workerId, h.reason]),
          [
            ['PENDING', 0, null, 'submitted'],
            ['RUNNING', 1, 'local', 'handed to an idle worker at submit'],
          ],
        );
        assert.equal((await store.finish({ taskId: t.id, attempt: 1 }, ok))?.status, 'SUCCESS');
      });

      it('never lets a task jump ahead of a ready task that a claim would take first', async () => {
        const waiting = newTask({ priority: 5 });
        await store.submit(waiting);
        const k = taker(5);
        store.attachTaker(k.taker);
        const same = newTask({ priority: 5 });
        await store.submit(same);
        assert.equal(k.got.length, 0, 'FIFO within a priority: the earlier task goes first');
        assert.equal((await store.get(same.id))?.status, 'PENDING');
        const higher = newTask({ priority: 9 });
        await store.submit(higher);
        assert.equal(k.got[0]?.task.id, higher.id, 'a higher priority may go first');
      });

      it('a task in backoff is not ahead; a taker of other queues or without a free slot is passed by', async () => {
        const k = taker(0);
        const other = taker(3, ['gpu']);
        store.attachTaker(other.taker);
        store.attachTaker(k.taker);
        const t = newTask();
        await store.submit(t);
        assert.equal(other.offers, 0, 'the gpu taker is not asked for the default queue');
        assert.equal(k.offers, 1);
        assert.equal((await store.get(t.id))?.status, 'PENDING');
        const [l] = await store.claim({ workerId: 'w', limit: 1 });
        await store.finish({ taskId: l.task.id, attempt: l.attempt }, failed());
        assert.equal((await store.get(t.id))?.status, 'PENDING', 'in backoff');
        const gpu = newTask({ queue: 'gpu' });
        await store.submit(gpu);
        assert.equal(other.got[0]?.task.id, gpu.id, 'a retry waiting out its backoff does not hold a new task back');
      });

      it('a task the database refuses gives the slot it was offered back', async () => {
        const k = taker(1);
        store.attachTaker(k.taker);
        // A real refusal by the database (command NOT NULL), after the taker's slot was offered.
        const refused = { ...newTask(), command: null } as unknown as NewTask;
        await assert.rejects(store.submit(refused));
        assert.equal(await store.get(refused.id), null);
        const t = newTask();
        const { handedOff } = await store.submit(t);
        assert.equal(handedOff, true, 'the slot is free again');
        assert.equal(k.got[0]?.task.id, t.id);
      });

      it('detached takers are not offered anything', async () => {
        const k = taker(1);
        const detach = store.attachTaker(k.taker);
        detach();
        await store.submit(newTask());
        assert.equal(k.offers, 0);
      });
    });

    describe('per-user limits', () => {
      it("counts a user's pending and running tasks, up to the bound asked", async () => {
        for (let i = 0; i < 5; i++) await store.submit(newTask({ userId: 'a' }));
        await store.submit(newTask({ userId: 'b' }));
        await store.claim({ workerId: 'w', limit: 3 }); // fair share: a, b, a
        const a = await store.userLoad('a', 100);
        assert.deepEqual(a, { pending: 3, running: 2 });
        assert.deepEqual(await store.userLoad('a', 2), { pending: 2, running: 2 });
        assert.deepEqual(await store.userLoad('nobody', 10), { pending: 0, running: 0 });
      });

      it('a claim keeps each user within maxRunningPerUser across claims and workers, others go first', async () => {
        for (let i = 0; i < 4; i++) await store.submit(newTask({ userId: 'a' }));
        for (let i = 0; i < 2; i++) await store.submit(newTask({ userId: 'b' }));
        const first = await store.claim({ workerId: 'w1', limit: 10, maxRunningPerUser: 1 });
        assert.deepEqual(first.map((l) => l.task.userId).sort(), ['a', 'b']);
        assert.deepEqual(await store.claim({ workerId: 'w2', limit: 10, maxRunningPerUser: 1 }), [], 'both at the limit');
        const a = first.find((l) => l.task.userId === 'a')!;
        await store.finish({ taskId: a.task.id, attempt: a.attempt }, ok);
        const next = await store.claim({ workerId: 'w2', limit: 10, maxRunningPerUser: 1 });
        assert.deepEqual(
          next.map((l) => l.task.userId),
          ['a'],
        );
        assert.equal((await store.claim({ workerId: 'w2', limit: 10 })).length, 3, 'without the limit the rest is claimable');
      });

      it('a taker is not handed a task of a user at the limit', async () => {
        await store.submit(newTask({ userId: 'a' }));
        await store.claim({ workerId: 'w', limit: 1 });
        const got: (Lease | null)[] = [];
        store.attachTaker({ workerId: 'local', maxRunningPerUser: 1, offer: () => (l) => got.push(l) });
        const r = await store.submit(newTask({ userId: 'b' }));
        assert.equal(r.handedOff, true);
        const r2 = await store.submit(newTask({ userId: 'a' }));
        assert.equal(r2.handedOff ?? false, false, 'a already runs one');
        assert.equal((await store.get(r2.task.id))?.status, 'PENDING');
      });
    });

    describe('keys, secrets and audit', () => {
      it('stores keys by hash, finds, lists and revokes them', async () => {
        const k = await store.createKey({ id: uuidv7(), hash: 'h1', prefix: 'hk_abc', userId: 'alice', scope: 'user', name: 'laptop' });
        assert.equal(k.createdAt, clock.now());
        assert.equal(k.revokedAt, null);
        await store.createKey({ id: uuidv7(), hash: 'h2', prefix: 'hk_def', userId: 'root', scope: 'admin', name: null });
        assert.equal((await store.keyByHash('h1'))?.id, k.id);
        assert.equal(await store.keyByHash('nope'), null);
        assert.deepEqual(
          (await store.listKeys({ userId: 'alice' })).map((x) => x.id),
          [k.id],
        );
        assert.equal((await store.listKeys({})).length, 2);
        await assert.rejects(
          store.createKey({ id: uuidv7(), hash: 'h1', prefix: 'x', userId: 'x', scope: 'user', name: null }),
          'a hash is unique',
        );
        clock.advance(5);
        const revoked = await store.revokeKey(k.id);
        assert.equal(revoked?.revokedAt, clock.now());
        clock.advance(5);
        assert.equal((await store.revokeKey(k.id))?.revokedAt, clock.now() - 5, 'the first revocation time stays');
        assert.equal((await store.keyByHash('h1'))?.revokedAt, clock.now() - 5);
        assert.equal(await store.revokeKey(uuidv7()), null);
        await store.touchKey(k.id, 123);
        assert.equal((await store.keyByHash('h1'))?.lastUsedAt, 123);
      });

      it('keeps a key sealed for AWS signing, found by its id (revoked or not); older keys have none', async () => {
        const signer = await store.createKey({
          id: uuidv7(),
          hash: 'hs1',
          prefix: 'hk_sig',
          userId: 'alice',
          scope: 'user',
          name: null,
          sealedKey: 'sealed-bytes',
        });
        assert.equal('sealedKey' in signer, false, 'a key record never carries its sealed key');
        const old = await store.createKey({ id: uuidv7(), hash: 'hs2', prefix: 'hk_old', userId: 'bob', scope: 'admin', name: 'old' });
        const found = await store.signingKey(signer.id);
        assert.deepEqual(found, { key: signer, sealedKey: 'sealed-bytes' });
        assert.deepEqual(await store.signingKey(old.id), { key: old, sealedKey: null });
        assert.equal(await store.signingKey(uuidv7()), null);
        assert.equal(
          (await store.listKeys({ userId: 'alice' })).some((k) => 'sealedKey' in k),
          false,
          'lists never carry sealed keys',
        );
        clock.advance(7);
        await store.revokeKey(signer.id);
        const revoked = await store.signingKey(signer.id);
        assert.equal(revoked?.key.revokedAt, clock.now(), 'the caller sees the revocation');
        assert.equal(revoked?.sealedKey, 'sealed-bytes');
      });

      it('keeps secrets per user: create, replace, read by name, delete', async () => {
        const a = await store.putSecret('alice', 'TOKEN', 'c1');
        assert.equal(a.created, true);
        clock.advance(10);
        const b = await store.putSecret('alice', 'TOKEN', 'c2');
        assert.equal(b.created, false);
        assert.equal(b.secret.ciphertext, 'c2');
        assert.equal(b.secret.createdAt, a.secret.createdAt);
        assert.equal(b.secret.updatedAt, clock.now());
        await store.putSecret('alice', 'OTHER', 'c3');
        await store.putSecret('bob', 'TOKEN', 'c4');
        assert.deepEqual(
          (await store.secretsOf('alice')).map((x) => x.name),
          ['OTHER', 'TOKEN'],
        );
        assert.deepEqual(
          (await store.secretsOf('alice', ['TOKEN', 'MISSING'])).map((x) => x.ciphertext),
          ['c2'],
        );
        assert.deepEqual(
          (await store.secretsOf('bob', ['TOKEN'])).map((x) => x.ciphertext),
          ['c4'],
        );
        assert.equal(await store.deleteSecret('alice', 'TOKEN'), true);
        assert.equal(await store.deleteSecret('alice', 'TOKEN'), false);
        assert.equal((await store.secretsOf('bob')).length, 1);
      });

      it('appends, queries (filters, newest first, cursor) and purges audit entries', async () => {
        const e = (at: number, actor: string, action: string) => ({
          at,
          actor,
          keyId: null,
          action,
          target: 't',
          source: '127.0.0.1',
          outcome: '201',
          detail: { n: at },
        });
        await store.appendAudit([e(1, 'alice', 'POST /tasks'), e(2, 'bob', 'POST /tasks'), e(3, 'alice', 'task.execute')]);
        await store.appendAudit([e(4, 'alice', 'POST /tasks')]);
        const all = await store.queryAudit({ limit: 10 });
        assert.deepEqual(
          all.items.map((x) => x.at),
          [4, 3, 2, 1],
        );
        assert.deepEqual(all.items[0].detail, { n: 4 });
        assert.deepEqual(
          (await store.queryAudit({ actor: 'alice', action: 'POST /tasks', limit: 10 })).items.map((x) => x.at),
          [4, 1],
        );
        assert.deepEqual(
          (await store.queryAudit({ since: 2, until: 4, limit: 10 })).items.map((x) => x.at),
          [3, 2],
        );
        const p1 = await store.queryAudit({ limit: 3 });
        assert.ok(p1.nextCursor);
        assert.deepEqual(
          (await store.queryAudit({ limit: 3, after: p1.nextCursor! })).items.map((x) => x.at),
          [1],
        );
        assert.equal(await store.purgeAudit(3, 100), 2);
        assert.deepEqual(
          (await store.queryAudit({ limit: 10 })).items.map((x) => x.at),
          [4, 3],
        );
      });

      it("writes an execution's audit entry with its outcome: alone, together, a retry; not a stale attempt's", async () => {
        const audited = (o: Outcome, at: number): Outcome => ({
          ...o,
          audit: { at, actor: 'user123', source: 'w', outcome: o.status, detail: { attempt: 1, runMs: 5 } },
        });
        for (let i = 0; i < 4; i++) await store.submit(newTask());
        const [alone, ...together] = await store.claim({ workerId: 'w', limit: 4 });
        const retried = together.pop()!;
        assert.equal((await store.finish({ taskId: alone.task.id, attempt: alone.attempt }, audited(ok, 11)))?.status, 'SUCCESS');
        const ends = await Promise.all([
          ...together.map((l) => store.finish({ taskId: l.task.id, attempt: l.attempt }, audited(ok, 12))),
          store.finish({ taskId: retried.task.id, attempt: retried.attempt }, audited(failed(), 13)),
          store.finish({ taskId: alone.task.id, attempt: alone.attempt }, audited(ok, 14)),
        ]);
        assert.deepEqual(
          ends.map((e) => e?.status ?? null),
          ['SUCCESS', 'SUCCESS', 'PENDING', null],
        );
        const entry = async (id: string) => (await store.queryAudit({ action: 'task.execute', target: id, limit: 10 })).items;
        const [a] = await entry(alone.task.id);
        assert.deepEqual(
          { ...a, id: 0 },
          {
            id: 0,
            at: 11,
            actor: 'user123',
            keyId: null,
            action: 'task.execute',
            target: alone.task.id,
            source: 'w',
            outcome: 'SUCCESS',
            detail: { attempt: 1, runMs: 5, next: 'SUCCESS' },
          },
        );
        assert.equal((await entry(alone.task.id)).length, 1, 'the stale second outcome left no entry');
        for (const l of together)
          assert.deepEqual(
            (await entry(l.task.id)).map((e) => [e.at, e.detail?.next]),
            [[12, 'SUCCESS']],
          );
        assert.deepEqual(
          (await entry(retried.task.id)).map((e) => [e.outcome, e.detail?.next]),
          [['FAILED', 'PENDING']],
        );
        // Without one, nothing is audited.
        const t = newTask();
        await store.submit(t);
        // The retry may be due too (full jitter can draw no wait).
        const plain = (await store.claim({ workerId: 'w', limit: 2 })).find((l) => l.task.id === t.id)!;
        assert.equal((await store.finish({ taskId: t.id, attempt: plain.attempt }, ok))?.status, 'SUCCESS');
        assert.equal((await entry(t.id)).length, 0);
      });

      it('audits an attempt the reaper ends: its worker held it and may have run it', async () => {
        const t = newTask({ visibilityTimeout: 10, maxAttempts: 1 });
        await store.submit(t);
        await store.touchWorker('w1', { host: 'h', pid: 1, concurrency: 1 });
        const [lease] = await store.claim({ workerId: 'w1', limit: 1 });
        clock.advance(10_001);
        assert.equal((await store.reap(3_600_000)).expired, 1);
        const items = (await store.queryAudit({ action: 'task.execute', target: t.id, limit: 10 })).items;
        assert.deepEqual(
          items.map((e) => [e.at, e.actor, e.source, e.outcome, e.detail]),
          [
            [
              clock.now(),
              'user123',
              'w1',
              'LEASE_EXPIRED',
              { attempt: lease.attempt, command: 'noop', failure: 'LEASE_EXPIRED', runMs: null, next: 'PENDING' },
            ],
          ],
        );
      });
    });

    describe('claim order on every claim path', () => {
      // Submitted in this order (one ms apart): alice's fair-share ranks are 1..5, bob's 1 and 2.
      const mix: [user: string, priority: number, queue: string][] = [
        ['alice', 1, 'a'],
        ['alice', 1, 'b'],
        ['alice', 5, 'a'],
        ['bob', 1, 'b'],
        ['alice', 1, 'c'],
        ['bob', 5, 'a'],
        ['alice', 9, 'b'],
      ];
      // Priority first, then fair share between users (rank), then FIFO: task 3 (bob's 2nd, rank 2)
      // before 2 (alice's 3rd, rank 3); task 0 (alice, rank 1) before 3 (bob, rank 1, later).
      const expected = [6, 5, 2, 0, 3, 1, 4];
      const paths: [string, Omit<ClaimOptions, 'workerId' | 'limit'>][] = [
        ['any queue', {}],
        ['named queues (--queues)', { queues: ['a', 'b'] }],
        ['under a per-user limit', { maxRunningPerUser: 100 }],
        ['named queues under a per-user limit', { queues: ['a', 'b'], maxRunningPerUser: 100 }],
      ];
      for (const [path, opts] of paths) {
        it(`${path}: priority, then fair share, then FIFO; a batch claim takes the head`, async () => {
          const ids: string[] = [];
          for (const [userId, priority, queue] of mix) {
            const t = newTask({ userId, priority, queue });
            ids.push(t.id);
            await store.submit(t);
            clock.advance(1);
          }
          const want = expected.filter((i) => !opts.queues || opts.queues.includes(mix[i][2])).map((i) => ids[i]);
          const got = (await store.claim({ workerId: 'w', limit: 3, ...opts })).map((l) => l.task.id);
          for (;;) {
            const [l] = await store.claim({ workerId: 'w', limit: 1, ...opts });
            if (!l) break;
            got.push(l.task.id);
          }
          assert.deepEqual(got, want);
        });
      }
    });

    describe('wake-ups: each event that may let a task run wakes the waiting workers', () => {
      /** Counts the wake-ups a worker (WorkerPool subscribes) would get while `during` runs. */
      async function wakesDuring(during: () => Promise<unknown>): Promise<number> {
        let wakes = 0;
        const off = store.subscribe(() => wakes++);
        try {
          await during();
        } finally {
          off();
        }
        return wakes;
      }
      const claimIds = async (limit = 10) => (await store.claim({ workerId: 'w', limit })).map((l) => l.task.id);

      it('cancel of a pending lane head: the next task of its lane may run', async () => {
        // The head waits in another queue than the waiting worker's (or in backoff): x2 is held by it.
        const x1 = newTask({ lane: 'x', queue: 'gpu' });
        const x2 = newTask({ lane: 'x' });
        for (const t of [x1, x2]) await store.submit(t);
        assert.deepEqual(await store.claim({ workerId: 'w', limit: 10, queues: ['default'] }), [], 'x2 waits for x1');
        assert.ok((await wakesDuring(() => store.cancel(x1.id))) > 0, 'woken, not left to the fallback poll');
        assert.deepEqual(await claimIds(), [x2.id]);
      });

      for (const [how, outcome] of [
        ['succeeds', ok],
        ['fails for good', failed(false)],
      ] as const) {
        it(`end of a lane task (it ${how}): the next task of its lane may run`, async () => {
          const [x1, x2] = [newTask({ lane: 'x' }), newTask({ lane: 'x' })];
          for (const t of [x1, x2]) await store.submit(t);
          assert.deepEqual(await claimIds(), [x1.id]);
          assert.ok(
            (await wakesDuring(() => store.finish({ taskId: x1.id, attempt: 1 }, outcome))) > 0,
            'woken, not left to the fallback poll',
          );
          assert.deepEqual(await claimIds(), [x2.id]);
        });
      }

      it('ends of lane tasks recorded together: the next task of each lane may run', async () => {
        const [x1, x2, y1, y2] = [newTask({ lane: 'x' }), newTask({ lane: 'x' }), newTask({ lane: 'y' }), newTask({ lane: 'y' })];
        for (const t of [x1, x2, y1, y2]) await store.submit(t);
        assert.deepEqual(new Set(await claimIds()), new Set([x1.id, y1.id]));
        const wakes = await wakesDuring(() => Promise.all([x1, y1].map((t) => store.finish({ taskId: t.id, attempt: 1 }, ok))));
        assert.ok(wakes > 0, 'woken, not left to the fallback poll');
        assert.deepEqual(new Set(await claimIds()), new Set([x2.id, y2.id]));
      });

      it('backoff end: a retry wakes the workers, who learn its end; a claim that ends more backoffs than it takes wakes the others', async () => {
        const [t1, t2] = [newTask(), newTask()];
        for (const t of [t1, t2]) await store.submit(t);
        const leases = await store.claim({ workerId: 'w', limit: 2 });
        let end = 0;
        const wakes = await wakesDuring(async () => {
          for (const l of leases) end = Math.max(end, (await store.finish({ taskId: l.task.id, attempt: l.attempt }, failed()))!.runAfter!);
        });
        assert.ok(wakes > 0, 'a worker waiting for work re-reads the next backoff end (WorkerPool.armBackoffTimer)');
        assert.equal(await store.nextRunAfter(), end);
        assert.deepEqual(await claimIds(), [], 'not before its backoff');
        clock.advance(end - clock.now());
        assert.ok((await wakesDuring(() => claimIds(1))) > 0, 'the other retry is ready too: the other workers look');
        assert.equal((await claimIds()).length, 1);
      });

      it('redrive: the dead-lettered task may run again', async () => {
        const t = newTask({ maxAttempts: 1 });
        await store.submit(t);
        await claimIds();
        await store.finish({ taskId: t.id, attempt: 1 }, failed());
        assert.equal((await store.get(t.id))?.deadLettered, true);
        assert.ok((await wakesDuring(() => store.redrive(t.id))) > 0, 'woken, not left to the fallback poll');
        assert.deepEqual(await claimIds(), [t.id]);
      });
    });

    it('wakes subscribers when work becomes ready', async () => {
      let wakes = 0;
      const off = store.subscribe(() => wakes++);
      await store.submit(newTask());
      assert.ok(wakes >= 1);
      off();
      const before = wakes;
      await store.submit(newTask());
      assert.equal(wakes, before);
    });

    it('declares its capabilities as booleans and answers health() with its shape', async () => {
      for (const c of ['crossProcessWakeups', 'pushDispatch', 'sharedRequestCounts'] as const)
        assert.equal(typeof store.capabilities[c], 'boolean', c);
      const h = await store.health();
      assert.deepEqual(Object.keys(h).sort(), ['autovacuum', 'clockOffsetMs']);
      assert.ok(Number.isFinite(h.clockOffsetMs));
      assert.ok(h.autovacuum === null || typeof h.autovacuum === 'boolean');
    });
  });
}
