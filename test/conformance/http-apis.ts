/**
 * The HttpApis port's behaviour, written once: every backend calls describeHttpApis with a
 * factory (as describeFunctions). Time is injected, so createdAt and updatedAt are exact.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type Clock,
  Conflict,
  type CorsConfig,
  ErrorCode,
  type HttpRouteInput,
  httpStageTagKey,
  InvalidInput,
  NotFound,
} from '../../src/core/index.ts';
import type { HttpApis, ResourceTags } from '../../src/store/index.ts';
import { ManualClock } from './store.ts';

export interface HttpApisUnderTest {
  httpApis: HttpApis;
  /** The same store's tags: a stage's are written with it. */
  tags: ResourceTags;
  close(): Promise<void>;
}
export type MakeHttpApis = (clock: Clock) => Promise<HttpApisUnderTest>;

const cors: CorsConfig = {
  allowOrigins: ['https://app.example.com'],
  allowMethods: ['GET'],
  allowHeaders: ['content-type'],
  exposeHeaders: [],
  maxAgeS: 300,
  allowCredentials: true,
};

const jwtRoute: HttpRouteInput = {
  routeKey: 'GET /pets/{id}',
  functionName: 'pets',
  qualifier: 'live',
  auth: {
    kind: 'jwt',
    issuer: 'https://issuer.example.com/',
    audience: ['pets-api'],
    jwksUrl: 'https://issuer.example.com/.well-known/jwks.json',
  },
  throttle: { rate: 50, burst: 100 },
  cacheTtlS: 30,
};

const is = (cls: new (...a: never[]) => Error, code: string) => (e: unknown) => e instanceof cls && (e as { code?: string }).code === code;

export function describeHttpApis(name: string, make: MakeHttpApis): void {
  describe(`HttpApis conformance: ${name}`, () => {
    let under: HttpApisUnderTest;
    let apis: HttpApis;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock();
      under = await make(clock);
      apis = under.httpApis;
    });
    afterEach(async () => {
      await under.close();
    });

    describe('APIs', () => {
      it('creates an API with an id of AWS shape, keeping its CORS and default throttle', async () => {
        const a = await apis.createApi('alice', { name: 'pets', cors, throttle: { rate: 10.5, burst: 20 } });
        assert.match(a.apiId, /^[a-z0-9]{10}$/);
        assert.deepEqual(a, {
          userId: 'alice',
          apiId: a.apiId,
          name: 'pets',
          cors,
          throttle: { rate: 10.5, burst: 20 },
          stageVariables: {},
          stages: [],
          integrations: [],
          authorizers: [],
          deployments: [],
          deploymentId: null,
          autoDeploy: true,
          createdAt: clock.t,
          updatedAt: clock.t,
        });
        assert.deepEqual(await apis.getApi('alice', a.apiId), a);
        const b = await apis.createApi('alice', { name: 'pets' });
        assert.notEqual(b.apiId, a.apiId);
        assert.equal(b.cors, null);
        assert.equal(b.throttle, null);
        assert.deepEqual(
          (await apis.listApis('alice')).map((x) => x.apiId),
          [a.apiId, b.apiId].sort((x, y) => (x < y ? -1 : 1)),
        );
      });

      it('refuses an invalid API and stores nothing', async () => {
        await assert.rejects(apis.createApi('alice', { name: '' }), is(InvalidInput, ErrorCode.HttpApiInvalid));
        await assert.rejects(
          apis.createApi('alice', { name: 'x', cors: { ...cors, allowOrigins: ['*'] } }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(
          apis.createApi('alice', { name: 'x', throttle: { rate: -1, burst: 1 } }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        assert.deepEqual(await apis.listApis('alice'), []);
      });

      it('applies a patch: absent fields stay, null clears; an invalid one changes nothing', async () => {
        const a = await apis.createApi('alice', { name: 'pets', cors, throttle: { rate: 1, burst: 1 } });
        clock.advance(1000);
        const b = await apis.updateApi('alice', a.apiId, { name: 'pets2', cors: null });
        assert.deepEqual(b, { ...a, name: 'pets2', cors: null, updatedAt: a.createdAt + 1000 });
        await assert.rejects(
          apis.updateApi('alice', a.apiId, { throttle: { rate: 1, burst: 0.5 } }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        assert.deepEqual(await apis.getApi('alice', a.apiId), b);
        await assert.rejects(apis.updateApi('alice', 'nosuchapi0', { name: 'x' }), is(NotFound, ErrorCode.HttpApiNotFound));
      });

      it("another user's API is not there for anyone else", async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        await apis.createRoute('alice', a.apiId, jwtRoute);
        assert.equal(await apis.getApi('bob', a.apiId), null);
        assert.deepEqual(await apis.listApis('bob'), []);
        assert.deepEqual(await apis.listRoutes('bob', a.apiId), []);
        assert.equal(await apis.getRoute('bob', a.apiId, jwtRoute.routeKey), null);
        await assert.rejects(apis.updateApi('bob', a.apiId, { name: 'mine' }), is(NotFound, ErrorCode.HttpApiNotFound));
        await assert.rejects(
          apis.createRoute('bob', a.apiId, { ...jwtRoute, routeKey: 'GET /x' }),
          is(NotFound, ErrorCode.HttpApiNotFound),
        );
        await assert.rejects(
          apis.updateRoute('bob', a.apiId, jwtRoute.routeKey, { cacheTtlS: 0 }),
          is(NotFound, ErrorCode.HttpRouteNotFound),
        );
        assert.equal(await apis.deleteRoute('bob', a.apiId, jwtRoute.routeKey), false);
        assert.equal(await apis.deleteApi('bob', a.apiId), false);
        assert.equal((await apis.getApi('alice', a.apiId))?.name, 'pets');
        assert.equal((await apis.listRoutes('alice', a.apiId)).length, 1);
      });

      it('serves an API by its id alone, whoever owns it, with its routes by route key', async () => {
        const a = await apis.createApi('alice', { name: 'pets', cors });
        const r1 = await apis.createRoute('alice', a.apiId, jwtRoute);
        const r2 = await apis.createRoute('alice', a.apiId, { routeKey: '$default', functionName: 'fallback' });
        assert.deepEqual(await apis.servedApi(a.apiId), { api: a, routes: [r2, r1] });
        const empty = await apis.createApi('bob', { name: 'empty' });
        assert.deepEqual(await apis.servedApi(empty.apiId), { api: empty, routes: [] });
        assert.equal(await apis.servedApi('nosuchapi0'), null);
        await apis.deleteApi('alice', a.apiId);
        assert.equal(await apis.servedApi(a.apiId), null);
      });

      it("counts each of a user's APIs' routes in one read; another user's are not counted", async () => {
        const a = await apis.createApi('alice', { name: 'a' });
        const b = await apis.createApi('alice', { name: 'b' });
        const empty = await apis.createApi('alice', { name: 'empty' });
        const bobs = await apis.createApi('bob', { name: 'bobs' });
        await apis.createRoute('alice', a.apiId, jwtRoute);
        await apis.createRoute('alice', a.apiId, { routeKey: '$default', functionName: 'fallback' });
        await apis.createRoute('alice', b.apiId, { routeKey: 'GET /b', functionName: 'fb' });
        await apis.createRoute('bob', bobs.apiId, { routeKey: 'GET /x', functionName: 'fx' });
        const counts = await apis.routeCounts('alice');
        assert.deepEqual(Object.fromEntries(counts), { [a.apiId]: 2, [b.apiId]: 1 });
        assert.equal(counts.has(empty.apiId), false);
        assert.deepEqual([...(await apis.routeCounts('bob'))], [[bobs.apiId, 1]]);
        assert.deepEqual([...(await apis.routeCounts('carol'))], []);
        await apis.deleteApi('alice', a.apiId);
        assert.deepEqual([...(await apis.routeCounts('alice'))], [[b.apiId, 1]]);
      });

      it('deleting an API deletes its routes', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        await apis.createRoute('alice', a.apiId, jwtRoute);
        assert.equal(await apis.deleteApi('alice', a.apiId), true);
        assert.equal(await apis.deleteApi('alice', a.apiId), false);
        assert.equal(await apis.getApi('alice', a.apiId), null);
        assert.equal(await apis.getRoute('alice', a.apiId, jwtRoute.routeKey), null);
      });
    });

    describe('routes', () => {
      it('creates a route with its target, auth, throttle and cache TTL; lists by route key', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        const r = await apis.createRoute('alice', a.apiId, jwtRoute);
        assert.deepEqual(r, {
          userId: 'alice',
          apiId: a.apiId,
          routeKey: 'GET /pets/{id}',
          functionName: 'pets',
          qualifier: 'live',
          auth: jwtRoute.auth,
          throttle: { rate: 50, burst: 100 },
          cacheTtlS: 30,
          payloadFormatVersion: '2.0',
          integrationId: null,
          authorizerId: null,
          createdAt: clock.t,
          updatedAt: clock.t,
        });
        const d = await apis.createRoute('alice', a.apiId, { routeKey: '$default', functionName: 'fallback' });
        assert.deepEqual([d.qualifier, d.auth, d.throttle, d.cacheTtlS], [null, { kind: 'none' }, null, 0]);
        const v1 = await apis.createRoute('alice', a.apiId, { routeKey: 'GET /v1', functionName: 'classic', payloadFormatVersion: '1.0' });
        assert.equal(v1.payloadFormatVersion, '1.0');
        assert.equal((await apis.getRoute('alice', a.apiId, 'GET /v1'))?.payloadFormatVersion, '1.0');
        await apis.deleteRoute('alice', a.apiId, 'GET /v1');
        await apis.createRoute('alice', a.apiId, { routeKey: 'ANY /{proxy+}', functionName: 'proxy', auth: { kind: 'key' } });
        assert.deepEqual(
          (await apis.listRoutes('alice', a.apiId)).map((x) => x.routeKey),
          ['$default', 'ANY /{proxy+}', 'GET /pets/{id}'],
        );
        assert.deepEqual(await apis.getRoute('alice', a.apiId, 'GET /pets/{id}'), r);
      });

      it('refuses a taken route key, a missing API and an invalid route', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        await apis.createRoute('alice', a.apiId, jwtRoute);
        await assert.rejects(
          apis.createRoute('alice', a.apiId, { ...jwtRoute, functionName: 'other' }),
          is(Conflict, ErrorCode.HttpRouteExists),
        );
        await assert.rejects(apis.createRoute('alice', 'nosuchapi0', jwtRoute), is(NotFound, ErrorCode.HttpApiNotFound));
        await assert.rejects(
          apis.createRoute('alice', a.apiId, { ...jwtRoute, routeKey: 'GET /{proxy+}/x' }),
          is(InvalidInput, ErrorCode.HttpRouteInvalid),
        );
        await assert.rejects(
          apis.createRoute('alice', a.apiId, {
            ...jwtRoute,
            routeKey: 'GET /a',
            auth: { kind: 'jwt', issuer: 'http://plain', audience: ['x'], jwksUrl: 'https://k' },
          }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(
          apis.createRoute('alice', a.apiId, { ...jwtRoute, routeKey: 'GET /b', cacheTtlS: 3601 }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(
          apis.createRoute('alice', a.apiId, { ...jwtRoute, routeKey: 'GET /c', functionName: 'bad name' }),
          InvalidInput,
        );
        assert.equal((await apis.getRoute('alice', a.apiId, jwtRoute.routeKey))?.functionName, 'pets');
        assert.equal((await apis.listRoutes('alice', a.apiId)).length, 1);
      });

      it('of two concurrent creates of one route key exactly one wins', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        const results = await Promise.allSettled(
          ['f1', 'f2', 'f3'].map((functionName) => apis.createRoute('alice', a.apiId, { routeKey: 'POST /orders', functionName })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        for (const r of results)
          if (r.status === 'rejected') assert.ok(is(Conflict, ErrorCode.HttpRouteExists)(r.reason), String(r.reason));
        const stored = await apis.getRoute('alice', a.apiId, 'POST /orders');
        assert.equal(stored?.functionName, (won[0] as PromiseFulfilledResult<{ functionName: string }>).value.functionName);
      });

      it('updates a route: absent fields stay, null clears; an invalid patch changes nothing; deletes', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        const r = await apis.createRoute('alice', a.apiId, jwtRoute);
        clock.advance(5);
        const u = await apis.updateRoute('alice', a.apiId, jwtRoute.routeKey, { qualifier: null, throttle: null, auth: { kind: 'key' } });
        assert.deepEqual(u, { ...r, qualifier: null, throttle: null, auth: { kind: 'key' }, updatedAt: r.createdAt + 5 });
        const v1 = await apis.updateRoute('alice', a.apiId, jwtRoute.routeKey, { payloadFormatVersion: '1.0' });
        assert.deepEqual(v1, { ...u, payloadFormatVersion: '1.0' });
        await assert.rejects(
          apis.updateRoute('alice', a.apiId, jwtRoute.routeKey, { payloadFormatVersion: '9.9' as '1.0' }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        assert.deepEqual(await apis.getRoute('alice', a.apiId, jwtRoute.routeKey), v1);
        await apis.updateRoute('alice', a.apiId, jwtRoute.routeKey, { payloadFormatVersion: '2.0' });
        await assert.rejects(apis.updateRoute('alice', a.apiId, jwtRoute.routeKey, { qualifier: '$bad' }), InvalidInput);
        assert.deepEqual(await apis.getRoute('alice', a.apiId, jwtRoute.routeKey), u);
        await assert.rejects(apis.updateRoute('alice', a.apiId, 'GET /none', { cacheTtlS: 1 }), is(NotFound, ErrorCode.HttpRouteNotFound));
        assert.equal(await apis.deleteRoute('alice', a.apiId, jwtRoute.routeKey), true);
        assert.equal(await apis.deleteRoute('alice', a.apiId, jwtRoute.routeKey), false);
        assert.deepEqual(await apis.listRoutes('alice', a.apiId), []);
      });
    });

    describe('integrations and authorizers', () => {
      it('keeps them with the API; a route made from them takes their function and JWT auth', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        assert.deepEqual([a.integrations, a.authorizers], [[], []]);
        const i = await apis.createIntegration('alice', a.apiId, { functionName: 'orders', qualifier: 'live' });
        assert.match(i.integrationId, /^[a-z0-9]{7}$/);
        assert.deepEqual(i, { integrationId: i.integrationId, functionName: 'orders', qualifier: 'live', payloadFormatVersion: '2.0' });
        const z = await apis.createAuthorizer('alice', a.apiId, { name: 'idp', issuer: 'https://idp.example/', audience: ['pets'] });
        assert.deepEqual(z, {
          authorizerId: z.authorizerId,
          name: 'idp',
          issuer: 'https://idp.example/',
          audience: ['pets'],
          jwksUrl: null,
        });
        const got = await apis.getApi('alice', a.apiId);
        assert.deepEqual([got?.integrations, got?.authorizers], [[i], [z]]);
        const r = await apis.createRoute('alice', a.apiId, {
          routeKey: 'GET /o',
          integrationId: i.integrationId,
          authorizerId: z.authorizerId,
        });
        assert.deepEqual(
          [r.functionName, r.qualifier, r.auth, r.integrationId, r.authorizerId],
          [
            'orders',
            'live',
            { kind: 'jwt', issuer: 'https://idp.example/', audience: ['pets'], jwksUrl: null },
            i.integrationId,
            z.authorizerId,
          ],
        );
        await assert.rejects(
          apis.createRoute('alice', a.apiId, { routeKey: 'GET /x', integrationId: 'nosuch1' }),
          is(NotFound, ErrorCode.HttpIntegrationNotFound),
        );
        await assert.rejects(
          apis.createRoute('alice', a.apiId, { routeKey: 'GET /x', functionName: 'f', authorizerId: 'nosuch1' }),
          is(NotFound, ErrorCode.HttpAuthorizerNotFound),
        );
        await assert.rejects(apis.createIntegration('bob', a.apiId, { functionName: 'f' }), is(NotFound, ErrorCode.HttpApiNotFound));
        await assert.rejects(apis.createIntegration('alice', a.apiId, { functionName: 'bad name' }), InvalidInput);
        await assert.rejects(
          apis.createAuthorizer('alice', a.apiId, { name: 'idp', issuer: 'http://plain.example', audience: ['x'] }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
      });

      it("an integration's change retargets its routes; one or an authorizer in use is not deleted", async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        const i = await apis.createIntegration('alice', a.apiId, { functionName: 'orders', payloadFormatVersion: '1.0' });
        assert.equal((await apis.getApi('alice', a.apiId))?.integrations[0]?.payloadFormatVersion, '1.0');
        const z = await apis.createAuthorizer('alice', a.apiId, { name: 'idp', issuer: 'https://idp.example/', audience: ['pets'] });
        const made = await apis.createRoute('alice', a.apiId, {
          routeKey: 'GET /o',
          integrationId: i.integrationId,
          authorizerId: z.authorizerId,
        });
        assert.equal(made.payloadFormatVersion, '1.0', 'a route made from an integration takes its payload format version');
        await apis.createRoute('alice', a.apiId, { routeKey: 'POST /o', integrationId: i.integrationId });
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /own', functionName: 'own' });
        clock.advance(7);
        const moved = await apis.updateIntegration('alice', a.apiId, i.integrationId, { functionName: 'orders2', qualifier: '3' });
        assert.deepEqual(moved, { integrationId: i.integrationId, functionName: 'orders2', qualifier: '3', payloadFormatVersion: '2.0' });
        const routes = await apis.listRoutes('alice', a.apiId);
        assert.deepEqual(
          routes.map((r) => [r.routeKey, r.functionName, r.qualifier, r.payloadFormatVersion]),
          [
            ['GET /o', 'orders2', '3', '2.0'],
            ['GET /own', 'own', null, '2.0'],
            ['POST /o', 'orders2', '3', '2.0'],
          ],
        );
        assert.equal(routes[0]?.updatedAt, clock.t);
        await assert.rejects(
          apis.updateIntegration('alice', a.apiId, 'nosuch1', { functionName: 'f' }),
          is(NotFound, ErrorCode.HttpIntegrationNotFound),
        );
        await assert.rejects(apis.deleteIntegration('alice', a.apiId, i.integrationId), is(Conflict, ErrorCode.HttpApiPartInUse));
        await assert.rejects(apis.deleteAuthorizer('alice', a.apiId, z.authorizerId), is(Conflict, ErrorCode.HttpApiPartInUse));
        // A route given its own auth leaves its authorizer; one given its own function, its integration.
        await apis.updateRoute('alice', a.apiId, 'GET /o', { auth: { kind: 'none' } });
        await apis.deleteAuthorizer('alice', a.apiId, z.authorizerId);
        await apis.updateRoute('alice', a.apiId, 'GET /o', { functionName: 'mine' });
        await apis.deleteRoute('alice', a.apiId, 'POST /o');
        await apis.deleteIntegration('alice', a.apiId, i.integrationId);
        await assert.rejects(apis.deleteIntegration('alice', a.apiId, i.integrationId), is(NotFound, ErrorCode.HttpIntegrationNotFound));
        const after = await apis.getApi('alice', a.apiId);
        assert.deepEqual([after?.integrations, after?.authorizers], [[], []]);
        assert.equal((await apis.getRoute('alice', a.apiId, 'GET /o'))?.functionName, 'mine');
      });

      it("an authorizer's change re-auths its routes at once; its id stays", async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        const z = await apis.createAuthorizer('alice', a.apiId, { name: 'idp', issuer: 'https://idp.example/', audience: ['pets'] });
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /o', functionName: 'orders', authorizerId: z.authorizerId });
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /open', functionName: 'orders' });
        clock.advance(5);
        const next = { name: 'idp2', issuer: 'https://idp2.example/', audience: ['pets', 'shop'] };
        const changed = await apis.updateAuthorizer('alice', a.apiId, z.authorizerId, next);
        assert.deepEqual(changed, { authorizerId: z.authorizerId, ...next, jwksUrl: null });
        assert.deepEqual((await apis.getApi('alice', a.apiId))?.authorizers, [changed]);
        const [guarded, open] = await apis.listRoutes('alice', a.apiId);
        assert.deepEqual(guarded?.auth, { kind: 'jwt', issuer: 'https://idp2.example/', audience: ['pets', 'shop'], jwksUrl: null });
        assert.equal(guarded?.updatedAt, clock.t);
        assert.deepEqual(open?.auth, { kind: 'none' });
        await assert.rejects(apis.updateAuthorizer('alice', a.apiId, 'nosuch1', next), is(NotFound, ErrorCode.HttpAuthorizerNotFound));
        await assert.rejects(apis.updateAuthorizer('bob', a.apiId, z.authorizerId, next), is(NotFound, ErrorCode.HttpApiNotFound));
        await assert.rejects(
          apis.updateAuthorizer('alice', a.apiId, z.authorizerId, { ...next, issuer: 'http://plain.example' }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        assert.deepEqual((await apis.getApi('alice', a.apiId))?.authorizers, [changed]);
      });

      it('keeps a Lambda authorizer beside a JWT one; its routes take its auth, follow its changes, and a route keeps its own', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        const jwt = await apis.createAuthorizer('alice', a.apiId, { name: 'idp', issuer: 'https://idp.example/', audience: ['pets'] });
        const input = {
          kind: 'lambda' as const,
          name: 'gate',
          functionName: 'authz',
          qualifier: 'live',
          identitySource: ['$request.header.X-Token', '$context.stage'],
          simpleResponses: true,
          resultTtlS: 300,
          payloadFormatVersion: '2.0' as const,
        };
        const z = await apis.createAuthorizer('alice', a.apiId, input);
        assert.deepEqual(z, { authorizerId: z.authorizerId, ...input });
        assert.deepEqual((await apis.getApi('alice', a.apiId))?.authorizers, [jwt, z]);
        const { name: _, ...auth } = input;
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /o', functionName: 'orders', authorizerId: z.authorizerId });
        const own = { ...auth, functionName: 'other', qualifier: null, identitySource: [], resultTtlS: 0 };
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /own', functionName: 'orders', auth: own });
        assert.deepEqual(
          (await apis.listRoutes('alice', a.apiId)).map((r) => [r.routeKey, r.auth, r.authorizerId]),
          [
            ['GET /o', auth, z.authorizerId],
            ['GET /own', own, null],
          ],
        );
        const changed = await apis.updateAuthorizer('alice', a.apiId, z.authorizerId, { ...input, simpleResponses: false, resultTtlS: 0 });
        assert.deepEqual((await apis.getRoute('alice', a.apiId, 'GET /o'))?.auth, { ...auth, simpleResponses: false, resultTtlS: 0 });
        assert.deepEqual((await apis.servedApi(a.apiId))?.api.authorizers, [jwt, changed]);
        await assert.rejects(
          apis.createAuthorizer('alice', a.apiId, { ...input, identitySource: [], resultTtlS: 60 }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(
          apis.createRoute('alice', a.apiId, {
            routeKey: 'GET /bad',
            functionName: 'orders',
            auth: { ...own, identitySource: ['$request.body.x'] },
          }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        assert.deepEqual((await apis.getApi('alice', a.apiId))?.authorizers, [jwt, changed]);
      });
    });

    describe('deployments', () => {
      it('records deployments with the API, their descriptions changed; the stage reports the latest made for it, which is not deleted', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        clock.advance(3);
        const d1 = await apis.createDeployment('alice', a.apiId, { deploymentId: 'dep0001', description: 'first', stage: '$default' });
        assert.deepEqual(d1, { deploymentId: 'dep0001', description: 'first', createdAt: clock.t });
        const d2 = await apis.createDeployment('alice', a.apiId, { deploymentId: 'dep0002', description: '', stage: null });
        let got = await apis.getApi('alice', a.apiId);
        assert.deepEqual([got?.deployments, got?.deploymentId, got?.updatedAt], [[d1, d2], d1.deploymentId, a.updatedAt]);
        await assert.rejects(apis.deleteDeployment('alice', a.apiId, d1.deploymentId), is(InvalidInput, ErrorCode.HttpApiInvalid));
        await assert.rejects(apis.deleteDeployment('alice', a.apiId, 'nosuch1'), is(NotFound, ErrorCode.HttpDeploymentNotFound));
        await assert.rejects(apis.deleteDeployment('bob', a.apiId, d2.deploymentId), is(NotFound, ErrorCode.HttpApiNotFound));
        await assert.rejects(
          apis.createDeployment('bob', a.apiId, { deploymentId: 'dep0009', description: '', stage: '$default' }),
          is(NotFound, ErrorCode.HttpApiNotFound),
        );
        const described = await apis.updateDeployment('alice', a.apiId, d2.deploymentId, 'second');
        assert.deepEqual(described, { ...d2, description: 'second' });
        assert.deepEqual((await apis.getApi('alice', a.apiId))?.deployments, [d1, described]);
        await assert.rejects(
          apis.updateDeployment('alice', a.apiId, d2.deploymentId, 'd'.repeat(1025)),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(apis.updateDeployment('alice', a.apiId, 'nosuch1', 'x'), is(NotFound, ErrorCode.HttpDeploymentNotFound));
        await assert.rejects(apis.updateDeployment('bob', a.apiId, d2.deploymentId, 'x'), is(NotFound, ErrorCode.HttpApiNotFound));
        await apis.deleteDeployment('alice', a.apiId, d2.deploymentId);
        const d3 = await apis.createDeployment('alice', a.apiId, { deploymentId: 'dep0003', description: 'third', stage: '$default' });
        await apis.deleteDeployment('alice', a.apiId, d1.deploymentId);
        got = await apis.getApi('alice', a.apiId);
        assert.deepEqual([got?.deployments, got?.deploymentId], [[d3], d3.deploymentId]);
      });

      it("points a stage at a deployment: made for a named stage, it is that stage's; one a stage serves is not deleted", async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        await apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true, deployment: { autoDeploy: false } });
        await assert.rejects(
          apis.createDeployment('alice', a.apiId, { deploymentId: 'dep0001', description: '', stage: 'nosuch' }),
          is(NotFound, ErrorCode.HttpStageNotFound),
        );
        const d1 = await apis.createDeployment('alice', a.apiId, { deploymentId: 'dep0001', description: '', stage: 'prod' });
        let got = await apis.getApi('alice', a.apiId);
        assert.deepEqual(
          [got?.deploymentId, got?.stages.map((s) => [s.name, s.autoDeploy, s.deploymentId])],
          [null, [['prod', false, d1.deploymentId]]],
        );
        await assert.rejects(apis.deleteDeployment('alice', a.apiId, d1.deploymentId), is(InvalidInput, ErrorCode.HttpApiInvalid));
        const d2 = await apis.createDeployment('alice', a.apiId, { deploymentId: 'dep0002', description: '', stage: null });
        // Rolled to d2 by UpdateStage; d1 is free to go.
        await apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: false, deployment: { deploymentId: d2.deploymentId } });
        await apis.deleteDeployment('alice', a.apiId, d1.deploymentId);
        // $default: not auto-deploying, it serves the one it names; naming one not there is NotFound.
        const served = await apis.updateStage('alice', a.apiId, { deployment: { autoDeploy: false, deploymentId: d2.deploymentId } });
        assert.deepEqual([served.api.autoDeploy, served.api.deploymentId], [false, d2.deploymentId]);
        await assert.rejects(
          apis.updateStage('alice', a.apiId, { deployment: { deploymentId: 'nosuch1' } }),
          is(NotFound, ErrorCode.HttpDeploymentNotFound),
        );
        got = await apis.getApi('alice', a.apiId);
        assert.deepEqual([got?.autoDeploy, got?.deploymentId, got?.stages[0]?.deploymentId], [false, d2.deploymentId, d2.deploymentId]);
        // Back to auto-deploy: it reports the same deployment, and one cannot name another.
        await apis.updateStage('alice', a.apiId, { deployment: { autoDeploy: true } });
        await assert.rejects(
          apis.updateStage('alice', a.apiId, { deployment: { deploymentId: 'dep0003' } }),
          is(NotFound, ErrorCode.HttpDeploymentNotFound),
        );
        assert.equal((await apis.getApi('alice', a.apiId))?.autoDeploy, true);
      });
    });

    describe('definition', () => {
      it('replaces the name, CORS, parts and routes in one write; the stage settings of kept route keys stay', async () => {
        const a = await apis.createApi('alice', { name: 'old', cors, throttle: { rate: 1, burst: 1 }, stageVariables: { v: '1' } });
        const old = await apis.createIntegration('alice', a.apiId, { functionName: 'f' });
        await apis.createRoute('alice', a.apiId, {
          routeKey: 'GET /keep',
          integrationId: old.integrationId,
          throttle: { rate: 2, burst: 3 },
          cacheTtlS: 9,
        });
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /gone', functionName: 'f' });
        await apis.putNamedStage('alice', a.apiId, {
          name: 'prod',
          creating: true,
          routeThrottles: { 'GET /keep': { rate: 4, burst: 4 }, 'GET /gone': { rate: 5, burst: 5 } },
        });
        clock.advance(7);
        const def = {
          name: 'new',
          cors: null,
          integrations: [{ functionName: 'f' }, { functionName: 'g', qualifier: 'live', payloadFormatVersion: '1.0' as const }],
          authorizers: [{ name: 'idp', issuer: 'https://issuer.example.com/', audience: ['a'] }],
          routes: [
            { routeKey: 'GET /keep', integration: 0, authorizer: null },
            { routeKey: 'GET /new', integration: 1, authorizer: 0 },
          ],
        };
        const { api, routes } = await apis.replaceDefinition('alice', a.apiId, def);
        assert.deepEqual(
          [api.name, api.cors, api.throttle, api.stageVariables, api.updatedAt],
          ['new', null, { rate: 1, burst: 1 }, { v: '1' }, clock.t],
        );
        assert.deepEqual(
          api.integrations.map((i) => [i.functionName, i.qualifier]),
          [
            ['f', null],
            ['g', 'live'],
          ],
        );
        assert.ok(!api.integrations.some((i) => i.integrationId === old.integrationId), 'parts made anew');
        const [integration0, integration1] = api.integrations;
        const [authorizer] = api.authorizers;
        assert.deepEqual(
          routes.map((r) => [
            r.routeKey,
            r.functionName,
            r.qualifier,
            r.integrationId,
            r.authorizerId,
            r.auth.kind,
            r.throttle,
            r.cacheTtlS,
            r.payloadFormatVersion,
          ]),
          [
            ['GET /keep', 'f', null, integration0?.integrationId, null, 'none', { rate: 2, burst: 3 }, 9, '2.0'],
            ['GET /new', 'g', 'live', integration1?.integrationId, authorizer?.authorizerId, 'jwt', null, 0, '1.0'],
          ],
        );
        assert.deepEqual(
          api.stages.map((x) => [x.name, x.routeThrottles]),
          [['prod', { 'GET /keep': { rate: 4, burst: 4 } }]],
          "a named stage's settings of a route key the definition drops go with the route",
        );
        assert.deepEqual(await apis.servedApi(a.apiId), { api, routes });

        const before = await apis.servedApi(a.apiId);
        for (const bad of [
          { ...def, authorizers: [{ name: 'idp', issuer: 'http://idp.example', audience: ['a'] }] },
          { ...def, routes: [...def.routes, { routeKey: 'GET /new', integration: 0, authorizer: null }] },
          { ...def, routes: [{ routeKey: 'GET a', integration: 0, authorizer: null }] },
          { ...def, name: '' },
        ])
          await assert.rejects(apis.replaceDefinition('alice', a.apiId, bad), (e) => e instanceof InvalidInput);
        assert.deepEqual(await apis.servedApi(a.apiId), before, 'nothing refused was changed');
        await assert.rejects(apis.replaceDefinition('bob', a.apiId, def), is(NotFound, ErrorCode.HttpApiNotFound));
      });
    });

    describe('stage', () => {
      it("changes the stage in one write: the default throttle, routes' own throttles by key, merged variables", async () => {
        const a = await apis.createApi('alice', { name: 'pets', stageVariables: { env: 'dev', old: 'x' } });
        assert.deepEqual(a.stageVariables, { env: 'dev', old: 'x' });
        await apis.createRoute('alice', a.apiId, jwtRoute);
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /a', functionName: 'pets' });
        clock.advance(5);
        const s = await apis.updateStage('alice', a.apiId, {
          throttle: { rate: 5, burst: 10 },
          routeThrottles: { 'GET /a': { rate: 1, burst: 2 } },
          variables: { env: 'prod', old: '', url: 'https://x.example/a?b=c' },
        });
        assert.deepEqual(
          [s.api.throttle, s.api.stageVariables, s.api.updatedAt],
          [{ rate: 5, burst: 10 }, { env: 'prod', url: 'https://x.example/a?b=c' }, clock.t],
        );
        assert.deepEqual(
          s.routes.map((r) => [r.routeKey, r.throttle]),
          [
            ['GET /a', { rate: 1, burst: 2 }],
            [jwtRoute.routeKey, jwtRoute.throttle],
          ],
        );
        assert.deepEqual(await apis.getApi('alice', a.apiId), s.api);
        assert.deepEqual((await apis.getRoute('alice', a.apiId, 'GET /a'))?.updatedAt, clock.t);

        // Replace: the routes not named lose theirs, the variables are those given.
        const r = await apis.updateStage('alice', a.apiId, {
          throttle: null,
          routeThrottles: { [jwtRoute.routeKey]: null },
          routeThrottlesMode: 'replace',
          variables: { only: 'one' },
          variablesMode: 'replace',
        });
        assert.deepEqual([r.api.throttle, r.api.stageVariables], [null, { only: 'one' }]);
        assert.deepEqual(
          r.routes.map((x) => x.throttle),
          [null, null],
        );
        // Natively the map is replaced whole; {} or null clears it.
        assert.deepEqual((await apis.updateApi('alice', a.apiId, { stageVariables: { b: '2' } })).stageVariables, { b: '2' });
        assert.deepEqual((await apis.updateApi('alice', a.apiId, { stageVariables: null })).stageVariables, {});
      });

      it('named stages: made with their variables, changed (merged), refused when taken, absent or too many; deleted', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        clock.advance(2);
        const prod = await apis.putNamedStage('alice', a.apiId, { name: 'prod', variables: { env: 'prod', x: '1' }, creating: true });
        assert.deepEqual(prod, {
          name: 'prod',
          variables: { env: 'prod', x: '1' },
          autoDeploy: true,
          deploymentId: null,
          createdAt: clock.t,
          updatedAt: clock.t,
        });
        clock.advance(3);
        const changed = await apis.putNamedStage('alice', a.apiId, { name: 'prod', variables: { x: '' }, creating: false });
        assert.deepEqual(changed, { ...prod, variables: { env: 'prod' }, updatedAt: clock.t });
        let got = await apis.getApi('alice', a.apiId);
        assert.deepEqual([got?.stages, got?.updatedAt], [[changed], a.updatedAt]);
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true }),
          is(Conflict, ErrorCode.HttpStageExists),
        );
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'dev', creating: false }),
          is(NotFound, ErrorCode.HttpStageNotFound),
        );
        for (const name of ['$default', 'a/b', ''])
          await assert.rejects(apis.putNamedStage('alice', a.apiId, { name, creating: true }), is(InvalidInput, ErrorCode.HttpApiInvalid));
        for (let i = 1; i < 9; i++) await apis.putNamedStage('alice', a.apiId, { name: `s${i}`, creating: true });
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 's9', creating: true }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(apis.putNamedStage('bob', a.apiId, { name: 'b', creating: true }), is(NotFound, ErrorCode.HttpApiNotFound));
        await apis.deleteNamedStage('alice', a.apiId, 'prod');
        await assert.rejects(apis.deleteNamedStage('alice', a.apiId, 'prod'), is(NotFound, ErrorCode.HttpStageNotFound));
        got = await apis.getApi('alice', a.apiId);
        assert.deepEqual(
          got?.stages.map((x) => x.name),
          ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'],
        );
      });

      it("a named stage's own throttles: its default and its routes' (merged, null removes one), kept apart from $default's", async () => {
        const a = await apis.createApi('alice', { name: 'pets', throttle: { rate: 9, burst: 9 } });
        for (const routeKey of ['GET /a', 'GET /b', 'GET /c']) await apis.createRoute('alice', a.apiId, { routeKey, functionName: 'f' });
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true, routeThrottles: { 'GET /nowhere': { rate: 1, burst: 1 } } }),
          is(NotFound, ErrorCode.HttpRouteNotFound),
          'a route key that names no route, checked in the write',
        );
        const made = await apis.putNamedStage('alice', a.apiId, {
          name: 'prod',
          creating: true,
          throttle: { rate: 2, burst: 3 },
          routeThrottles: { 'GET /a': { rate: 0, burst: 1 }, 'GET /b': { rate: 5, burst: 5 } },
        });
        assert.deepEqual(
          [made.throttle, made.routeThrottles],
          [
            { rate: 2, burst: 3 },
            { 'GET /a': { rate: 0, burst: 1 }, 'GET /b': { rate: 5, burst: 5 } },
          ],
        );
        const changed = await apis.putNamedStage('alice', a.apiId, {
          name: 'prod',
          creating: false,
          routeThrottles: { 'GET /a': null, 'GET /c': { rate: 1, burst: 1 } },
        });
        assert.deepEqual(
          [changed.throttle, changed.routeThrottles],
          [
            { rate: 2, burst: 3 },
            { 'GET /b': { rate: 5, burst: 5 }, 'GET /c': { rate: 1, burst: 1 } },
          ],
        );
        const cleared = await apis.putNamedStage('alice', a.apiId, {
          name: 'prod',
          creating: false,
          throttle: null,
          routeThrottles: { 'GET /b': null, 'GET /c': null },
        });
        assert.deepEqual([cleared.throttle, cleared.routeThrottles], [undefined, undefined], 'none: not stored');
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: false, throttle: { rate: -1, burst: 1 } }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        const got = await apis.getApi('alice', a.apiId);
        assert.deepEqual([got?.throttle, got?.stages], [{ rate: 9, burst: 9 }, [cleared]], "$default's stay the API's");
      });

      it('deleting a route deletes its settings on every named stage in the same write; one made again with its key has none', async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        for (const routeKey of ['GET /a', 'GET /b']) await apis.createRoute('alice', a.apiId, { routeKey, functionName: 'f' });
        const limit = { rate: 1, burst: 2 };
        await apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true, routeThrottles: { 'GET /a': limit, 'GET /b': limit } });
        await apis.putNamedStage('alice', a.apiId, { name: 'dev', creating: true, throttle: limit, routeThrottles: { 'GET /a': limit } });
        await apis.putNamedStage('alice', a.apiId, { name: 'qa', creating: true, variables: { v: '1' } });
        const before = await apis.getApi('alice', a.apiId);

        assert.equal(await apis.deleteRoute('bob', a.apiId, 'GET /a'), false, "another user's route is not there");
        assert.deepEqual(await apis.getApi('alice', a.apiId), before, 'nothing changed');
        assert.equal(await apis.deleteRoute('alice', a.apiId, 'GET /a'), true);
        const after = await apis.getApi('alice', a.apiId);
        assert.deepEqual(
          after?.stages.map((x) => [x.name, x.throttle, x.routeThrottles, x.variables]),
          [
            ['prod', undefined, { 'GET /b': limit }, {}],
            ['dev', limit, undefined, {}],
            ['qa', undefined, undefined, { v: '1' }],
          ],
        );
        assert.equal(await apis.deleteRoute('alice', a.apiId, 'GET /a'), false, 'deleted once');
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /a', functionName: 'f' });
        const again = await apis.getApi('alice', a.apiId);
        assert.deepEqual(again?.stages, after?.stages, 'a route made again with the key takes none of the old settings');
        assert.equal(await apis.deleteRoute('alice', 'nosuchapi0', 'GET /a'), false, 'no API: no route');
      });

      it("CreateStage's tags in the stage's write: they replace the stage's; a write refused changes neither", async () => {
        const a = await apis.createApi('alice', { name: 'pets' });
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /a', functionName: 'f' });
        const tagsOf = (stage: string) => under.tags.getTags('alice', httpStageTagKey(a.apiId, stage));
        const limit = { rate: 1, burst: 1 };

        await apis.updateStage('alice', a.apiId, { throttle: limit }, { team: 'web', old: 'x' });
        assert.deepEqual(await tagsOf('$default'), { team: 'web', old: 'x' });
        await apis.updateStage('alice', a.apiId, { throttle: null, routeThrottles: { 'GET /a': limit } }, { team: 'api' });
        assert.deepEqual(await tagsOf('$default'), { team: 'api' }, 'replaced whole, not merged');
        await apis.updateStage('alice', a.apiId, { variables: { v: '1' } });
        assert.deepEqual(await tagsOf('$default'), { team: 'api' }, 'none given: they stay');
        const before = await apis.servedApi(a.apiId);
        await assert.rejects(
          apis.updateStage('alice', a.apiId, { throttle: limit, routeThrottles: { 'GET /nowhere': limit } }, { team: 'lost' }),
          is(NotFound, ErrorCode.HttpRouteNotFound),
        );
        assert.deepEqual([await apis.servedApi(a.apiId), await tagsOf('$default')], [before, { team: 'api' }], 'neither changed');
        await assert.rejects(
          apis.updateStage('bob', a.apiId, { throttle: limit }, { team: 'bob' }),
          is(NotFound, ErrorCode.HttpApiNotFound),
        );
        assert.deepEqual(await under.tags.getTags('bob', httpStageTagKey(a.apiId, '$default')), {});

        await apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true }, { env: 'prod' });
        assert.deepEqual(await tagsOf('prod'), { env: 'prod' });
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true }, { env: 'other' }),
          is(Conflict, ErrorCode.HttpStageExists),
        );
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'bad name', creating: true }, { env: 'bad' }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(
          apis.putNamedStage('alice', a.apiId, { name: 'dev', creating: true, throttle: { rate: -1, burst: 1 } }, { env: 'dev' }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        assert.deepEqual(
          [
            await tagsOf('prod'),
            await tagsOf('bad name'),
            await tagsOf('dev'),
            (await apis.getApi('alice', a.apiId))?.stages.map((x) => x.name),
          ],
          [{ env: 'prod' }, {}, {}, ['prod']],
          'a stage refused has no tags, nor the one there others',
        );
        await apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: false, variables: { x: '1' } });
        assert.deepEqual(await tagsOf('prod'), { env: 'prod' }, 'changed without tags: they stay');
        await apis.deleteNamedStage('alice', a.apiId, 'prod');
        assert.deepEqual(await tagsOf('prod'), {}, 'they go with the stage');
        await apis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true }, {});
        assert.deepEqual(await tagsOf('prod'), {});

        await apis.updateStage('alice', a.apiId, { throttle: null }, {});
        assert.deepEqual(await tagsOf('$default'), {}, '{}: none');

        // The tags' write failing after the stage's (a value that cannot be written): the stage is
        // as it was too.
        const unwritable = { team: 1n } as unknown as Record<string, string>;
        const kept = await apis.servedApi(a.apiId);
        await assert.rejects(apis.updateStage('alice', a.apiId, { throttle: limit, variables: { w: '2' } }, unwritable));
        await assert.rejects(apis.putNamedStage('alice', a.apiId, { name: 'dev', creating: true }, unwritable));
        assert.deepEqual(await apis.servedApi(a.apiId), kept, 'no stage without its tags');
        assert.deepEqual([await tagsOf('$default'), await tagsOf('dev')], [{}, {}]);
      });

      it('a route key that names no route, a bad variable or limit changes nothing; another user is not found', async () => {
        const a = await apis.createApi('alice', { name: 'pets', throttle: { rate: 1, burst: 1 } });
        await apis.createRoute('alice', a.apiId, { routeKey: 'GET /a', functionName: 'pets' });
        const before = await apis.servedApi(a.apiId);
        await assert.rejects(
          apis.updateStage('alice', a.apiId, { throttle: null, routeThrottles: { 'GET /a': { rate: 1, burst: 1 }, 'GET /b': null } }),
          is(NotFound, ErrorCode.HttpRouteNotFound),
        );
        for (const variables of [{ 'a-b': 'x' }, { ['a'.repeat(65)]: 'x' }, { a: 'x y' }, { a: 'x'.repeat(2049) }] as Record<
          string,
          string
        >[])
          await assert.rejects(
            apis.updateStage('alice', a.apiId, { throttle: null, variables }),
            is(InvalidInput, ErrorCode.HttpApiInvalid),
          );
        await assert.rejects(
          apis.updateStage('alice', a.apiId, { routeThrottles: { 'GET /a': { rate: 1, burst: 0.5 } } }),
          is(InvalidInput, ErrorCode.HttpApiInvalid),
        );
        await assert.rejects(apis.createApi('alice', { name: 'x', stageVariables: { a: '' } }), is(InvalidInput, ErrorCode.HttpApiInvalid));
        assert.deepEqual(await apis.servedApi(a.apiId), before);
        await assert.rejects(apis.updateStage('bob', a.apiId, { throttle: null }), is(NotFound, ErrorCode.HttpApiNotFound));
      });
    });
  });
}
