import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidatesToRead, pickWithinUserLimits, userKey, usersAtLimit } from '../../src/core/user-limit.ts';

describe('per-user running limit', () => {
  it("counts tasks of no user under ''", () => {
    assert.equal(userKey(null), '');
    assert.equal(userKey('u1'), 'u1');
  });

  it('reads a few times the limit', () => {
    assert.equal(candidatesToRead(1), 20);
    assert.equal(candidatesToRead(10), 56);
  });

  it('lists the users already at the limit', () => {
    assert.deepEqual(
      usersAtLimit(
        new Map([
          ['a', 2],
          ['b', 1],
          ['', 3],
        ]),
        2,
      ),
      ['a', ''],
    );
  });

  it('picks in candidate order, keeping each user within the limit, counting its own picks', () => {
    const candidates = [
      { seq: 1, userId: 'a' },
      { seq: 2, userId: 'a' },
      { seq: 3, userId: 'b' },
      { seq: 4, userId: null },
      { seq: 5, userId: null },
      { seq: 6, userId: 'b' },
    ];
    const running = new Map([['b', 1]]);
    assert.deepEqual(pickWithinUserLimits(candidates, running, 2, 10), [1, 2, 3, 4, 5]);
    assert.deepEqual(pickWithinUserLimits(candidates, running, 1, 10), [1, 4]);
    // The caller's counts are not changed.
    assert.deepEqual([...running], [['b', 1]]);
  });

  it('stops at the claim limit', () => {
    const candidates = [
      { seq: 1, userId: 'a' },
      { seq: 2, userId: 'b' },
      { seq: 3, userId: 'c' },
    ];
    assert.deepEqual(pickWithinUserLimits(candidates, new Map(), 1, 2), [1, 2]);
    assert.deepEqual(pickWithinUserLimits(candidates, new Map(), 1, 0), []);
  });

  it('skips queues outside those asked for, when asked', () => {
    const candidates = [
      { seq: 1, userId: 'a', queue: 'gpu' },
      { seq: 2, userId: 'a', queue: 'default' },
      { seq: 3, userId: 'b', queue: 'gpu' },
    ];
    assert.deepEqual(pickWithinUserLimits(candidates, new Map(), 1, 10, ['default']), [2]);
    assert.deepEqual(pickWithinUserLimits(candidates, new Map(), 1, 10, null), [1, 3]);
  });
});
