/**
 * The SealedValues port's behaviour, written once for both backends: every kind of sealed value
 * is read a page at a time, in a fixed order, rows without one passed over; a reseal writes only
 * where the row still holds what was read, and what it wrote is what the other ports then read
 * (and open, for functions' environments); the key check is written once, then replaced only
 * where it still holds what was read.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SecretBox } from '../../src/secrets/index.ts';
import type { Access, Functions, SealedKind, SealedValue, SealedValues } from '../../src/store/index.ts';
import { newFunction } from './functions.ts';

export interface SealedValuesUnderTest {
  sealedValues: SealedValues;
  access: Access;
  functions: Functions;
  close(): Promise<void>;
}

/** A store opened with `sealer` sealing functions' environments. */
export type MakeSealedValues = (sealer: SecretBox) => Promise<SealedValuesUnderTest>;

/** Every value of `kind`, `limit` rows a page. */
async function all(s: SealedValues, kind: SealedKind, limit: number): Promise<{ values: SealedValue[]; pages: number }> {
  const values: SealedValue[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await s.sealedPage(kind, after, limit);
    pages++;
    values.push(...page.values);
    after = page.next;
  } while (after !== null && pages < 100);
  return { values, pages };
}

export function describeSealedValues(name: string, make: MakeSealedValues): void {
  describe(`SealedValues conformance: ${name}`, () => {
    let under: SealedValuesUnderTest;
    let s: SealedValues;
    const box = new SecretBox(randomBytes(32));

    beforeEach(async () => {
      under = await make(box);
      s = under.sealedValues;
    });
    afterEach(() => under.close());

    it('finds nothing, and no key check, in an empty store', async () => {
      for (const kind of ['secret', 'api-key', 'function-environment', 'function-version-environment'] as const)
        assert.deepEqual(await s.sealedPage(kind, null, 10), { values: [], next: null });
      assert.equal(await s.keyCheck(), null);
    });

    it("pages through users' secrets in a fixed order, with their owners and names", async () => {
      for (const [user, secret] of [
        ['bob', 'B'],
        ['alice', 'Z'],
        ['alice', 'A'],
        ['carol', 'C'],
        ['alice', 'M'],
      ])
        await under.access.putSecret(user, secret, box.seal(user, secret, `${user}-${secret}`));
      const { values, pages } = await all(s, 'secret', 2);
      assert.equal(pages, 3);
      assert.deepEqual(
        values.map((v) => `${v.userId}/${v.name}`),
        ['alice/A', 'alice/M', 'alice/Z', 'bob/B', 'carol/C'],
      );
      for (const v of values) assert.equal(box.open(v.userId, v.name, v.sealed), `${v.userId}-${v.name}`);
      assert.equal(new Set(values.map((v) => v.ref)).size, 5);
      const one = await all(s, 'secret', 5);
      assert.equal(one.values.length, 5, 'a full last page is followed by an empty one');
    });

    it("reads API keys' sealed copies, bound to the key's id, passing over keys that have none", async () => {
      const key = (id: string, sealed: boolean) =>
        under.access.createKey({
          id,
          hash: id.padEnd(64, '0'),
          prefix: 'hk_',
          userId: 'alice',
          scope: 'user',
          name: null,
          sealedKey: sealed ? box.seal('alice', `api-key:${id}`, `raw-${id}`) : null,
        });
      for (const [id, sealed] of [
        ['k1', true],
        ['k2', false],
        ['k3', true],
      ] as const)
        await key(id, sealed);
      const first = await s.sealedPage('api-key', null, 2);
      assert.deepEqual(
        first.values.map((v) => v.name),
        ['api-key:k1'],
        'k2 has no sealed copy: passed over, counted',
      );
      assert.notEqual(first.next, null);
      const rest = await all(s, 'api-key', 2);
      assert.deepEqual(
        rest.values.map((v) => box.open(v.userId, v.name, v.sealed)),
        ['raw-k1', 'raw-k3'],
      );
    });

    it("reads functions' and versions' sealed environments (not empty ones), and a reseal is what they then open", async () => {
      await under.functions.createFunction(newFunction({}, { environment: { TOKEN: 'one' } }));
      await under.functions.publishVersion('alice', 'hello');
      await under.functions.createFunction(newFunction({ name: 'empty' }));
      await under.functions.createFunction(newFunction({ userId: 'bob', name: 'b' }, { environment: { BEE: 'b' } }));
      const latest = await all(s, 'function-environment', 1);
      assert.deepEqual(
        latest.values.map((v) => [v.userId, v.name]),
        [
          ['alice', 'function-environment:hello'],
          ['bob', 'function-environment:b'],
        ],
      );
      const [v] = (await all(s, 'function-version-environment', 10)).values;
      assert.deepEqual([v.userId, v.name], ['alice', 'function-environment:hello']);
      assert.deepEqual(JSON.parse(box.open(v.userId, v.name, v.sealed)), { TOKEN: 'one' });

      // Re-sealed (a fresh nonce: another text for the same map), then read through the port.
      const again = box.seal(v.userId, v.name, box.open(v.userId, v.name, v.sealed));
      assert.equal(await s.reseal('function-version-environment', [{ ref: v.ref, was: v.sealed, sealed: again }]), 1);
      assert.equal((await all(s, 'function-version-environment', 10)).values[0].sealed, again);
      assert.deepEqual((await under.functions.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.environment, {
        TOKEN: 'one',
      });
      const [l] = latest.values;
      const lagain = box.seal(l.userId, l.name, JSON.stringify({ TOKEN: 'one' }));
      assert.equal(await s.reseal('function-environment', [{ ref: l.ref, was: l.sealed, sealed: lagain }]), 1);
      assert.equal((await all(s, 'function-environment', 10)).values[0].sealed, lagain);
    });

    it('reseals only where the row still holds what was read; a row changed or deleted meanwhile is left alone', async () => {
      for (const n of ['A', 'B', 'C']) await under.access.putSecret('alice', n, box.seal('alice', n, `old-${n}`));
      const { values } = await all(s, 'secret', 10);
      // Meanwhile: B replaced by its owner, C deleted.
      const newer = box.seal('alice', 'B', 'newer-B');
      await under.access.putSecret('alice', 'B', newer);
      await under.access.deleteSecret('alice', 'C');
      const resealed = values.map((v) => ({
        ref: v.ref,
        was: v.sealed,
        sealed: box.seal(v.userId, v.name, box.open(v.userId, v.name, v.sealed)),
      }));
      assert.equal(await s.reseal('secret', resealed), 1, 'only A');
      const now = await under.access.secretsOf('alice');
      assert.deepEqual(
        now.map((x) => [x.name, x.ciphertext]),
        [
          ['A', resealed[0].sealed],
          ['B', newer],
        ],
      );
      assert.equal(await s.reseal('secret', resealed), 0, 'the same batch again writes nothing');
      assert.equal(await s.reseal('secret', []), 0);
    });

    it('writes the key check once; replaces it only where it still holds what was read', async () => {
      assert.equal(await s.putKeyCheck('first', null), true);
      assert.equal(await s.putKeyCheck('second', null), false, 'there is one already');
      assert.equal(await s.keyCheck(), 'first');
      assert.equal(await s.putKeyCheck('third', 'not-it'), false);
      assert.equal(await s.putKeyCheck('third', 'first'), true);
      assert.equal(await s.keyCheck(), 'third');
    });
  });
}
