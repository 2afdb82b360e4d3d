/**
 * The ExpressStarts port's behaviour, written once for both backends: a start is kept until it
 * ends; one whose lease lapsed (or was let go) is taken by the next claim, once, oldest first, with
 * its runs counted; a lease renewed or still running is not taken.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Clock } from '../../src/core/index.ts';
import type { ExpressStart, ExpressStarts } from '../../src/store/index.ts';

export interface ExpressStartsUnderTest {
  expressStarts: ExpressStarts;
  close(): Promise<void>;
}

const start = (id: string, startedAt: number): Omit<ExpressStart, 'runs'> => ({
  id,
  userId: 'alice',
  stateMachineName: 'm',
  name: `run-${id}`,
  definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
  roleArn: 'arn:aws:iam::123456789012:role/r',
  input: '{"n":1}',
  startedAt,
});

export function describeExpressStarts(name: string, make: (clock: Clock) => Promise<ExpressStartsUnderTest>): void {
  describe(`ExpressStarts conformance: ${name}`, () => {
    let u: ExpressStartsUnderTest;
    let x: ExpressStarts;
    beforeEach(async () => {
      u = await make({ now: () => 1_000_000 });
      x = u.expressStarts;
    });
    afterEach(() => u.close());

    it('keeps a start held by its runner until its lease lapses, then another takes it once', async () => {
      await x.addExpressStart(start('a', 100), 'r1', 10_000);
      assert.deepEqual(await x.claimExpressStarts('r2', 9_999, 5_000, 10), [], 'held');
      const taken = await x.claimExpressStarts('r2', 10_001, 5_000, 10);
      assert.deepEqual(taken, [{ ...start('a', 100), runs: 2 }]);
      assert.deepEqual(await x.claimExpressStarts('r3', 10_002, 5_000, 10), [], 'now r2 holds it until 15,001');
      assert.equal((await x.claimExpressStarts('r3', 15_002, 5_000, 10))[0].runs, 3);
    });

    it('forgets an ended start', async () => {
      await x.addExpressStart(start('a', 100), 'r1', 10_000);
      await x.endExpressStart('a');
      await x.endExpressStart('a');
      assert.deepEqual(await x.claimExpressStarts('r2', 20_000, 5_000, 10), []);
    });

    it('renews every lease of its owner, and only its own', async () => {
      await x.addExpressStart(start('a', 100), 'r1', 10_000);
      await x.addExpressStart(start('b', 200), 'r1', 10_000);
      await x.addExpressStart(start('c', 300), 'other', 10_000);
      assert.equal(await x.renewExpressStarts('r1', 30_000), 2);
      const taken = await x.claimExpressStarts('r2', 20_000, 5_000, 10);
      assert.deepEqual(
        taken.map((s) => s.id),
        ['c'],
      );
      assert.equal(await x.renewExpressStarts('nobody', 30_000), 0);
    });

    it('lets go of an owner\u2019s starts at once, and takes them oldest first up to the limit', async () => {
      for (const [id, at] of [
        ['c', 300],
        ['a', 100],
        ['b', 200],
      ] as const)
        await x.addExpressStart(start(id, at), 'r1', 50_000);
      await x.addExpressStart(start('d', 50), 'other', 50_000);
      assert.equal(await x.releaseExpressStarts('r1'), 3);
      const first = await x.claimExpressStarts('r2', 1_000, 5_000, 2);
      assert.deepEqual(
        first.map((s) => s.id),
        ['a', 'b'],
      );
      const rest = await x.claimExpressStarts('r3', 1_000, 5_000, 10);
      assert.deepEqual(
        rest.map((s) => s.id),
        ['c'],
      );
      assert.deepEqual(await x.claimExpressStarts('r4', 1_000, 5_000, 0), []);
    });

    it('gives each start to one of two runners claiming at once', async () => {
      for (let i = 0; i < 20; i++) await x.addExpressStart(start(`s${String(i).padStart(2, '0')}`, i), 'dead', 0);
      const [one, two] = await Promise.all([x.claimExpressStarts('r1', 1_000, 5_000, 15), x.claimExpressStarts('r2', 1_000, 5_000, 15)]);
      const ids = [...one, ...two].map((s) => s.id).sort();
      assert.equal(ids.length, 20);
      assert.equal(new Set(ids).size, 20);
    });
  });
}
