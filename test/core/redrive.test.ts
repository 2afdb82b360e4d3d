import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRedrive } from '../../src/core/redrive.ts';
import { ErrorCode, HangarError } from '../../src/core/index.ts';

describe('decideRedrive', () => {
  it('redrives a dead-lettered task: PENDING, at the attempt it reached', () => {
    assert.deepEqual(decideRedrive('t1', { attempt: 3, deadLettered: true }), {
      status: 'PENDING',
      attempt: 3,
      workerId: null,
      reason: 'redriven from the dead-letter queue',
    });
  });

  it('refuses a task that does not exist (404)', () => {
    assert.throws(
      () => decideRedrive('t1', null),
      (e: unknown) =>
        e instanceof HangarError && e.code === ErrorCode.TaskNotFound && e.status === 404 && e.message === 'task t1 not found',
    );
  });

  it('refuses a task not in the dead-letter queue (409)', () => {
    assert.throws(
      () => decideRedrive('t1', { attempt: 1, deadLettered: false }),
      (e: unknown) =>
        e instanceof HangarError &&
        e.code === ErrorCode.TaskNotDeadLettered &&
        e.status === 409 &&
        e.message === 'task t1 is not in the dead-letter queue',
    );
  });
});
