import assert from 'node:assert/strict';
import { it } from 'node:test';
import { combinedDecision } from '../../src/core/index.ts';

it('several policies: out when any asks (the most asked), in only when all do (the most of those)', () => {
  assert.equal(combinedDecision([null], 3), null);
  assert.equal(combinedDecision([5, null, 2], 3), 5);
  assert.equal(combinedDecision([4, 6], 3), 6);
  assert.equal(combinedDecision([2, null], 3), null);
  assert.equal(combinedDecision([1, 2], 3), 2);
  assert.equal(combinedDecision([], 3), null);
});
