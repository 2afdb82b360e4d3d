import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  decodeInvocationCursor,
  encodeInvocationCursor,
  invocationLogKey,
  invocationStatusOf,
  TIMEOUT_ERROR_TYPE,
} from '../../src/core/index.ts';

it('an invocation that returned succeeded; a timeout is told from other errors by its type', () => {
  assert.equal(invocationStatusOf(null), 'success');
  assert.equal(invocationStatusOf('TypeError'), 'error');
  assert.equal(invocationStatusOf('Runtime.ExitError'), 'error');
  assert.equal(invocationStatusOf(TIMEOUT_ERROR_TYPE), 'timeout');
});

it('a listing cursor round-trips, and one no listing made is refused', () => {
  const c = { endedAt: 1_700_000_000_123, requestId: '0f6c1d1e-3f1f-4b8e-9d0e-2a3b4c5d6e7f' };
  assert.deepEqual(decodeInvocationCursor(encodeInvocationCursor(c)), c);
  for (const bad of ['', 'bm9wZQ', Buffer.from('i:12:../x').toString('base64url'), Buffer.from('i:x:abc').toString('base64url')])
    assert.equal(decodeInvocationCursor(bad), null, bad);
});

it("a long log's blob key is under the user's function data, by day", () => {
  assert.equal(
    invocationLogKey('alice', 'hello', Date.parse('2026-12-06T01:02:03Z'), 'abc'),
    'functions/alice/logs/hello/2026-12-06/abc.log',
  );
});
