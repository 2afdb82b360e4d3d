import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiIdFrom,
  applyApiPatch,
  applyRoutePatch,
  applyStagePatch,
  checkHttpApiInput,
  checkHttpRouteInput,
  checkStageVariables,
  ErrorCode,
  type HttpRoute,
  type HttpApi,
  InvalidInput,
  NotFound,
  type RouteAuth,
  STAGE_VARIABLES_MAX,
  stageOfPath,
} from '../../../src/core/index.ts';

const refused = (code: string) => (e: unknown) => e instanceof InvalidInput && e.code === code;

const route: HttpRoute = {
  userId: 'alice',
  apiId: 'abcdefghij',
  routeKey: 'GET /pets',
  functionName: 'pets',
  qualifier: '3',
  auth: { kind: 'none' },
  throttle: { rate: 1, burst: 2 },
  cacheTtlS: 10,
  payloadFormatVersion: '2.0',
  integrationId: null,
  authorizerId: null,
  createdAt: 0,
  updatedAt: 0,
};

const api: HttpApi = {
  userId: 'a',
  apiId: 'abcdefghij',
  name: 'x',
  cors: null,
  throttle: { rate: 1, burst: 1 },
  stageVariables: {},
  stages: [],
  integrations: [{ integrationId: 'int0001', functionName: 'orders', qualifier: 'live', payloadFormatVersion: '1.0' }],
  authorizers: [{ authorizerId: 'aut0001', name: 'idp', issuer: 'https://i.example', audience: ['a'], jwksUrl: null }],
  deployments: [],
  deploymentId: null,
  autoDeploy: true,
  createdAt: 0,
  updatedAt: 0,
};

describe('HTTP API and route model', () => {
  it('an API id has AWS shape and uses every byte given', () => {
    assert.equal(apiIdFrom(new Uint8Array(10)), 'aaaaaaaaaa');
    assert.equal(apiIdFrom(Uint8Array.from([0, 1, 25, 26, 35, 36, 255, 2, 3, 4])), 'abz09ad' + 'cde');
    assert.throws(() => apiIdFrom(new Uint8Array(9)));
  });

  it('defaults a route: $LATEST, no auth, no throttle, no cache, payload 2.0', () => {
    assert.deepEqual(checkHttpRouteInput(api, { routeKey: '$default', functionName: 'f' }), {
      routeKey: '$default',
      functionName: 'f',
      qualifier: null,
      auth: { kind: 'none' },
      throttle: null,
      cacheTtlS: 0,
      payloadFormatVersion: '2.0',
      integrationId: null,
      authorizerId: null,
    });
  });

  it('a route made from an integration and an authorizer takes their function and JWT auth; unknown ones are not found', () => {
    const made = checkHttpRouteInput(api, { routeKey: 'GET /o', integrationId: 'int0001', authorizerId: 'aut0001' });
    assert.equal(made.functionName, 'orders');
    assert.equal(made.qualifier, 'live');
    assert.deepEqual(made.auth, { kind: 'jwt', issuer: 'https://i.example', audience: ['a'], jwksUrl: null });
    assert.equal(made.integrationId, 'int0001');
    assert.equal(made.payloadFormatVersion, '1.0', "the integration's payload format version goes with its function");
    assert.throws(
      () => checkHttpRouteInput(api, { routeKey: 'GET /o', integrationId: 'int0001', payloadFormatVersion: '2.0' }),
      refused(ErrorCode.HttpApiInvalid),
    );
    assert.throws(
      () => checkHttpRouteInput(api, { routeKey: 'GET /o', functionName: 'f', payloadFormatVersion: '3.0' as '2.0' }),
      refused(ErrorCode.HttpApiInvalid),
    );
    assert.throws(() => checkHttpRouteInput(api, { routeKey: 'GET /o', integrationId: 'nope' }), NotFound);
    assert.throws(
      () => checkHttpRouteInput(api, { routeKey: 'GET /o', integrationId: 'int0001', functionName: 'f' }),
      refused(ErrorCode.HttpApiInvalid),
    );
    assert.throws(() => checkHttpRouteInput(api, { routeKey: 'GET /o' }), refused(ErrorCode.HttpApiInvalid));
    // Its own function leaves the integration; its own auth, the authorizer.
    const own = applyRoutePatch(api, { ...route, ...made }, { functionName: 'f', auth: { kind: 'key' } });
    assert.deepEqual(
      [own.functionName, own.qualifier, own.integrationId, own.authorizerId, own.auth, own.payloadFormatVersion],
      ['f', 'live', null, null, { kind: 'key' }, '1.0'],
    );
    const v2 = applyRoutePatch(api, { ...route, ...own }, { payloadFormatVersion: '2.0' });
    assert.equal(v2.payloadFormatVersion, '2.0');
  });

  const jwt = { kind: 'jwt', issuer: 'https://i.example', audience: ['a'], jwksUrl: 'https://i.example/jwks' } as const;
  for (const [what, auth] of [
    ['an issuer that is not https', { ...jwt, issuer: 'http://i.example' }],
    ['a JWKS URL in clear to another host', { ...jwt, jwksUrl: 'http://127.0.0.1.example/jwks' }],
    ['a JWKS URL that is not a URL', { ...jwt, jwksUrl: 'jwks' }],
    ['no audience', { ...jwt, audience: [] }],
    ['an empty audience', { ...jwt, audience: [''] }],
    ['an unknown kind', { kind: 'iam' } as unknown as RouteAuth],
  ] as Array<[string, RouteAuth]>) {
    it(`refuses a JWT authorizer with ${what}`, () => {
      assert.throws(() => checkHttpRouteInput(api, { routeKey: 'GET /a', functionName: 'f', auth }), refused(ErrorCode.HttpApiInvalid));
    });
  }

  it('takes plain http only on a loopback address (an identity provider on the same machine)', () => {
    const local: RouteAuth = { kind: 'jwt', issuer: 'http://127.0.0.1:9000', audience: ['a'], jwksUrl: 'http://localhost:9000/jwks' };
    assert.deepEqual(checkHttpRouteInput(api, { routeKey: 'GET /a', functionName: 'f', auth: local }).auth, local);
  });

  it('refuses a bad route key, function name or qualifier with their own codes', () => {
    assert.throws(() => checkHttpRouteInput(api, { routeKey: 'GET a', functionName: 'f' }), refused(ErrorCode.HttpRouteInvalid));
    assert.throws(() => checkHttpRouteInput(api, { routeKey: 'GET /a', functionName: 'f g' }), refused(ErrorCode.FunctionInvalid));
    assert.throws(
      () => checkHttpRouteInput(api, { routeKey: 'GET /a', functionName: 'f', qualifier: '$x' }),
      refused(ErrorCode.FunctionInvalid),
    );
  });

  it('a patch keeps what it does not name, clears what it sets to null, and is checked as a whole', () => {
    assert.deepEqual(applyRoutePatch(api, route, { qualifier: null, cacheTtlS: 0 }), {
      routeKey: 'GET /pets',
      functionName: 'pets',
      qualifier: null,
      auth: { kind: 'none' },
      throttle: { rate: 1, burst: 2 },
      cacheTtlS: 0,
      payloadFormatVersion: '2.0',
      integrationId: null,
      authorizerId: null,
    });
    assert.throws(() => applyRoutePatch(api, route, { throttle: { rate: 1, burst: -1 } }), refused(ErrorCode.HttpApiInvalid));
    assert.deepEqual(applyApiPatch(api, { name: 'y' }), { name: 'y', cors: null, throttle: { rate: 1, burst: 1 }, stageVariables: {} });
    assert.deepEqual(applyApiPatch(api, { throttle: null }), { name: 'x', cors: null, throttle: null, stageVariables: {} });
    assert.throws(() => checkHttpApiInput({ name: 'a/b' }), refused(ErrorCode.HttpApiInvalid));
  });
});

const staged: HttpApi = { ...api, stageVariables: { env: 'dev', url: 'https://x.example' } };
const routes: HttpRoute[] = [
  { ...route, routeKey: 'GET /a', throttle: null },
  { ...route, routeKey: 'GET /b', throttle: { rate: 2, burst: 3 } },
];

describe('the $default stage', () => {
  it('merges variables (an empty value removes one) and route throttles; what is not given stays', () => {
    const next = applyStagePatch(staged, routes, { routeThrottles: { 'GET /a': { rate: 5, burst: 6 } }, variables: { env: '', b: '1' } });
    assert.deepEqual(next, {
      throttle: staged.throttle,
      stageVariables: { url: 'https://x.example', b: '1' },
      routes: [{ routeKey: 'GET /a', throttle: { rate: 5, burst: 6 } }],
      deployment: { autoDeploy: true, deploymentId: null },
    });
  });

  it('replaces them: the routes not named lose theirs, the variables are those given', () => {
    const next = applyStagePatch(staged, routes, {
      throttle: null,
      routeThrottles: {},
      routeThrottlesMode: 'replace',
      variables: { only: 'x' },
      variablesMode: 'replace',
    });
    assert.deepEqual(next, {
      throttle: null,
      stageVariables: { only: 'x' },
      routes: [{ routeKey: 'GET /b', throttle: null }],
      deployment: { autoDeploy: true, deploymentId: null },
    });
  });

  it('a route key that names no route is not found; a bad limit is refused', () => {
    assert.throws(
      () => applyStagePatch(staged, routes, { routeThrottles: { 'GET /c': null } }),
      (e: unknown) => e instanceof NotFound && /Unable to find Route by key GET \/c within the provided RouteSettings/.test(e.message),
    );
    assert.throws(
      () => applyStagePatch(staged, routes, { routeThrottles: { 'GET /a': { rate: -1, burst: 1 } } }),
      refused(ErrorCode.HttpApiInvalid),
    );
  });

  it('checks variables as AWS limits them', () => {
    assert.deepEqual(checkStageVariables({ A_1: 'a-._~:/?#&=,Z9' }), { A_1: 'a-._~:/?#&=,Z9' });
    for (const bad of [
      { 'a-b': 'x' },
      { ['n'.repeat(65)]: 'x' },
      { a: '' },
      { a: 'x y' },
      { a: 'é' },
      { a: 'x'.repeat(2049) },
      { a: 1 },
      [],
    ])
      assert.throws(() => checkStageVariables(bad), refused(ErrorCode.HttpApiInvalid), JSON.stringify(bad).slice(0, 40));
    const many = Object.fromEntries(Array.from({ length: STAGE_VARIABLES_MAX + 1 }, (_, i) => [`v${i}`, 'x']));
    assert.throws(() => checkStageVariables(many), refused(ErrorCode.HttpApiInvalid));
  });
});

describe('named stages', () => {
  it("a request is for the stage its path's first segment names; its routes match the rest", () => {
    const prod = { name: 'prod', variables: {}, createdAt: 0, updatedAt: 0 };
    assert.deepEqual(stageOfPath([prod], '/prod/pets/1'), { stage: prod, path: '/pets/1' });
    assert.deepEqual(stageOfPath([prod], '/prod'), { stage: prod, path: '/' });
    assert.deepEqual(stageOfPath([prod], '/prod/'), { stage: prod, path: '/' });
    assert.deepEqual(stageOfPath([prod], '/production/x'), { stage: null, path: '/production/x' });
    assert.deepEqual(stageOfPath([], '/prod/x'), { stage: null, path: '/prod/x' });
    assert.deepEqual(stageOfPath([prod], '/'), { stage: null, path: '/' });
  });
});
