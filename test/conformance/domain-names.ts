/**
 * The DomainNames port's behaviour, written once: every backend calls describeDomainNames with a
 * factory (as describeHttpApis). Time is injected, so createdAt and updatedAt are exact.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Clock, Conflict, DOMAIN_NAMES_MAX, type DomainNameConfig, ErrorCode, InvalidInput, NotFound } from '../../src/core/index.ts';
import type { DomainNames, HttpApis } from '../../src/store/index.ts';
import { ManualClock } from './store.ts';

export interface DomainNamesUnderTest {
  domainNames: DomainNames;
  httpApis: HttpApis;
  close(): Promise<void>;
}
export type MakeDomainNames = (clock: Clock) => Promise<DomainNamesUnderTest>;

const config: DomainNameConfig = {
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
  certificateName: null,
  endpointType: 'REGIONAL',
  securityPolicy: 'TLS_1_2',
};

const is = (cls: new (...a: never[]) => Error, code: string) => (e: unknown) => e instanceof cls && (e as { code?: string }).code === code;

export function describeDomainNames(name: string, make: MakeDomainNames): void {
  describe(`DomainNames conformance: ${name}`, () => {
    let under: DomainNamesUnderTest;
    let domains: DomainNames;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock();
      under = await make(clock);
      domains = under.domainNames;
    });
    afterEach(async () => {
      await under.close();
    });

    it("keeps a domain name with its configuration and tags, one user's across all users", async () => {
      const d = await domains.createDomainName('alice', 'api.example.test', config, { team: 'a' });
      assert.equal(d.domainName, 'api.example.test');
      assert.deepEqual(d.config, config);
      assert.deepEqual(d.tags, { team: 'a' });
      assert.equal(d.createdAt, clock.now());
      assert.deepEqual(await domains.getDomainName('alice', 'api.example.test'), d);
      await assert.rejects(domains.createDomainName('bob', 'api.example.test', config, {}), is(Conflict, ErrorCode.HttpDomainNameExists));
      await assert.rejects(domains.createDomainName('alice', 'api.example.test', config, {}), is(Conflict, ErrorCode.HttpDomainNameExists));
      assert.equal(await domains.getDomainName('bob', 'api.example.test'), null);
      await domains.createDomainName('alice', 'a.example.test', config, {});
      assert.deepEqual(
        (await domains.listDomainNames('alice')).map((x) => x.domainName),
        ['a.example.test', 'api.example.test'],
      );
      assert.deepEqual(await domains.listDomainNames('bob'), []);
    });

    it('of two concurrent creates of a name exactly one wins', async () => {
      const results = await Promise.allSettled([
        domains.createDomainName('alice', 'race.example.test', config, {}),
        domains.createDomainName('bob', 'race.example.test', config, {}),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('keeps at most DOMAIN_NAMES_MAX names per user, however many creates race for the last', async () => {
      for (let i = 1; i < DOMAIN_NAMES_MAX; i++) await domains.createDomainName('alice', `n${i}.example.test`, config, {});
      // Eight creates at once for the one name left: each counts the user's names, so on a store
      // that does not count and insert as one they all see one free and all insert.
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => domains.createDomainName('alice', `last${i}.example.test`, config, {})),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results)
        if (r.status === 'rejected') assert.ok(is(InvalidInput, ErrorCode.HttpDomainNameInvalid)(r.reason), String(r.reason));
      assert.equal((await domains.listDomainNames('alice')).length, DOMAIN_NAMES_MAX);
      // The quota is a user's: another's names are not counted.
      await domains.createDomainName('bob', 'bob.example.test', config, {});
    });

    it("updates its configuration; another user's is not found", async () => {
      await domains.createDomainName('alice', 'api.example.test', config, {});
      clock.advance(5);
      const d = await domains.updateDomainName('alice', 'api.example.test', { ...config, certificateArn: null });
      assert.equal(d.config.certificateArn, null);
      assert.equal(d.updatedAt, clock.now());
      await assert.rejects(domains.updateDomainName('bob', 'api.example.test', config), is(NotFound, ErrorCode.HttpDomainNameNotFound));
      assert.equal(await domains.deleteDomainName('bob', 'api.example.test'), false);
      assert.equal(await domains.deleteDomainName('alice', 'api.example.test'), true);
      assert.equal(await domains.getDomainName('alice', 'api.example.test'), null);
    });

    it("maps the user's APIs under keys unique per domain, and serves them", async () => {
      const api = await under.httpApis.createApi('alice', { name: 'pets' });
      const other = await under.httpApis.createApi('bob', { name: 'bobs' });
      await domains.createDomainName('alice', 'api.example.test', config, {});
      const root = await domains.createApiMapping('alice', 'api.example.test', { apiId: api.apiId, stage: '$default', apiMappingKey: '' });
      assert.match(root.apiMappingId, /^[a-z0-9]{10}$/);
      const v1 = await domains.createApiMapping('alice', 'api.example.test', {
        apiId: api.apiId,
        stage: 'prod',
        apiMappingKey: 'v1/orders',
      });
      assert.deepEqual(v1, { ...v1, apiId: api.apiId, stage: 'prod', apiMappingKey: 'v1/orders', domainName: 'api.example.test' });
      await assert.rejects(
        domains.createApiMapping('alice', 'api.example.test', { apiId: api.apiId, stage: '$default', apiMappingKey: 'v1/orders' }),
        is(Conflict, ErrorCode.HttpApiMappingExists),
      );
      await assert.rejects(
        domains.createApiMapping('alice', 'api.example.test', { apiId: other.apiId, stage: '$default', apiMappingKey: 'b' }),
        is(NotFound, ErrorCode.HttpApiNotFound),
      );
      await assert.rejects(
        domains.createApiMapping('bob', 'api.example.test', { apiId: other.apiId, stage: '$default', apiMappingKey: 'b' }),
        is(NotFound, ErrorCode.HttpDomainNameNotFound),
      );
      assert.deepEqual(await domains.getApiMapping('alice', 'api.example.test', v1.apiMappingId), v1);
      assert.equal(await domains.getApiMapping('bob', 'api.example.test', v1.apiMappingId), null);
      assert.deepEqual(
        (await domains.listApiMappings('alice', 'api.example.test')).map((m) => m.apiMappingKey),
        ['', 'v1/orders'],
      );
      // A key moved to one another mapping has: Conflict; to a free one, or its own: done.
      await assert.rejects(
        domains.updateApiMapping('alice', 'api.example.test', v1.apiMappingId, { apiId: api.apiId, stage: 'prod', apiMappingKey: '' }),
        is(Conflict, ErrorCode.HttpApiMappingExists),
      );
      const moved = await domains.updateApiMapping('alice', 'api.example.test', v1.apiMappingId, {
        apiId: api.apiId,
        stage: '$default',
        apiMappingKey: 'v2',
      });
      assert.equal(moved.apiMappingKey, 'v2');
      await assert.rejects(
        domains.updateApiMapping('alice', 'api.example.test', 'nosuchmapx', { apiId: api.apiId, stage: '$default', apiMappingKey: 'v3' }),
        is(NotFound, ErrorCode.HttpApiMappingNotFound),
      );
      assert.deepEqual(await domains.servedDomains(), [{ domainName: 'api.example.test', mappings: [root, moved] }]);
      assert.equal(await domains.deleteApiMapping('bob', 'api.example.test', root.apiMappingId), false);
      assert.equal(await domains.deleteApiMapping('alice', 'api.example.test', root.apiMappingId), true);
      assert.deepEqual(
        (await domains.listApiMappings('alice', 'api.example.test')).map((m) => m.apiMappingId),
        [moved.apiMappingId],
      );
    });

    it("lists an API's mappings across the user's domains, by domain then key", async () => {
      const a = await under.httpApis.createApi('alice', { name: 'a' });
      const b = await under.httpApis.createApi('alice', { name: 'b' });
      await domains.createDomainName('alice', 'two.example.test', config, {});
      await domains.createDomainName('alice', 'one.example.test', config, {});
      const twoRoot = await domains.createApiMapping('alice', 'two.example.test', { apiId: a.apiId, stage: '$default', apiMappingKey: '' });
      const oneV2 = await domains.createApiMapping('alice', 'one.example.test', { apiId: a.apiId, stage: 'prod', apiMappingKey: 'v2' });
      const oneV1 = await domains.createApiMapping('alice', 'one.example.test', { apiId: a.apiId, stage: '$default', apiMappingKey: 'v1' });
      await domains.createApiMapping('alice', 'one.example.test', { apiId: b.apiId, stage: '$default', apiMappingKey: 'b' });
      assert.deepEqual(await domains.listApiMappingsOfApi('alice', a.apiId), [oneV1, oneV2, twoRoot]);
      assert.equal((await domains.listApiMappingsOfApi('alice', b.apiId)).length, 1);
      // Another user's API (or none) has none for anyone else.
      assert.deepEqual(await domains.listApiMappingsOfApi('bob', a.apiId), []);
      assert.deepEqual(await domains.listApiMappingsOfApi('alice', 'nosuchapi0'), []);
      await domains.deleteDomainName('alice', 'one.example.test');
      assert.deepEqual(await domains.listApiMappingsOfApi('alice', a.apiId), [twoRoot]);
    });

    it("an API a mapping names is not deleted (the refusal names its mappings); a domain's mappings go with it", async () => {
      const a = await under.httpApis.createApi('alice', { name: 'a' });
      const b = await under.httpApis.createApi('alice', { name: 'b' });
      await domains.createDomainName('alice', 'one.example.test', config, {});
      await domains.createDomainName('alice', 'two.example.test', config, {});
      const mappedA = await domains.createApiMapping('alice', 'one.example.test', {
        apiId: a.apiId,
        stage: '$default',
        apiMappingKey: 'a',
      });
      const kept = await domains.createApiMapping('alice', 'one.example.test', { apiId: b.apiId, stage: '$default', apiMappingKey: 'b' });
      await domains.createApiMapping('alice', 'two.example.test', { apiId: b.apiId, stage: '$default', apiMappingKey: '' });
      await domains.createApiMapping('alice', 'two.example.test', { apiId: a.apiId, stage: '$default', apiMappingKey: 'v1/a' });
      await assert.rejects(under.httpApis.deleteApi('alice', a.apiId), (e: unknown) => {
        assert.ok(is(Conflict, ErrorCode.HttpApiMapped)(e), String(e));
        assert.match((e as Error).message, /one\.example\.test\/a, two\.example\.test\/v1\/a$/);
        return true;
      });
      // Nothing went: the API, its mappings and the others'.
      assert.ok(await under.httpApis.getApi('alice', a.apiId));
      assert.deepEqual(await domains.listApiMappings('alice', 'one.example.test'), [mappedA, kept]);
      // Another user's delete of it finds no API, as before.
      assert.equal(await under.httpApis.deleteApi('bob', a.apiId), false);
      // Its mappings deleted (a domain's going with the domain), the API goes.
      await domains.deleteApiMapping('alice', 'one.example.test', mappedA.apiMappingId);
      const onTwo = (await domains.listApiMappingsOfApi('alice', a.apiId))[0]!;
      await domains.deleteApiMapping('alice', 'two.example.test', onTwo.apiMappingId);
      assert.equal(await under.httpApis.deleteApi('alice', a.apiId), true);
      assert.deepEqual(await domains.listApiMappings('alice', 'one.example.test'), [kept]);
      await domains.deleteDomainName('alice', 'one.example.test');
      await domains.createDomainName('alice', 'three.example.test', config, {});
      // A name without mappings is served too (by the gateway's 404).
      assert.deepEqual(
        (await domains.servedDomains()).map((d) => [d.domainName, d.mappings.length]),
        [
          ['three.example.test', 0],
          ['two.example.test', 1],
        ],
      );
      // A name deleted is free for anyone, without the old mappings.
      await domains.createDomainName('bob', 'one.example.test', config, {});
      assert.deepEqual(await domains.listApiMappings('bob', 'one.example.test'), []);
    });

    it('an API deleted while a mapping of it is made: one of the two is refused, never both done', async () => {
      await domains.createDomainName('alice', 'race.example.test', config, {});
      for (let i = 0; i < 5; i++) {
        const a = await under.httpApis.createApi('alice', { name: `race${i}` });
        const [deleted, mapped] = await Promise.allSettled([
          under.httpApis.deleteApi('alice', a.apiId),
          domains.createApiMapping('alice', 'race.example.test', { apiId: a.apiId, stage: '$default', apiMappingKey: `k${i}` }),
        ]);
        if (deleted.status === 'fulfilled') {
          assert.equal(deleted.value, true);
          assert.ok(mapped.status === 'rejected' && is(NotFound, ErrorCode.HttpApiNotFound)(mapped.reason), String(mapped));
        } else {
          assert.ok(is(Conflict, ErrorCode.HttpApiMapped)(deleted.reason), String(deleted.reason));
          assert.equal(mapped.status, 'fulfilled');
          assert.ok(await under.httpApis.getApi('alice', a.apiId));
        }
      }
    });
  });
}
