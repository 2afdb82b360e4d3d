/**
 * What only a shared database brings: several stores (as several processes) on one schema,
 * migrating, waking and claiming at the same time.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { Lease, LocalTaker } from '../../src/core/index.ts';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.ts';
import { ManualClock, newTask } from '../conformance/store.ts';
import type { Outcome } from '../../src/core/index.ts';

const OK: Outcome = {
  status: 'SUCCESS',
  summary: null,
  failure: null,
  resultJson: null,
  resultKey: null,
  stdoutKey: null,
  stderrKey: null,
};
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';
import { privatePostgresProblems, startPrivatePostgres } from '../helpers/private-postgres.ts';

const stores: PostgresStore[] = [];
let lastSchema = '';
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await dropTestSchemas();
});

/** `n` stores on one fresh schema, opened at the same time. */
async function storesOnOneSchema(n: number, opts: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore[]> {
  const schema = (lastSchema = freshSchema('hangar_x'));
  const opened = await Promise.all(
    Array.from({ length: n }, () => PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4, ...opts })),
  );
  stores.push(...opened);
  return opened;
}

describe('PostgresStore across processes', () => {
  it('stores that migrate one fresh schema at once all succeed, and migrate it once', async () => {
    const [a, b, c] = await storesOnOneSchema(3);
    await a.submit(newTask());
    assert.equal((await b.counts()).PENDING, 1);
    assert.equal((await c.activeCounts()).pending, 1);
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      // Every migration applied (versions are the primary key: each at most once).
      const files = readdirSync(new URL('../../src/store/postgres/migrations/', import.meta.url)).filter((f) => f.endsWith('.sql'));
      const r = await client.query(`SELECT count(*)::int AS n FROM ${lastSchema}.schema_migrations`);
      assert.equal(r.rows[0].n, files.length);
    } finally {
      await client.end();
    }
  });

  it("a subscriber is woken by another store's submit (LISTEN/NOTIFY)", async () => {
    const [listening, submitting] = await storesOnOneSchema(2);
    let woken = 0;
    listening.subscribe(() => woken++);
    // LISTEN starts with the first subscriber, asynchronously: submit until a wake-up arrives.
    for (let i = 0; i < 50 && woken === 0; i++) {
      await submitting.submit(newTask());
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(woken > 0, 'woken through the database');
  });

  it('stores claiming one queue at once never lease a task twice, and together lease all', async () => {
    const [a, b] = await storesOnOneSchema(2);
    const n = 200;
    for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, () => a.submit(newTask())));
    const leased: string[] = [];
    const drain = async (store: PostgresStore, workerId: string) => {
      for (;;) {
        const leases = await store.claim({ workerId, limit: 5 });
        if (leases.length === 0) return;
        leased.push(...leases.map((l) => l.task.id));
      }
    };
    await Promise.all([a, b].flatMap((s, i) => [0, 1, 2, 3].map((j) => drain(s, `w${i}${j}`))));
    assert.equal(leased.length, n);
    assert.equal(new Set(leased).size, n);
    assert.deepEqual(await b.activeCounts(), { pending: 0, running: n });
  });

  it('concurrent limited claims from two stores keep every user within maxRunningPerUser', async () => {
    const [a, b] = await storesOnOneSchema(2);
    for (let u = 0; u < 6; u++) for (let i = 0; i < 5; i++) await a.submit(newTask({ userId: `u${u}` }));
    const leased: string[] = [];
    await Promise.all(
      [a, b, a, b].map(async (store, i) => {
        for (let round = 0; round < 5; round++) {
          const leases = await store.claim({ workerId: `w${i}`, limit: 3, maxRunningPerUser: 2 });
          leased.push(...leases.map((l) => String(l.task.userId)));
        }
      }),
    );
    const perUser = new Map<string, number>();
    for (const u of leased) perUser.set(u, (perUser.get(u) ?? 0) + 1);
    assert.equal(leased.length, 12, 'two for each of six users');
    assert.ok(
      [...perUser.values()].every((c) => c === 2),
      JSON.stringify([...perUser]),
    );
  });

  it('same idempotency key submitted through two stores at once: one task', async () => {
    const [a, b] = await storesOnOneSchema(2);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).submit(newTask({ idempotencyKey: 'k', requestHash: 'h' }))),
    );
    assert.equal(new Set(results.map((r) => r.task.id)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
  });

  it('two reapers at once expire each lease once', async () => {
    const clock = new ManualClock();
    const [a, b] = await storesOnOneSchema(2, { clock });
    for (let i = 0; i < 40; i++) await a.submit(newTask({ visibilityTimeout: 1 }));
    await a.claim({ workerId: 'w', limit: 40 });
    clock.advance(1000);
    const [ra, rb] = await Promise.all([a.reap(3_600_000), b.reap(3_600_000)]);
    assert.equal(ra.expired + rb.expired, 40);
    assert.equal((await a.activeCounts()).pending, 40);
    const [t] = (await a.list({ limit: 1 })).items;
    assert.deepEqual(
      (await a.history(t.id)).map((h) => h.status),
      ['PENDING', 'RUNNING', 'PENDING'],
    );
  });

  it("a backoff that ends in another process's retry is claimed within a second, or at once after nextRunAfter", async () => {
    const clock = new ManualClock();
    const [a, b] = await storesOnOneSchema(2, { clock, random: () => 0.5 });
    const FAILED: Outcome = {
      ...OK,
      status: 'FAILED',
      failure: { code: 'NON_ZERO_EXIT', message: 'exit 1', retryable: true, exitCode: 1 },
    };
    const retried = async () => {
      const t = newTask();
      await a.submit(t);
      const [l] = await a.claim({ workerId: 'wa', limit: 1 });
      assert.equal((await a.finish({ taskId: t.id, attempt: l.attempt }, FAILED))?.runAfter, clock.now() + 500);
      return t;
    };
    // b has looked at the queue just now, and knows nothing of a's retry.
    const first = await retried();
    assert.deepEqual(await b.claim({ workerId: 'wb', limit: 1 }), []);
    clock.advance(500);
    assert.deepEqual(await b.claim({ workerId: 'wb', limit: 1 }), [], 'its backoff has ended, but b has not looked for a second');
    clock.advance(500);
    assert.equal((await b.claim({ workerId: 'wb', limit: 1 }))[0]?.task.id, first.id, 'a second on, it has');
    // Told by nextRunAfter (what an idle worker asks), b looks as soon as that time comes.
    const second = await retried();
    assert.equal(await b.nextRunAfter(), clock.now() + 500);
    clock.advance(500);
    assert.equal((await b.claim({ workerId: 'wb', limit: 1 }))[0]?.task.id, second.id);
  });

  it("a lane's next task wakes other processes when the one before it ends, however it ends", async () => {
    const [worker, listening] = await storesOnOneSchema(2);
    let woken = 0;
    listening.subscribe(() => woken++);
    const settle = () => new Promise((r) => setTimeout(r, 300));
    const lane = [newTask({ lane: 'l' }), newTask({ lane: 'l' }), newTask({ lane: 'l' }), newTask({ lane: 'l' })];
    for (const t of lane) await worker.submit(t);
    // LISTEN starts with the first subscriber, asynchronously: until it hears the submits.
    for (let i = 0; i < 50 && woken === 0; i++) {
      await worker.submit(newTask());
      await settle();
    }
    assert.ok(woken > 0, 'listening');
    const ends: [string, () => Promise<unknown>][] = [
      ['success', async () => worker.finish(await leaseOf(lane[0].id), { ...OK })],
      [
        'failure, final',
        async () =>
          worker.finish(await leaseOf(lane[1].id), {
            ...OK,
            status: 'FAILED',
            failure: { code: 'NON_ZERO_EXIT', message: 'exit 1', retryable: false },
          }),
      ],
      ['cancel while pending', async () => worker.cancel(lane[2].id)],
    ];
    async function leaseOf(id: string) {
      const leases = await worker.claim({ workerId: 'w', limit: 10 });
      const l = leases.find((x) => x.task.id === id);
      assert.ok(l, `${id} leased`);
      return { taskId: id, attempt: l.attempt };
    }
    for (const [how, end] of ends) {
      await settle();
      woken = 0;
      await end();
      for (let i = 0; i < 20 && woken === 0; i++) await settle();
      assert.ok(woken > 0, `woken after a ${how}`);
    }
  });

  it("a host whose clock runs 10 minutes slow keeps time in the database's clock: its leases are not reaped early", async () => {
    const slow = { now: () => Date.now() - 600_000 };
    const [reaper] = await storesOnOneSchema(1);
    const open = (syncClock: boolean) =>
      PostgresStore.open({ url: TEST_DATABASE_URL, schema: lastSchema, poolSize: 2, clock: slow, syncClock });
    const [synced, unsynced] = await Promise.all([open(true), open(false)]);
    stores.push(synced, unsynced);
    assert.ok(Math.abs(synced.clockOffsetMs - 600_000) < 1000, `offset measured: ${synced.clockOffsetMs} ms`);
    assert.equal(unsynced.clockOffsetMs, 0);
    // Each slow host submits and leases a task of a 60 s visibility timeout; a reaper on a host
    // with a true clock then looks for expired leases.
    const kept = newTask({ visibilityTimeout: 60 });
    const lost = newTask({ visibilityTimeout: 60 });
    await synced.submit(kept);
    const [lease] = await synced.claim({ workerId: 'slow-synced', limit: 1 });
    assert.equal(lease.task.id, kept.id);
    assert.ok(Math.abs(lease.expiresAt - (Date.now() + 60_000)) < 2000, "the lease runs 60 s of the database's time");
    await unsynced.submit(lost);
    const [stale] = await unsynced.claim({ workerId: 'slow-unsynced', limit: 1 });
    assert.equal(stale.task.id, lost.id);
    const reaped = await reaper.reap(3_600_000);
    // The host clock alone puts the unsynced lease 9 minutes in the past: the reaper takes it
    // back at once (what syncing prevents); the synced one runs on.
    assert.equal(reaped.expired, 1);
    assert.equal((await reaper.get(kept.id))?.status, 'RUNNING');
    assert.equal((await reaper.get(lost.id))?.status, 'PENDING');
    assert.ok(Math.abs((await reaper.get(kept.id))!.createdAt - Date.now()) < 5000, "timestamps are in the database's time");
  });
});

/** A taker with `free` slots that records the leases it is handed. */
function recordingTaker(workerId: string, free: number, queues?: string[]): LocalTaker & { got: Lease[]; free: number } {
  const t = {
    workerId,
    queues,
    free,
    got: [] as Lease[],
    offer: () => {
      if (t.free <= 0) return null;
      t.free--;
      return (lease: Lease | null) => {
        if (lease) t.got.push(lease);
        else t.free++;
      };
    },
  };
  return t;
}

async function offeredSlots(workerId: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const r = await client.query(`SELECT slots FROM ${lastSchema}.worker_offers WHERE worker_id = $1`, [workerId]);
    return r.rows.length ? Number(r.rows[0].slots) : null;
  } finally {
    await client.end();
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Two stores on one schema: `worker`, whose taker w1 (`free` slots) offers `slots` of them,
 *  and `api`, to submit through; once the offer is written. */
async function offering(free: number, slots: number, opts: Partial<PostgresStoreOptions> = {}, queues?: string[]) {
  const [worker, api] = await storesOnOneSchema(2, opts);
  const taker = recordingTaker('w1', free, queues);
  const detach = worker.attachTaker(taker);
  worker.advertise('w1', slots, 60_000);
  await until('the offer', async () => (await offeredSlots('w1')) === slots);
  return { worker, api, taker, detach };
}

describe('PostgresStore grouped submits (many in flight in one process)', () => {
  it('submits in flight together are each stored once, with history and fair-share ranks in submit order', async () => {
    const [store, other] = await storesOnOneSchema(2);
    const tasks = Array.from({ length: 300 }, (_, i) => newTask({ userId: i % 3 === 0 ? 'bob' : 'alice', metadata: { i } }));
    const results = await Promise.all(tasks.map((t) => store.submit(t)));
    assert.deepEqual(
      results.map((r) => [r.task.id, r.created, r.task.status]),
      tasks.map((t) => [t.id, true, 'PENDING']),
    );
    assert.equal((await other.activeCounts()).pending, 300);
    for (const t of [tasks[0], tasks[150], tasks[299]])
      assert.deepEqual(
        (await other.history(t.id)).map((h) => h.reason),
        ['submitted'],
      );
    // Claimed one at a time: FIFO within each user, and the users interleave (fair share)
    // as they would had each submit been its own statement.
    const started: string[] = [];
    for (;;) {
      const got = await other.claim({ workerId: 'w', limit: 50 });
      if (got.length === 0) break;
      started.push(...got.map((l) => `${l.task.userId}:${String(l.task.metadata.i)}`));
    }
    const order = (u: string) => started.filter((s) => s.startsWith(u)).map((s) => Number(s.split(':')[1]));
    assert.deepEqual(
      order('alice'),
      tasks.filter((t) => t.userId === 'alice').map((t) => Number(t.metadata.i)),
    );
    assert.deepEqual(
      order('bob'),
      tasks.filter((t) => t.userId === 'bob').map((t) => Number(t.metadata.i)),
    );
    assert.ok(
      started.slice(0, 20).some((s) => s.startsWith('bob')),
      `bob is not behind all of alice's tasks (${started.slice(0, 20).join(' ')})`,
    );
  });

  it("while this process's workers have no free slot, a burst of submits is grouped, not a statement each", async () => {
    // The tell: a submit that goes in as a statement of its own is pushed to a worker offering
    // slots elsewhere; a grouped one goes in PENDING. One connection each, so statements of
    // their own would run one after another and every one would find the offer.
    const { api, detach } = await offering(300, 300, { poolSize: 1 });
    api.attachTaker(recordingTaker('busy', 0));
    const results = await Promise.all(Array.from({ length: 300 }, () => api.submit(newTask())));
    const pushed = results.filter((r) => r.handedOff).length;
    assert.ok(pushed <= 2, `${pushed} of 300 went in alone (and were pushed)`);
    assert.equal((await api.activeCounts()).pending + (await api.activeCounts()).running, 300);
    detach();
  });

  it('one task the database refuses fails alone; the others of its group are stored', async () => {
    const [store] = await storesOnOneSchema(1);
    const good = Array.from({ length: 40 }, () => newTask());
    const bad = newTask({ timeout: 1e12 }); // out of an INTEGER's range
    const settled = await Promise.allSettled([...good.slice(0, 20), bad, ...good.slice(20)].map((t) => store.submit(t)));
    assert.equal(settled.filter((s) => s.status === 'rejected').length, 1);
    assert.equal(settled[20].status, 'rejected');
    assert.equal((await store.activeCounts()).pending, 40);
    assert.equal(await store.get(bad.id), null);
  });
});

describe('PostgresStore push dispatch (a submit in one process, an idle worker in another)', () => {
  it('a submit leases the task to an offered slot and the worker gets it with no claim; then offers run out', async () => {
    const { api, taker } = await offering(5, 2);

    const first = await api.submit(newTask({ env: { A: 'x' }, metadata: { n: 1, tags: ['a'] }, args: ['-c', 'true'], secrets: ['S'] }));
    assert.equal(first.handedOff, true);
    assert.equal(first.task.status, 'PENDING', 'the submitter sees it as submitted');
    await until('the pushed lease', () => taker.got.length === 1);
    assert.equal(taker.got[0].task.id, first.task.id);
    assert.equal(taker.got[0].attempt, 1);
    const row = await api.get(first.task.id);
    // The notification carried the row: the worker's task is the stored one, field by field.
    assert.deepEqual(taker.got[0].task, row);
    assert.equal(row?.status, 'RUNNING');
    assert.equal(row?.workerId, 'w1');
    assert.deepEqual(
      (await api.history(first.task.id)).map((h) => [h.status, h.reason]),
      [
        ['PENDING', 'submitted'],
        ['RUNNING', 'pushed to an idle worker at submit'],
      ],
    );

    // A row too large for a notification's payload: the worker reads it.
    const big = await api.submit(newTask({ metadata: { blob: 'x'.repeat(7500) } }));
    assert.equal(big.handedOff, true);
    await until('the second lease', () => taker.got.length === 2);
    assert.deepEqual(taker.got[1].task, await api.get(big.task.id));
    assert.equal(await offeredSlots('w1'), 0);
    const third = await api.submit(newTask());
    assert.equal(third.handedOff, undefined, 'no slot offered: it waits for a claim');
    assert.equal((await api.get(third.task.id))?.status, 'PENDING');
    assert.equal(taker.got.length, 2);
  });

  it('no push past a ready task, to another queue, of a lane, or to an offer whose worker is gone or expired', async () => {
    const clock = new ManualClock();
    const { worker, api, taker } = await offering(10, 3, { clock }, ['fast']);

    assert.equal((await api.submit(newTask({ queue: 'slow', priority: 1 }))).handedOff, undefined, 'other queue');
    // Higher priorities than the task above, so only the lane rule keeps it from a push.
    assert.equal((await api.submit(newTask({ queue: 'fast', priority: 5, lane: 'term-1' }))).handedOff, undefined, "a lane's task");
    // The lane's task is ready (PENDING): a later task of the same priority must not pass it.
    assert.equal((await api.submit(newTask({ queue: 'fast', priority: 5 }))).handedOff, undefined, 'a ready task is ahead');
    // A higher priority goes first, pushed.
    const urgent = await api.submit(newTask({ queue: 'fast', priority: 9 }));
    assert.equal(urgent.handedOff, true);
    await until('the urgent lease', () => taker.got.length === 1);

    // Expired: the worker stopped renewing its offer.
    clock.advance(60_001);
    assert.equal((await api.submit(newTask({ queue: 'fast', priority: 9 }))).handedOff, undefined, 'expired offer');
    clock.advance(-60_001);
    // Its listening session is gone (a killed worker): never pushed to.
    await worker.close();
    stores.splice(stores.indexOf(worker), 1);
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`INSERT INTO ${lastSchema}.worker_offers VALUES ('dead', 1, 5, NULL, 2147483000, $1)`, [clock.now() + 60_000]);
    } finally {
      await client.end();
    }
    assert.equal((await api.submit(newTask({ queue: 'fast', priority: 9 }))).handedOff, undefined, 'dead listener session');
    assert.equal(await offeredSlots('w1'), null, 'closing withdrew the offer');
  });

  it('a push that finds its worker full is released to the queue, and a withdrawn offer takes nothing', async () => {
    const { worker, api, detach } = await offering(0, 1);
    const pushed = await api.submit(newTask());
    assert.equal(pushed.handedOff, true);
    await until('the release', async () => (await api.get(pushed.task.id))?.status === 'PENDING');
    assert.deepEqual(
      (await api.history(pushed.task.id)).map((h) => h.reason),
      ['submitted', 'pushed to an idle worker at submit', 'released by worker'],
    );
    const [again] = await api.claim({ workerId: 'w2', limit: 1 });
    assert.equal(again.task.id, pushed.task.id);
    assert.equal(again.attempt, 2, 'the attempt number only grows (fencing)');

    worker.advertise('w1', 1, 60_000);
    await until('the new offer', async () => (await offeredSlots('w1')) === 1);
    detach();
    await until('the withdrawal', async () => (await offeredSlots('w1')) === null);
    assert.equal((await api.submit(newTask())).handedOff, undefined);
  });

  it('a push whose notification was lost with the LISTEN session is handed over when the session is back, once', async () => {
    const { api, taker } = await offering(5, 2);
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT listener_pid FROM ${lastSchema}.worker_offers WHERE worker_id = 'w1'`);
      await client.query('SELECT pg_terminate_backend($1)', [rows[0].listener_pid]);
      // The worker withdraws its offer when its session drops ...
      await until('the withdrawal', async () => (await offeredSlots('w1')) === null);
      // ... but a push may have been committed just before, its notification never heard: an
      // offer naming a live session (this client's) stands in for it.
      await client.query(`INSERT INTO ${lastSchema}.worker_offers VALUES ('w1', 999999, 1, NULL, pg_backend_pid(), $1)`, [
        Date.now() + 60_000,
      ]);
      const lost = await api.submit(newTask());
      assert.equal(lost.handedOff, true);
      await until('the lost push handed over', () => taker.got.length === 1);
      assert.equal(taker.got[0].task.id, lost.task.id);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(taker.got.length, 1, 'handed over once');
      // The offer is the worker's own again.
      await until('the renewed offer', async () => (await offeredSlots('w1')) === 2);
    } finally {
      await client.end();
    }
  });

  it('a push heard late is checked against the row first: a task moved on meanwhile is not started', async () => {
    // The worker's clock runs 5 s ahead of the submitter's: every notification looks late.
    const late = new ManualClock();
    late.t = Date.now() + 5000;
    const clock = { now: () => Date.now() };
    const [worker, api] = await Promise.all([
      PostgresStore.open({ url: TEST_DATABASE_URL, schema: (lastSchema = freshSchema('hangar_x')), poolSize: 4, clock: late }),
      PostgresStore.open({ url: TEST_DATABASE_URL, schema: lastSchema, poolSize: 4, clock }),
    ]).then((x) => (stores.push(...x), x));
    const taker = recordingTaker('w1', 5);
    worker.attachTaker(taker);
    worker.advertise('w1', 2, 3_600_000);
    await until('the offer', async () => (await offeredSlots('w1')) === 2);
    // Still as pushed: the row read back confirms it, and it is handed over.
    const ok = await api.submit(newTask());
    await until('the confirmed push', () => taker.got.length === 1);
    assert.equal(taker.got[0].task.id, ok.task.id);
    // Moved on between the notification and its hearing (as if re-queued and leased again):
    // a trigger bumps the attempt in the submit's own transaction, after its row (and the
    // notification's copy of it) was made.
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`CREATE FUNCTION ${lastSchema}.bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE ${lastSchema}.tasks SET attempt = 2 WHERE id = NEW.id; RETURN NULL; END $$`);
      await client.query(`CREATE TRIGGER bump AFTER INSERT ON ${lastSchema}.tasks FOR EACH ROW EXECUTE FUNCTION ${lastSchema}.bump()`);
    } finally {
      await client.end();
    }
    const moved = await api.submit(newTask());
    assert.equal(moved.handedOff, true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(taker.got.length, 1, 'the late notification of a task that moved on started nothing');
  });
});

describe('PostgresStore planner statistics', () => {
  it("a reap refreshes the task table's statistics once they are stale, as autovacuum would", async () => {
    const clock = new ManualClock();
    const [store] = await storesOnOneSchema(1, { clock });
    const analyzed = async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        // On a server whose autovacuum is on it may get there first (not here: it is off).
        const r = await client.query(
          `SELECT coalesce(last_analyze, last_autoanalyze) AS at FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'tasks'`,
          [lastSchema],
        );
        return r.rows[0]?.at ?? null;
      } finally {
        await client.end();
      }
    };
    await store.reap(60_000);
    assert.equal(await analyzed(), null, 'an empty table is left alone');
    for (let i = 0; i < 3; i++) await store.submitMany(Array.from({ length: 1000 }, () => newTask()));
    // The server's statistics views see the inserts once the connections report them (within
    // a second or so of activity); each reap here is a later look.
    await until(
      'an ANALYZE',
      async () => {
        clock.advance(16_000);
        await store.reap(60_000);
        return (await analyzed()) !== null;
      },
      30_000,
    );
  });
});

describe('PostgresStore early commits (a pushed or handed submit)', () => {
  it('is answered only once on disk: a crash right after the answer keeps it, where an unflushed commit is lost', {
    skip: privatePostgresProblems(),
    timeout: 120_000,
  }, async () => {
    // A server of the test's own, where nothing flushes WAL behind the test's back: no
    // autovacuum, no background writer, and (below) its WAL writer stopped.
    const srv = await startPrivatePostgres(['127.0.0.1'], { autovacuum: 'off', bgwriter_lru_maxpages: '0' });
    const opened: PostgresStore[] = [];
    const admin = new pg.Client({ connectionString: srv.url });
    try {
      const open = () => PostgresStore.open({ url: srv.url, schema: 'hangar_early', poolSize: 2 }).then((s) => (opened.push(s), s));
      const worker = await open();
      const api = await open();
      const local = await open();
      // Pushed: worker w1 offers a slot that api's submit takes. Handed: local's own taker w2.
      const pushedTo = recordingTaker('w1', 1);
      worker.attachTaker(pushedTo);
      worker.advertise('w1', 1, 3_600_000);
      const handedTo = recordingTaker('w2', 1);
      local.attachTaker(handedTo);
      await admin.connect();
      await until(
        'the offer',
        async () => (await admin.query(`SELECT 1 FROM hangar_early.worker_offers WHERE slots = 1`)).rows.length === 1,
      );
      await admin.query('CREATE TABLE early_probe (n integer)');
      const walWriter = Number((await admin.query(`SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'`)).rows[0].pid);
      process.kill(walWriter, 'SIGSTOP');
      const pushed = await api.submit(newTask());
      const handed = await local.submit(newTask());
      assert.equal(pushed.handedOff, true, 'pushed to w1');
      assert.equal(handed.handedOff, true, 'handed to w2');
      await until('both started', () => pushedTo.got.length === 1 && handedTo.got.length === 1);
      // The control: a commit that does not wait for its flush, with nothing flushing after it.
      await admin.query('BEGIN; SET LOCAL synchronous_commit = off; INSERT INTO early_probe VALUES (1); COMMIT');
      // A crash: the postmaster ends every process and recovers from the WAL on disk.
      process.kill(walWriter, 'SIGKILL');
      await admin.end().catch(() => {});
      let after: pg.Client | undefined;
      await until(
        'recovery',
        async () => {
          const c = new pg.Client({ connectionString: srv.url });
          try {
            await c.connect();
            await c.query('SELECT 1');
            after = c;
            return true;
          } catch {
            await c.end().catch(() => {});
            return false;
          }
        },
        60_000,
      );
      try {
        assert.equal(
          (await after!.query('SELECT count(*)::int AS n FROM early_probe')).rows[0].n,
          0,
          'the unflushed commit is lost (else this test could not tell)',
        );
        const kept = await after!.query('SELECT id, status FROM hangar_early.tasks ORDER BY id');
        assert.deepEqual(kept.rows.map((r) => r.id).sort(), [pushed.task.id, handed.task.id].sort(), 'both answered submits survive');
      } finally {
        await after!.end();
      }
    } finally {
      await admin.end().catch(() => {});
      await Promise.all(opened.map((s) => s.close().catch(() => {})));
      await srv.close();
    }
  });
});
