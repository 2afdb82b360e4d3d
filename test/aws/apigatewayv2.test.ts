/**
 * API Gateway v2's management API (apigatewayv2) on a started Hangar, through requests signed
 * with SigV4 for `apigateway` as the AWS SDK's ApiGatewayV2Client signs them (the client itself,
 * @aws-sdk/client-apigatewayv2, is not a dependency yet): an HTTP API with a Lambda proxy
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
import { SignatureV4 } from '@smithy/signature-v4';
import { accountIdOf } from '../../src/aws/index.ts';
import { Sha256 } from '../../src/aws/sigv4.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

type Key = { keyId: string; key: string };
let p: TestPlatform;
let alice: Key;
let bob: Key;
let idp: Server;
let issuer: string;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** An apigatewayv2 call: JSON in and out, signed with `k` as the SDK signs it. */
async function v2(k: Key, method: string, path: string, body?: unknown): Promise<{ status: number; type?: string; json: any }> {
  const u = new URL(path, p.url!);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const signer = new SignatureV4({
    service: 'apigateway',
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    sha256: Sha256,
  });
  const req = await signer.sign({
    method,
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers: { host: u.host, ...(text ? { 'content-type': 'application/json' } : {}) },
    body: text,
  });
  const res = await fetch(u, { method, headers: req.headers, body: text });
  const raw = await res.text();
  return { status: res.status, type: res.headers.get('x-amzn-errortype') ?? undefined, json: raw ? JSON.parse(raw) : undefined };
}

async function ok(k: Key, method: string, path: string, body?: unknown, status = 200) {
  const r = await v2(k, method, path, body);
  assert.equal(r.status, status, JSON.stringify(r.json));
  return r.json;
}

/** A refusal's status and API Gateway error name. */
async function refused(k: Key, method: string, path: string, body?: unknown): Promise<[number, string | undefined, string]> {
  const r = await v2(k, method, path, body);
  return [r.status, r.type, String(r.json?.message)];
}

const arn = (user: string, fn: string) => `arn:aws:lambda:${REGION}:${accountIdOf(user)}:function:${fn}`;

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
  alice = await key('alice');
  bob = await key('bob');
  const lambda = lambdaClient(p.url!, alice);
  const code = (answer: string) => ({
    Code: { ZipFile: makeZip({ 'index.js': `exports.handler = async (e) => (${answer});` }) },
  });
  await createNodeFunction(
    lambda,
    'hello',
    code('{ hello: e.pathParameters?.name ?? null, route: e.routeKey, sub: e.requestContext.authorizer?.jwt?.claims.sub ?? null }'),
  );
  await createNodeFunction(lambda, 'other', code('{ other: true }'));
});
after(async () => {
  await p?.close();
  idp.closeAllConnections();
  await new Promise((r) => idp.close(r));
});

describe('API Gateway v2 management API', () => {
  it('an API, its integration, routes and stage serve the function; a JWT authorizer guards a route; updates and deletes', async () => {
    const api = await ok(
      alice,
      'POST',
      '/v2/apis',
      { name: 'shop', protocolType: 'HTTP', corsConfiguration: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET'] } },
      201,
    );
    assert.match(api.apiId, /^[a-z0-9]{10}$/);
    assert.equal(api.apiEndpoint, `${p.url}/http/${api.apiId}`);
    assert.deepEqual(
      [api.name, api.protocolType, api.routeSelectionExpression, api.corsConfiguration.allowOrigins],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's selection expression, literally
      ['shop', 'HTTP', '${request.method} ${request.path}', ['https://app.example.com']],
    );
    const base = `/v2/apis/${api.apiId}`;
    const integration = await ok(
      alice,
      'POST',
      `${base}/integrations`,
      { integrationType: 'AWS_PROXY', integrationUri: arn('alice', 'hello'), payloadFormatVersion: '2.0' },
      201,
    );
    assert.deepEqual(
      [integration.integrationType, integration.integrationUri, integration.payloadFormatVersion],
      ['AWS_PROXY', arn('alice', 'hello'), '2.0'],
    );
    const target = `integrations/${integration.integrationId}`;
    const route = await ok(alice, 'POST', `${base}/routes`, { routeKey: 'GET /hello/{name}', target }, 201);
    assert.deepEqual([route.routeKey, route.target, route.authorizationType], ['GET /hello/{name}', target, 'NONE']);
    assert.match(route.routeId, /^[a-z0-9]{7}$/);
    // The same API natively: the route names the integration's function.
    const native = await p.inject({ method: 'GET', url: `/http-apis/${api.apiId}/routes`, auth: alice.key });
    assert.deepEqual(
      native.json().routes.map((r: Record<string, unknown>) => [r.routeKey, r.functionName, r.integrationId]),
      [['GET /hello/{name}', 'hello', integration.integrationId]],
    );
    const stage = await ok(
      alice,
      'POST',
      `${base}/stages`,
      { stageName: '$default', autoDeploy: true, defaultRouteSettings: { throttlingRateLimit: 50, throttlingBurstLimit: 100 } },
      201,
    );
    assert.deepEqual([stage.stageName, stage.autoDeploy, stage.defaultRouteSettings.throttlingRateLimit], ['$default', true, 50]);
    assert.deepEqual(
      (await ok(alice, 'GET', `${base}/stages`)).items.map((s: { stageName: string }) => s.stageName),
      ['$default'],
    );
    assert.equal((await ok(alice, 'GET', `${base}/routes/${route.routeId}`)).routeKey, 'GET /hello/{name}');

    // A JWT authorizer: no JWKS URL, as on AWS; its keys come from the issuer's discovery document.
    const authorizer = await ok(
      alice,
      'POST',
      `${base}/authorizers`,
      {
        name: 'idp',
        authorizerType: 'JWT',
        identitySource: ['$request.header.Authorization'],
        jwtConfiguration: { issuer, audience: ['shop'] },
      },
      201,
    );
    const guarded = await ok(
      alice,
      'POST',
      `${base}/routes`,
      { routeKey: 'GET /me', target, authorizationType: 'JWT', authorizerId: authorizer.authorizerId },
      201,
    );
    assert.deepEqual([guarded.authorizationType, guarded.authorizerId], ['JWT', authorizer.authorizerId]);
    const me = await fetch(`${api.apiEndpoint}/me`);
    assert.equal(me.status, 401, 'no token');
    assert.deepEqual(await me.json(), { message: 'Unauthorized' });
    assert.deepEqual(
      (await ok(alice, 'GET', `${base}/authorizers`)).items.map((a: { jwtConfiguration: unknown }) => a.jwtConfiguration),
      [{ issuer, audience: ['shop'] }],
    );

    // In use: neither the integration nor the authorizer can go.
    assert.deepEqual((await refused(alice, 'DELETE', `${base}/integrations/${integration.integrationId}`)).slice(0, 2), [
      409,
      'ConflictException',
    ]);
    assert.deepEqual((await refused(alice, 'DELETE', `${base}/authorizers/${authorizer.authorizerId}`)).slice(0, 2), [
      409,
      'ConflictException',
    ]);

    if (!NO_SANDBOX) {
      const hello = await fetch(`${api.apiEndpoint}/hello/bob`);
      assert.equal(hello.status, 200);
      assert.deepEqual(await hello.json(), { hello: 'bob', route: 'GET /hello/{name}', sub: null });
      const now = Math.floor(Date.now() / 1000);
      const signedIn = await fetch(`${api.apiEndpoint}/me`, {
        headers: { authorization: `Bearer ${token({ iss: issuer, aud: 'shop', sub: 'u1', iat: now, exp: now + 300 })}` },
      });
      assert.equal(signedIn.status, 200, 'through the authorizer to the function');
      assert.deepEqual(await signedIn.json(), { hello: null, route: 'GET /me', sub: 'u1' });
      const wrongAudience = await fetch(`${api.apiEndpoint}/me`, {
        headers: { authorization: `Bearer ${token({ iss: issuer, aud: 'other', sub: 'u1', iat: now, exp: now + 300 })}` },
      });
      assert.equal(wrongAudience.status, 401);
      // The integration retargeted: every route made from it follows at once.
      const moved = await ok(alice, 'PATCH', `${base}/integrations/${integration.integrationId}`, {
        integrationUri: arn('alice', 'other'),
      });
      assert.equal(moved.integrationUri, arn('alice', 'other'));
      assert.deepEqual(await (await fetch(`${api.apiEndpoint}/hello/bob`)).json(), { other: true });
    }

    // The route loses its authorizer; then the authorizer, the routes and the integration go.
    const open = await ok(alice, 'PATCH', `${base}/routes/${guarded.routeId}`, { authorizationType: 'NONE' });
    assert.equal(open.authorizationType, 'NONE');
    assert.equal(open.authorizerId, undefined);
    await ok(alice, 'DELETE', `${base}/authorizers/${authorizer.authorizerId}`, undefined, 204);
    await ok(alice, 'DELETE', `${base}/routes/${guarded.routeId}`, undefined, 204);
    await ok(alice, 'DELETE', `${base}/routes/${route.routeId}`, undefined, 204);
    assert.equal((await fetch(`${api.apiEndpoint}/hello/bob`)).status, 404);
    await ok(alice, 'DELETE', `${base}/integrations/${integration.integrationId}`, undefined, 204);
    assert.deepEqual((await ok(alice, 'GET', `${base}/integrations`)).items, []);
    const renamed = await ok(alice, 'PATCH', base, { name: 'shop2' });
    assert.equal(renamed.name, 'shop2');
    await ok(alice, 'DELETE', `${base}/cors`, undefined, 204);
    assert.equal((await ok(alice, 'GET', base)).corsConfiguration, undefined);
    await ok(alice, 'DELETE', base, undefined, 204);
    assert.deepEqual(await refused(alice, 'GET', base), [404, 'NotFoundException', `HTTP API ${api.apiId} not found`]);
  });

  it('quick create makes the integration and the route; another user sees none of it', async () => {
    const api = await ok(
      alice,
      'POST',
      '/v2/apis',
      { name: 'quick', protocolType: 'HTTP', target: arn('alice', 'hello'), routeKey: 'GET /hi/{name}' },
      201,
    );
    const base = `/v2/apis/${api.apiId}`;
    const [integration] = (await ok(alice, 'GET', `${base}/integrations`)).items;
    const routes = (await ok(alice, 'GET', `${base}/routes`)).items;
    assert.deepEqual(
      routes.map((r: { routeKey: string; target: string }) => [r.routeKey, r.target]),
      [['GET /hi/{name}', `integrations/${integration.integrationId}`]],
    );
    if (!NO_SANDBOX)
      assert.deepEqual(await (await fetch(`${api.apiEndpoint}/hi/ann`)).json(), { hello: 'ann', route: 'GET /hi/{name}', sub: null });

    for (const [method, path, body] of [
      ['GET', base],
      ['PATCH', base, { name: 'mine' }],
      ['DELETE', base],
      ['GET', `${base}/routes`],
      ['GET', `${base}/routes/${routes[0].routeId}`],
      ['POST', `${base}/routes`, { routeKey: 'GET /x', target: `integrations/${integration.integrationId}` }],
      ['GET', `${base}/integrations/${integration.integrationId}`],
      ['POST', `${base}/integrations`, { integrationType: 'AWS_PROXY', integrationUri: arn('bob', 'x') }],
      ['GET', `${base}/stages/$default`],
      ['POST', `${base}/authorizers`, { name: 'a', authorizerType: 'JWT', jwtConfiguration: { issuer, audience: ['a'] } }],
    ] as Array<[string, string, unknown?]>) {
      const [status, type] = await refused(bob, method, path, body);
      assert.deepEqual([status, type], [404, 'NotFoundException'], `${method} ${path}`);
    }
    assert.deepEqual((await ok(bob, 'GET', '/v2/apis')).items, []);
    assert.ok((await ok(alice, 'GET', '/v2/apis')).items.some((a: { apiId: string }) => a.apiId === api.apiId));
    await ok(alice, 'DELETE', base, undefined, 204);
  });

  it('refuses what is not valid, or not modelled, with BadRequestException naming it', async () => {
    const api = await ok(alice, 'POST', '/v2/apis', { name: 'strict', protocolType: 'HTTP' }, 201);
    const base = `/v2/apis/${api.apiId}`;
    const integration = await ok(
      alice,
      'POST',
      `${base}/integrations`,
      { integrationType: 'AWS_PROXY', integrationUri: arn('alice', 'hello') },
      201,
    );
    const target = `integrations/${integration.integrationId}`;
    const cases: Array<[string, string, string, unknown, RegExp]> = [
      [
        'a WebSocket API',
        'POST',
        '/v2/apis',
        { name: 'ws', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' },
        /WebSocket/,
      ],
      ['no protocolType', 'POST', '/v2/apis', { name: 'x' }, /protocolType is required/],
      ['a bad name', 'POST', '/v2/apis', { name: 'a/b', protocolType: 'HTTP' }, /name/],
      ['a description', 'POST', '/v2/apis', { name: 'x', protocolType: 'HTTP', description: 'd' }, /description/],
      [
        'payload format 1.0',
        'POST',
        `${base}/integrations`,
        { integrationType: 'AWS_PROXY', integrationUri: arn('alice', 'hello'), payloadFormatVersion: '1.0' },
        /payloadFormatVersion 1\.0/,
      ],
      [
        'an HTTP proxy',
        'POST',
        `${base}/integrations`,
        { integrationType: 'HTTP_PROXY', integrationUri: 'https://example.com' },
        /HTTP_PROXY/,
      ],
      [
        'a missing function',
        'POST',
        `${base}/integrations`,
        { integrationType: 'AWS_PROXY', integrationUri: arn('alice', 'nope') },
        /nope/,
      ],
      [
        'parameter mapping',
        'POST',
        `${base}/integrations`,
        { integrationType: 'AWS_PROXY', integrationUri: arn('alice', 'hello'), requestParameters: { 'append:header.x': 'y' } },
        /requestParameters/,
      ],
      ['a route without a target', 'POST', `${base}/routes`, { routeKey: 'GET /a' }, /target is required/],
      ['a bad route key', 'POST', `${base}/routes`, { routeKey: 'GET a', target }, /route key/],
      ['an IAM route', 'POST', `${base}/routes`, { routeKey: 'GET /a', target, authorizationType: 'AWS_IAM' }, /AWS_IAM/],
      ['JWT without an authorizer', 'POST', `${base}/routes`, { routeKey: 'GET /a', target, authorizationType: 'JWT' }, /authorizerId/],
      ['scopes', 'POST', `${base}/routes`, { routeKey: 'GET /a', target, authorizationScopes: ['read'] }, /authorizationScopes/],
      ['a Lambda authorizer', 'POST', `${base}/authorizers`, { name: 'l', authorizerType: 'REQUEST' }, /REQUEST/],
      [
        'an issuer in clear',
        'POST',
        `${base}/authorizers`,
        { name: 'j', authorizerType: 'JWT', jwtConfiguration: { issuer: 'http://idp.example', audience: ['a'] } },
        /issuer/,
      ],
      ['another stage', 'POST', `${base}/stages`, { stageName: 'prod' }, /\$default stage only/],
      ['stage variables', 'POST', `${base}/stages`, { stageName: '$default', stageVariables: { a: 'b' } }, /stageVariables/],
      ['no auto-deploy', 'POST', `${base}/stages`, { stageName: '$default', autoDeploy: false }, /autoDeploy/],
      ['deleting $default', 'DELETE', `${base}/stages/$default`, undefined, /cannot be deleted/],
    ];
    for (const [what, method, path, body, message] of cases) {
      const [status, type, said] = await refused(alice, method, path, body);
      assert.deepEqual([status, type], [400, 'BadRequestException'], `${what}: ${said}`);
      assert.match(said, message, what);
    }
    assert.deepEqual((await refused(alice, 'GET', `${base}/stages/prod`)).slice(0, 2), [404, 'NotFoundException']);
    assert.deepEqual((await refused(alice, 'GET', `${base}/routes/zzzzzzz`)).slice(0, 2), [404, 'NotFoundException']);
    assert.deepEqual((await ok(alice, 'GET', `${base}/routes`)).items, [], 'nothing refused was made');
    await ok(alice, 'DELETE', base, undefined, 204);
  });
});
