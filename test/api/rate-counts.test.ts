/** The rate limit's shared counts (scale-out) when the database does not answer: each node
 *  still counts what it sees, loses none of it, and says so once. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SharedRateCounts } from '../../src/api/rate-counts.ts';
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
