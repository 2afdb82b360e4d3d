/** What is kept of a long output: its head and its tail, the middle replaced by a marker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputCapture, TailBuffer, omittedMarker } from '../../src/executor/capture.ts';

const text = (n: number, from = 0) =>
  Buffer.from(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((from + i) % 26))).join(''));

test('output up to the cap is kept whole, in pieces of any size', () => {
  for (const piece of [1, 7, 100, 1000]) {
    const c = new OutputCapture(1000);
    const all = text(1000);
    for (let i = 0; i < all.length; i += piece) c.push(all.subarray(i, i + piece));
    const r = c.result();
    assert.deepEqual(r.data, all);
    assert.equal(r.bytes, 1000);
    assert.equal(r.truncated, false);
    assert.equal(r.omitted, undefined);
  }
});

test('past the cap: the first and last half-cap, with a marker of what was left out', () => {
  for (const piece of [1, 13, 999, 5000]) {
    const c = new OutputCapture(1000);
    const all = text(5000);
    for (let i = 0; i < all.length; i += piece) c.push(all.subarray(i, i + piece));
    const r = c.result();
    const marker = omittedMarker(4000);
    assert.equal(marker.toString(), '\n… 4000 bytes omitted …\n');
    assert.deepEqual(r.data, Buffer.concat([all.subarray(0, 500), marker, all.subarray(4500)]), `pieces of ${piece}`);
    assert.equal(r.bytes, 5000);
    assert.equal(r.truncated, true);
    assert.deepEqual(r.omitted, { start: 500, end: 500 + marker.length, bytes: 4000 });
  }
});

test('one byte over the cap leaves one byte out; an odd cap keeps the extra byte at the end', () => {
  const c = new OutputCapture(11);
  c.push(text(12));
  const r = c.result();
  assert.deepEqual(r.data, Buffer.concat([text(5), omittedMarker(1), text(6, 6)]));
});

test('the tail buffer copies what it keeps and counts what it drops', () => {
  const t = new TailBuffer(4);
  const reused = Buffer.from('abc');
  t.push(reused);
  reused.write('xyz');
  t.push(Buffer.from('de'));
  assert.equal(t.dropped, 1);
  assert.equal(t.take().toString(), 'bcde');
});
