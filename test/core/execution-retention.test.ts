import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { executionsPurgedBefore, framesReleasedBefore, REDRIVE_REASONS, redrivability } from '../../src/core/index.ts';

const DAY = 24 * 3_600_000;

describe('execution retention cutoffs', () => {
  it('deletes executions stopped more than the retention ago; 0 keeps them', () => {
    assert.equal(executionsPurgedBefore(100 * DAY, 90 * DAY), 10 * DAY);
    assert.equal(executionsPurgedBefore(100 * DAY, 0), null);
  });

  it('releases kept frames exactly when redrivability says the redrive period is exceeded, not a moment before', () => {
    const now = 100 * DAY;
    const cutoff = framesReleasedBefore(now);
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
      // Released: stopped before the cutoff.
      assert.deepEqual(redrivability({ status, stoppedAt: cutoff - 1 }, now), { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.period });
      // Kept: stopped at the cutoff or after.
      assert.deepEqual(redrivability({ status, stoppedAt: cutoff }, now), { status: 'REDRIVABLE' });
    }
  });
});
