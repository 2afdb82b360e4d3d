import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageOf, rowsForPage } from '../../src/core/page.ts';

describe('keyset pagination', () => {
  const rows = [{ id: 9 }, { id: 7 }, { id: 4 }];
  const item = (r: { id: number }) => `item ${r.id}`;
  const cursor = (r: { id: number }) => `after ${r.id}`;

  it('reads one row more than the page', () => {
    assert.equal(rowsForPage(2), 3);
  });

  it('a row beyond the page: the next page starts after its last item', () => {
    assert.deepEqual(pageOf(rows, 2, item, cursor), { items: ['item 9', 'item 7'], nextCursor: 'after 7' });
  });

  it('no row beyond it: the last page', () => {
    assert.deepEqual(pageOf(rows, 3, item, cursor), { items: ['item 9', 'item 7', 'item 4'], nextCursor: null });
    assert.deepEqual(pageOf([], 3, item, cursor), { items: [], nextCursor: null });
  });
});
