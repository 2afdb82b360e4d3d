/**
 * The ProvisionedConcurrency port's behaviour, written once for both backends: put replaces,
 * get/list/listAll read, delete answers whether there was one, another user's function is not
 * there, and rows go with their function, version and alias.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Clock, ErrorCode } from '../../src/core/index.ts';
import type { Functions, ProvisionedConcurrency } from '../../src/store/index.ts';
import { newFunction } from './functions.ts';
import { ManualClock } from './store.ts';

export interface ProvisionedUnderTest {
  functions: Functions;
  provisioned: ProvisionedConcurrency;
  close(): Promise<void>;
}

const isCode = (code: string) => (err: unknown) => (err as { code?: string }).code === code;

export function describeProvisionedConcurrency(name: string, make: (clock: Clock) => Promise<ProvisionedUnderTest>): void {
  describe(`ProvisionedConcurrency conformance: ${name}`, () => {
    let u: ProvisionedUnderTest;
    let p: ProvisionedConcurrency;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock();
      u = await make(clock);
      p = u.provisioned;
      await u.functions.createFunction(newFunction());
      await u.functions.publishVersion('alice', 'hello');
      await u.functions.createAlias('alice', 'hello', { name: 'live', version: 1 });
    });
    afterEach(() => u.close());

    it('puts, replaces, reads and lists per function and qualifier', async () => {
      assert.equal(await p.getProvisioned('alice', 'hello', '1'), null);
      const one = await p.putProvisioned('alice', 'hello', '1', 2);
      assert.deepEqual(one, { userId: 'alice', functionName: 'hello', qualifier: '1', requested: 2, lastModified: clock.now() });
      clock.advance(1000);
      const again = await p.putProvisioned('alice', 'hello', '1', 3);
      assert.equal(again.requested, 3);
      assert.equal(again.lastModified, clock.now());
      await p.putProvisioned('alice', 'hello', 'live', 1);
      assert.deepEqual(await p.getProvisioned('alice', 'hello', '1'), again);
      assert.deepEqual(
        (await p.listProvisioned('alice', 'hello')).map((c) => [c.qualifier, c.requested]),
        [
          ['1', 3],
          ['live', 1],
        ],
      );
      assert.equal((await p.listAllProvisioned()).length, 2);
    });

    it('keeps users apart: another user has no such function', async () => {
      await assert.rejects(p.putProvisioned('bob', 'hello', '1', 1), isCode(ErrorCode.FunctionNotFound));
      await p.putProvisioned('alice', 'hello', '1', 1);
      assert.equal(await p.getProvisioned('bob', 'hello', '1'), null);
      assert.deepEqual(await p.listProvisioned('bob', 'hello'), []);
      assert.equal(await p.deleteProvisioned('bob', 'hello', '1'), false);
      assert.ok(await p.getProvisioned('alice', 'hello', '1'));
    });

    it('deletes, answering whether there was one', async () => {
      await p.putProvisioned('alice', 'hello', '1', 1);
      assert.equal(await p.deleteProvisioned('alice', 'hello', '1'), true);
      assert.equal(await p.deleteProvisioned('alice', 'hello', '1'), false);
      assert.equal(await p.getProvisioned('alice', 'hello', '1'), null);
    });

    it('goes with its alias, its version and its function', async () => {
      await p.putProvisioned('alice', 'hello', 'live', 1);
      await p.putProvisioned('alice', 'hello', '1', 1);
      assert.ok(await u.functions.deleteAlias('alice', 'hello', 'live'));
      assert.equal(await p.getProvisioned('alice', 'hello', 'live'), null);
      assert.ok(await p.getProvisioned('alice', 'hello', '1'));
      assert.ok(await u.functions.deleteVersion('alice', 'hello', 1));
      assert.equal(await p.getProvisioned('alice', 'hello', '1'), null);
      await u.functions.publishVersion('alice', 'hello', { description: 'two' });
      await p.putProvisioned('alice', 'hello', '2', 1);
      assert.ok(await u.functions.deleteFunction('alice', 'hello'));
      assert.deepEqual(await p.listAllProvisioned(), []);
    });
  });
}
