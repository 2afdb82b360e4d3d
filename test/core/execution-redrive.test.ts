import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkRedrivable,
  Conflict,
  ErrorCode,
  type ExecutionStatus,
  isRepeatedRedrive,
  REDRIVE_REASONS,
  REDRIVE_TOKEN_MS,
  REDRIVE_WINDOW_MS,
  redrivability,
  restartOf,
} from '../../src/core/index.ts';

const now = 1_800_000_000_000;
const ended = (status: ExecutionStatus, stoppedAt: number | null = now - 1000) => ({ status, stoppedAt });

describe('redrivability', () => {
  it('redrives FAILED, TIMED_OUT and ABORTED executions within 14 days of their stop', () => {
    for (const s of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
      assert.deepEqual(redrivability(ended(s), now), { status: 'REDRIVABLE' });
      assert.deepEqual(redrivability(ended(s, now - REDRIVE_WINDOW_MS), now), { status: 'REDRIVABLE' });
      assert.deepEqual(redrivability(ended(s, now - REDRIVE_WINDOW_MS - 1), now), {
        status: 'NOT_REDRIVABLE',
        reason: REDRIVE_REASONS.period,
      });
    }
  });

  it("refuses RUNNING and SUCCEEDED ones, EXPRESS ones and a full history, with AWS's reasons", () => {
    assert.deepEqual(redrivability(ended('RUNNING', null), now), { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.running });
    assert.deepEqual(redrivability(ended('SUCCEEDED'), now), { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.succeeded });
    assert.deepEqual(redrivability(ended('FAILED'), now, { type: 'EXPRESS' }).status, 'NOT_REDRIVABLE');
    assert.deepEqual(redrivability(ended('FAILED'), now, { eventsLeft: false }), {
      status: 'NOT_REDRIVABLE',
      reason: REDRIVE_REASONS.events,
    });
    assert.throws(
      () => checkRedrivable(ended('SUCCEEDED'), now),
      (e: unknown) => e instanceof Conflict && e.code === ErrorCode.ExecutionNotRedrivable && e.message === REDRIVE_REASONS.succeeded,
    );
    assert.doesNotThrow(() => checkRedrivable(ended('ABORTED'), now));
  });

  it('refuses one that kept no frames, for the period once its window closed', () => {
    assert.deepEqual(redrivability({ ...ended('FAILED'), framesReleased: true }, now), {
      status: 'NOT_REDRIVABLE',
      reason: REDRIVE_REASONS.nothingKept,
    });
    assert.deepEqual(redrivability({ ...ended('FAILED', now - REDRIVE_WINDOW_MS - 1), framesReleased: true }, now), {
      status: 'NOT_REDRIVABLE',
      reason: REDRIVE_REASONS.period,
    });
    assert.deepEqual(redrivability({ ...ended('SUCCEEDED'), framesReleased: true }, now).status, 'NOT_REDRIVABLE');
    assert.deepEqual(redrivability({ ...ended('ABORTED'), framesReleased: false }, now), { status: 'REDRIVABLE' });
  });

  it('answers a repeated client token with the first redrive for 15 minutes', () => {
    const e = { redriveToken: 'a', redriveDate: now - REDRIVE_TOKEN_MS };
    assert.equal(isRepeatedRedrive(e, 'a', now), true);
    assert.equal(isRepeatedRedrive(e, 'a', now + 1), false);
    assert.equal(isRepeatedRedrive(e, 'b', now), false);
    assert.equal(isRepeatedRedrive(e, undefined, now), false);
    assert.equal(isRepeatedRedrive({ redriveToken: null, redriveDate: null }, 'a', now), false);
  });
});

describe('restartOf', () => {
  it('enters again what was cut short, keeps what succeeded and reruns failed iterations and branches', () => {
    assert.equal(restartOf({ k: 'enter' }), 'keep');
    assert.equal(restartOf({ k: 'pending' }), 'keep');
    for (const k of ['task', 'retry', 'wait', 'read'] as const) assert.equal(restartOf({ k }), 'reenter');
    assert.equal(restartOf({ k: 'map', hasChildren: true }), 'keep');
    assert.equal(restartOf({ k: 'parallel', hasChildren: false }), 'reenter');
    assert.equal(restartOf({ k: 'write', mapSucceeded: true }), 'rewrite');
    assert.equal(restartOf({ k: 'write', mapSucceeded: false }), 'reenter');
    assert.equal(restartOf({ k: 'ended', ok: true }), 'keep');
    assert.equal(restartOf({ k: 'ended', ok: false }), 'rerun');
    assert.equal(restartOf({ k: 'ended', ok: false, hasChildren: false }), 'rerun');
  });
  it('goes on in the Map or Parallel a failed iteration or branch failed in, when its children were kept', () => {
    assert.equal(restartOf({ k: 'ended', ok: false, hasChildren: true }), 'resume');
  });
});
