import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseHost } from '../../src/core/index.ts';

const h = (hostId: string, busy: number, warm: number, capacity = 4) => ({ hostId, busy, warm, capacity });

describe('chooseHost', () => {
  it('none without hosts', () => {
    assert.equal(chooseHost([]), null);
  });

  it('a host holding a warm instance of the version first, even when it is the more loaded', () => {
    assert.equal(chooseHost([h('a', 0, 0), h('b', 3, 1)])?.hostId, 'b');
  });

  it('of several warm ones, and with none warm, the least loaded by its capacity', () => {
    assert.equal(chooseHost([h('a', 2, 1), h('b', 1, 2), h('c', 0, 0)])?.hostId, 'b');
    assert.equal(chooseHost([h('a', 2, 0, 4), h('b', 1, 0, 1), h('c', 1, 0, 4)])?.hostId, 'c');
    // A capacity of 0 counts as 1.
    assert.equal(chooseHost([h('a', 1, 0, 0), h('b', 1, 0, 2)])?.hostId, 'b');
  });

  it('ties broken by the random draw, so API nodes choosing at once spread out', () => {
    const hosts = [h('a', 0, 0), h('b', 0, 0), h('c', 1, 0)];
    assert.equal(chooseHost(hosts, () => 0)?.hostId, 'a');
    assert.equal(chooseHost(hosts, () => 0.99)?.hostId, 'b');
  });
});
