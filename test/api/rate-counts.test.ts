/** The rate limit's shared counts (scale-out) when the database does not answer: each node
 *  still counts what it sees, loses none of it, and says so once; and while it answers slowly,
 *  what is on its way to it still counts. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { SharedRateCounts } from '../../src/api/rate-counts.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';

it('with the database unreachable, a node limits what it sees and keeps its counts for later', async () => {
  // A real store whose database is not there (nothing listens on port 1).
  const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', schema: 'nowhere' });
  const warnings: string[] = [];
  const log = { info: () => {}, warn: (_o: object, msg: string) => void warnings.push(msg) };
  const counts = new SharedRateCounts(store.countRequests.bind(store), 60_000, log);
  try {
    for (let i = 1; i <= 10; i++) assert.equal(counts.incr('u:a').current, i);
    // Several flushes fail meanwhile.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(counts.incr('u:a').current, 11, 'nothing counted was dropped');
    assert.equal(counts.incr('u:b').current, 1, 'keys apart');
    assert.equal(warnings.length, 1, `said once: ${warnings.join(' | ')}`);
    assert.match(warnings[0], /cannot be shared/);
  } finally {
    await counts.close();
    await store.close();
  }
});

it('counts the requests a flush is sending until the store has answered for them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-rate-'));
  const store = new SqliteStore({ path: join(dir, 'h.db'), clock: { now: () => Date.now() } });
  // The real store's count, answering only when let go: a flush stays in flight meanwhile.
  let letGo!: () => void;
  const held = new Promise<void>((r) => (letGo = r));
  let calls = 0;
  const slow: typeof store.countRequests = async (...args) => {
    calls++;
    await held;
    return store.countRequests(...args);
  };
  const log = { info: () => {}, warn: () => {} };
  const counts = new SharedRateCounts(slow, 60_000, log);
  try {
    for (let i = 1; i <= 3; i++) assert.equal(counts.incr('u:a').current, i);
    const deadline = Date.now() + 5_000;
    while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(calls, 1, 'a flush is in flight');
    // Before the fix, the three sent were counted nowhere until the answer: this read 1.
    assert.equal(counts.incr('u:a').current, 4);
    letGo();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(counts.incr('u:a').current, 5, 'once answered, the store counts them, and only once');
  } finally {
    letGo();
    await counts.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
