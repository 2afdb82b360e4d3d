/** A route's throttle across API nodes (core): what a node learns from the shared count, and
 *  its copy of the route's bucket losing what the other nodes took. Time is passed in. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Bucket, othersTook, type SharedCountSeen, takeToken, takeTokensElsewhere } from '../../../src/core/index.ts';

describe('othersTook (reading back the shared count)', () => {
  it('a first read only learns where the count stands', () => {
    const r = othersTook(undefined, { startedAt: 1000, n: 40 }, 3);
    assert.equal(r.taken, 0);
    assert.deepEqual(r.seen, { windowAt: 1000, mine: 3, others: 37 });
  });

  it("in the same window, what grew beyond this node's own additions", () => {
    const seen: SharedCountSeen = { windowAt: 1000, mine: 3, others: 37 };
    assert.deepEqual(othersTook(seen, { startedAt: 1000, n: 45 }, 2), { seen: { windowAt: 1000, mine: 5, others: 40 }, taken: 3 });
    assert.deepEqual(othersTook(seen, { startedAt: 1000, n: 49 }, 0), { seen: { windowAt: 1000, mine: 3, others: 46 }, taken: 9 });
  });

  it("a new window counts from nothing: all of it but this node's addition is new", () => {
    const seen: SharedCountSeen = { windowAt: 1000, mine: 300, others: 500 };
    assert.deepEqual(othersTook(seen, { startedAt: 9000, n: 7 }, 2), { seen: { windowAt: 9000, mine: 2, others: 5 }, taken: 5 });
  });

  it("never negative (a total read before this node's addition landed)", () => {
    const seen: SharedCountSeen = { windowAt: 1000, mine: 10, others: 5 };
    assert.equal(othersTook(seen, { startedAt: 1000, n: 12 }, 0).taken, 0);
  });
});

describe("takeTokensElsewhere (a node's copy of the bucket)", () => {
  const limit = { rate: 10, burst: 5 };

  it('refills to now, then loses what the others took', () => {
    assert.deepEqual(takeTokensElsewhere(limit, { tokens: 1, at: 0 }, 2, 200), { tokens: 1, at: 200 });
    assert.deepEqual(
      takeTokensElsewhere(limit, { tokens: 5, at: 0 }, 3, 1000),
      { tokens: 2, at: 1000 },
      'the refill stops at the burst first',
    );
  });

  it('runs a debt (paid back by the refill), down to a second of the rate or a burst', () => {
    const owed = takeTokensElsewhere(limit, { tokens: 0, at: 0 }, 7, 0);
    assert.equal(owed.tokens, -7);
    assert.equal(takeToken(limit, owed, 700).allowed, false, 'paid back first');
    assert.equal(takeToken(limit, owed, 800).allowed, true);
    assert.equal(takeTokensElsewhere(limit, { tokens: 0, at: 0 }, 1000, 0).tokens, -10, 'a second of the rate');
    assert.equal(takeTokensElsewhere({ rate: 1, burst: 5 }, { tokens: 0, at: 0 }, 1000, 0).tokens, -5, 'or a burst, if more');
  });

  it('a clock that went back refills nothing and keeps the later time', () => {
    assert.deepEqual(takeTokensElsewhere(limit, { tokens: 3, at: 5000 }, 1, 4000), { tokens: 2, at: 5000 });
  });
});

describe('two nodes sharing a route', () => {
  /** Nodes each offered `offered` req/s for `seconds`, adding to and reading back one shared
   *  count every `flushMs`: how many they let through in all. */
  function simulate(nodes: number, limit: { rate: number; burst: number }, offered: number, seconds: number, flushMs: number): number {
    const shared = { startedAt: 0, n: 0 };
    const state = Array.from({ length: nodes }, () => ({
      bucket: undefined as Bucket | undefined,
      seen: undefined as SharedCountSeen | undefined,
      pending: 0,
      learned: 0,
    }));
    let admitted = 0;
    const stepMs = 1000 / offered;
    for (let t = 0; t < seconds * 1000; t += stepMs) {
      for (const [i, s] of state.entries()) {
        const now = t + (i * stepMs) / nodes;
        if (s.bucket && s.learned > 0) s.bucket = takeTokensElsewhere(limit, s.bucket, s.learned, now);
        s.learned = 0;
        const d = takeToken(limit, s.bucket, now);
        s.bucket = d.bucket;
        if (d.allowed) admitted++, s.pending++;
      }
      if (Math.floor((t + stepMs) / flushMs) > Math.floor(t / flushMs)) {
        for (const s of state) {
          shared.n += s.pending;
          const r = othersTook(s.seen, shared, s.pending);
          s.seen = r.seen;
          s.learned += r.taken;
          s.pending = 0;
        }
      }
    }
    return admitted;
  }

  it("let through about the route's rate and burst together, not twice them", () => {
    const limit = { rate: 100, burst: 50 };
    const one = simulate(1, limit, 400, 10, 50);
    const two = simulate(2, limit, 400, 10, 50);
    const three = simulate(3, limit, 400, 10, 50);
    assert.ok(Math.abs(one - 1050) <= 2, `one node: ${one}`);
    // Beyond one node's: the others' first bursts (a node starts full) and what the others took
    // within the last flush.
    for (const [n, got] of [
      [2, two],
      [3, three],
    ]) {
      assert.ok(got >= 1000 && got <= 1050 + (n - 1) * 50 + n * 5 + 10, `${n} nodes: ${got}`);
    }
  });
});
