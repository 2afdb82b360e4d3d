import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRetry, errorMatches, type Retrier, retryDelaySeconds } from '../../src/core/asl/retry.ts';

describe('retry intervals', () => {
  it('waits IntervalSeconds × BackoffRate^n, capped by MaxDelaySeconds', () => {
    const r: Retrier = { ErrorEquals: ['E'], IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 30 };
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => retryDelaySeconds(r, n)),
      [2, 6, 18, 30],
    );
    // Defaults: 1 second, rate 2.0.
    assert.deepEqual(
      [0, 1, 2].map((n) => retryDelaySeconds({ ErrorEquals: ['E'] }, n)),
      [1, 2, 4],
    );
  });

  it('draws a FULL jitter delay uniformly below the computed one', () => {
    const r: Retrier = { ErrorEquals: ['E'], IntervalSeconds: 4, JitterStrategy: 'FULL' };
    assert.deepEqual(
      decideRetry([r], 'E', [1], () => 0.25),
      { kind: 'retry', retrier: 0, delaySeconds: 2 },
    );
  });

  it('retries MaxAttempts times (default 3); MaxAttempts 0 never retries', () => {
    const r: Retrier = { ErrorEquals: ['E'] };
    assert.equal(decideRetry([r], 'E', [2], Math.random).kind, 'retry');
    assert.equal(decideRetry([r], 'E', [3], Math.random).kind, 'exhausted');
    assert.equal(decideRetry([{ ErrorEquals: ['E'], MaxAttempts: 0 }], 'E', [], Math.random).kind, 'exhausted');
  });

  it('lets the first matching retrier decide alone, even when it is exhausted', () => {
    const retriers: Retrier[] = [
      { ErrorEquals: ['E'], MaxAttempts: 1 },
      { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
    ];
    assert.deepEqual(
      decideRetry(retriers, 'E', [0, 0], () => 0),
      { kind: 'retry', retrier: 0, delaySeconds: 1 },
    );
    assert.deepEqual(
      decideRetry(retriers, 'E', [1, 0], () => 0),
      { kind: 'exhausted' },
    );
    assert.deepEqual(
      decideRetry(retriers, 'Other', [1, 0], () => 0),
      { kind: 'retry', retrier: 1, delaySeconds: 1 },
    );
  });
});

describe('error matching', () => {
  it('States.ALL matches all but States.Runtime, which nothing matches', () => {
    assert.equal(errorMatches(['States.ALL'], 'Custom'), true);
    assert.equal(errorMatches(['States.ALL'], 'States.Timeout'), true);
    assert.equal(errorMatches(['States.ALL'], 'States.DataLimitExceeded'), true);
    assert.equal(errorMatches(['States.ALL'], 'States.Runtime'), false);
    assert.equal(errorMatches(['States.Runtime'], 'States.Runtime'), false);
  });

  it('States.TaskFailed matches all but States.Timeout', () => {
    assert.equal(errorMatches(['States.TaskFailed'], 'Lambda.ServiceException'), true);
    assert.equal(errorMatches(['States.TaskFailed'], 'States.Timeout'), false);
  });

  it('names match exactly', () => {
    assert.equal(errorMatches(['A', 'B'], 'B'), true);
    assert.equal(errorMatches(['A'], 'a'), false);
  });
});
