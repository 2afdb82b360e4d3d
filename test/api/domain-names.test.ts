/**
 * /domain-names natively: a user's custom domain names and API mappings over the real store,
 * their refusals in problem+json with stable codes (a taken name, a bad name or key, another
 * user's API or domain, deleting an API a mapping names), and a request by Host reaching the
 * gateway through a mapping (answered by it, not by Hangar's API).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform, userKey } from '../helpers/platform.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

before(async () => {
  p = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' });
  alice = (await userKey(p, 'alice')).key;
  bob = (await userKey(p, 'bob')).key;
});
after(async () => {
  await p?.close();
});

describe('/domain-names', () => {
  it('creates, lists, changes and deletes domain names and mappings; refuses with stable codes', async () => {
    const api = (await as(alice, 'POST', '/http-apis', { name: 'shop' })).json();
    const bobsApi = (await as(bob, 'POST', '/http-apis', { name: 'bobs' })).json();
    const made = await as(alice, 'POST', '/domain-names', {
      domainName: 'Shop.Example.test',
      certificateArn: 'arn:aws:acm:x',
      tags: { a: 'b' },
    });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(
      [
        made.json().domainName,
        made.json().userId,
        made.json().certificateArn,
        made.json().endpointType,
        made.json().securityPolicy,
        made.json().tags,
      ],
      ['shop.example.test', 'alice', 'arn:aws:acm:x', 'REGIONAL', 'TLS_1_2', { a: 'b' }],
    );
    const taken = await as(bob, 'POST', '/domain-names', { domainName: 'shop.example.test' });
    assert.deepEqual([taken.statusCode, taken.json().code], [409, 'HTTP_DOMAIN_NAME_EXISTS']);
    const bad = await as(alice, 'POST', '/domain-names', { domainName: 'localhost' });
    assert.deepEqual([bad.statusCode, bad.json().code], [400, 'HTTP_DOMAIN_NAME_INVALID']);
    // Where Hangar's own API is reached (the request's Host) is no one's domain name.
    const own = await p.inject({
      method: 'POST',
      url: '/domain-names',
      headers: { authorization: `Bearer ${alice}`, host: 'hangar.example.test:8080' },
      payload: { domainName: 'hangar.example.test' },
    });
    assert.deepEqual([own.statusCode, own.json().code], [400, 'HTTP_DOMAIN_NAME_INVALID'], own.body);
    assert.equal((await as(bob, 'GET', '/domain-names/shop.example.test')).statusCode, 404);
    assert.deepEqual((await as(bob, 'GET', '/domain-names')).json(), { domainNames: [] });
    assert.deepEqual(
      (await as(alice, 'GET', '/domain-names')).json().domainNames.map((d: { domainName: string }) => d.domainName),
      ['shop.example.test'],
    );
    const changed = await as(alice, 'PATCH', '/domain-names/shop.example.test', { certificateArn: null });
    assert.deepEqual([changed.statusCode, changed.json().certificateArn], [200, null]);

    const mapped = await as(alice, 'POST', '/domain-names/shop.example.test/mappings', { apiId: api.apiId, apiMappingKey: 'v1' });
    assert.equal(mapped.statusCode, 201, mapped.body);
    const m = mapped.json();
    assert.deepEqual([m.apiId, m.stage, m.apiMappingKey], [api.apiId, '$default', 'v1']);
    const again = await as(alice, 'POST', '/domain-names/shop.example.test/mappings', { apiId: api.apiId, apiMappingKey: 'v1' });
    assert.deepEqual([again.statusCode, again.json().code], [409, 'HTTP_API_MAPPING_EXISTS']);
    const badKey = await as(alice, 'POST', '/domain-names/shop.example.test/mappings', { apiId: api.apiId, apiMappingKey: 'v1/' });
    assert.deepEqual([badKey.statusCode, badKey.json().code], [400, 'HTTP_DOMAIN_NAME_INVALID']);
    const othersApi = await as(alice, 'POST', '/domain-names/shop.example.test/mappings', { apiId: bobsApi.apiId });
    assert.deepEqual([othersApi.statusCode, othersApi.json().code], [404, 'HTTP_API_NOT_FOUND']);
    const noStage = await as(alice, 'POST', '/domain-names/shop.example.test/mappings', { apiId: api.apiId, stage: 'prod' });
    assert.deepEqual([noStage.statusCode, noStage.json().code], [404, 'HTTP_STAGE_NOT_FOUND']);
    const othersDomain = await as(bob, 'POST', '/domain-names/shop.example.test/mappings', { apiId: bobsApi.apiId });
    assert.deepEqual([othersDomain.statusCode, othersDomain.json().code], [404, 'HTTP_DOMAIN_NAME_NOT_FOUND']);

    const moved = await as(alice, 'PATCH', `/domain-names/shop.example.test/mappings/${m.apiMappingId}`, { apiMappingKey: 'v2' });
    assert.deepEqual([moved.statusCode, moved.json().apiMappingKey, moved.json().apiId], [200, 'v2', api.apiId]);
    assert.equal((await as(alice, 'GET', `/domain-names/shop.example.test/mappings/${m.apiMappingId}`)).json().apiMappingKey, 'v2');
    assert.equal((await as(bob, 'GET', `/domain-names/shop.example.test/mappings/${m.apiMappingId}`)).statusCode, 404);

    // A request by Host is the gateway's now: a path of no mapping is API Gateway's 404.
    const viaHost = await p.inject({ method: 'GET', url: '/v9/x', headers: { host: 'shop.example.test' } });
    assert.deepEqual([viaHost.statusCode, viaHost.json()], [404, { message: 'Not Found' }]);

    // An API a mapping names is not deleted: 409 naming the mappings, nothing lost.
    const refusedDelete = await as(alice, 'DELETE', `/http-apis/${api.apiId}`);
    assert.deepEqual([refusedDelete.statusCode, refusedDelete.json().code], [409, 'HTTP_API_MAPPED']);
    assert.match(String(refusedDelete.headers['content-type']), /application\/problem\+json/);
    assert.match(refusedDelete.json().detail, /shop\.example\.test\/v2$/);
    assert.equal((await as(alice, 'GET', `/domain-names/shop.example.test/mappings/${m.apiMappingId}`)).statusCode, 200);
    assert.equal((await as(alice, 'GET', `/http-apis/${api.apiId}`)).statusCode, 200);
    // Its mappings deleted, it goes.
    assert.equal((await as(alice, 'DELETE', `/domain-names/shop.example.test/mappings/${m.apiMappingId}`)).statusCode, 200);
    assert.equal((await as(alice, 'DELETE', `/http-apis/${api.apiId}`)).statusCode, 200);
    assert.deepEqual((await as(alice, 'GET', '/domain-names/shop.example.test/mappings')).json(), { mappings: [] });
    const again2 = await as(alice, 'POST', '/http-apis', { name: 'shop2' });
    const m2 = (await as(alice, 'POST', '/domain-names/shop.example.test/mappings', { apiId: again2.json().apiId })).json();
    assert.equal((await as(alice, 'DELETE', `/domain-names/shop.example.test/mappings/${m2.apiMappingId}`)).statusCode, 200);
    assert.equal((await as(alice, 'DELETE', `/domain-names/shop.example.test/mappings/${m2.apiMappingId}`)).statusCode, 404);
    assert.equal((await as(bob, 'DELETE', '/domain-names/shop.example.test')).statusCode, 404);
    assert.equal((await as(alice, 'DELETE', '/domain-names/shop.example.test')).statusCode, 200);
    assert.equal((await as(alice, 'GET', '/domain-names/shop.example.test')).statusCode, 404);
  });
});
