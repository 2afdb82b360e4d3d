import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDomainName,
  checkDomainNameConfig,
  ANY_DOMAIN_NAME,
  checkMappingKey,
  chooseMapping,
  ErrorCode,
  InvalidInput,
} from '../../../src/core/index.ts';

const invalid = (e: unknown) => e instanceof InvalidInput && e.code === ErrorCode.HttpDomainNameInvalid;

describe('custom domain names', () => {
  it('takes host names, in lower case, and refuses what is not one or is served already', () => {
    assert.equal(checkDomainName('API.Example.com', ANY_DOMAIN_NAME), 'api.example.com');
    assert.equal(checkDomainName('a-b.c.example.test.', ANY_DOMAIN_NAME), 'a-b.c.example.test');
    for (const bad of ['', 'localhost', '10.0.0.1', '*.example.com', 'a..b', '-a.example.com', 'a_b.example.com', 'x.example.com:8080'])
      assert.throws(() => checkDomainName(bad, ANY_DOMAIN_NAME), invalid, bad);
    assert.throws(() => checkDomainName('abcdefghij.execute-api.example.com', ANY_DOMAIN_NAME), invalid);
    assert.throws(() => checkDomainName('x.lambda-url.us-east-1.example.com', ANY_DOMAIN_NAME), invalid);
    assert.throws(() => checkDomainName('hangar.example.com', { suffixes: ['*'], ownHosts: ['Hangar.example.com'] }), invalid);
    assert.throws(() => checkDomainName(`${'a'.repeat(64)}.example.com`, ANY_DOMAIN_NAME), invalid);
  });

  it("takes only names under the operator's suffixes, none by default", () => {
    const rules = { suffixes: ['example.com', '*.apps.test'], ownHosts: [] };
    assert.equal(checkDomainName('example.com', rules), 'example.com');
    assert.equal(checkDomainName('api.Example.com', rules), 'api.example.com');
    assert.equal(checkDomainName('x.apps.test', rules), 'x.apps.test');
    for (const bad of ['badexample.com', 'example.org', 'apps.tester']) assert.throws(() => checkDomainName(bad, rules), invalid, bad);
    assert.throws(() => checkDomainName('api.example.com', { suffixes: [], ownHosts: [] }), /HANGAR_DOMAIN_NAME_SUFFIXES/);
  });

  it('keeps REGIONAL and TLS_1_2 (the defaults) and the certificate as given', () => {
    assert.deepEqual(checkDomainNameConfig({ certificateArn: 'arn:x' }), {
      certificateArn: 'arn:x',
      certificateName: null,
      endpointType: 'REGIONAL',
      securityPolicy: 'TLS_1_2',
    });
    assert.throws(() => checkDomainNameConfig({ endpointType: 'EDGE' }), invalid);
    assert.throws(() => checkDomainNameConfig({ securityPolicy: 'TLS_1_0' }), invalid);
    const base = checkDomainNameConfig({ certificateArn: 'arn:x', certificateName: 'n' });
    assert.equal(checkDomainNameConfig({}, base).certificateArn, 'arn:x');
    assert.equal(checkDomainNameConfig({ certificateName: null }, base).certificateName, null);
  });

  it('takes empty mapping keys and paths of segments', () => {
    assert.equal(checkMappingKey(undefined), '');
    assert.equal(checkMappingKey(''), '');
    assert.equal(checkMappingKey('v1'), 'v1');
    assert.equal(checkMappingKey('v1/orders'), 'v1/orders');
    for (const bad of ['/v1', 'v1/', 'v1//x', 'a b', '../x', 'v1/.', 'x?y', '$default', 42])
      assert.throws(() => checkMappingKey(bad), invalid, String(bad));
  });

  it('serves a path by the longest key that prefixes it on whole segments, the empty key the rest', () => {
    const m = [{ apiMappingKey: '' }, { apiMappingKey: 'orders' }, { apiMappingKey: 'orders/v1/items' }, { apiMappingKey: 'orders/v2' }];
    const pick = (path: string) => {
      const c = chooseMapping(m, path);
      return c && [c.mapping.apiMappingKey, c.path];
    };
    assert.deepEqual(pick('/orders'), ['orders', '/']);
    // The path after the key as sent (a payload 2.0 event's rawPath): '' for the key alone.
    assert.deepEqual(
      ['/orders', '/orders/', '/orders/5', '/customers'].map((p) => chooseMapping(m, p)?.rest),
      ['', '/', '/5', '/customers'],
    );
    assert.deepEqual(pick('/orders/'), ['orders', '/']);
    assert.deepEqual(pick('/orders/5'), ['orders', '/5']);
    assert.deepEqual(pick('/orders/v1/items/123'), ['orders/v1/items', '/123']);
    assert.deepEqual(pick('/orders/v1/itemsx'), ['orders', '/v1/itemsx']);
    assert.deepEqual(pick('/ordersx'), ['', '/ordersx']);
    assert.deepEqual(pick('/customers'), ['', '/customers']);
    assert.deepEqual(pick('/'), ['', '/']);
    assert.equal(chooseMapping([{ apiMappingKey: 'v1' }], '/v2/x'), null);
    assert.equal(chooseMapping([], '/'), null);
  });
});
