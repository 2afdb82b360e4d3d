import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelResult, decideCancel } from '../../src/core/cancel.ts';
import type { Task } from '../../src/core/index.ts';

const task = (over: Partial<Task>): Task =>
  ({ id: 't1', status: 'PENDING', attempt: 0, cancelRequested: false, workerId: null, lane: null, ...over }) as Task;

describe('decideCancel', () => {
  it('ends a pending task, with its history row', () => {
    const d = decideCancel(task({ status: 'PENDING', attempt: 2 }));
    assert.deepEqual(d, {
      effect: 'cancelled',
      write: 'end',
      history: { status: 'CANCELLED', attempt: 2, workerId: null, reason: 'cancelled while pending' },
      wakes: false,
    });
  });

  it('wakes workers when the pending task is a lane head', () => {
    assert.equal(decideCancel(task({ status: 'PENDING', lane: 'l1' })).wakes, true);
  });

  it('flags a running attempt once, naming its worker', () => {
    const d = decideCancel(task({ status: 'RUNNING', attempt: 3, workerId: 'w1', lane: 'l1' }));
    assert.deepEqual(d, {
      effect: 'requested',
      write: 'flag',
      history: { status: 'RUNNING', attempt: 3, workerId: 'w1', reason: 'cancel requested' },
      wakes: false,
    });
  });

  it('writes nothing when the running attempt is already flagged', () => {
    assert.deepEqual(decideCancel(task({ status: 'RUNNING', cancelRequested: true, workerId: 'w1' })), {
      effect: 'requested',
      write: null,
      history: null,
      wakes: false,
    });
  });

  for (const status of ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'] as const) {
    it(`leaves a ${status} task as it is`, () => {
      assert.deepEqual(decideCancel(task({ status, lane: 'l1' })), { effect: 'already-final', write: null, history: null, wakes: false });
    });
  }

  it('refuses an unknown status', () => {
    assert.throws(() => decideCancel(task({ status: 'LOST' as Task['status'] })), /unknown status LOST/);
  });
});

describe('cancelResult', () => {
  it('answers the ended row for a pending task', () => {
    const cur = task({ status: 'PENDING' });
    const ended = task({ status: 'CANCELLED', cancelRequested: true });
    assert.deepEqual(cancelResult(cur, decideCancel(cur), ended), { task: ended, effect: 'cancelled' });
    assert.throws(() => cancelResult(cur, decideCancel(cur), null));
  });

  it('answers a running task as flagged, whether or not it was already', () => {
    for (const cancelRequested of [false, true]) {
      const cur = task({ status: 'RUNNING', cancelRequested, workerId: 'w1' });
      assert.deepEqual(cancelResult(cur, decideCancel(cur), null), { task: { ...cur, cancelRequested: true }, effect: 'requested' });
    }
  });

  it('answers a final task as it was', () => {
    const cur = task({ status: 'SUCCESS' });
    assert.deepEqual(cancelResult(cur, decideCancel(cur), null), { task: cur, effect: 'already-final' });
  });
});
