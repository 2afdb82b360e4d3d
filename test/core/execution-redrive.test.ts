import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkRedrivable,
  childRedrivability,
  Conflict,
  ErrorCode,
  type ExecutionStatus,
  REDRIVE_REASONS,
  REDRIVE_TOKEN_MS,
  REDRIVE_WINDOW_MS,
  redrivability,
  redriveTokensAfter,
  repeatedRedrive,
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
    const e = { redriveTokens: [{ token: 'a', date: now - REDRIVE_TOKEN_MS }] };
    assert.deepEqual(repeatedRedrive(e, 'a', now), { token: 'a', date: now - REDRIVE_TOKEN_MS });
    assert.equal(repeatedRedrive(e, 'a', now + 1), undefined);
    assert.equal(repeatedRedrive(e, 'b', now), undefined);
    assert.equal(repeatedRedrive(e, undefined, now), undefined);
    assert.equal(repeatedRedrive({ redriveTokens: [] }, 'a', now), undefined);
  });

  it("keeps the last 10 redrives' client tokens, each for 15 minutes, as AWS does", () => {
    let e = { redriveTokens: [] as { token: string; date: number }[] };
    for (let i = 0; i < 11; i++) e = { redriveTokens: redriveTokensAfter(e, `t${i}`, now + i) };
    assert.deepEqual(
      e.redriveTokens.map((t) => t.token),
      ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10'],
    );
    // An earlier redrive's token is answered with that redrive (its date), not only the last one's.
    assert.deepEqual(repeatedRedrive(e, 't3', now + 20), { token: 't3', date: now + 3 });
    assert.equal(repeatedRedrive(e, 't0', now + 20), undefined);
    // A redrive without a token keeps the others; one past its 15 minutes goes.
    const later = redriveTokensAfter(e, undefined, now + 5 + REDRIVE_TOKEN_MS);
    assert.deepEqual(
      later.map((t) => t.token),
      ['t5', 't6', 't7', 't8', 't9', 't10'],
    );
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

describe('childRedrivability (a Distributed Map child, redriven by its Map Run with its parent)', () => {
  it("a child that did not succeed follows its parent: redrivable while the parent runs or may be redriven, else the parent's reason", () => {
    for (const s of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
      assert.deepEqual(childRedrivability(ended(s), ended('RUNNING', null), now), { status: 'REDRIVABLE' });
      assert.deepEqual(childRedrivability(ended(s), ended('FAILED'), now), { status: 'REDRIVABLE' });
      assert.deepEqual(childRedrivability(ended(s), { ...ended('FAILED'), framesReleased: true }, now), {
        status: 'NOT_REDRIVABLE',
        reason: REDRIVE_REASONS.nothingKept,
      });
      assert.deepEqual(childRedrivability(ended(s), ended('ABORTED', now - REDRIVE_WINDOW_MS - 1), now), {
        status: 'NOT_REDRIVABLE',
        reason: REDRIVE_REASONS.period,
      });
      // Its failure tolerated, the parent succeeded: nothing will redrive the child.
      assert.deepEqual(childRedrivability(ended(s), ended('SUCCEEDED'), now), {
        status: 'NOT_REDRIVABLE',
        reason: REDRIVE_REASONS.succeeded,
      });
    }
  });

  it('a running or succeeded child answers for itself, whatever its parent', () => {
    assert.deepEqual(childRedrivability(ended('RUNNING', null), ended('FAILED'), now), {
      status: 'NOT_REDRIVABLE',
      reason: REDRIVE_REASONS.running,
    });
    assert.deepEqual(childRedrivability(ended('SUCCEEDED'), ended('FAILED'), now), {
      status: 'NOT_REDRIVABLE',
      reason: REDRIVE_REASONS.succeeded,
    });
  });
});
