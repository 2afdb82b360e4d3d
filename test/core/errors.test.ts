import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusOf } from '../../src/api/problem.ts';
import { AuthError } from '../../src/auth/index.ts';
import {
  Conflict,
  ErrorCode,
  Forbidden,
  Gone,
  HangarError,
  Internal,
  InvalidInput,
  Misconfigured,
  NotFound,
  Throttled,
  TooLarge,
  Unauthorized,
  Unavailable,
  UnsupportedMedia,
} from '../../src/core/errors.ts';
import { ImageError } from '../../src/images/index.ts';
import { ArchiveError } from '../../src/projects/index.ts';

describe('domain errors', () => {
  const family: [HangarError, number][] = [
    [new InvalidInput(ErrorCode.ValidationFailed, 'x'), 400],
    [new Unauthorized('x'), 401],
    [new AuthError('x', 'Bearer realm="hangar"'), 401],
    [new Forbidden('x'), 403],
    [new NotFound(ErrorCode.TaskNotFound, 'x'), 404],
    [new Conflict(ErrorCode.IdempotencyConflict, 'x', { taskId: 't' }), 409],
    [new Gone(ErrorCode.LogUnavailable, 'x'), 410],
    [new TooLarge('x'), 413],
    [new UnsupportedMedia('x'), 415],
    [new Throttled(ErrorCode.QuotaExceeded, 'x', 5), 429],
    [new Unavailable(ErrorCode.StoreUnavailable, 'x', 1), 503],
    [new Misconfigured('x'), 500],
    [new Internal('x'), 500],
    [new ArchiveError('x'), 400],
    [new ImageError('x'), 400],
  ];

  it("the API's mapping answers each class with its status", () => {
    for (const [err, status] of family) assert.equal(statusOf(err), status, err.name);
  });

  it('the deprecated .status agrees with the mapping', () => {
    for (const [err] of family) assert.equal(err.status, statusOf(err), err.name);
  });

  it('the same code means what its class says', () => {
    assert.equal(statusOf(new NotFound(ErrorCode.ProjectNotFound, 'x')), 404);
    assert.equal(statusOf(new InvalidInput(ErrorCode.ProjectNotFound, 'x')), 400);
  });

  it('the old constructor still works, status and details included', () => {
    const err = new HangarError(ErrorCode.StoreUnavailable, 'down', 503, { details: { retryAfter: 1 } });
    assert.deepEqual([err.code, err.status, statusOf(err), err.details], [ErrorCode.StoreUnavailable, 503, 503, { retryAfter: 1 }]);
    assert.equal(new HangarError(ErrorCode.Internal, 'x').status, 500);
  });

  it('atIndex names a batch entry and keeps the class and its data', () => {
    const err = new Conflict(ErrorCode.IdempotencyConflict, 'used', { taskId: 't1', cause: 'c' });
    const at = err.atIndex(3) as Conflict;
    assert.ok(at instanceof Conflict);
    assert.deepEqual(
      [at.index, at.taskId, at.code, at.message, at.cause, err.index],
      [3, 't1', ErrorCode.IdempotencyConflict, 'used', 'c', undefined],
    );
  });
});
