/** HTTP API route throttles shared across API nodes (throttle-counts.ts), over real PostgreSQL:
 *  what one node lets through reaches the other's gateway as taken elsewhere, never its own; and
 *  with the database unreachable a node keeps serving from memory and says so once. */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { SharedThrottleCounts } from '../../src/api/throttle-counts.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { dropTestSchemas, freshSchema, TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { until } from '../helpers/platform.ts';

after(() => dropTestSchemas());

const quiet = { info: () => {}, warn: () => {} };

it('what one node lets through on a route reaches the other as taken elsewhere; its own never does', async () => {
  const schema = freshSchema('hangar_throttle');
  const stores = await Promise.all([1, 2].map(() => PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 2 })));
  const [a, b] = stores.map((s) => new SharedThrottleCounts(s.countRequests.bind(s), quiet));
  try {
    const route = 'api1 GET /x';
    const total = async () => (await stores[0].countRequests([], 3_600_000, [`http-route:${route}`])).counts[0]?.n;
    const settle = () => new Promise((r) => setTimeout(r, 200)); // a few flushes: answers read back are handled
    // B lets three through, then four more once its first read is in: its own, never taken elsewhere.
    for (let i = 0; i < 3; i++) b.took(route);
    await until(async () => (await total()) === 3);
    await settle();
    for (let i = 0; i < 4; i++) b.took(route);
    await until(async () => (await total()) === 7);
    await settle();
    assert.equal(b.takenElsewhere(route), 0);
    // A lets five through: B hears of exactly five.
    for (let i = 0; i < 5; i++) a.took(route);
    let heard = 0;
    await until(async () => (heard += b.takenElsewhere(route)) >= 5);
    await settle();
    assert.equal(heard + b.takenElsewhere(route), 5);
    assert.equal(b.takenElsewhere('api1 GET /y'), 0, 'routes apart');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Promise.all(stores.map((s) => s.close()));
  }
});

it('with the database unreachable, a node serves from memory and says so once', async () => {
  // A real store whose database is not there (nothing listens on port 1).
  const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', schema: 'nowhere' });
  const warnings: string[] = [];
  const counts = new SharedThrottleCounts(store.countRequests.bind(store), { info: () => {}, warn: (_o, msg) => void warnings.push(msg) });
  try {
    for (let i = 0; i < 10; i++) counts.took('api1 GET /x');
    await until(async () => warnings.length > 0);
    assert.equal(counts.takenElsewhere('api1 GET /x'), 0);
    // Several flushes fail meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(warnings.length, 1, `said once: ${warnings.join(' | ')}`);
    assert.match(warnings[0], /cannot be shared/);
  } finally {
    await counts.close();
    await store.close();
  }
});
