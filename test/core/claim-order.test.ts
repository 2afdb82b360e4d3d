import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareClaimOrder, inClaimOrder, type ClaimKey } from '../../src/core/claim-order.ts';

const k = (effPriority: number, fairRank: number, seq: number): ClaimKey => ({ effPriority, fairRank, seq });

describe('claim order', () => {
  it('takes the highest effective priority first', () => {
    assert.ok(compareClaimOrder(k(5, 9, 9), k(4, 1, 1)) < 0);
    assert.ok(compareClaimOrder(k(4, 1, 1), k(5, 9, 9)) > 0);
  });

  it('then the lowest fair rank, then the oldest (seq)', () => {
    assert.ok(compareClaimOrder(k(5, 1, 9), k(5, 2, 1)) < 0);
    assert.ok(compareClaimOrder(k(5, 2, 1), k(5, 2, 3)) < 0);
    assert.equal(compareClaimOrder(k(5, 2, 3), k(5, 2, 3)), 0);
  });

  it('sorts items in place through their key', () => {
    const rows = [
      { id: 'c', key: k(1, 1, 3) },
      { id: 'a', key: k(2, 5, 5) },
      { id: 'b', key: k(1, 1, 2) },
      { id: 'd', key: k(1, 2, 1) },
    ];
    const sorted = inClaimOrder(rows, (r) => r.key);
    assert.equal(sorted, rows);
    assert.deepEqual(
      sorted.map((r) => r.id),
      ['a', 'b', 'c', 'd'],
    );
  });
});
