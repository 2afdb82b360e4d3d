import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shareRecent } from '../../src/store/index.ts';

it('shareRecent: callers within the TTL and during a read share one read; a failure is not kept', async () => {
  let t = 0;
  let reads = 0;
  let fail = false;
  const get = shareRecent(
    async () => {
      reads++;
      if (fail) throw new Error('down');
      return reads;
    },
    1000,
    () => t,
  );
  const [a, b] = await Promise.all([get(), get()]);
  assert.deepEqual([a, b, reads], [1, 1, 1], 'concurrent callers share the read in flight');
  t = 999;
  assert.equal(await get(), 1, 'within the TTL: the same result');
  t = 1000;
  assert.equal(await get(), 2, 'after it: read again');
  fail = true;
  t = 3000;
  await assert.rejects(get(), /down/);
  fail = false;
  assert.equal(await get(), 4, 'a failed read is not served again');
});
