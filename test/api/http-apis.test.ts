/**
 * HTTP APIs end to end on a started Hangar (the sandbox): a real Node function behind routes,
 * requests through the real port (fetch, node:http for the Host form). The event the function
 * receives against AWS's payload 2.0 document field for field, the answer mapping, auth (none,
 * a Hangar key, JWTs checked against a JWKS served here, a Lambda authorizer), throttling, CORS, caching, the
 * gateway's 404s and errors, and the management routes' tenancy. Skipped, with the reason, where
 * the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { accountIdOf } from '../../src/aws/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;

// One handler, its answer chosen by the path: the event itself, a plain object, a binary
// structured answer, a failure. `n` counts this instance's invocations (module state stays warm).
const zip = makeZip({
  'index.js': `let n = 0;
exports.handler = async (event) => {
  n++;
  const p = event.rawPath;
  if (p.startsWith('/plain')) return { hello: 'world', n };
  if (p === '/fail') throw new Error('boom');
  if (p === '/badheader') return { statusCode: 200, headers: { 'x-bad': 'a\\r\\nset-cookie: x=1' }, body: 'no' };
  if (p === '/bin') return { statusCode: 201, headers: { 'content-type': 'application/octet-stream', 'x-n': n },
    cookies: ['a=1; Path=/', 'b=2'], body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-n': String(n),
    'access-control-allow-origin': 'https://evil.example' }, body: JSON.stringify({ n, event }) };
};`,
});

// A handler written for the REST API's event (payload format 1.0): it reads event.path and
// answers 1.0's shape, or, on purpose, something 1.0 does not infer from.
const classicZip = makeZip({
  'index.js': `let n = 0;
exports.handler = async (event) => {
  n++;
  if (event.path === '/classic/multi') return { statusCode: 202, headers: { 'X-One': '1', 'X-Many': 'dropped' },
    multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'x-many': ['x', 'y'] }, body: 'multi' };
  if (event.path === '/classic/plain') return { hello: 'world' };
  if (event.path === '/classic/text') return 'just text';
  if (event.path === '/classic/badbody') return { statusCode: 200, body: { not: 'a string' } };
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-n': String(n) }, body: JSON.stringify({ event }) };
};`,
});

let p: TestPlatform;
let alice: string;
let aliceKeyId: string;
let bob: string;
let apiId: string;
let jwks: Server;
let issuer: string;
/** A JWKS on loopback the operator did not allow, and how often it was asked. */
let unlisted: Server;
let unlistedHits = 0;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });
const gw = (path: string, init?: RequestInit) => fetch(`${p.url}/http/${apiId}${path}`, init);
const json = async (r: Response): Promise<any> => r.json();
const route = async (body: Record<string, unknown>, api = apiId) => {
  const r = await as(alice, 'POST', `/http-apis/${api}/routes`, { functionName: 'web', ...body });
  assert.equal(r.statusCode, 201, r.body);
};

function jwt(alg: 'RS256' | 'ES256', kid: string, claims: Record<string, unknown>, key: KeyObject): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part({ alg, kid, typ: 'JWT' })}.${part(claims)}`;
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}

before(async () => {
  const serveKeys = (res: ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        keys: [
          { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa1', alg: 'RS256', use: 'sig' },
          { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec1' },
        ],
      }),
    );
  };
  jwks = createServer((_req, res) => serveKeys(res));
  unlisted = createServer((_req, res) => {
    unlistedHits++;
    serveKeys(res);
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => unlisted.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
  if (skip) return;
  // The identity provider runs on this machine: the operator allows its address and port.
  p = await testPlatform({ HANGAR_JWKS_ALLOW: new URL(issuer).host });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  const a = await key('alice');
  alice = a.key;
  aliceKeyId = a.keyId;
  bob = (await key('bob')).key;
  const fn = await as(alice, 'PUT', '/functions/web', { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' });
  assert.equal(fn.statusCode, 201, fn.body);
  const classic = await as(alice, 'PUT', '/functions/classic', {
    zip: classicZip.toString('base64'),
    runtime: 'nodejs22.x',
    handler: 'index.handler',
  });
  assert.equal(classic.statusCode, 201, classic.body);
  const api = await as(alice, 'POST', '/http-apis', {
    name: 'web',
    cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], maxAgeS: 300 },
  });
  assert.equal(api.statusCode, 201, api.body);
  apiId = api.json().apiId;
  assert.match(apiId, /^[a-z0-9]{10}$/);
  assert.ok(api.json().url.endsWith(`/http/${apiId}`), api.body);
  await route({ routeKey: 'POST /items/{id}/sub/{proxy+}' });
  await route({ routeKey: 'ANY /plain' });
  await route({ routeKey: 'GET /bin' });
  await route({ routeKey: 'GET /fail' });
  await route({ routeKey: 'GET /badheader' });
  await route({ routeKey: 'GET /echo' });
  await route({ routeKey: 'GET /keyed', auth: { kind: 'key' } });
  await route({ routeKey: 'GET /jwt', auth: { kind: 'jwt', issuer, audience: ['web-api'], jwksUrl: `${issuer}/jwks` } });
  const elsewhere = `http://127.0.0.1:${(unlisted.address() as AddressInfo).port}/jwks`;
  await route({ routeKey: 'GET /jwt-unlisted', auth: { kind: 'jwt', issuer, audience: ['web-api'], jwksUrl: elsewhere } });
  // A Lambda authorizer of the route's own: a function that lets in ?pass=open.
  const gate = makeZip({
    'index.js': `exports.handler = async (e) => ({ isAuthorized: e.identitySource[0] === 'open', context: { pass: e.identitySource[0], n: 1 } });`,
  });
  const made = await as(alice, 'PUT', '/functions/gate', { zip: gate.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' });
  assert.equal(made.statusCode, 201, made.body);
  await route({
    routeKey: 'GET /gated',
    auth: { kind: 'lambda', functionName: 'gate', identitySource: ['$request.querystring.pass'], simpleResponses: true },
  });
  await route({ routeKey: 'GET /limited', throttle: { rate: 0, burst: 2 } });
  await route({ routeKey: 'GET /cached', cacheTtlS: 60 });
  const v1 = { functionName: 'classic', payloadFormatVersion: '1.0' };
  await route({ routeKey: 'ANY /classic/{thing}', ...v1 });
  await route({ routeKey: 'GET /classic/cached', cacheTtlS: 60, ...v1 });
  await route({ routeKey: 'GET /classic/jwt', auth: { kind: 'jwt', issuer, audience: ['web-api'], jwksUrl: `${issuer}/jwks` }, ...v1 });
});
after(async () => {
  await p?.close();
  for (const server of [jwks, unlisted]) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

describe('HTTP API routes served on the main port', { skip }, () => {
  it("gives the function AWS's payload 2.0 event: path parameters, greedy {proxy+}, query, cookies, body", async () => {
    const before = Date.now();
    const r = await gw('/items/42/sub/a/b%20c?x=1&x=2&y=hello%20world', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'user-agent': 'test-agent', 'x-custom': 'yes' },
      body: '{"a":1}',
    });
    assert.equal(r.status, 200);
    const { event } = await json(r);
    const requestId = r.headers.get('apigw-requestid');
    assert.match(String(requestId), /^[A-Za-z0-9+/]{15}=$/);
    // Values that depend on the request or the moment, checked apart, then the whole event.
    assert.ok(event.requestContext.timeEpoch >= before && event.requestContext.timeEpoch <= Date.now());
    assert.match(event.requestContext.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    const host = new URL(p.url!).host;
    assert.deepEqual(event, {
      version: '2.0',
      routeKey: 'POST /items/{id}/sub/{proxy+}',
      rawPath: '/items/42/sub/a/b%20c',
      rawQueryString: 'x=1&x=2&y=hello%20world',
      cookies: ['c1=v1', 'c2=v2'],
      headers: {
        accept: '*/*',
        'accept-encoding': 'gzip, deflate',
        'accept-language': '*',
        connection: 'keep-alive',
        'content-length': '7',
        'content-type': 'application/json',
        host,
        'sec-fetch-mode': 'cors',
        'user-agent': 'test-agent',
        'x-custom': 'yes',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': new URL(p.url!).port,
        'x-forwarded-proto': 'http',
      },
      queryStringParameters: { x: '1,2', y: 'hello world' },
      pathParameters: { id: '42', proxy: 'a/b c' },
      requestContext: {
        accountId: accountIdOf('alice'),
        apiId,
        domainName: `${apiId}.execute-api.127.0.0.1`,
        domainPrefix: apiId,
        http: { method: 'POST', path: '/items/42/sub/a/b c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
        requestId,
        routeKey: 'POST /items/{id}/sub/{proxy+}',
        stage: '$default',
        time: event.requestContext.time,
        timeEpoch: event.requestContext.timeEpoch,
      },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
  });

  it('sends a binary body base64-encoded', async () => {
    const r = await gw('/items/1/sub/x', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 159, 255]),
    });
    const { event } = await json(r);
    assert.equal(event.isBase64Encoded, true);
    assert.equal(event.body, Buffer.from([0, 159, 255]).toString('base64'));
    assert.equal(event.cookies, undefined);
    assert.equal(event.queryStringParameters, undefined);
    const untyped = await json(await gw('/items/1/sub/x', { method: 'POST', body: new Uint8Array([104, 105]) }));
    assert.equal(untyped.event.headers['content-type'], undefined);
    assert.deepEqual([untyped.event.body, untyped.event.isBase64Encoded], ['aGk=', true], 'no content type: base64, as AWS');
  });

  it("refuses what Lambda cannot take: an event over 6 MB is 413, as API Gateway's answer", async () => {
    const r = await gw('/items/1/sub/x', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(7 * 1024 * 1024) });
    assert.equal(r.status, 413);
    assert.deepEqual(await r.json(), { message: 'Request Entity Too Large' });
    const over = await gw('/items/1/sub/x', { method: 'POST', body: new Uint8Array(10 * 1024 * 1024 + 1) });
    assert.equal(over.status, 413, "over API Gateway's 10 MB");
  });

  it('serves the Host form ({apiId}.execute-api.<domain>) with the path as on AWS', async () => {
    const port = new URL(p.url!).port;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/echo?q=1', headers: { host: `${apiId}.execute-api.hangar.test:${port}` } },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 200, res.body);
    const { event } = JSON.parse(res.body);
    assert.equal(event.rawPath, '/echo');
    assert.equal(event.rawQueryString, 'q=1');
    assert.equal(event.requestContext.domainName, `${apiId}.execute-api.hangar.test`);
    assert.equal(event.requestContext.domainPrefix, apiId);
  });

  it('maps answers: a plain object is 200 JSON; a structured one keeps status, headers, cookies, base64 body', async () => {
    const plain = await gw('/plain');
    assert.equal(plain.status, 200);
    assert.match(String(plain.headers.get('content-type')), /^application\/json/);
    assert.equal((await json(plain)).hello, 'world');
    const bin = await gw('/bin');
    assert.equal(bin.status, 201);
    assert.equal(bin.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(bin.headers.getSetCookie(), ['a=1; Path=/', 'b=2']);
    assert.deepEqual(new Uint8Array(await bin.arrayBuffer()), new Uint8Array([0, 1, 2, 255]));
  });

  it("answers as API Gateway: 404 for no route or no API, 500 for the function's error", async () => {
    const none = await gw('/nowhere');
    assert.equal(none.status, 404);
    assert.deepEqual(await none.json(), { message: 'Not Found' });
    assert.equal((await gw('/echo', { method: 'DELETE' })).status, 404, 'the route names GET only');
    const noApi = await fetch(`${p.url}/http/zzzzzzzzzz/echo`);
    assert.equal(noApi.status, 404);
    assert.deepEqual(await noApi.json(), { message: 'Not Found' });
    for (const path of ['/fail', '/badheader']) {
      const failed = await gw(path);
      assert.equal(failed.status, 500, path);
      assert.deepEqual(await failed.json(), { message: 'Internal Server Error' }, path);
      assert.equal(failed.headers.get('set-cookie'), null, path);
    }
  });

  it("auth key: any key of the API's owner (Bearer or X-Api-Key); none 401, another user's 403", async () => {
    assert.equal((await gw('/keyed')).status, 401);
    assert.equal((await gw('/keyed', { headers: { authorization: 'Bearer hk_nope' } })).status, 401);
    assert.equal((await gw('/keyed', { headers: { authorization: `Bearer ${bob}` } })).status, 403);
    const ok = await gw('/keyed', { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual((await json(ok)).event.requestContext.authorizer, { hangar: { userId: 'alice', keyId: aliceKeyId } });
    assert.equal((await gw('/keyed', { headers: { 'x-api-key': alice } })).status, 200);
  });

  it('auth JWT: signature by a JWKS key, issuer, audience, expiry', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, aud: 'web-api', sub: 'user-1', exp: now + 600, iat: now - 5, scope: 'read write' };
    const call = (token: string) => gw('/jwt', { headers: { authorization: `Bearer ${token}` } });
    const good = await call(jwt('RS256', 'rsa1', claims, rsa.privateKey));
    assert.equal(good.status, 200);
    const { authorizer } = (await json(good)).event.requestContext;
    assert.deepEqual(authorizer, {
      jwt: { claims: { ...claims, exp: String(claims.exp), iat: String(claims.iat) }, scopes: ['read', 'write'] },
    });
    assert.equal((await gw('/jwt', { headers: { authorization: jwt('ES256', 'ec1', claims, ec.privateKey) } })).status, 200, 'no Bearer');
    for (const [what, token] of [
      ['a wrong signature', jwt('RS256', 'rsa1', claims, stranger.privateKey)],
      ['an unknown key id', jwt('RS256', 'nope', claims, rsa.privateKey)],
      ['a wrong audience', jwt('RS256', 'rsa1', { ...claims, aud: 'other' }, rsa.privateKey)],
      ['a wrong issuer', jwt('RS256', 'rsa1', { ...claims, iss: 'http://127.0.0.1:1' }, rsa.privateKey)],
      ['an expired token', jwt('RS256', 'rsa1', { ...claims, exp: now - 1 }, rsa.privateKey)],
      ['a token not valid yet', jwt('RS256', 'rsa1', { ...claims, nbf: now + 300 }, rsa.privateKey)],
      ['not a JWT', 'abc.def'],
    ] as const) {
      const r = await call(token);
      assert.equal(r.status, 401, what);
      assert.deepEqual(await r.json(), { message: 'Unauthorized' }, what);
    }
    assert.equal((await gw('/jwt')).status, 401, 'no token');
    // A JWKS URL on a loopback port HANGAR_JWKS_ALLOW does not list: not fetched, refused as an
    // unreachable issuer is.
    const refused = await gw('/jwt-unlisted', { headers: { authorization: jwt('RS256', 'rsa1', claims, rsa.privateKey) } });
    assert.equal(refused.status, 401);
    assert.deepEqual(await refused.json(), { message: 'Unauthorized' });
    assert.equal(unlistedHits, 0);
  });

  it('auth Lambda: the function decides; its context reaches the route, no identity 401, a deny 403', async () => {
    const missing = await gw('/gated');
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { message: 'Unauthorized' });
    const ok = await gw('/gated?pass=open');
    assert.equal(ok.status, 200);
    assert.deepEqual((await json(ok)).event.requestContext.authorizer, { lambda: { pass: 'open', n: 1 } });
    const denied = await gw('/gated?pass=shut');
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { message: 'Forbidden' });
    const view = (await as(alice, 'GET', `/http-apis/${apiId}/routes/${encodeURIComponent('GET /gated')}`)).json();
    assert.deepEqual(view.auth, {
      kind: 'lambda',
      functionName: 'gate',
      qualifier: null,
      identitySource: ['$request.querystring.pass'],
      simpleResponses: true,
      resultTtlS: 0,
      payloadFormatVersion: '2.0',
    });
    // A 1.0 authorizer answers an IAM policy: simple responses with it are refused, as on AWS.
    const both = await as(alice, 'POST', `/http-apis/${apiId}/routes`, {
      routeKey: 'GET /gated-v1',
      functionName: 'web',
      auth: { kind: 'lambda', functionName: 'gate', simpleResponses: true, payloadFormatVersion: '1.0' },
    });
    assert.equal(both.statusCode, 400, both.body);
    assert.match(both.json().detail, /EnableSimpleResponses \(simpleResponses\) can only be set for AuthorizerPayloadFormatVersion "2\.0"/);
  });

  it("sends the API's stage variables in every event (absent when none); PATCH replaces them; bad ones are 400", async () => {
    const made = await as(alice, 'POST', '/http-apis', { name: 'vars', stageVariables: { env: 'dev', url: 'https://x.example/a' } });
    assert.equal(made.statusCode, 201, made.body);
    const vars = made.json().apiId as string;
    assert.deepEqual(made.json().stageVariables, { env: 'dev', url: 'https://x.example/a' });
    await route({ routeKey: 'GET /echo' }, vars);
    const echoed = async () => (await json(await fetch(`${p.url}/http/${vars}/echo`))).event.stageVariables;
    assert.deepEqual(await echoed(), { env: 'dev', url: 'https://x.example/a' });
    const patched = await as(alice, 'PATCH', `/http-apis/${vars}`, { stageVariables: { env: 'prod' } });
    assert.deepEqual(patched.json().stageVariables, { env: 'prod' }, 'replaced whole');
    assert.deepEqual(await echoed(), { env: 'prod' });
    // (Too long a value is refused by the body's schema, VALIDATION_FAILED; the rest by core.)
    for (const stageVariables of [{ 'a-b': 'x' }, { a: 'x y' }, { a: '' }, { a: 'x'.repeat(2049) }]) {
      const bad = await as(alice, 'PATCH', `/http-apis/${vars}`, { stageVariables });
      assert.equal(bad.statusCode, 400, JSON.stringify(stageVariables).slice(0, 40));
      assert.match(bad.json().code, /^(HTTP_API_INVALID|VALIDATION_FAILED)$/);
    }
    assert.equal((await as(bob, 'PATCH', `/http-apis/${vars}`, { stageVariables: { a: 'b' } })).statusCode, 404);
    await as(alice, 'PATCH', `/http-apis/${vars}`, { stageVariables: null });
    assert.equal(await echoed(), undefined, 'none: absent, as on AWS');
    assert.equal((await as(alice, 'DELETE', `/http-apis/${vars}`)).statusCode, 200);
  });

  it('throttles a route past its burst with 429 as API Gateway', async () => {
    assert.equal((await gw('/limited')).status, 200);
    assert.equal((await gw('/limited')).status, 200);
    const third = await gw('/limited');
    assert.equal(third.status, 429);
    assert.deepEqual(await third.json(), { message: 'Too Many Requests' });
  });

  it("answers CORS preflights itself and sets the API's CORS headers over the function's", async () => {
    const pre = await gw('/echo', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET,POST');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type');
    assert.equal(pre.headers.get('access-control-max-age'), '300');
    const bad = await gw('/nowhere', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(bad.status, 204);
    assert.equal(bad.headers.get('access-control-allow-origin'), null);
    const get = await gw('/echo', { headers: { origin: 'https://app.example.com' } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com', "the API's, not the function's");
    const other = await gw('/echo', { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('answers a cached GET without invoking the function again; another query is another entry', async () => {
    const first = await gw('/cached?a=1');
    const n = first.headers.get('x-n');
    assert.ok(n);
    assert.equal((await gw('/cached?a=1')).headers.get('x-n'), n, 'from the cache');
    const other = await gw('/cached?a=2');
    assert.notEqual(other.headers.get('x-n'), n, 'another query invoked it');
    const uncached = await gw('/echo');
    const again = await gw('/echo');
    assert.notEqual(again.headers.get('x-n'), uncached.headers.get('x-n'), 'a route without a TTL invokes each time');
  });

  it('counts what the gateway did in hangar_http_api_requests_total', async () => {
    const text = (await p.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (outcome: string) =>
      Number(new RegExp(`^hangar_http_api_requests_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    for (const outcome of ['invoked', 'cached', 'preflight', 'not_found', 'unauthorized', 'forbidden', 'throttled'])
      assert.ok(
        count(outcome) >= 1,
        `${outcome}: ${text
          .split('\n')
          .filter((l) => l.includes('http_api'))
          .join('\n')}`,
      );
  });

  it('serves a change made through the API at once: a deleted route is gone', async () => {
    await route({ routeKey: 'GET /temp' });
    assert.equal((await gw('/temp')).status, 200);
    const key = encodeURIComponent('GET /temp');
    assert.equal((await as(alice, 'DELETE', `/http-apis/${apiId}/routes/${key}`)).statusCode, 200);
    assert.equal((await gw('/temp')).status, 404);
  });
});

describe('stages and deployments natively', { skip }, () => {
  it('a stage with autoDeploy false serves its deployment; a new route waits for the next; rollback; deletes refused while served', async () => {
    const made = await as(alice, 'POST', '/http-apis', { name: 'deployed' });
    const id = made.json().apiId as string;
    assert.deepEqual([made.json().autoDeploy, made.json().deploymentId], [true, null]);
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/routes`, { routeKey: 'GET /one', functionName: 'web' })).statusCode, 201);
    const at = (path: string) => fetch(`${p.url}/http/${id}${path}`);
    const pinned = await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { autoDeploy: false });
    assert.equal(pinned.statusCode, 200, pinned.body);
    assert.deepEqual([pinned.json().autoDeploy, pinned.json().deploymentId], [false, null]);
    assert.deepEqual([(await at('/one')).status, await json(await at('/one'))], [404, { message: 'Not Found' }]);
    const d1 = await as(alice, 'POST', `/http-apis/${id}/deployments`, { stage: '$default', description: 'v1' });
    assert.equal(d1.statusCode, 201, d1.body);
    assert.equal((await at('/one')).status, 200);
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/routes`, { routeKey: 'GET /two', functionName: 'web' })).statusCode, 201);
    assert.equal((await at('/two')).status, 404, 'not deployed yet');
    const d2 = await as(alice, 'POST', `/http-apis/${id}/deployments`, { stage: '$default' });
    assert.equal((await at('/two')).status, 200);
    const listed = (await as(alice, 'GET', `/http-apis/${id}/deployments`)).json().deployments;
    assert.deepEqual(
      listed.map((d: { deploymentId: string; description: string }) => [d.deploymentId, d.description]),
      [
        [d1.json().deploymentId, 'v1'],
        [d2.json().deploymentId, ''],
      ],
    );
    const back = await as(alice, 'PATCH', `/http-apis/${id}/stages/%24default`, { deploymentId: d1.json().deploymentId });
    assert.equal(back.json().deploymentId, d1.json().deploymentId);
    assert.equal((await at('/two')).status, 404, 'rolled back');
    const refused = await as(alice, 'DELETE', `/http-apis/${id}/deployments/${d1.json().deploymentId}`);
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(refused.headers['content-type'] as string, /problem\+json/);
    assert.equal((await as(alice, 'DELETE', `/http-apis/${id}/deployments/${d2.json().deploymentId}`)).statusCode, 200);
    assert.equal((await as(alice, 'PATCH', `/http-apis/${id}/stages/nosuch`, { autoDeploy: false })).statusCode, 404);
    assert.equal((await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { deploymentId: 'zzzzzzz' })).statusCode, 404);
    assert.equal((await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { autoDeploy: 'no' })).statusCode, 400);
    assert.equal((await as(bob, 'POST', `/http-apis/${id}/deployments`, {})).statusCode, 404);
    assert.equal((await as(bob, 'PATCH', `/http-apis/${id}/stages/$default`, { autoDeploy: true })).statusCode, 404);
    assert.equal((await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { autoDeploy: true })).json().autoDeploy, true);
    assert.equal((await at('/two')).status, 200, 'the API as it is');
    assert.equal((await as(alice, 'DELETE', `/http-apis/${id}`)).statusCode, 200);
  });
});

describe('payload format 1.0 routes', { skip }, () => {
  const classic = (path: string, init?: RequestInit) => gw(`/classic${path}`, init);

  it('gives the function the 1.0 event: header case as sent, multi-value maps, cookies a header, nulls', async () => {
    const given = { 'Content-Type': 'application/json', Cookie: 'c1=v1; c2=v2', 'User-Agent': 'test-agent', 'X-Custom': 'yes' };
    const before = Date.now();
    const r = await classic('/things?x=1&x=2&y=hello%20world', { method: 'POST', headers: given, body: '{"a":1}' });
    const { event } = await json(r);
    assert.equal(r.status, 200);
    const requestId = r.headers.get('apigw-requestid');
    const { requestTime, requestTimeEpoch } = event.requestContext;
    assert.ok(requestTimeEpoch >= before && requestTimeEpoch <= Date.now());
    assert.match(requestTime, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    // fetch sends its own headers in lower case, and the ones given as given.
    const sent = Object.fromEntries(
      Object.entries(event.headers as Record<string, string>).filter(([n]) => /^[A-Z]/.test(n) && !n.startsWith('X-Forwarded')),
    );
    assert.deepEqual(sent, given);
    assert.deepEqual(event.multiValueHeaders.Cookie, ['c1=v1; c2=v2']);
    assert.deepEqual(
      [event.headers['X-Forwarded-For'], event.headers['X-Forwarded-Proto']],
      ['127.0.0.1', 'http'],
      'added as API Gateway names them',
    );
    // The REST API's caller fields, all null (their names: the core test, against AWS's example).
    const { sourceIp, userAgent, ...callers } = event.requestContext.identity;
    assert.deepEqual([sourceIp, userAgent, Object.keys(callers).length], ['127.0.0.1', 'test-agent', 10]);
    assert.ok(Object.values(callers).every((v) => v === null));
    const identity = event.requestContext.identity;
    const { headers: _h, multiValueHeaders: _m, ...rest } = event;
    assert.deepEqual(rest, {
      version: '1.0',
      resource: '/classic/{thing}',
      path: '/classic/things',
      httpMethod: 'POST',
      queryStringParameters: { x: '2', y: 'hello world' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: ['hello world'] },
      requestContext: {
        accountId: accountIdOf('alice'),
        apiId,
        domainName: `${apiId}.execute-api.127.0.0.1`,
        domainPrefix: apiId,
        extendedRequestId: requestId,
        httpMethod: 'POST',
        identity,
        path: '/classic/things',
        protocol: 'HTTP/1.1',
        requestId,
        requestTime,
        requestTimeEpoch,
        resourceId: 'ANY /classic/{thing}',
        resourcePath: '/classic/{thing}',
        stage: '$default',
      },
      pathParameters: { thing: 'things' },
      stageVariables: null,
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    const bare = (await json(await classic('/bare'))).event;
    assert.deepEqual(
      [bare.queryStringParameters, bare.multiValueQueryStringParameters, bare.body, bare.isBase64Encoded],
      [null, null, null, false],
    );
  });

  it('maps the 1.0 answer: headers and multiValueHeaders; anything else is 500 as an HTTP API answers it', async () => {
    const multi = await classic('/multi', { headers: { origin: 'https://app.example.com' } });
    assert.equal(multi.status, 202);
    assert.equal(multi.headers.get('x-one'), '1');
    assert.equal(multi.headers.get('x-many'), 'x, y', 'multiValueHeaders win over headers');
    assert.deepEqual(multi.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(multi.headers.get('access-control-allow-origin'), 'https://app.example.com', "the API's CORS as on any route");
    assert.equal(await multi.text(), 'multi');
    for (const path of ['/plain', '/text', '/badbody']) {
      const bad = await classic(path);
      assert.equal(bad.status, 500, path);
      assert.deepEqual(await bad.json(), { message: 'Internal Server Error' }, path);
    }
  });

  it("puts a JWT's claims and scopes directly under requestContext.authorizer", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, aud: 'web-api', sub: 'user-1', exp: now + 600, scope: 'read' };
    const r = await classic('/jwt', { headers: { authorization: `Bearer ${jwt('RS256', 'rsa1', claims, rsa.privateKey)}` } });
    assert.equal(r.status, 200);
    assert.deepEqual((await json(r)).event.requestContext.authorizer, {
      claims: { ...claims, exp: String(claims.exp) },
      scopes: ['read'],
    });
    assert.equal((await classic('/jwt')).status, 401);
  });

  it('caches a 1.0 GET by every value of its query', async () => {
    const n = (await classic('/cached?a=1&a=2')).headers.get('x-n');
    assert.ok(n);
    assert.equal((await classic('/cached?a=1&a=2')).headers.get('x-n'), n, 'from the cache');
    assert.notEqual(
      (await classic('/cached?a=2')).headers.get('x-n'),
      n,
      "a=2 alone is another entry, though 1.0's last value is the same",
    );
  });

  it('reads and patches the format natively; a format that is not 1.0 or 2.0 is 400', async () => {
    await route({ routeKey: 'GET /switch', functionName: 'classic' });
    const key = encodeURIComponent('GET /switch');
    assert.equal((await as(alice, 'GET', `/http-apis/${apiId}/routes/${key}`)).json().payloadFormatVersion, '2.0', 'the default');
    assert.equal((await json(await gw('/switch'))).event.version, '2.0');
    const patched = await as(alice, 'PATCH', `/http-apis/${apiId}/routes/${key}`, { payloadFormatVersion: '1.0' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().payloadFormatVersion, '1.0');
    assert.equal((await json(await gw('/switch'))).event.version, '1.0');
    const list = (await as(alice, 'GET', `/http-apis/${apiId}/routes`)).json().routes;
    assert.equal(list.find((r: { routeKey: string }) => r.routeKey === 'GET /switch').payloadFormatVersion, '1.0');
    const bad = await as(alice, 'POST', `/http-apis/${apiId}/routes`, {
      routeKey: 'GET /v3',
      functionName: 'web',
      payloadFormatVersion: '3.0',
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(String(bad.headers['content-type']), /problem\+json/);
  });
});

describe('managing HTTP APIs: /http-apis', { skip }, () => {
  it('reads, lists, patches routes by their encoded key', async () => {
    const key = encodeURIComponent('GET /cached');
    const got = await as(alice, 'GET', `/http-apis/${apiId}/routes/${key}`);
    assert.equal(got.statusCode, 200, got.body);
    assert.equal(got.json().cacheTtlS, 60);
    const patched = await as(alice, 'PATCH', `/http-apis/${apiId}/routes/${key}`, { cacheTtlS: 5 });
    assert.equal(patched.json().cacheTtlS, 5);
    const list = (await as(alice, 'GET', `/http-apis/${apiId}/routes`)).json().routes.map((r: { routeKey: string }) => r.routeKey);
    assert.ok(list.includes('GET /cached') && list.includes('POST /items/{id}/sub/{proxy+}'));
    assert.deepEqual(
      (await as(alice, 'GET', '/http-apis')).json().apis.map((a: { apiId: string }) => a.apiId),
      [apiId],
    );
    const long = `GET /${'a/'.repeat(200)}{id}`;
    await route({ routeKey: long });
    const longKey = encodeURIComponent(long);
    assert.ok(longKey.length > 500);
    assert.equal((await as(alice, 'GET', `/http-apis/${apiId}/routes/${longKey}`)).json().routeKey, long);
    assert.equal((await as(alice, 'DELETE', `/http-apis/${apiId}/routes/${longKey}`)).statusCode, 200);
    const renamed = await as(alice, 'PATCH', `/http-apis/${apiId}`, { name: 'web2' });
    assert.equal(renamed.json().name, 'web2');
  });

  it('refuses bad input with problem+json 4xx: a bad route key, a taken one, a missing function', async () => {
    for (const [body, status, code] of [
      [{ routeKey: 'GET pets', functionName: 'web' }, 400, 'HTTP_ROUTE_INVALID'],
      [{ routeKey: 'GET /echo', functionName: 'web' }, 409, 'HTTP_ROUTE_EXISTS'],
      [{ routeKey: 'GET /x', functionName: 'nosuch' }, 404, 'FUNCTION_NOT_FOUND'],
      [
        {
          routeKey: 'GET /x',
          functionName: 'web',
          auth: { kind: 'jwt', issuer: 'http://x.example', audience: ['a'], jwksUrl: 'https://x' },
        },
        400,
        'HTTP_API_INVALID',
      ],
      [{ routeKey: 'GET /x', functionName: 'web', auth: { kind: 'lambda', functionName: 'nosuch' } }, 404, 'FUNCTION_NOT_FOUND'],
      [
        { routeKey: 'GET /x', functionName: 'web', auth: { kind: 'lambda', functionName: 'gate', identitySource: ['$request.body.x'] } },
        400,
        'HTTP_API_INVALID',
      ],
      [
        { routeKey: 'GET /x', functionName: 'web', auth: { kind: 'lambda', functionName: 'gate', resultTtlS: 60 } },
        400,
        'HTTP_API_INVALID',
      ],
    ] as const) {
      const r = await as(alice, 'POST', `/http-apis/${apiId}/routes`, body);
      assert.equal(r.statusCode, status, r.body);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(r.json().code, code);
    }
  });

  it("keeps another user's API out of reach: 404 as a missing one, 403 for ?userId=", async () => {
    assert.equal((await as(bob, 'GET', `/http-apis/${apiId}`)).statusCode, 404);
    assert.equal((await as(bob, 'GET', `/http-apis/${apiId}/routes`)).statusCode, 404);
    assert.equal((await as(bob, 'POST', `/http-apis/${apiId}/routes`, { routeKey: 'GET /mine', functionName: 'web' })).statusCode, 404);
    assert.equal((await as(bob, 'DELETE', `/http-apis/${apiId}`)).statusCode, 404);
    assert.equal((await as(bob, 'PATCH', `/http-apis/${apiId}`, { name: 'mine' })).statusCode, 404);
    assert.deepEqual((await as(bob, 'GET', '/http-apis')).json().apis, []);
    assert.equal((await as(bob, 'GET', '/http-apis?userId=alice')).statusCode, 403);
    assert.equal((await p.inject({ method: 'GET', url: `/http-apis/${apiId}?userId=alice` })).statusCode, 200, 'an admin may');
    assert.equal((await as(alice, 'GET', `/http-apis/${apiId}`)).json().name, 'web2');
  });
});

describe('an API node without a host that runs functions', () => {
  it('answers 503 {"message":"Service Unavailable"} for a route, 404 as ever for no route', async () => {
    const q = await testPlatform({ HANGAR_WORKERS: '0' });
    try {
      const key = (await q.inject({ method: 'POST', url: '/keys', payload: { userId: 'carol' } })).json().key;
      const put = await q.inject({
        method: 'PUT',
        url: '/functions/f',
        auth: key,
        payload: { zip: zip.toString('base64'), runtime: 'nodejs', handler: 'index.handler' },
      });
      assert.equal(put.statusCode, 201, put.body);
      const id = (await q.inject({ method: 'POST', url: '/http-apis', auth: key, payload: { name: 'c' } })).json().apiId;
      const r = await q.inject({
        method: 'POST',
        url: `/http-apis/${id}/routes`,
        auth: key,
        payload: { routeKey: 'GET /f', functionName: 'f' },
      });
      assert.equal(r.statusCode, 201, r.body);
      const served = await fetch(`${q.url}/http/${id}/f`);
      assert.equal(served.status, 503);
      assert.deepEqual(await served.json(), { message: 'Service Unavailable' });
      assert.equal((await fetch(`${q.url}/http/${id}/g`)).status, 404);
    } finally {
      await q.close();
    }
  });
});
