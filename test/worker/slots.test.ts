/** Slots: a pool's execution slots, the leases waiting for them, and the prefetch beyond them. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Slots } from '../../src/worker/slots.ts';

const never = () => assert.fail('no long wait expected');

it('grants its slots at once, then passes each freed slot to the longest-waiting lease', async () => {
  const slots = new Slots({ concurrency: 2 });
  const signal = new AbortController().signal;
  assert.equal(await slots.take(signal, never), true);
  assert.equal(await slots.take(signal, never), true);
  assert.equal(slots.active, 2);
  const order: string[] = [];
  const a = slots.take(signal, never).then((got) => order.push(`a:${got}`));
  const b = slots.take(signal, never).then((got) => order.push(`b:${got}`));
  assert.equal(slots.waiting, 2);
  slots.release();
  await a;
  assert.deepEqual(order, ['a:true']);
  assert.equal(slots.active, 2, 'the slot passed on, not freed');
  slots.release();
  await b;
  slots.release();
  slots.release();
  assert.deepEqual(order, ['a:true', 'b:true']);
  assert.equal(slots.active, 0);
});

it('a lease aborted while it waits never holds a slot', async () => {
  const slots = new Slots({ concurrency: 1 });
  await slots.take(new AbortController().signal, never);
  const stop = new AbortController();
  const waiting = slots.take(stop.signal, never);
  stop.abort('shutdown');
  assert.equal(await waiting, false);
  assert.equal(slots.waiting, 0);
  assert.equal(await slots.take(stop.signal, never), false, 'already aborted');
});

it('says when a lease has waited prefetchWaitMs for a slot', async () => {
  const slots = new Slots({ concurrency: 1, prefetchWaitMs: 5 });
  const signal = new AbortController().signal;
  await slots.take(signal, never);
  const stop = new AbortController();
  let longWait!: () => void;
  const told = new Promise<void>((r) => (longWait = r));
  const waiting = slots.take(stop.signal, longWait);
  await told;
  stop.abort();
  assert.equal(await waiting, false);
});

it("prefetch: a fixed number, or 'auto' from the running average of executions, capped per slot; none while paused", () => {
  assert.equal(new Slots({ concurrency: 2 }).prefetch(), 0, 'none by default');
  assert.equal(new Slots({ concurrency: 2, prefetch: 3 }).prefetch(), 3);
  const auto = new Slots({ concurrency: 2, prefetch: 'auto', prefetchBacklogMs: 50 });
  assert.equal(auto.prefetch(), 0, 'none before the first execution');
  auto.noteExecution(10);
  assert.equal(auto.prefetch(), 10, '2 slots × 50 ms of 10 ms executions');
  auto.noteExecution(110);
  assert.equal(auto.prefetch(), 5, 'the average moved a tenth of the way: 20 ms');
  const quick = new Slots({ concurrency: 2, prefetch: 'auto' });
  quick.noteExecution(0);
  assert.equal(quick.prefetch(), 40, 'at most 20 per slot');
  void quick.take(new AbortController().signal, never);
  quick.pausePrefetch();
  assert.equal(quick.prefetch(), 0);
  quick.release();
  assert.equal(quick.prefetch(), 40, 'a freed slot ends the pause');
});
