/**
 * API Gateway v2's management API (apigatewayv2) on a started Hangar, through the real AWS SDK
 * client (@aws-sdk/client-apigatewayv2) signed with Hangar keys: an HTTP API with a Lambda proxy
 * integration, routes and the $default stage, called over HTTP for the function's answer; a JWT
 * authorizer (its keys found by OpenID discovery) refusing an unauthenticated call; updates
 * retargeting routes; deletes with API Gateway's ConflictException while in use; quick create;
 * another user's API not found; what Hangar cannot model refused with BadRequestException.
 * Serving runs functions, so those parts are skipped, with the reason, where the host cannot
 * sandbox.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteAuthorizerCommand,
  DeleteCorsConfigurationCommand,
  DeleteDeploymentCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  DeleteRouteSettingsCommand,
  DeleteStageCommand,
  ExportApiCommand,
  GetApiCommand,
  GetApisCommand,
  GetAuthorizerCommand,
  GetAuthorizersCommand,
  GetDeploymentCommand,
  GetDeploymentsCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  GetRouteCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
  GetTagsCommand,
  ImportApiCommand,
  ReimportApiCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApiCommand,
  UpdateAuthorizerCommand,
  UpdateDeploymentCommand,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { parse as parseYaml } from 'yaml';
import { accountIdOf } from '../../src/aws/index.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

type Key = { keyId: string; key: string };
let p: TestPlatform;
let aliceKey: Key;
let alice: ApiGatewayV2Client;
let bob: ApiGatewayV2Client;
let idp: Server;
let issuer: string;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const client = (k: Key) =>
  new ApiGatewayV2Client({
    endpoint: p.url!,
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    maxAttempts: 1,
  });

/** A refusal's status, error name and message. */
async function refused(c: ApiGatewayV2Client, command: object): Promise<[number, string, string]> {
  try {
    await c.send(command as never);
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return [e.$metadata.httpStatusCode, e.name, e.message];
  }
  assert.fail('the call was not refused');
}

const apiArn = (apiId: string, region = REGION) => `arn:aws:apigateway:${region}::/apis/${apiId}`;
const arn = (user: string, fn: string) => `arn:aws:lambda:${REGION}:${accountIdOf(user)}:function:${fn}`;

/** Each case refused by alice's client with BadRequestException, its message matching. */
async function badRequests(cases: Array<[string, object, RegExp]>): Promise<void> {
  for (const [what, command, message] of cases) {
    const [status, name, said] = await refused(alice, command);
    assert.deepEqual([status, name], [400, 'BadRequestException'], `${what}: ${said}`);
    assert.match(said, message, what);
  }
}

/** A JWT authorizer `idp` of the test's identity provider, for the audience `shop`. */
const jwtAuthorizer = (ApiId: string) =>
  new CreateAuthorizerCommand({
    ApiId,
    Name: 'idp',
    AuthorizerType: 'JWT',
    IdentitySource: ['$request.header.Authorization'],
    JwtConfiguration: { Issuer: issuer, Audience: ['shop'] },
  });

function token(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`;
}

before(async () => {
  // An identity provider on this machine: its OpenID configuration names its keys.
  idp = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    else res.end(JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }] }));
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  p = await testPlatform({ HANGAR_JWKS_ALLOW: new URL(issuer).host });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  aliceKey = await key('alice');
  alice = client(aliceKey);
  bob = client(await key('bob'));
  const lambda = lambdaClient(p.url!, aliceKey);
  const code = (answer: string) => ({
    Code: { ZipFile: makeZip({ 'index.js': `exports.handler = async (e) => (${answer});` }) },
  });
  await createNodeFunction(
    lambda,
    'hello',
    code('{ hello: e.pathParameters?.name ?? null, route: e.routeKey, sub: e.requestContext.authorizer?.jwt?.claims.sub ?? null }'),
  );
  await createNodeFunction(lambda, 'other', code('{ other: true }'));
  // A handler of the REST API's shape: what the event says, in a 1.0 answer with multiValueHeaders.
  await createNodeFunction(
    lambda,
    'classic',
    code(`{ statusCode: 200, headers: { 'content-type': 'application/json' }, multiValueHeaders: { 'x-v': ['a', 'b'] },
      body: JSON.stringify({ version: e.version, resource: e.resource ?? null, path: e.path ?? e.rawPath, stage: e.requestContext.stage,
        vars: e.stageVariables ?? null, query: e.multiValueQueryStringParameters ?? null, params: e.pathParameters ?? null }) }`),
  );
  await createNodeFunction(
    lambda,
    'vars',
    code('{ vars: e.stageVariables ?? null, stage: e.requestContext.stage, path: e.rawPath, route: e.routeKey }'),
  );
});
after(async () => {
  alice?.destroy();
  bob?.destroy();
  await p?.close();
  idp.closeAllConnections();
  await new Promise((r) => idp.close(r));
});

describe('API Gateway v2 management API', () => {
  it('an API, its integration, routes and stage serve the function; a JWT authorizer guards a route; updates and deletes', async () => {
    const api = await alice.send(
      new CreateApiCommand({
        Name: 'shop',
        ProtocolType: 'HTTP',
        CorsConfiguration: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['GET'] },
      }),
    );
    const ApiId = api.ApiId!;
    assert.match(ApiId, /^[a-z0-9]{10}$/);
    assert.equal(api.ApiEndpoint, `${p.url}/http/${ApiId}`);
    assert.deepEqual(
      [api.Name, api.ProtocolType, api.RouteSelectionExpression, api.CorsConfiguration?.AllowOrigins, api.CreatedDate instanceof Date],
      ['shop', 'HTTP', '$request.method $request.path', ['https://app.example.com'], true],
    );
    const integration = await alice.send(
      new CreateIntegrationCommand({
        ApiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arn('alice', 'hello'),
        PayloadFormatVersion: '2.0',
      }),
    );
    const IntegrationId = integration.IntegrationId!;
    assert.deepEqual(
      [integration.IntegrationType, integration.IntegrationUri, integration.PayloadFormatVersion],
      ['AWS_PROXY', arn('alice', 'hello'), '2.0'],
    );
    const Target = `integrations/${IntegrationId}`;
    const route = await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /hello/{name}', Target }));
    assert.deepEqual([route.RouteKey, route.Target, route.AuthorizationType], ['GET /hello/{name}', Target, 'NONE']);
    assert.match(route.RouteId!, /^[a-z0-9]{7}$/);
    // The same API natively: the route names the integration's function.
    const native = await p.inject({ method: 'GET', url: `/http-apis/${ApiId}/routes`, auth: aliceKey.key });
    assert.deepEqual(
      native.json().routes.map((r: Record<string, unknown>) => [r.routeKey, r.functionName, r.integrationId]),
      [['GET /hello/{name}', 'hello', IntegrationId]],
    );
    const stage = await alice.send(
      new CreateStageCommand({
        ApiId,
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      }),
    );
    assert.deepEqual([stage.StageName, stage.AutoDeploy, stage.DefaultRouteSettings?.ThrottlingRateLimit], ['$default', true, 50]);
    assert.deepEqual(
      (await alice.send(new GetStagesCommand({ ApiId }))).Items?.map((x) => x.StageName),
      ['$default'],
    );
    assert.equal((await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).DefaultRouteSettings?.ThrottlingBurstLimit, 100);
    assert.equal((await alice.send(new GetRouteCommand({ ApiId, RouteId: route.RouteId }))).RouteKey, 'GET /hello/{name}');

    // A JWT authorizer: no JWKS URL, as on AWS; its keys come from the issuer's discovery document.
    const authorizer = await alice.send(jwtAuthorizer(ApiId));
    const AuthorizerId = authorizer.AuthorizerId!;
    const guarded = await alice.send(
      new CreateRouteCommand({ ApiId, RouteKey: 'GET /me', Target, AuthorizationType: 'JWT', AuthorizerId }),
    );
    assert.deepEqual([guarded.AuthorizationType, guarded.AuthorizerId], ['JWT', AuthorizerId]);
    const me = await fetch(`${api.ApiEndpoint}/me`);
    assert.equal(me.status, 401, 'no token');
    assert.deepEqual(await me.json(), { message: 'Unauthorized' });
    assert.deepEqual(
      (await alice.send(new GetAuthorizersCommand({ ApiId }))).Items?.map((a) => a.JwtConfiguration),
      [{ Issuer: issuer, Audience: ['shop'] }],
    );

    // In use: neither the integration nor the authorizer can go.
    assert.deepEqual((await refused(alice, new DeleteIntegrationCommand({ ApiId, IntegrationId }))).slice(0, 2), [
      409,
      'ConflictException',
    ]);
    assert.deepEqual((await refused(alice, new DeleteAuthorizerCommand({ ApiId, AuthorizerId }))).slice(0, 2), [409, 'ConflictException']);

    if (!NO_SANDBOX) {
      const hello = await fetch(`${api.ApiEndpoint}/hello/bob`);
      assert.equal(hello.status, 200);
      assert.deepEqual(await hello.json(), { hello: 'bob', route: 'GET /hello/{name}', sub: null });
      const now = Math.floor(Date.now() / 1000);
      const signedIn = await fetch(`${api.ApiEndpoint}/me`, {
        headers: { authorization: `Bearer ${token({ iss: issuer, aud: 'shop', sub: 'u1', iat: now, exp: now + 300 })}` },
      });
      assert.equal(signedIn.status, 200, 'through the authorizer to the function');
      assert.deepEqual(await signedIn.json(), { hello: null, route: 'GET /me', sub: 'u1' });
      const wrongAudience = await fetch(`${api.ApiEndpoint}/me`, {
        headers: { authorization: `Bearer ${token({ iss: issuer, aud: 'other', sub: 'u1', iat: now, exp: now + 300 })}` },
      });
      assert.equal(wrongAudience.status, 401);
      // The integration retargeted: every route made from it follows at once.
      const moved = await alice.send(new UpdateIntegrationCommand({ ApiId, IntegrationId, IntegrationUri: arn('alice', 'other') }));
      assert.equal(moved.IntegrationUri, arn('alice', 'other'));
      assert.deepEqual(await (await fetch(`${api.ApiEndpoint}/hello/bob`)).json(), { other: true });
    }

    // The route loses its authorizer; then the authorizer, the routes and the integration go.
    const open = await alice.send(new UpdateRouteCommand({ ApiId, RouteId: guarded.RouteId, AuthorizationType: 'NONE' }));
    assert.deepEqual([open.AuthorizationType, open.AuthorizerId], ['NONE', undefined]);
    await alice.send(new DeleteAuthorizerCommand({ ApiId, AuthorizerId }));
    await alice.send(new DeleteRouteCommand({ ApiId, RouteId: guarded.RouteId }));
    await alice.send(new DeleteRouteCommand({ ApiId, RouteId: route.RouteId }));
    assert.equal((await fetch(`${api.ApiEndpoint}/hello/bob`)).status, 404);
    await alice.send(new DeleteIntegrationCommand({ ApiId, IntegrationId }));
    assert.deepEqual((await alice.send(new GetIntegrationsCommand({ ApiId }))).Items, []);
    assert.equal((await alice.send(new UpdateApiCommand({ ApiId, Name: 'shop2' }))).Name, 'shop2');
    await alice.send(new DeleteCorsConfigurationCommand({ ApiId }));
    assert.equal((await alice.send(new GetApiCommand({ ApiId }))).CorsConfiguration, undefined);
    await alice.send(new DeleteApiCommand({ ApiId }));
    assert.deepEqual(await refused(alice, new GetApiCommand({ ApiId })), [404, 'NotFoundException', `HTTP API ${ApiId} not found`]);
  });

  it('quick create makes the integration and the route; another user sees none of it', async () => {
    const api = await alice.send(
      new CreateApiCommand({ Name: 'quick', ProtocolType: 'HTTP', Target: arn('alice', 'hello'), RouteKey: 'GET /hi/{name}' }),
    );
    const ApiId = api.ApiId!;
    const [integration] = (await alice.send(new GetIntegrationsCommand({ ApiId }))).Items ?? [];
    const routes = (await alice.send(new GetRoutesCommand({ ApiId }))).Items ?? [];
    assert.deepEqual(
      routes.map((r) => [r.RouteKey, r.Target]),
      [['GET /hi/{name}', `integrations/${integration?.IntegrationId}`]],
    );
    if (!NO_SANDBOX)
      assert.deepEqual(await (await fetch(`${api.ApiEndpoint}/hi/ann`)).json(), { hello: 'ann', route: 'GET /hi/{name}', sub: null });

    const IntegrationId = integration?.IntegrationId;
    for (const command of [
      new GetApiCommand({ ApiId }),
      new UpdateApiCommand({ ApiId, Name: 'mine' }),
      new DeleteApiCommand({ ApiId }),
      new GetRoutesCommand({ ApiId }),
      new GetRouteCommand({ ApiId, RouteId: routes[0]?.RouteId }),
      new CreateRouteCommand({ ApiId, RouteKey: 'GET /x', Target: `integrations/${IntegrationId}` }),
      new GetIntegrationCommand({ ApiId, IntegrationId }),
      new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: arn('bob', 'x') }),
      new GetStageCommand({ ApiId, StageName: '$default' }),
      new CreateAuthorizerCommand({
        ApiId,
        Name: 'a',
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: issuer, Audience: ['a'] },
      }),
    ]) {
      const [status, name] = await refused(bob, command);
      assert.deepEqual([status, name], [404, 'NotFoundException'], command.constructor.name);
    }
    assert.deepEqual((await bob.send(new GetApisCommand({}))).Items, []);
    assert.ok((await alice.send(new GetApisCommand({}))).Items?.some((a) => a.ApiId === ApiId));
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('refuses what is not valid, or not modelled, with BadRequestException naming it', async () => {
    const api = await alice.send(new CreateApiCommand({ Name: 'strict', ProtocolType: 'HTTP' }));
    const ApiId = api.ApiId!;
    const integration = await alice.send(
      new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: arn('alice', 'hello') }),
    );
    const Target = `integrations/${integration.IntegrationId}`;
    const proxy = { ApiId, IntegrationType: 'AWS_PROXY' as const, IntegrationUri: arn('alice', 'hello') };
    const cases: Array<[string, object, RegExp]> = [
      [
        'a WebSocket API',
        new CreateApiCommand({ Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }),
        /WebSocket/,
      ],
      ['no protocolType', new CreateApiCommand({ Name: 'x' } as never), /protocolType is required/],
      ['a bad name', new CreateApiCommand({ Name: 'a/b', ProtocolType: 'HTTP' }), /name/],
      ['a description', new CreateApiCommand({ Name: 'x', ProtocolType: 'HTTP', Description: 'd' }), /description/],
      ['payload format 3.0', new CreateIntegrationCommand({ ...proxy, PayloadFormatVersion: '3.0' }), /payloadFormatVersion 3\.0/],
      [
        'an HTTP proxy',
        new CreateIntegrationCommand({ ApiId, IntegrationType: 'HTTP_PROXY', IntegrationUri: 'https://example.com' }),
        /HTTP_PROXY/,
      ],
      ['a missing function', new CreateIntegrationCommand({ ...proxy, IntegrationUri: arn('alice', 'nope') }), /nope/],
      ['parameter mapping', new CreateIntegrationCommand({ ...proxy, RequestParameters: { 'append:header.x': 'y' } }), /requestParameters/],
      ['a route without a target', new CreateRouteCommand({ ApiId, RouteKey: 'GET /a' }), /target is required/],
      ['a bad route key', new CreateRouteCommand({ ApiId, RouteKey: 'GET a', Target }), /route key/],
      ['an IAM route', new CreateRouteCommand({ ApiId, RouteKey: 'GET /a', Target, AuthorizationType: 'AWS_IAM' }), /AWS_IAM/],
      [
        'JWT without an authorizer',
        new CreateRouteCommand({ ApiId, RouteKey: 'GET /a', Target, AuthorizationType: 'JWT' }),
        /authorizerId/,
      ],
      ['scopes', new CreateRouteCommand({ ApiId, RouteKey: 'GET /a', Target, AuthorizationScopes: ['read'] }), /authorizationScopes/],
      [
        'a Lambda authorizer of payload format 1.0 with simple responses',
        new CreateAuthorizerCommand({
          ApiId,
          Name: 'l',
          AuthorizerType: 'REQUEST',
          IdentitySource: ['$request.header.x'],
          AuthorizerUri: arn('alice', 'hello'),
          AuthorizerPayloadFormatVersion: '1.0',
          EnableSimpleResponses: true,
        }),
        /can only be set for AuthorizerPayloadFormatVersion "2\.0"/,
      ],
      [
        'an issuer in clear',
        new CreateAuthorizerCommand({
          ApiId,
          Name: 'j',
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: { Issuer: 'http://idp.example', Audience: ['a'] },
        }),
        /issuer/,
      ],
      ['a bad stage name', new CreateStageCommand({ ApiId, StageName: 'a/b' }), /stage name/],
      ['a bad stage variable', new CreateStageCommand({ ApiId, StageName: '$default', StageVariables: { 'a-b': 'c' } }), /a-b/],
      [
        'a passthrough behaviour',
        new CreateIntegrationCommand({ ...proxy, PayloadFormatVersion: '2.0', PassthroughBehavior: 'NEVER' }),
        /passthroughBehavior/,
      ],
    ];
    await badRequests(cases);
    assert.deepEqual((await refused(alice, new GetStageCommand({ ApiId, StageName: 'prod' }))).slice(0, 2), [404, 'NotFoundException']);
    assert.deepEqual((await refused(alice, new GetRouteCommand({ ApiId, RouteId: 'zzzzzzz' }))).slice(0, 2), [404, 'NotFoundException']);
    assert.deepEqual((await alice.send(new GetRoutesCommand({ ApiId }))).Items, [], 'nothing refused was made');
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it("route settings are the routes' own throttles, natively too; stage variables reach every route's event", async () => {
    const api = await alice.send(
      new CreateApiCommand({ Name: 'staged', ProtocolType: 'HTTP', Target: arn('alice', 'vars'), RouteKey: 'GET /v' }),
    );
    const ApiId = api.ApiId!;
    const StageName = '$default';
    // A route made natively with its own throttle: a route setting of the stage.
    const native = await p.inject({
      method: 'POST',
      url: `/http-apis/${ApiId}/routes`,
      auth: aliceKey.key,
      payload: { routeKey: 'GET /native', functionName: 'vars', throttle: { rate: 3, burst: 4 } },
    });
    assert.equal(native.statusCode, 201);
    let stage = await alice.send(new GetStageCommand({ ApiId, StageName }));
    assert.deepEqual(stage.RouteSettings, {
      'GET /native': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 4, ThrottlingRateLimit: 3 },
    });
    assert.deepEqual(stage.StageVariables, {});
    if (!NO_SANDBOX)
      assert.deepEqual(
        await (await fetch(`${api.ApiEndpoint}/v`)).json(),
        { vars: null, stage: '$default', path: '/v', route: 'GET /v' },
        'none: absent',
      );

    stage = await alice.send(
      new UpdateStageCommand({
        ApiId,
        StageName,
        RouteSettings: { 'GET /v': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 } },
        StageVariables: { env: 'dev', url: 'https://x.example/a?b=c' },
      }),
    );
    assert.deepEqual(Object.keys(stage.RouteSettings ?? {}).sort(), ['GET /native', 'GET /v']);
    assert.deepEqual(stage.RouteSettings?.['GET /v'], { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 });
    assert.deepEqual(stage.StageVariables, { env: 'dev', url: 'https://x.example/a?b=c' });
    const route = await p.inject({ method: 'GET', url: `/http-apis/${ApiId}/routes/${encodeURIComponent('GET /v')}`, auth: aliceKey.key });
    assert.deepEqual(route.json().throttle, { rate: 5, burst: 10 }, "the route's own throttle");
    if (!NO_SANDBOX)
      assert.deepEqual(await (await fetch(`${api.ApiEndpoint}/v`)).json(), {
        vars: { env: 'dev', url: 'https://x.example/a?b=c' },
        stage: '$default',
        path: '/v',
        route: 'GET /v',
      });
    // Merged, as API Gateway merges them: an empty value removes a variable.
    stage = await alice.send(new UpdateStageCommand({ ApiId, StageName, StageVariables: { env: '', more: 'x' } }));
    assert.deepEqual(stage.StageVariables, { url: 'https://x.example/a?b=c', more: 'x' });
    assert.equal(Object.keys(stage.RouteSettings ?? {}).length, 2, 'route settings not given stay');
    // A burst of 0 refuses every request to the route (no function runs).
    await alice.send(
      new UpdateStageCommand({ ApiId, StageName, RouteSettings: { 'GET /native': { ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 } } }),
    );
    assert.equal((await fetch(`${api.ApiEndpoint}/native`)).status, 429);

    await alice.send(new DeleteRouteSettingsCommand({ ApiId, StageName, RouteKey: 'GET /native' }));
    assert.deepEqual(Object.keys((await alice.send(new GetStageCommand({ ApiId, StageName }))).RouteSettings ?? {}), ['GET /v']);
    const again = await refused(alice, new DeleteRouteSettingsCommand({ ApiId, StageName, RouteKey: 'GET /native' }));
    assert.deepEqual(again.slice(0, 2), [404, 'NotFoundException']);
    const noRoute = await refused(
      alice,
      new UpdateStageCommand({ ApiId, StageName, RouteSettings: { 'GET /nope': { ThrottlingBurstLimit: 1 } } }),
    );
    assert.deepEqual(noRoute, [404, 'NotFoundException', 'Unable to find Route by key GET /nope within the provided RouteSettings']);
    await badRequests([
      [
        'detailed metrics',
        new UpdateStageCommand({ ApiId, StageName, RouteSettings: { 'GET /v': { DetailedMetricsEnabled: true } } }),
        /detailedMetricsEnabled/,
      ],
      ['logging', new UpdateStageCommand({ ApiId, StageName, RouteSettings: { 'GET /v': { LoggingLevel: 'INFO' } } }), /loggingLevel/],
      [
        'a negative burst',
        new UpdateStageCommand({ ApiId, StageName, RouteSettings: { 'GET /v': { ThrottlingBurstLimit: -1 } } }),
        /burst/,
      ],
      ['a long name', new UpdateStageCommand({ ApiId, StageName, StageVariables: { ['n'.repeat(65)]: 'x' } }), /64/],
      ['a space in a value', new UpdateStageCommand({ ApiId, StageName, StageVariables: { a: 'x y' } }), /value/],
      ['a long value', new UpdateStageCommand({ ApiId, StageName, StageVariables: { a: 'x'.repeat(2049) } }), /2048/],
    ]);
    stage = await alice.send(new GetStageCommand({ ApiId, StageName }));
    assert.deepEqual(
      [stage.StageVariables, Object.keys(stage.RouteSettings ?? {})],
      [{ url: 'https://x.example/a?b=c', more: 'x' }, ['GET /v']],
      'nothing refused was set',
    );

    // Natively the variables are replaced whole (PATCH /http-apis/{apiId}).
    const patched = await p.inject({
      method: 'PATCH',
      url: `/http-apis/${ApiId}`,
      auth: aliceKey.key,
      payload: { stageVariables: { a: 'b' } },
    });
    assert.deepEqual(patched.json().stageVariables, { a: 'b' });
    assert.deepEqual((await alice.send(new GetStageCommand({ ApiId, StageName }))).StageVariables, { a: 'b' });
    const badNative = await p.inject({
      method: 'PATCH',
      url: `/http-apis/${ApiId}`,
      auth: aliceKey.key,
      payload: { stageVariables: { 'a b': 'c' } },
    });
    assert.deepEqual([badNative.statusCode, badNative.json().code], [400, 'HTTP_API_INVALID']);

    // CreateStage makes the stage anew: only the settings given.
    stage = await alice.send(new CreateStageCommand({ ApiId, StageName, StageVariables: { fresh: '1' } }));
    assert.deepEqual([stage.StageVariables, stage.RouteSettings], [{ fresh: '1' }, {}]);

    for (const command of [
      new GetStageCommand({ ApiId, StageName }),
      new UpdateStageCommand({ ApiId, StageName, StageVariables: { a: 'b' } }),
      new DeleteRouteSettingsCommand({ ApiId, StageName, RouteKey: 'GET /v' }),
    ])
      assert.deepEqual((await refused(bob, command)).slice(0, 2), [404, 'NotFoundException'], command.constructor.name);
    assert.deepEqual((await alice.send(new GetStageCommand({ ApiId, StageName }))).StageVariables, { fresh: '1' });
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it("DeleteRoute takes the route's settings off every stage; DeleteRouteSettings after it still succeeds; a route made again has none", async () => {
    const { ApiId } = await alice.send(
      new CreateApiCommand({ Name: 'resettle', ProtocolType: 'HTTP', Target: arn('alice', 'vars'), RouteKey: 'GET /v' }),
    );
    const Target = `integrations/${(await alice.send(new GetRoutesCommand({ ApiId }))).Items?.[0]?.Target?.split('/')[1]}`;
    const gone = await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /gone', Target }));
    const limit = { ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 };
    const RouteSettings = { 'GET /v': limit, 'GET /gone': limit };
    await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', RouteSettings }));
    for (const StageName of ['prod', 'dev'])
      await alice.send(new CreateStageCommand({ ApiId, StageName, RouteSettings, AutoDeploy: true }));
    const keysOn = async (StageName: string) =>
      Object.keys((await alice.send(new GetStageCommand({ ApiId, StageName }))).RouteSettings ?? {}).sort();
    assert.deepEqual(await keysOn('prod'), ['GET /gone', 'GET /v']);

    await alice.send(new DeleteRouteCommand({ ApiId, RouteId: gone.RouteId }));
    for (const stage of ['$default', 'prod', 'dev']) assert.deepEqual(await keysOn(stage), ['GET /v'], stage);
    // AWS keeps them until this call: a client cleaning up after its DeleteRoute is answered as there.
    await alice.send(new DeleteRouteSettingsCommand({ ApiId, StageName: 'prod', RouteKey: 'GET /gone' }));
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /gone', Target }));
    for (const stage of ['$default', 'prod', 'dev']) assert.deepEqual(await keysOn(stage), ['GET /v'], `${stage}: none for the new route`);
    // A route that is there without settings: NotFoundException, as before.
    const none = await refused(alice, new DeleteRouteSettingsCommand({ ApiId, StageName: 'prod', RouteKey: 'GET /gone' }));
    assert.deepEqual(none.slice(0, 2), [404, 'NotFoundException']);
    if (!NO_SANDBOX) {
      const { ApiEndpoint } = await alice.send(new GetApiCommand({ ApiId }));
      for (const stage of ['', '/prod', '/dev']) {
        assert.equal((await fetch(`${ApiEndpoint}${stage}/gone`)).status, 200, `${stage || '$default'}: the new route runs`);
        assert.equal((await fetch(`${ApiEndpoint}${stage}/v`)).status, 429, `${stage || '$default'}: the kept route's settings stay`);
      }
    }
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('an integration of payload format 1.0: read back, its routes send the 1.0 event on every stage, UpdateIntegration changes it', async () => {
    const ApiId = (await alice.send(new CreateApiCommand({ Name: 'classic', ProtocolType: 'HTTP' }))).ApiId!;
    const made = await alice.send(
      new CreateIntegrationCommand({
        ApiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arn('alice', 'classic'),
        PayloadFormatVersion: '1.0',
      }),
    );
    const IntegrationId = made.IntegrationId!;
    assert.equal(made.PayloadFormatVersion, '1.0');
    assert.equal((await alice.send(new GetIntegrationCommand({ ApiId, IntegrationId }))).PayloadFormatVersion, '1.0');
    assert.deepEqual(
      (await alice.send(new GetIntegrationsCommand({ ApiId }))).Items?.map((i) => i.PayloadFormatVersion),
      ['1.0'],
    );
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /c/{x}', Target: `integrations/${IntegrationId}` }));
    const native = async () =>
      (await p.inject({ method: 'GET', url: `/http-apis/${ApiId}/routes`, auth: aliceKey.key })).json().routes[0].payloadFormatVersion;
    assert.equal(await native(), '1.0', "the route takes its integration's format");
    await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', StageVariables: { env: 'default' } }));
    await alice.send(new CreateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: true, StageVariables: { env: 'prod' } }));
    const endpoint = `${p.url}/http/${ApiId}`;
    if (!NO_SANDBOX) {
      const r = await fetch(`${endpoint}/prod/c/1?q=a&q=b`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-v'), 'a, b', 'multiValueHeaders, each value sent');
      assert.deepEqual(await r.json(), {
        version: '1.0',
        resource: '/c/{x}',
        path: '/prod/c/1',
        stage: 'prod',
        vars: { env: 'prod' },
        query: { q: ['a', 'b'] },
        params: { x: '1' },
      });
      const d = (await (await fetch(`${endpoint}/c/2`)).json()) as Record<string, unknown>;
      assert.deepEqual([d.version, d.path, d.stage, d.vars, d.query], ['1.0', '/c/2', '$default', { env: 'default' }, null]);
    }
    // An update without PayloadFormatVersion keeps it; one with it moves the routes along.
    const same = await alice.send(new UpdateIntegrationCommand({ ApiId, IntegrationId, IntegrationUri: arn('alice', 'classic') }));
    assert.equal(same.PayloadFormatVersion, '1.0');
    const moved = await alice.send(new UpdateIntegrationCommand({ ApiId, IntegrationId, PayloadFormatVersion: '2.0' }));
    assert.equal(moved.PayloadFormatVersion, '2.0');
    assert.equal(await native(), '2.0');
    if (!NO_SANDBOX) assert.equal(((await (await fetch(`${endpoint}/c/3`)).json()) as { version: string }).version, '2.0');
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('a named stage serves the same routes at /{stage}/... with its own variables; $default stays as it was', async () => {
    const api = await alice.send(
      new CreateApiCommand({ Name: 'named', ProtocolType: 'HTTP', Target: arn('alice', 'vars'), RouteKey: 'GET /v/{x}' }),
    );
    const ApiId = api.ApiId!;
    await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', StageVariables: { env: 'default' } }));
    const prod = await alice.send(
      new CreateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: true, StageVariables: { env: 'prod', a: '1' } }),
    );
    assert.deepEqual(
      [prod.StageName, prod.AutoDeploy, prod.StageVariables, prod.DeploymentId],
      ['prod', true, { env: 'prod', a: '1' }, undefined],
    );
    assert.deepEqual(
      (await alice.send(new GetStagesCommand({ ApiId }))).Items?.map((x) => x.StageName),
      ['$default', 'prod'],
    );
    if (!NO_SANDBOX) {
      // As AWS sends it: rawPath with the stage, the route matched without it, requestContext.stage its name.
      assert.deepEqual(await (await fetch(`${api.ApiEndpoint}/prod/v/1`)).json(), {
        vars: { env: 'prod', a: '1' },
        stage: 'prod',
        path: '/prod/v/1',
        route: 'GET /v/{x}',
      });
      assert.deepEqual(await (await fetch(`${api.ApiEndpoint}/v/1`)).json(), {
        vars: { env: 'default' },
        stage: '$default',
        path: '/v/1',
        route: 'GET /v/{x}',
      });
    }
    const view = await p.inject({ method: 'GET', url: `/http-apis/${ApiId}`, auth: aliceKey.key });
    assert.deepEqual(
      view.json().stages.map((x: { name: string; stageVariables: object }) => [x.name, x.stageVariables]),
      [['prod', { env: 'prod', a: '1' }]],
      'natively, read-only',
    );
    const merged = await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', StageVariables: { a: '', b: '2' } }));
    assert.deepEqual(merged.StageVariables, { env: 'prod', b: '2' });
    assert.deepEqual((await alice.send(new GetStageCommand({ ApiId, StageName: 'prod' }))).StageVariables, { env: 'prod', b: '2' });
    assert.deepEqual((await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).StageVariables, { env: 'default' });
    // Its own throttles and buckets, as on AWS: a route setting of prod refuses prod's requests
    // only; $default's throttles are not prod's; prod's default lets one through, then 429.
    const status = async (path: string) => {
      const r = await fetch(`${api.ApiEndpoint}${path}`);
      await r.arrayBuffer();
      return r.status;
    };
    const shut = { 'GET /v/{x}': { ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 } };
    const limited = await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', RouteSettings: shut }));
    assert.deepEqual(limited.RouteSettings, { 'GET /v/{x}': { DetailedMetricsEnabled: false, ...shut['GET /v/{x}'] } });
    assert.deepEqual((await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).RouteSettings, {});
    const natively = (await p.inject({ method: 'GET', url: `/http-apis/${ApiId}`, auth: aliceKey.key })).json();
    assert.deepEqual(natively.stages[0].routeThrottles, { 'GET /v/{x}': { rate: 0, burst: 0 } });
    assert.deepEqual([await status('/prod/v/1'), (await status('/v/1')) === 429], [429, false]);
    await alice.send(new DeleteRouteSettingsCommand({ ApiId, StageName: 'prod', RouteKey: 'GET /v/{x}' }));
    assert.notEqual(await status('/prod/v/1'), 429);
    await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', DefaultRouteSettings: { ThrottlingBurstLimit: 0 } }));
    assert.deepEqual([await status('/v/1'), (await status('/prod/v/1')) === 429], [429, false], "$default's are its own");
    // A stage made with its own default: a burst of one, never refilled, lets one through.
    const qa = await alice.send(
      new CreateStageCommand({
        ApiId,
        StageName: 'qa',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 0 },
      }),
    );
    assert.deepEqual(qa.DefaultRouteSettings, { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 1, ThrottlingRateLimit: 0 });
    assert.deepEqual([(await status('/qa/v/1')) === 429, await status('/qa/v/1')], [false, 429]);
    assert.equal(
      (await alice.send(new GetStageCommand({ ApiId, StageName: 'prod' }))).DefaultRouteSettings?.ThrottlingBurstLimit,
      undefined,
    );
    await alice.send(new DeleteStageCommand({ ApiId, StageName: 'qa' }));
    assert.deepEqual(
      (
        await refused(
          alice,
          new UpdateStageCommand({ ApiId, StageName: 'prod', RouteSettings: { 'GET /nope': { ThrottlingBurstLimit: 1 } } }),
        )
      ).slice(0, 2),
      [404, 'NotFoundException'],
    );
    assert.deepEqual(
      (await refused(alice, new DeleteRouteSettingsCommand({ ApiId, StageName: 'prod', RouteKey: 'GET /v/{x}' }))).slice(0, 2),
      [404, 'NotFoundException'],
    );
    await badRequests([
      [
        'a negative burst',
        new UpdateStageCommand({ ApiId, StageName: 'prod', DefaultRouteSettings: { ThrottlingBurstLimit: -1 } }),
        /burst/,
      ],
      ['a bad variable', new UpdateStageCommand({ ApiId, StageName: 'prod', StageVariables: { a: 'x y' } }), /value/],
    ]);
    assert.deepEqual((await refused(alice, new CreateStageCommand({ ApiId, StageName: 'prod' }))).slice(0, 2), [409, 'ConflictException']);
    for (const command of [
      new GetStageCommand({ ApiId, StageName: 'prod' }),
      new CreateStageCommand({ ApiId, StageName: 'mine' }),
      new UpdateStageCommand({ ApiId, StageName: 'prod', StageVariables: { a: 'b' } }),
      new DeleteStageCommand({ ApiId, StageName: 'prod' }),
    ])
      assert.deepEqual((await refused(bob, command)).slice(0, 2), [404, 'NotFoundException'], command.constructor.name);
    await alice.send(new DeleteStageCommand({ ApiId, StageName: 'prod' }));
    assert.deepEqual((await refused(alice, new GetStageCommand({ ApiId, StageName: 'prod' }))).slice(0, 2), [404, 'NotFoundException']);
    assert.equal((await fetch(`${api.ApiEndpoint}/prod/v/1`)).status, 404, 'served no more: no route GET /prod/v/1');
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('tags an API by its ARN: CreateApi tags, TagResource, UntagResource, GetTags, as API Gateway limits them', async () => {
    const api = await alice.send(new CreateApiCommand({ Name: 'tagged', ProtocolType: 'HTTP', Tags: { team: 'shop', env: 'dev' } }));
    const ApiId = api.ApiId!;
    const ResourceArn = apiArn(ApiId);
    assert.deepEqual(api.Tags, { team: 'shop', env: 'dev' });
    assert.deepEqual((await alice.send(new GetApiCommand({ ApiId }))).Tags, { team: 'shop', env: 'dev' });
    await alice.send(new TagResourceCommand({ ResourceArn, Tags: { env: 'prod', owner: 'ann' } }));
    assert.deepEqual((await alice.send(new GetTagsCommand({ ResourceArn }))).Tags, { team: 'shop', env: 'prod', owner: 'ann' });
    await alice.send(new UntagResourceCommand({ ResourceArn, TagKeys: ['team', 'absent'] }));
    assert.deepEqual((await alice.send(new GetTagsCommand({ ResourceArn }))).Tags, { env: 'prod', owner: 'ann' });
    assert.deepEqual((await alice.send(new GetApisCommand({}))).Items?.find((a) => a.ApiId === ApiId)?.Tags, { env: 'prod', owner: 'ann' });

    const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    const cases: Array<[string, object, RegExp]> = [
      ['51 tags', new TagResourceCommand({ ResourceArn, Tags: many }), /at most 50/],
      ['an aws: key', new TagResourceCommand({ ResourceArn, Tags: { 'aws:x': 'y' } }), /reserved/],
      ['a long key', new TagResourceCommand({ ResourceArn, Tags: { ['k'.repeat(129)]: 'y' } }), /1 to 128/],
      ['a long value', new TagResourceCommand({ ResourceArn, Tags: { k: 'v'.repeat(257) } }), /256/],
      ['untagging aws:', new UntagResourceCommand({ ResourceArn, TagKeys: ['aws:x'] }), /reserved/],
      [
        "a domain name's ARN",
        new GetTagsCommand({ ResourceArn: `arn:aws:apigateway:${REGION}::/domainnames/x.example` }),
        /HTTP APIs and their stages only/,
      ],
      ['not an ARN', new GetTagsCommand({ ResourceArn: 'shop' }), /not an API Gateway resource ARN/],
      [
        'tags on CreateApi past the limit',
        new CreateApiCommand({ Name: 'x', ProtocolType: 'HTTP', Tags: { ...many, a: '1', b: '2' } }),
        /at most 50/,
      ],
    ];
    await badRequests(cases);
    assert.deepEqual(
      (await alice.send(new GetTagsCommand({ ResourceArn }))).Tags,
      { env: 'prod', owner: 'ann' },
      'nothing refused was set',
    );
    assert.equal((await alice.send(new GetApisCommand({}))).Items?.filter((a) => a.Name === 'x').length, 0, 'no API was made');
    // Another user's API, or one of another region, is not there.
    for (const command of [
      new GetTagsCommand({ ResourceArn }),
      new TagResourceCommand({ ResourceArn, Tags: { a: 'b' } }),
      new UntagResourceCommand({ ResourceArn, TagKeys: ['env'] }),
    ]) {
      assert.deepEqual((await refused(bob, command)).slice(0, 2), [404, 'NotFoundException'], command.constructor.name);
    }
    const elsewhere = new GetTagsCommand({ ResourceArn: apiArn(ApiId, 'eu-west-3') });
    assert.deepEqual((await refused(alice, elsewhere)).slice(0, 2), [404, 'NotFoundException']);
    // Its tags go with it: a deleted API has none to find.
    await alice.send(new DeleteApiCommand({ ApiId }));
    assert.deepEqual((await refused(alice, new GetTagsCommand({ ResourceArn }))).slice(0, 2), [404, 'NotFoundException']);
  });

  it("a stage CreateStage makes without AutoDeploy serves nothing until it has a deployment, as on AWS; quick create's $default auto-deploys", async () => {
    const api = await alice.send(
      new CreateApiCommand({ Name: 'undeployed', ProtocolType: 'HTTP', Target: arn('alice', 'vars'), RouteKey: 'GET /v/{x}' }),
    );
    const ApiId = api.ApiId!;
    const answer = async (path: string) => {
      const r = await fetch(`${api.ApiEndpoint}${path}`);
      return [r.status, await r.text()] as const;
    };
    const notFound = [404, JSON.stringify({ message: 'Not Found' })];
    assert.equal((await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).AutoDeploy, true, 'quick create');
    assert.notEqual((await answer('/v/1'))[0], 404);
    const beta = await alice.send(new CreateStageCommand({ ApiId, StageName: 'beta' }));
    assert.deepEqual([beta.AutoDeploy, beta.DeploymentId], [false, undefined]);
    assert.deepEqual(await answer('/beta/v/1'), notFound);
    const remade = await alice.send(new CreateStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual([remade.AutoDeploy, remade.DeploymentId], [false, undefined]);
    assert.deepEqual(await answer('/v/1'), notFound, '$default made anew, without AutoDeploy');

    // A deployment made for beta: beta serves it; $default, once it names it, too.
    const { DeploymentId } = await alice.send(new CreateDeploymentCommand({ ApiId, StageName: 'beta' }));
    assert.equal((await alice.send(new GetStageCommand({ ApiId, StageName: 'beta' }))).DeploymentId, DeploymentId);
    assert.deepEqual(await answer('/v/1'), notFound, 'not made for $default');
    await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', DeploymentId }));
    for (const path of ['/beta/v/1', '/v/1']) {
      const [code, body] = await answer(path);
      if (NO_SANDBOX) assert.notEqual(code, 404, path);
      else assert.deepEqual([code, JSON.parse(body).route], [200, 'GET /v/{x}'], path);
    }
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('tags a stage by its ARN as an API: CreateStage Tags, TagResource, UntagResource, GetStage; they go with the stage', async () => {
    const ApiId = (await alice.send(new CreateApiCommand({ Name: 'staged', ProtocolType: 'HTTP', Tags: { api: 'yes' } }))).ApiId!;
    const stageArn = (name: string) => `${apiArn(ApiId)}/stages/${name}`;
    const prod = await alice.send(new CreateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: true, Tags: { env: 'prod' } }));
    assert.deepEqual(prod.Tags, { env: 'prod' });
    await alice.send(new TagResourceCommand({ ResourceArn: stageArn('prod'), Tags: { team: 'shop' } }));
    assert.deepEqual((await alice.send(new GetStageCommand({ ApiId, StageName: 'prod' }))).Tags, { env: 'prod', team: 'shop' });
    await alice.send(new UntagResourceCommand({ ResourceArn: stageArn('prod'), TagKeys: ['env'] }));
    assert.deepEqual((await alice.send(new GetTagsCommand({ ResourceArn: stageArn('prod') }))).Tags, { team: 'shop' });
    assert.deepEqual(
      (await alice.send(new GetStagesCommand({ ApiId }))).Items?.map((x) => [x.StageName, x.Tags]),
      [
        ['$default', {}],
        ['prod', { team: 'shop' }],
      ],
    );
    assert.deepEqual((await alice.send(new GetTagsCommand({ ResourceArn: apiArn(ApiId) }))).Tags, { api: 'yes' }, "the API's are its own");

    // $default: CreateStage makes it anew with only the tags given; DeleteStage takes them away.
    await alice.send(new TagResourceCommand({ ResourceArn: stageArn('$default'), Tags: { old: '1' } }));
    assert.deepEqual((await alice.send(new CreateStageCommand({ ApiId, StageName: '$default', Tags: { fresh: '1' } }))).Tags, {
      fresh: '1',
    });
    // A CreateStage refused for its settings changes neither the stage nor its tags (one write).
    const noRoute = new CreateStageCommand({
      ApiId,
      StageName: '$default',
      StageVariables: { lost: '1' },
      RouteSettings: { 'GET /nowhere': { ThrottlingBurstLimit: 1 } },
      Tags: { lost: '1' },
    });
    assert.deepEqual((await refused(alice, noRoute)).slice(0, 2), [404, 'NotFoundException']);
    const kept = await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual([kept.Tags, kept.StageVariables], [{ fresh: '1' }, {}]);
    await alice.send(new DeleteStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual((await alice.send(new GetTagsCommand({ ResourceArn: stageArn('$default') }))).Tags, {});

    // Refused tags make no stage; another user's stage, or a stage not there, is not found.
    await badRequests([['an aws: key', new CreateStageCommand({ ApiId, StageName: 'beta', Tags: { 'aws:x': 'y' } }), /reserved/]]);
    assert.deepEqual((await refused(alice, new GetStageCommand({ ApiId, StageName: 'beta' }))).slice(0, 2), [404, 'NotFoundException']);
    for (const [who, command] of [
      [bob, new GetTagsCommand({ ResourceArn: stageArn('prod') })],
      [bob, new TagResourceCommand({ ResourceArn: stageArn('prod'), Tags: { a: 'b' } })],
      [alice, new GetTagsCommand({ ResourceArn: stageArn('beta') })],
    ] as const)
      assert.deepEqual((await refused(who, command)).slice(0, 2), [404, 'NotFoundException']);

    // A named stage's tags go with it: made again, it has none.
    await alice.send(new DeleteStageCommand({ ApiId, StageName: 'prod' }));
    assert.deepEqual((await alice.send(new CreateStageCommand({ ApiId, StageName: 'prod' }))).Tags, {});
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('UpdateAuthorizer changes the routes that use it at once', async () => {
    const api = await alice.send(
      new CreateApiCommand({ Name: 'authz', ProtocolType: 'HTTP', Target: arn('alice', 'hello'), RouteKey: 'GET /me' }),
    );
    const ApiId = api.ApiId!;
    const authorizer = await alice.send(jwtAuthorizer(ApiId));
    const AuthorizerId = authorizer.AuthorizerId!;
    const [route] = (await alice.send(new GetRoutesCommand({ ApiId }))).Items ?? [];
    await alice.send(new UpdateRouteCommand({ ApiId, RouteId: route?.RouteId, AuthorizationType: 'JWT', AuthorizerId }));
    const now = Math.floor(Date.now() / 1000);
    const bearer = (aud: string) => ({ authorization: `Bearer ${token({ iss: issuer, aud, sub: 'u1', iat: now, exp: now + 300 })}` });
    assert.equal((await fetch(`${api.ApiEndpoint}/me`, { headers: bearer('admin') })).status, 401, 'not its audience yet');

    const changed = await alice.send(
      new UpdateAuthorizerCommand({ ApiId, AuthorizerId, Name: 'idp2', JwtConfiguration: { Audience: ['admin'] } }),
    );
    assert.deepEqual(
      [changed.AuthorizerId, changed.Name, changed.JwtConfiguration, changed.IdentitySource],
      [AuthorizerId, 'idp2', { Issuer: issuer, Audience: ['admin'] }, ['$request.header.Authorization']],
    );
    assert.equal((await alice.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }))).Name, 'idp2');
    // The route checks with the authorizer as it is now: the old audience is refused, the new one passes.
    assert.equal((await fetch(`${api.ApiEndpoint}/me`, { headers: bearer('shop') })).status, 401);
    const through = await fetch(`${api.ApiEndpoint}/me`, { headers: bearer('admin') });
    if (NO_SANDBOX) assert.notEqual(through.status, 401);
    else assert.deepEqual(await through.json(), { hello: null, route: 'GET /me', sub: 'u1' });

    const cases: Array<[string, object, RegExp]> = [
      [
        'a REQUEST authorizer without its settings',
        new UpdateAuthorizerCommand({ ApiId, AuthorizerId, AuthorizerType: 'REQUEST' }),
        /authorizerPayloadFormatVersion is required for a REQUEST authorizer/,
      ],
      ['an authorizer URI', new UpdateAuthorizerCommand({ ApiId, AuthorizerId, AuthorizerUri: arn('alice', 'hello') }), /authorizerUri/],
      [
        'an issuer in clear',
        new UpdateAuthorizerCommand({ ApiId, AuthorizerId, JwtConfiguration: { Issuer: 'http://idp.example' } }),
        /issuer/,
      ],
      ['no audience', new UpdateAuthorizerCommand({ ApiId, AuthorizerId, JwtConfiguration: { Audience: [] } }), /audience/],
      [
        'another identity source',
        new UpdateAuthorizerCommand({ ApiId, AuthorizerId, IdentitySource: ['$request.header.X'] }),
        /identitySource/,
      ],
      ['a bad name', new UpdateAuthorizerCommand({ ApiId, AuthorizerId, Name: 'a/b' }), /name/],
    ];
    await badRequests(cases);
    assert.deepEqual((await alice.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }))).JwtConfiguration?.Audience, ['admin']);
    assert.deepEqual((await refused(alice, new UpdateAuthorizerCommand({ ApiId, AuthorizerId: 'zzzzzzz', Name: 'n' }))).slice(0, 2), [
      404,
      'NotFoundException',
    ]);
    assert.deepEqual((await refused(bob, new UpdateAuthorizerCommand({ ApiId, AuthorizerId, Name: 'n' }))).slice(0, 2), [
      404,
      'NotFoundException',
    ]);
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('deployments are records (UpdateDeployment changes a description) the $default stage reports; it serves the API as it is, never an earlier one', async () => {
    const api = await alice.send(new CreateApiCommand({ Name: 'deployed', ProtocolType: 'HTTP' }));
    const ApiId = api.ApiId!;
    assert.equal((await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).DeploymentId, undefined);
    const first = await alice.send(new CreateDeploymentCommand({ ApiId, StageName: '$default', Description: 'first' }));
    const DeploymentId = first.DeploymentId!;
    assert.deepEqual(
      [first.DeploymentStatus, first.AutoDeployed, first.Description, first.CreatedDate instanceof Date],
      ['DEPLOYED', false, 'first', true],
    );
    const stage = await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual(
      [stage.DeploymentId, stage.AutoDeploy, stage.LastDeploymentStatusMessage],
      [DeploymentId, true, `Successfully deployed stage with deployment ID '${DeploymentId}'`],
    );
    const loose = await alice.send(new CreateDeploymentCommand({ ApiId }));
    assert.equal((await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).DeploymentId, DeploymentId, 'made for no stage');
    assert.deepEqual(
      (await alice.send(new GetDeploymentsCommand({ ApiId }))).Items?.map((d) => d.DeploymentId),
      [DeploymentId, loose.DeploymentId],
    );
    assert.equal((await alice.send(new GetDeploymentCommand({ ApiId, DeploymentId }))).Description, 'first');
    const described = await alice.send(new UpdateDeploymentCommand({ ApiId, DeploymentId, Description: 'first, described' }));
    assert.deepEqual(
      [described.DeploymentId, described.Description, described.DeploymentStatus],
      [DeploymentId, 'first, described', 'DEPLOYED'],
    );
    assert.equal(
      (await alice.send(new UpdateDeploymentCommand({ ApiId, DeploymentId }))).Description,
      'first, described',
      'absent: it stays',
    );
    assert.equal((await alice.send(new GetDeploymentCommand({ ApiId, DeploymentId }))).Description, 'first, described');
    // Naming the deployment it reports changes nothing; naming another is refused while it auto-deploys.
    const same = await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', DeploymentId }));
    assert.equal(same.DeploymentId, DeploymentId);
    const cases: Array<[string, object, RegExp]> = [
      ['an earlier deployment', new UpdateStageCommand({ ApiId, StageName: '$default', DeploymentId: loose.DeploymentId }), /deploymentId/],
      ['deleting the deployment the stage reports', new DeleteDeploymentCommand({ ApiId, DeploymentId }), /Active stages/],
      ['a long description', new CreateDeploymentCommand({ ApiId, Description: 'd'.repeat(1025) }), /description/],
      ['a long description, updated', new UpdateDeploymentCommand({ ApiId, DeploymentId, Description: 'd'.repeat(1025) }), /description/],
    ];
    await badRequests(cases);
    const missing = [
      new CreateDeploymentCommand({ ApiId, StageName: 'prod' }),
      new GetDeploymentCommand({ ApiId, DeploymentId: 'zzzzzzz' }),
      new DeleteDeploymentCommand({ ApiId, DeploymentId: 'zzzzzzz' }),
      new UpdateDeploymentCommand({ ApiId, DeploymentId: 'zzzzzzz', Description: 'x' }),
      new UpdateStageCommand({ ApiId, StageName: '$default', DeploymentId: 'zzzzzzz' }),
    ];
    for (const command of missing)
      assert.deepEqual((await refused(alice, command)).slice(0, 2), [404, 'NotFoundException'], command.constructor.name);
    for (const command of [
      new CreateDeploymentCommand({ ApiId, StageName: '$default' }),
      new GetDeploymentsCommand({ ApiId }),
      new GetDeploymentCommand({ ApiId, DeploymentId }),
      new UpdateDeploymentCommand({ ApiId, DeploymentId, Description: 'mine' }),
      new DeleteDeploymentCommand({ ApiId, DeploymentId: loose.DeploymentId }),
      new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON' }),
    ]) {
      assert.deepEqual((await refused(bob, command)).slice(0, 2), [404, 'NotFoundException'], command.constructor.name);
    }
    await alice.send(new DeleteDeploymentCommand({ ApiId, DeploymentId: loose.DeploymentId }));
    assert.deepEqual(
      (await alice.send(new GetDeploymentsCommand({ ApiId }))).Items?.map((d) => d.DeploymentId),
      [DeploymentId],
    );
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('ExportApi writes the API as an OpenAPI 3.0 document with API Gateway extensions, JSON or YAML; ImportApi and ReimportApi read it back', async () => {
    const api = await alice.send(
      new CreateApiCommand({
        Name: 'exported',
        ProtocolType: 'HTTP',
        Target: arn('alice', 'hello'),
        RouteKey: 'GET /pets/{id}',
        CorsConfiguration: { AllowOrigins: ['https://app.example.com'], MaxAge: 60 },
        Tags: { team: 'shop' },
      }),
    );
    const ApiId = api.ApiId!;
    const [integration] = (await alice.send(new GetIntegrationsCommand({ ApiId }))).Items ?? [];
    const authorizer = await alice.send(jwtAuthorizer(ApiId));
    const Target = `integrations/${integration?.IntegrationId}`;
    await alice.send(
      new CreateRouteCommand({ ApiId, RouteKey: 'ANY /admin', Target, AuthorizationType: 'JWT', AuthorizerId: authorizer.AuthorizerId }),
    );
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: '$default', Target }));
    const uri = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn('alice', 'hello')}/invocations`;
    const integrationExt = { payloadFormatVersion: '2.0', type: 'aws_proxy', httpMethod: 'POST', uri, connectionType: 'INTERNET' };
    const exported = await alice.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON' }));
    const doc = JSON.parse(Buffer.from(exported.body!).toString('utf8'));
    assert.equal(doc.openapi, '3.0.1');
    assert.equal(doc.info.title, 'exported');
    assert.deepEqual(doc.servers, [{ url: `${api.ApiEndpoint}/{basePath}`, variables: { basePath: { default: '' } } }]);
    assert.deepEqual(doc.tags, [{ name: 'team', 'x-amazon-apigateway-tag-value': 'shop' }]);
    assert.deepEqual(doc.paths, {
      $default: {
        'x-amazon-apigateway-any-method': {
          responses: { default: { description: 'Default response for $default' } },
          'x-amazon-apigateway-integration': integrationExt,
        },
      },
      '/admin': {
        'x-amazon-apigateway-any-method': {
          responses: { default: { description: 'Default response for ANY /admin' } },
          security: [{ idp: [] }],
          'x-amazon-apigateway-integration': integrationExt,
        },
      },
      '/pets/{id}': {
        get: {
          responses: { default: { description: 'Default response for GET /pets/{id}' } },
          'x-amazon-apigateway-integration': integrationExt,
        },
        parameters: [
          { name: 'id', in: 'path', description: 'Generated path parameter for id', required: true, schema: { type: 'string' } },
        ],
      },
    });
    assert.deepEqual(doc.components.securitySchemes, {
      idp: {
        type: 'oauth2',
        flows: {},
        'x-amazon-apigateway-authorizer': {
          identitySource: '$request.header.Authorization',
          jwtConfiguration: { audience: ['shop'], issuer },
          type: 'jwt',
        },
      },
    });
    assert.equal(doc['x-amazon-apigateway-cors'].maxAge, 60);
    assert.equal(doc['x-amazon-apigateway-importexport-version'], '1.0');
    // Natively: the same document, and the same tags.
    const native = await p.inject({ method: 'GET', url: `/http-apis/${ApiId}/openapi`, auth: aliceKey.key });
    // (Served at the address it was asked at: inject's Host is not the SDK's.)
    assert.deepEqual({ ...(native.json() as object), servers: doc.servers }, doc);
    const nativeTags = await p.inject({
      method: 'POST',
      url: `/http-apis/${ApiId}/tags`,
      auth: aliceKey.key,
      payload: { tags: { env: 'dev' } },
    });
    assert.deepEqual(nativeTags.json().tags, { team: 'shop', env: 'dev' });
    assert.deepEqual((await alice.send(new GetTagsCommand({ ResourceArn: apiArn(ApiId) }))).Tags, { team: 'shop', env: 'dev' });
    const badTag = await p.inject({
      method: 'POST',
      url: `/http-apis/${ApiId}/tags`,
      auth: aliceKey.key,
      payload: { tags: { 'aws:x': 'y' } },
    });
    assert.deepEqual([badTag.statusCode, badTag.json().code], [400, 'TAG_INVALID']);

    const plain = await alice.send(
      new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON', IncludeExtensions: false, StageName: '$default' }),
    );
    const bare = Buffer.from(plain.body!).toString('utf8');
    assert.doesNotMatch(bare, /x-amazon-apigateway/);
    assert.deepEqual(JSON.parse(bare).paths['/admin'], {}, 'ANY is an extension of API Gateway');

    const yaml = Buffer.from(
      (await alice.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'YAML' }))).body!,
    ).toString('utf8');
    assert.match(yaml, /^openapi: 3\.0\.1\ninfo:\n {2}title: exported\n/);
    const json = (await alice.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON' }))).body!;
    const current = JSON.parse(Buffer.from(json).toString('utf8'));
    assert.deepEqual(parseYaml(yaml), current, 'the YAML export is the JSON one');

    const cases: Array<[string, object, RegExp]> = [
      ['another specification', new ExportApiCommand({ ApiId, Specification: 'OAS20', OutputType: 'JSON' }), /OAS30/],
      ['another output type', new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'XML' }), /outputType/],
      [
        'another export version',
        new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON', ExportVersion: '2.0' }),
        /exportVersion/,
      ],
    ];
    await badRequests(cases);
    const prod = new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON', StageName: 'prod' });
    assert.deepEqual((await refused(alice, prod)).slice(0, 2), [404, 'NotFoundException']);

    // ImportApi makes the same API again from the exported document (here its YAML form).
    const body = Buffer.from(exported.body!).toString('utf8');
    const copy = await alice.send(new ImportApiCommand({ Body: yaml }));
    const CopyId = copy.ApiId!;
    assert.notEqual(CopyId, ApiId);
    assert.deepEqual([copy.Name, copy.Tags, copy.CorsConfiguration?.MaxAge], ['exported', { team: 'shop', env: 'dev' }, 60]);
    const again = JSON.parse(
      Buffer.from((await alice.send(new ExportApiCommand({ ApiId: CopyId, Specification: 'OAS30', OutputType: 'JSON' }))).body!).toString(
        'utf8',
      ),
    );
    assert.deepEqual({ ...again, info: current.info, servers: current.servers }, current, 'the copy exports as the original');
    const copied = (await alice.send(new GetRoutesCommand({ ApiId: CopyId }))).Items ?? [];
    assert.deepEqual(copied.map((r) => [r.RouteKey, r.AuthorizationType]).sort(), [
      ['$default', 'NONE'],
      ['ANY /admin', 'JWT'],
      ['GET /pets/{id}', 'NONE'],
    ]);
    // One integration per function, answered in the form the document names it (an invocation
    // URI: Terraform's invoke_arn, which a function ARN in its place would change on every plan).
    const copiedIntegrations = (await alice.send(new GetIntegrationsCommand({ ApiId: CopyId }))).Items ?? [];
    assert.deepEqual(
      copiedIntegrations.map((i) => i.IntegrationUri),
      [uri],
    );
    const copiedIntegration = await alice.send(
      new GetIntegrationCommand({ ApiId: CopyId, IntegrationId: copiedIntegrations[0]?.IntegrationId }),
    );
    assert.equal(copiedIntegration.IntegrationUri, uri);
    await alice.send(new DeleteApiCommand({ ApiId: CopyId }));

    const apisBefore = (await alice.send(new GetApisCommand({}))).Items?.length;
    const withDoc = (change: (d: Record<string, any>) => void) => {
      const d = JSON.parse(body);
      change(d);
      return new ImportApiCommand({ Body: JSON.stringify(d) });
    };
    await badRequests([
      ['neither JSON nor YAML', new ImportApiCommand({ Body: '{"openapi": "3.0.1",' }), /JSON or YAML/],
      ['a YAML scalar', new ImportApiCommand({ Body: 'openapi' }), /must be an object/],
      ['Swagger 2.0', new ImportApiCommand({ Body: JSON.stringify({ swagger: '2.0', info: { title: 'x' } }) }), /OpenAPI 3\.0/],
      ['no integration', withDoc((d) => delete d.paths['/pets/{id}'].get['x-amazon-apigateway-integration']), /integration/],
      ['an HTTP proxy', withDoc((d) => (d.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].type = 'http_proxy')), /aws_proxy/],
      [
        'payload 3.0',
        withDoc((d) => (d.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].payloadFormatVersion = '3.0')),
        /1\.0 or 2\.0/,
      ],
      [
        'a Lambda authorizer without its payload format',
        withDoc((d) => (d.components.securitySchemes.idp['x-amazon-apigateway-authorizer'].type = 'request')),
        /authorizerPayloadFormatVersion is required for a Lambda authorizer: 1\.0 or 2\.0/,
      ],
      [
        'a Cognito authorizer',
        withDoc((d) => (d.components.securitySchemes.idp['x-amazon-apigateway-authorizer'].type = 'cognito_user_pools')),
        /JWT or Lambda authorizers only/,
      ],
      ['scopes', withDoc((d) => (d.paths['/admin']['x-amazon-apigateway-any-method'].security = [{ idp: ['read'] }])), /scopes/],
      [
        'a function not there',
        withDoc((d) => (d.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].uri = arn('alice', 'nope'))),
        /nope/,
      ],
      [
        "another account's function",
        withDoc((d) => (d.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].uri = arn('bob', 'hello'))),
        /hello/,
      ],
    ]);
    assert.equal((await alice.send(new GetApisCommand({}))).Items?.length, apisBefore, 'nothing refused was made, nor left behind');
    // A document naming the function by its ARN gets its ARN back.
    const byArn = await alice.send(
      withDoc((d) => (d.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].uri = arn('alice', 'hello'))),
    );
    const byArnUris = ((await alice.send(new GetIntegrationsCommand({ ApiId: byArn.ApiId }))).Items ?? []).map((i) => i.IntegrationUri);
    assert.deepEqual(byArnUris.sort(), [arn('alice', 'hello'), uri].sort(), 'each integration in the form its routes name it');
    await alice.send(new DeleteApiCommand({ ApiId: byArn.ApiId }));

    // ReimportApi puts the document over another API: its name, CORS, parts and routes are the
    // document's; its tags, stage variables and the route settings of route keys it keeps stay.
    const over = await alice.send(
      new CreateApiCommand({
        Name: 'over',
        ProtocolType: 'HTTP',
        Target: arn('alice', 'other'),
        RouteKey: 'GET /pets/{id}',
        Tags: { keep: 'me' },
      }),
    );
    const OverId = over.ApiId!;
    await alice.send(
      new CreateRouteCommand({
        ApiId: OverId,
        RouteKey: 'GET /old',
        Target: (await alice.send(new GetRoutesCommand({ ApiId: OverId }))).Items?.[0]?.Target,
      }),
    );
    await alice.send(
      new UpdateStageCommand({
        ApiId: OverId,
        StageName: '$default',
        RouteSettings: { 'GET /pets/{id}': { ThrottlingBurstLimit: 7, ThrottlingRateLimit: 7 } },
        StageVariables: { s: '1' },
      }),
    );
    const reimported = await alice.send(new ReimportApiCommand({ ApiId: OverId, Body: body }));
    assert.deepEqual(
      [reimported.ApiId, reimported.Name, reimported.CorsConfiguration?.MaxAge, reimported.Tags],
      [OverId, 'exported', 60, { keep: 'me' }],
    );
    const overRoutes = async () =>
      ((await alice.send(new GetRoutesCommand({ ApiId: OverId }))).Items ?? [])
        .map((r) => [r.RouteKey, r.AuthorizationType, r.Target])
        .sort();
    const [overIntegration, ...moreIntegrations] = (await alice.send(new GetIntegrationsCommand({ ApiId: OverId }))).Items ?? [];
    assert.deepEqual(
      [overIntegration?.IntegrationUri, moreIntegrations],
      [uri, []],
      'the old integration replaced, named as the document does',
    );
    const overTarget = `integrations/${overIntegration?.IntegrationId}`;
    const expected = [
      ['$default', 'NONE', overTarget],
      ['ANY /admin', 'JWT', overTarget],
      ['GET /pets/{id}', 'NONE', overTarget],
    ];
    assert.deepEqual(await overRoutes(), expected);
    assert.equal((await alice.send(new GetAuthorizersCommand({ ApiId: OverId }))).Items?.[0]?.Name, 'idp');
    const overStage = await alice.send(new GetStageCommand({ ApiId: OverId, StageName: '$default' }));
    assert.deepEqual([overStage.StageVariables, overStage.RouteSettings?.['GET /pets/{id}']?.ThrottlingBurstLimit], [{ s: '1' }, 7]);
    if (!NO_SANDBOX)
      assert.deepEqual(await (await fetch(`${over.ApiEndpoint}/pets/1`)).json(), { hello: null, route: 'GET /pets/{id}', sub: null });
    const reimport = (change: (d: Record<string, any>) => void) => {
      const d = JSON.parse(body);
      change(d);
      return new ReimportApiCommand({ ApiId: OverId, Body: JSON.stringify(d) });
    };
    await badRequests([
      ['neither JSON nor YAML', new ReimportApiCommand({ ApiId: OverId, Body: '{' }), /JSON or YAML/],
      [
        'a function not there',
        reimport((d) => (d.paths['/pets/{id}'].get['x-amazon-apigateway-integration'].uri = arn('alice', 'nope'))),
        /nope/,
      ],
      [
        'an issuer in clear',
        reimport(
          (d) => (d.components.securitySchemes.idp['x-amazon-apigateway-authorizer'].jwtConfiguration.issuer = 'http://idp.example'),
        ),
        /issuer/,
      ],
    ]);
    assert.deepEqual(await overRoutes(), expected, 'nothing refused was changed');
    assert.equal((await alice.send(new GetApiCommand({ ApiId: OverId }))).Name, 'exported');
    assert.deepEqual((await refused(bob, new ReimportApiCommand({ ApiId: OverId, Body: body }))).slice(0, 2), [404, 'NotFoundException']);
    assert.deepEqual((await refused(alice, new ReimportApiCommand({ ApiId: 'zzzzzzzzzz', Body: body }))).slice(0, 2), [
      404,
      'NotFoundException',
    ]);
    await alice.send(new DeleteApiCommand({ ApiId: OverId }));
    await alice.send(new DeleteApiCommand({ ApiId }));
  });
});
