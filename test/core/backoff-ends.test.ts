import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackoffWatch, END_BACKOFFS_EVERY_MS, END_BACKOFFS_MAX } from '../../src/core/backoff-ends.ts';

describe('BackoffWatch', () => {
  it('runs at first, then not until a known backoff ends or the interval passes', () => {
    const w = new BackoffWatch();
    assert.equal(w.due(10_000), true);
    assert.equal(w.due(10_001), false);
    assert.equal(w.due(10_000 + END_BACKOFFS_EVERY_MS - 1), false);
    assert.equal(w.due(10_000 + END_BACKOFFS_EVERY_MS), true);
  });

  it('runs once a backoff it knows of has ended', () => {
    const w = new BackoffWatch();
    w.due(10_000);
    w.endsBy(10_500);
    w.endsBy(null);
    w.endsBy(10_700);
    assert.equal(w.due(10_499), false);
    assert.equal(w.due(10_500), true);
    // What it knew is forgotten once it has run.
    assert.equal(w.due(10_800), false);
  });

  it('runs when forced', () => {
    const w = new BackoffWatch();
    w.due(10_000);
    assert.equal(w.due(10_001, true), true);
  });

  it('runs again at once after a full statement', () => {
    const w = new BackoffWatch();
    w.due(10_000);
    w.moved(10_000, END_BACKOFFS_MAX - 1);
    assert.equal(w.due(10_001), false);
    w.moved(10_001, END_BACKOFFS_MAX);
    assert.equal(w.due(10_002), true);
  });

  it('learns backoffs from attempt ends: a retry that waits', () => {
    const w = new BackoffWatch();
    w.due(10_000);
    w.attemptEnded({ status: 'PENDING', runAfter: 10_000 }, 10_000);
    w.attemptEnded({ status: 'FAILED', runAfter: 10_100 }, 10_000);
    assert.equal(w.due(10_200), false);
    w.attemptEnded({ status: 'PENDING', runAfter: 10_300 }, 10_000);
    assert.equal(w.due(10_300), true);
  });

  it('keeps what it learns while END_BACKOFFS runs', () => {
    const w = new BackoffWatch();
    assert.equal(w.due(10_000), true);
    w.endsBy(10_200);
    w.moved(10_000, 3);
    assert.equal(w.due(10_100), false);
    assert.equal(w.due(10_200), true);
  });
});
