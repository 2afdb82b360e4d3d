import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideFinal, finishedAfter, finishedFinal } from '../../src/core/finish.ts';
import type { Task } from '../../src/core/index.ts';

const policy = { baseMs: 1000, maxMs: 60_000 };
const ref = { taskId: 't1', attempt: 2 };

describe('finish answers', () => {
  it('a final outcome is decided without the row', () => {
    assert.deepEqual(
      decideFinal(ref, { status: 'SUCCESS', failure: null }, 100, policy, () => 0.5),
      {
        status: 'SUCCESS',
        runAfter: null,
        deadLettered: false,
        final: true,
        reason: null,
      },
    );
    const timeout = decideFinal(
      ref,
      { status: 'TIMEOUT', failure: { code: 'TIMEOUT', message: 'ran 5 s', retryable: false } },
      100,
      policy,
      () => 0.5,
    );
    assert.equal(timeout.deadLettered, true);
    assert.equal(timeout.reason, 'TIMEOUT: ran 5 s');
  });

  it('answers a final outcome from the decision alone', () => {
    const end = decideFinal(ref, { status: 'TIMEOUT', failure: null }, 100, policy, () => 0.5);
    assert.deepEqual(finishedFinal(ref, end, 100), { status: 'TIMEOUT', attempt: 2, runAfter: null, deadLettered: true, completedAt: 100 });
  });

  it('answers a failure from the task it left', () => {
    const after = { status: 'PENDING', attempt: 2, runAfter: 1500, deadLettered: false, completedAt: null } as Task;
    assert.deepEqual(finishedAfter({ status: 'PENDING', runAfter: 1500, deadLettered: false, final: false, reason: 'r' }, after), {
      status: 'PENDING',
      attempt: 2,
      runAfter: 1500,
      deadLettered: false,
      completedAt: null,
    });
    const failed = { status: 'FAILED', attempt: 3, runAfter: 1500, deadLettered: true, completedAt: 200 } as Task;
    assert.deepEqual(finishedAfter({ status: 'FAILED', runAfter: null, deadLettered: true, final: true, reason: 'r' }, failed), {
      status: 'FAILED',
      attempt: 3,
      runAfter: null,
      deadLettered: true,
      completedAt: 200,
    });
  });
});
