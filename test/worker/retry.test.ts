/** retry: the worker's one retry loop (outcomes, releases, blobs), on injected time. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { retry, type RetryOptions } from '../../src/worker/retry.ts';

/** A clock that a wait moves forward, and the waits it saw. */
function fakeTime(): Pick<RetryOptions, 'now' | 'wait'> & { waits: number[] } {
  let t = 1_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    wait: async (ms) => {
      waits.push(ms);
      t += ms;
    },
  };
}

/** A write that fails `n` times with `err`, then answers 'ok'. */
function failing(n: number, err: unknown = new Error('down')) {
  const w = { calls: 0, write: async () => (++w.calls <= n ? Promise.reject(err) : 'ok') };
  return w;
}

it('returns what the write gives, after waiting 200 ms, doubling, up to 2 s between tries', async () => {
  const time = fakeTime();
  const w = failing(6);
  const told: number[] = [];
  assert.equal(await retry(w.write, { ...time, forMs: 60_000, onRetry: (_e, d) => told.push(d) }), 'ok');
  assert.equal(w.calls, 7);
  assert.deepEqual(time.waits, [200, 400, 800, 1600, 2000, 2000]);
  assert.deepEqual(told, time.waits, 'told before each wait');
});

it('gives up with the last error rather than wait past forMs', async () => {
  const time = fakeTime();
  const down = new Error('down');
  const w = failing(100, down);
  await assert.rejects(retry(w.write, { ...time, forMs: 1_000 }), (e) => e === down);
  // 200 + 400 = 600 ms waited; the next wait (800) would end past 1000.
  assert.deepEqual(time.waits, [200, 400]);
  assert.equal(w.calls, 3);
});

it('throws at once an error a retry cannot help', async () => {
  const time = fakeTime();
  const bad = new Error('syntax');
  const w = failing(1, bad);
  await assert.rejects(retry(w.write, { ...time, forMs: 60_000, retryable: (e) => e !== bad }), (e) => e === bad);
  assert.equal(w.calls, 1);
  assert.deepEqual(time.waits, []);
});

it('stops when its signal aborts: before a wait, or during one', async () => {
  const time = fakeTime();
  const before = new AbortController();
  before.abort();
  const w = failing(5);
  await assert.rejects(retry(w.write, { ...time, forMs: 60_000, signal: before.signal }), /down/);
  assert.equal(w.calls, 1);

  const during = new AbortController();
  const w2 = failing(5);
  const waiting = retry(w2.write, { forMs: 60_000, signal: during.signal });
  await new Promise((r) => setImmediate(r));
  during.abort();
  await assert.rejects(waiting, /down/, 'the write error, not the abort');
  assert.equal(w2.calls, 1);
});

it('with no failure, calls once and never waits', async () => {
  const time = fakeTime();
  const w = failing(0);
  assert.equal(await retry(w.write, { ...time, forMs: 0 }), 'ok');
  assert.deepEqual(time.waits, []);
});
