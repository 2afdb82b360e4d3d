import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childLaunch } from '../../src/core/index.ts';

const ARN = 'arn:aws:states:us-east-1:123456789012:execution:child:run-1';

describe('childLaunch (a states:startExecution.sync launch)', () => {
  it('starts a child when the task started none yet', () => {
    assert.deepEqual(childLaunch(undefined, null, ARN), { kind: 'start' });
  });

  it('waits on the child it started, launched again after a takeover', () => {
    const child = { id: 'c1', status: 'SUCCEEDED' };
    assert.deepEqual(childLaunch('c1', child, ARN), { kind: 'wait', child });
  });

  it('fails the task, naming the child, when the child it started no longer exists: no second child', () => {
    const gone = childLaunch('c1', null, ARN);
    assert.equal(gone.kind, 'gone');
    if (gone.kind !== 'gone') return;
    assert.equal(gone.error, 'States.TaskFailed');
    assert.ok(gone.cause.startsWith(`Execution Does Not Exist: '${ARN}'`), gone.cause);
    assert.match(gone.cause, /not started again/);
  });
});
