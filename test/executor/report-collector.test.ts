/** The built-in's fd-3 report is kept up to a cap; past it, it is marked truncated (and then is no report). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportCollector } from '../../src/executor/report-collector.ts';

test('a report up to the cap is kept whole, in pieces', () => {
  const c = new ReportCollector(10);
  c.push(Buffer.from('{"a":'));
  c.push(Buffer.from('1}'));
  assert.deepEqual(c.result(), { data: Buffer.from('{"a":1}'), bytes: 7, truncated: false });
});

test('past the cap, the first cap bytes are kept and every byte is counted', () => {
  const c = new ReportCollector(4);
  c.push(Buffer.from('abc'));
  c.push(Buffer.from('defg'));
  c.push(Buffer.from('hi'));
  assert.deepEqual(c.result(), { data: Buffer.from('abcd'), bytes: 9, truncated: true });
});

test('nothing pushed: an empty report', () => {
  assert.deepEqual(new ReportCollector(4).result(), { data: Buffer.alloc(0), bytes: 0, truncated: false });
});
