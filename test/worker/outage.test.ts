/** OutageLog: a store outage is said at once, then at growing intervals, and its end with its length. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { ErrorCode, HangarError } from '../../src/core/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { isStoreUnavailable, OutageLog } from '../../src/worker/outage.ts';

it('says an outage once, reminds at 5, 10, 20, 40 s and then every minute, and says when it ends', () => {
  const lines: { msg: string; downForMs?: number; failures?: number }[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  let now = 1_000_000;
  const outage = new OutageLog(createLogger('info', sink), () => now);
  const down = new HangarError(ErrorCode.StoreUnavailable, 'the database cannot be reached', 503);
  assert.ok(isStoreUnavailable(down));
  assert.ok(!isStoreUnavailable(new Error('syntax error')));

  outage.ok(); // nothing to say while the store answers
  // A claim every 500 ms for 3 minutes.
  for (let t = 0; t <= 180_000; t += 500, now += 500) outage.failed(down, 'claim');
  outage.ok();
  outage.ok();
  const at = lines.map((l) => [l.msg, l.downForMs ?? null]);
  assert.deepEqual(at, [
    ['store unavailable; retrying', null],
    ['store still unavailable; retrying', 5_000],
    ['store still unavailable; retrying', 15_000],
    ['store still unavailable; retrying', 35_000],
    ['store still unavailable; retrying', 75_000],
    ['store still unavailable; retrying', 135_000],
    ['store reachable again', 180_500],
  ]);
  assert.equal(lines.at(-1)!.failures, 361);

  // A new outage starts over.
  outage.failed(down, 'heartbeat');
  assert.equal(lines.at(-1)!.msg, 'store unavailable; retrying');
});
