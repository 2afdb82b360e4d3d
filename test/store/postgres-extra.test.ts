/**
 * What only a shared database brings: several stores (as several processes) on one schema,
 * migrating, waking and claiming at the same time.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.ts';
import { ManualClock, newTask } from '../conformance/store.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

const stores: PostgresStore[] = [];
let lastSchema = '';
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await dropTestSchemas();
});

/** `n` stores on one fresh schema, opened at the same time. */
async function storesOnOneSchema(n: number, opts: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore[]> {
  const schema = (lastSchema = freshSchema('hangar_x'));
  const opened = await Promise.all(Array.from({ length: n }, () => PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4, ...opts })));
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
    assert.ok([...perUser.values()].every((c) => c === 2), JSON.stringify([...perUser]));
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
    assert.deepEqual((await a.history(t.id)).map((h) => h.status), ['PENDING', 'RUNNING', 'PENDING']);
  });
});
