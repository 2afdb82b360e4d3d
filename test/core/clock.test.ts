import assert from 'node:assert/strict';
import { it } from 'node:test';
import { monotonic } from '../../src/core/index.ts';
import { DatabaseClock } from '../../src/store/postgres/clock.ts';

it('a monotonic clock stands still while its source runs back, then follows it again', () => {
  const times = [100, 105, 98, 103, 110];
  const c = monotonic({ now: () => times.shift()! });
  assert.deepEqual([c.now(), c.now(), c.now(), c.now(), c.now()], [100, 105, 105, 105, 110]);
});

it('the database clock never goes back when a new offset measures a few ms lower', () => {
  let host = 1000;
  const c = new DatabaseClock({ now: () => host });
  c.offsetMs = 5;
  assert.equal(c.now(), 1005);
  c.offsetMs = -3; // measured again, under load
  host = 1004;
  assert.equal(c.now(), 1005);
  host = 1010;
  assert.equal(c.now(), 1007);
});
