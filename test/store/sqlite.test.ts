import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeStore } from '../conformance/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStore('sqlite', async ({ clock, random, retry }) => new SqliteStore({ path: join(dir, `s${n++}.db`), clock, random, retry }));

describe('sqlite: capabilities it does not have', () => {
  it('advertise does nothing and countRequests refuses (one process is the whole API)', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    try {
      assert.equal(store.capabilities.pushDispatch, false);
      assert.equal(store.capabilities.sharedRequestCounts, false);
      store.advertise('w1', 4, 1000);
      await assert.rejects(store.countRequests([{ key: 'u:1', n: 1 }], 1000), /sharedRequestCounts/);
      assert.deepEqual(await store.health(), { clockOffsetMs: 0, autovacuum: null });
    } finally {
      await store.close();
    }
  });
});
