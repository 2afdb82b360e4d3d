import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptKey, heartbeatResult } from '../../src/core/heartbeat.ts';

describe('heartbeatResult', () => {
  const a1 = { taskId: 't1', attempt: 1 };
  const a2 = { taskId: 't2', attempt: 2 };
  const a3 = { taskId: 't3', attempt: 1 };

  it('keys an attempt by task and number', () => {
    assert.equal(attemptKey(a2), 't2:2');
  });

  it('splits the listed attempts into held (with cancel requests) and lost, in listed order', () => {
    const extended = new Map([
      [attemptKey(a3), true],
      [attemptKey(a1), false],
    ]);
    assert.deepEqual(heartbeatResult([a1, a2, a3], extended, []), {
      held: [
        { ...a1, cancelRequested: false },
        { ...a3, cancelRequested: true },
      ],
      lost: [a2],
      strays: [],
    });
  });

  it('an attempt re-leased under another number is lost', () => {
    assert.deepEqual(heartbeatResult([a1], new Map([['t1:2', false]]), []).lost, [a1]);
  });

  it('strays: leases held but not listed', () => {
    const r = heartbeatResult([a1], new Map([[attemptKey(a1), false]]), [a1, a2, { taskId: 't1', attempt: 2 }]);
    assert.deepEqual(r.strays, [a2, { taskId: 't1', attempt: 2 }]);
  });
});
