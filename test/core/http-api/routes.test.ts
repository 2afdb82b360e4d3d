import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, InvalidInput, matchRoute, parseRouteKey, type RouteKey } from '../../../src/core/index.ts';

const refused = (e: unknown) => e instanceof InvalidInput && e.code === ErrorCode.HttpRouteInvalid;

describe('route keys', () => {
  it('parses $default and METHOD /path keys', () => {
    assert.deepEqual(parseRouteKey('$default'), { kind: 'default', key: '$default' });
    const k = parseRouteKey('GET /pets/{id}');
    assert.equal(k.kind, 'path');
    assert.deepEqual(k.kind === 'path' && k.segments, [
      { kind: 'literal', value: 'pets' },
      { kind: 'param', name: 'id' },
    ]);
    const root = parseRouteKey('ANY /');
    assert.deepEqual(root.kind === 'path' && root.segments, []);
    const greedy = parseRouteKey('ANY /{proxy+}');
    assert.deepEqual(greedy.kind === 'path' && greedy.segments, [{ kind: 'greedy', name: 'proxy' }]);
  });

  for (const bad of [
    '',
    '$connect',
    'GET',
    'GET pets',
    'get /pets',
    'FETCH /pets',
    'GET  /pets',
    'GET /pets/',
    'GET /a//b',
    'GET /{proxy+}/x',
    'GET /pets/{id}/{id}',
    'GET /pets/x{id}',
    'GET /pets/{}',
    'GET /pets/{a b}',
    `GET /${'a'.repeat(600)}`,
  ]) {
    it(`refuses ${JSON.stringify(bad.slice(0, 30))} with HTTP_ROUTE_INVALID`, () => {
      assert.throws(() => parseRouteKey(bad), refused);
    });
  }
});

describe('choosing a route', () => {
  // The set AWS's routing documentation uses to explain its priorities, plus a few more.
  const keys = [
    'GET /pets/dog/1',
    'GET /pets/dog/{id}',
    'GET /pets/{proxy+}',
    'ANY /{proxy+}',
    'POST /pets/{kind}/{id}',
    'ANY /pets/{kind}/{id}',
    'GET /',
    '$default',
  ];
  const routes = keys.map((k) => ({ routeKey: parseRouteKey(k) as RouteKey, name: k }));
  const table: Array<[string, string, string, Record<string, string> | undefined]> = [
    ['GET', '/pets/dog/1', 'GET /pets/dog/1', undefined],
    ['GET', '/pets/dog/2', 'GET /pets/dog/{id}', { id: '2' }],
    ['GET', '/pets/cat/1', 'ANY /pets/{kind}/{id}', { kind: 'cat', id: '1' }],
    ['POST', '/pets/cat/1', 'POST /pets/{kind}/{id}', { kind: 'cat', id: '1' }],
    ['DELETE', '/pets/dog/1', 'ANY /pets/{kind}/{id}', { kind: 'dog', id: '1' }],
    ['GET', '/pets/cat', 'GET /pets/{proxy+}', { proxy: 'cat' }],
    ['GET', '/pets/cat/1/toys/2', 'GET /pets/{proxy+}', { proxy: 'cat/1/toys/2' }],
    ['POST', '/pets/cat', 'ANY /{proxy+}', { proxy: 'pets/cat' }],
    ['POST', '/toys', 'ANY /{proxy+}', { proxy: 'toys' }],
    ['GET', '/', 'GET /', undefined],
    ['POST', '/', '$default', undefined],
    ['get', '/pets/dog/1', 'GET /pets/dog/1', undefined],
    ['GET', '/pets/dog%201/x', 'ANY /pets/{kind}/{id}', { kind: 'dog 1', id: 'x' }],
    ['GET', '/Pets/dog/1', 'ANY /{proxy+}', { proxy: 'Pets/dog/1' }],
  ];
  for (const [method, path, want, params] of table) {
    it(`${method} ${path} → ${want}`, () => {
      const m = matchRoute(routes, method, path);
      assert.equal(m?.route.name, want);
      assert.deepEqual(m?.pathParameters, params);
    });
  }

  it("AWS's documented example: GET /pets/cat/1 goes to GET /pets/{proxy+} when no route has two variables there", () => {
    const aws = ['GET /pets/dog/1', 'GET /pets/dog/{id}', 'GET /pets/{proxy+}', 'ANY /{proxy+}', '$default'].map((k) => ({
      routeKey: parseRouteKey(k),
    }));
    assert.equal(matchRoute(aws, 'GET', '/pets/dog/1')?.route.routeKey.key, 'GET /pets/dog/1');
    assert.equal(matchRoute(aws, 'GET', '/pets/dog/2')?.route.routeKey.key, 'GET /pets/dog/{id}');
    assert.equal(matchRoute(aws, 'GET', '/pets/cat/1')?.route.routeKey.key, 'GET /pets/{proxy+}');
    assert.equal(matchRoute(aws, 'POST', '/pets/cat/1')?.route.routeKey.key, 'ANY /{proxy+}');
  });

  it('a route without a greedy variable goes before one with it, even with fewer literal segments', () => {
    const two = ['GET /pets/{proxy+}', 'GET /{a}/{b}'].map((k) => ({ routeKey: parseRouteKey(k) }));
    assert.equal(matchRoute(two, 'GET', '/pets/cat')?.route.routeKey.key, 'GET /{a}/{b}');
    assert.equal(matchRoute(two, 'GET', '/pets/cat/1')?.route.routeKey.key, 'GET /pets/{proxy+}');
  });

  it('the order routes are listed in does not change the choice', () => {
    const reversed = [...routes].reverse();
    for (const [method, path, want] of table) assert.equal(matchRoute(reversed, method, path)?.route.name, want);
  });

  it('without $default a request no route matches gets null; a greedy variable needs at least one character', () => {
    const only = ['ANY /{proxy+}', 'GET /pets/{id}'].map((k) => ({ routeKey: parseRouteKey(k) }));
    assert.equal(matchRoute(only, 'GET', '/'), null);
    assert.equal(matchRoute(only, 'GET', '/pets/')?.route.routeKey.key, 'ANY /{proxy+}');
    const pets = ['GET /pets/{proxy+}'].map((k) => ({ routeKey: parseRouteKey(k) }));
    assert.equal(matchRoute(pets, 'GET', '/pets/'), null);
    assert.equal(matchRoute(pets, 'GET', '/pets'), null);
  });
});
