/** The pure decisions of asynchronous invocation (core/function-event.ts), with injected time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyEventInvokePatch,
  checkDestination,
  Conflict,
  decideDeliveryNext,
  decideEventNext,
  destinationFailure,
  destinationRefused,
  ErrorCode,
  decideFinish,
  eventExpired,
  eventLimits,
  eventProgress,
  InvalidInput,
  invocationRecord,
  NotFound,
  Throttled,
  Unavailable,
} from '../../src/core/index.ts';

const ACCOUNT = '123456789012';
const policy = { baseMs: 1000, maxMs: 300_000 };
const limits = eventLimits(null);
const start = { invokeCount: 0, throttles: 0, ageFrom: 1_000_000 };

describe('function events', () => {
  it("retries a function error after Lambda's 1 and 2 minutes, then ends RetriesExhausted", () => {
    const now = start.ageFrom;
    assert.deepEqual(decideEventNext(start, { kind: 'function-error' }, limits, policy, now), { kind: 'retry', afterMs: 60_000 });
    const second = { ...start, invokeCount: 1 };
    assert.deepEqual(decideEventNext(second, { kind: 'function-error' }, limits, policy, now), { kind: 'retry', afterMs: 120_000 });
    const third = { ...start, invokeCount: 2 };
    assert.deepEqual(decideEventNext(third, { kind: 'function-error' }, limits, policy, now), {
      kind: 'done',
      condition: 'RetriesExhausted',
    });
    // The retry base scales the waits (tests run with a short one).
    assert.deepEqual(decideEventNext(start, { kind: 'function-error' }, limits, { baseMs: 20, maxMs: 300_000 }, now), {
      kind: 'retry',
      afterMs: 1200,
    });
    // MaximumRetryAttempts 0: the first failure ends it.
    assert.deepEqual(
      decideEventNext(start, { kind: 'function-error' }, eventLimits({ maximumRetryAttempts: 0, maximumEventAgeS: null }), policy, now),
      {
        kind: 'done',
        condition: 'RetriesExhausted',
      },
    );
    assert.deepEqual(decideEventNext(second, { kind: 'success' }, limits, policy, now), { kind: 'done', condition: 'Success' });
  });

  it('ends an event EventAgeExceeded when it is too old to run, or its retry would come too late', () => {
    const young = eventLimits({ maximumRetryAttempts: 2, maximumEventAgeS: 60 });
    assert.equal(eventExpired(start, young, start.ageFrom + 60_000), false);
    assert.equal(eventExpired(start, young, start.ageFrom + 60_001), true);
    assert.equal(eventExpired(start, limits, start.ageFrom + 6 * 3_600_000 + 1), true);
    // A retry a minute away from an event allowed 60 s: not made.
    assert.deepEqual(decideEventNext(start, { kind: 'function-error' }, young, policy, start.ageFrom + 10), {
      kind: 'done',
      condition: 'EventAgeExceeded',
    });
  });

  it('waits while throttled, doubling, uncounted, for as long as its age allows', () => {
    const now = start.ageFrom;
    assert.deepEqual(decideEventNext(start, { kind: 'throttled' }, limits, policy, now), { kind: 'wait', afterMs: 1000 });
    assert.deepEqual(decideEventNext({ ...start, throttles: 3 }, { kind: 'throttled' }, limits, policy, now), {
      kind: 'wait',
      afterMs: 8000,
    });
    assert.deepEqual(decideEventNext({ ...start, throttles: 30 }, { kind: 'throttled' }, limits, policy, now), {
      kind: 'wait',
      afterMs: 300_000,
    });
    assert.deepEqual(decideEventNext(start, { kind: 'throttled' }, limits, policy, now + limits.maxAgeMs - 500), {
      kind: 'done',
      condition: 'EventAgeExceeded',
    });
  });

  it("reads an attempt's progress from its task: a lost worker's attempt counts as a run; a redrive starts afresh", () => {
    const task = { createdAt: 5, summary: null, failure: null };
    assert.deepEqual(eventProgress(task, 100), { invokeCount: 0, throttles: 0, ageFrom: 5 });
    const after = { invokeCount: 1, throttles: 2, ageFrom: 5, final: false };
    const failure = { code: 'FUNCTION_ERROR' as const, message: 'x', retryable: true };
    assert.deepEqual(eventProgress({ createdAt: 5, summary: { event: after }, failure }, 100), {
      invokeCount: 1,
      throttles: 2,
      ageFrom: 5,
    });
    const lost = { code: 'WORKER_LOST' as const, message: 'gone', retryable: true };
    assert.deepEqual(eventProgress({ createdAt: 5, summary: { event: after }, failure: lost }, 100), {
      invokeCount: 2,
      throttles: 2,
      ageFrom: 5,
    });
    assert.deepEqual(eventProgress({ createdAt: 5, summary: null, failure: lost }, 100), { invokeCount: 1, throttles: 0, ageFrom: 5 });
    const ended = { ...after, invokeCount: 3, final: true };
    assert.deepEqual(eventProgress({ createdAt: 5, summary: { event: ended }, failure }, 100), {
      invokeCount: 0,
      throttles: 0,
      ageFrom: 100,
    });
  });

  it('tells a destination that refused for good from one that could not take the record for now', () => {
    // Answers about the destination: the same try gets the same answer.
    assert.equal(destinationFailure(new NotFound(ErrorCode.FunctionNotFound, 'no such function')), 'permanent');
    assert.equal(destinationFailure(destinationRefused('a loop of destinations')), 'permanent');
    assert.equal(destinationFailure(new Conflict(ErrorCode.IdempotencyConflict, 'key used otherwise')), 'permanent');
    // Come back later: the store cannot be reached, or is busy.
    assert.equal(destinationFailure(new Unavailable(ErrorCode.StoreUnavailable, 'starting up', 1)), 'transient');
    assert.equal(destinationFailure(new Throttled(ErrorCode.RateLimited, 'slow down', 1)), 'transient');
    // Not an answer but a failure on the way (a driver's, a socket's).
    assert.equal(destinationFailure(Object.assign(new Error('database is locked'), { code: 'ERR_SQLITE_ERROR' })), 'transient');
    assert.equal(destinationFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'transient');
  });

  it('tries a delivery again, doubling its wait, while the event is young enough; keeps what the function did', () => {
    const now = start.ageFrom + 1000;
    const short = { baseMs: 20, maxMs: 1000 };
    assert.deepEqual(decideDeliveryNext(start, limits, short, now), { kind: 'retry', afterMs: 20 });
    const third = { ...start, delivery: { condition: 'Success' as const, tries: 2 } };
    assert.deepEqual(decideDeliveryNext(third, limits, short, now), { kind: 'retry', afterMs: 80 });
    const many = { ...start, delivery: { condition: 'Success' as const, tries: 40 } };
    assert.deepEqual(decideDeliveryNext(many, limits, short, now), { kind: 'retry', afterMs: 1000 });
    assert.deepEqual(decideDeliveryNext(third, { maxAgeMs: 1050 }, short, now), { kind: 'give-up' });
    // The attempt after one waiting to deliver knows it; a lost delivering attempt ran no function.
    const waiting = { invokeCount: 1, throttles: 0, ageFrom: 5, final: false, delivery: { condition: 'RetriesExhausted', tries: 1 } };
    const lost = { code: 'WORKER_LOST' as const, message: 'gone', retryable: true };
    assert.deepEqual(eventProgress({ createdAt: 5, summary: { event: waiting }, failure: lost }, 100), {
      invokeCount: 1,
      throttles: 0,
      ageFrom: 5,
      delivery: { condition: 'RetriesExhausted', tries: 1 },
    });
  });

  it("a failure's own wait replaces the backoff, and one its destination handled is not dead-lettered", () => {
    const state = { attempt: 1, attemptLimit: 1000, cancelRequested: false };
    const retry = decideFinish(
      state,
      { status: 'FAILED', failure: { code: 'FUNCTION_ERROR', message: 'x', retryable: true, retryAfterMs: 60_000 } },
      10,
      policy,
      () => 0.5,
    );
    assert.equal(retry.runAfter, 60_010);
    const handled = decideFinish(
      state,
      { status: 'FAILED', failure: { code: 'FUNCTION_ERROR', message: 'x', retryable: false, deadLetter: false } },
      10,
      policy,
      () => 0.5,
    );
    assert.deepEqual([handled.status, handled.deadLettered], ['FAILED', false]);
    const dead = decideFinish(
      state,
      { status: 'FAILED', failure: { code: 'FUNCTION_ERROR', message: 'x', retryable: false } },
      10,
      policy,
      () => 0.5,
    );
    assert.deepEqual([dead.status, dead.deadLettered], ['FAILED', true]);
  });

  it('takes Lambda function destinations of the same account only, saying why others are refused', () => {
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:sink`;
    assert.equal(checkDestination('OnSuccess', fn, ACCOUNT), fn);
    assert.equal(checkDestination('OnSuccess', `${fn}:live`, ACCOUNT), `${fn}:live`);
    assert.throws(
      () => checkDestination('OnFailure', `arn:aws:sqs:us-east-1:${ACCOUNT}:q`, ACCOUNT),
      /sqs ARN.*do not exist in Hangar yet/,
    );
    assert.throws(() => checkDestination('OnFailure', `arn:aws:sns:us-east-1:${ACCOUNT}:t`, ACCOUNT), InvalidInput);
    assert.throws(() => checkDestination('OnFailure', `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/b`, ACCOUNT), InvalidInput);
    assert.throws(() => checkDestination('OnFailure', 'arn:aws:s3:::bucket', ACCOUNT), /s3 ARN/);
    assert.throws(
      () => checkDestination('OnFailure', 'arn:aws:lambda:us-east-1:999999999999:function:sink', ACCOUNT),
      /not a function of your account/,
    );
    assert.throws(() => checkDestination('OnFailure', 'sink', ACCOUNT), /not an ARN/);
  });

  it('a Put replaces, an Update merges, and values out of range are refused', () => {
    const key = { functionName: 'f', qualifier: '$LATEST' };
    const put = applyEventInvokePatch(null, key, { maximumRetryAttempts: 1, onFailure: 'arn:x' }, true, 7);
    assert.deepEqual(put, {
      ...key,
      maximumRetryAttempts: 1,
      maximumEventAgeS: null,
      onSuccess: null,
      onFailure: 'arn:x',
      lastModified: 7,
    });
    assert.deepEqual(applyEventInvokePatch(put, key, { maximumEventAgeS: 120 }, false, 8), {
      ...put,
      maximumEventAgeS: 120,
      lastModified: 8,
    });
    assert.deepEqual(applyEventInvokePatch(put, key, { onFailure: null }, false, 8), { ...put, onFailure: null, lastModified: 8 });
    assert.deepEqual(applyEventInvokePatch(put, key, { maximumEventAgeS: 120 }, true, 8).maximumRetryAttempts, null);
    for (const bad of [
      { maximumRetryAttempts: -1 },
      { maximumRetryAttempts: 3 },
      { maximumEventAgeS: 59 },
      { maximumEventAgeS: 21_601 },
      { maximumEventAgeS: 61.5 },
    ])
      assert.throws(() => applyEventInvokePatch(null, key, bad, true, 1), InvalidInput);
  });

  it("writes Lambda's invocation record", () => {
    const record = invocationRecord({
      requestId: 'r-1',
      functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      requestPayload: Buffer.from('{"n":1}'),
      response: { executedVersion: '$LATEST', functionError: 'Unhandled', payload: Buffer.from('{"errorMessage":"boom"}') },
      now: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    });
    assert.deepEqual(record, {
      version: '1.0',
      timestamp: '2026-01-02T03:04:05.006Z',
      requestContext: {
        requestId: 'r-1',
        functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { n: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
    const aged = invocationRecord({
      ...{ requestId: 'r', functionArn: 'a', approximateInvokeCount: 0, requestPayload: Buffer.from('x'), now: 0 },
      condition: 'EventAgeExceeded',
      response: null,
    });
    assert.equal(aged.requestPayload, 'x');
    assert.equal('responseContext' in aged, false);
  });
});
