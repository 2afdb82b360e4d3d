import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Bucket,
  cacheKey,
  type CacheKeyInput,
  cacheUntil,
  checkCacheSettings,
  checkCorsConfig,
  checkThrottleLimit,
  type CorsConfig,
  effectiveLimit,
  ErrorCode,
  InvalidInput,
  preflight,
  takeToken,
  withCorsHeaders,
} from '../../../src/core/index.ts';

const refused = (e: unknown) => e instanceof InvalidInput && e.code === ErrorCode.HttpApiInvalid;

const cors: CorsConfig = {
  allowOrigins: ['https://app.example.com'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['content-type', 'x-api-key'],
  exposeHeaders: ['x-request-id'],
  maxAgeS: 600,
  allowCredentials: true,
};
const request = (method: string, headers: Record<string, string>) => ({ method, header: (n: string) => headers[n] });

describe('CORS', () => {
  it('answers a preflight from an allowed origin with the configuration', () => {
    const r = preflight(cors, request('OPTIONS', { origin: 'https://app.example.com', 'access-control-request-method': 'POST' }));
    assert.deepEqual(r, {
      statusCode: 204,
      headers: [
        ['access-control-allow-origin', 'https://app.example.com'],
        ['vary', 'origin'],
        ['access-control-allow-credentials', 'true'],
        ['access-control-allow-methods', 'GET,POST'],
        ['access-control-allow-headers', 'content-type,x-api-key'],
        ['access-control-max-age', '600'],
      ],
    });
  });

  it('a preflight from another origin gets 204 without CORS headers', () => {
    const r = preflight(cors, request('OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'GET' }));
    assert.deepEqual(r, { statusCode: 204, headers: [] });
  });

  it('origin * answers *; an OPTIONS that is not a preflight, or no CORS config, goes to the routes', () => {
    const any = { ...cors, allowOrigins: ['*'], allowCredentials: false, maxAgeS: undefined };
    const r = preflight(any, request('OPTIONS', { origin: 'https://x.example', 'access-control-request-method': 'GET' }));
    assert.deepEqual(r?.headers[0], ['access-control-allow-origin', '*']);
    assert.equal(
      r?.headers.some(([n]) => n === 'access-control-max-age' || n === 'vary'),
      false,
    );
    assert.equal(preflight(cors, request('OPTIONS', { origin: 'https://app.example.com' })), null);
    assert.equal(preflight(cors, request('GET', { origin: 'https://app.example.com', 'access-control-request-method': 'GET' })), null);
    assert.equal(
      preflight(undefined, request('OPTIONS', { origin: 'https://app.example.com', 'access-control-request-method': 'GET' })),
      null,
    );
  });

  it("replaces the function's CORS headers on an ordinary answer", () => {
    const fromFunction: Array<[string, string]> = [
      ['content-type', 'text/plain'],
      ['Access-Control-Allow-Origin', '*'],
    ];
    assert.deepEqual(withCorsHeaders(cors, 'https://APP.example.com', fromFunction), [
      ['content-type', 'text/plain'],
      ['access-control-allow-origin', 'https://APP.example.com'],
      ['vary', 'origin'],
      ['access-control-allow-credentials', 'true'],
      ['access-control-expose-headers', 'x-request-id'],
    ]);
    assert.deepEqual(withCorsHeaders(cors, 'https://evil.example', fromFunction), [['content-type', 'text/plain']]);
    assert.deepEqual(withCorsHeaders(undefined, 'https://app.example.com', fromFunction), fromFunction);
  });

  const bads: Array<[string, CorsConfig]> = [
    ['credentials with origin *', { ...cors, allowOrigins: ['*'] }],
    ['an origin with a path', { ...cors, allowOrigins: ['https://a.example/x'] }],
    ['an unknown method', { ...cors, allowMethods: ['FETCH'] }],
    ['a header name with a space', { ...cors, allowHeaders: ['x y'] }],
    ['a max age over a day', { ...cors, maxAgeS: 86_401 }],
    ['a negative max age', { ...cors, maxAgeS: -1 }],
  ];
  for (const [what, bad] of bads) {
    it(`refuses ${what}`, () => assert.throws(() => checkCorsConfig(bad), refused));
  }
});

describe('throttling (token bucket, injected clock)', () => {
  const limit = { rate: 2, burst: 3 };

  it('lets a full burst through at once, then refuses with the time until the next token', () => {
    let bucket: Bucket | undefined;
    for (let i = 0; i < 3; i++) {
      const d = takeToken(limit, bucket, 1000);
      assert.equal(d.allowed, true, `request ${i}`);
      bucket = d.bucket;
    }
    const d = takeToken(limit, bucket, 1000);
    assert.equal(d.allowed, false);
    assert.equal(!d.allowed && d.retryAfterMs, 500);
  });

  it('refills at the rate, never above the burst', () => {
    let d = takeToken(limit, { tokens: 0, at: 0 }, 499);
    assert.equal(d.allowed, false);
    d = takeToken(limit, { tokens: 0, at: 0 }, 500);
    assert.equal(d.allowed, true);
    assert.equal(d.bucket.tokens, 0);
    d = takeToken(limit, { tokens: 0, at: 0 }, 3_600_000);
    assert.equal(d.allowed, true);
    assert.equal(d.bucket.tokens, 2);
  });

  it('a clock that went back refills nothing and keeps the later time', () => {
    const d = takeToken(limit, { tokens: 0.5, at: 10_000 }, 9_000);
    assert.equal(d.allowed, false);
    assert.deepEqual(d.bucket, { tokens: 0.5, at: 10_000 });
  });

  it('burst 0 refuses everything; rate 0 allows only the burst and never says when to retry', () => {
    const none = takeToken({ rate: 100, burst: 0 }, undefined, 0);
    assert.equal(none.allowed, false);
    assert.equal(!none.allowed && none.retryAfterMs, undefined);
    let d = takeToken({ rate: 0, burst: 1 }, undefined, 0);
    assert.equal(d.allowed, true);
    d = takeToken({ rate: 0, burst: 1 }, d.bucket, 1e9);
    assert.equal(d.allowed, false);
    assert.equal(!d.allowed && d.retryAfterMs, undefined);
  });

  it('a fractional rate works (one request every 10 s)', () => {
    const d1 = takeToken({ rate: 0.1, burst: 1 }, undefined, 0);
    const d2 = takeToken({ rate: 0.1, burst: 1 }, d1.bucket, 9_999);
    assert.equal(d2.allowed, false);
    assert.equal(!d2.allowed && d2.retryAfterMs, 1);
    assert.equal(takeToken({ rate: 0.1, burst: 1 }, d1.bucket, 10_000).allowed, true);
  });

  it("a route's limit replaces the API's default", () => {
    assert.deepEqual(effectiveLimit({ rate: 1, burst: 1 }, { rate: 5, burst: 10 }), { rate: 5, burst: 10 });
    assert.deepEqual(effectiveLimit({ rate: 1, burst: 1 }, undefined), { rate: 1, burst: 1 });
    assert.equal(effectiveLimit(undefined, undefined), undefined);
  });

  for (const bad of [
    { rate: -1, burst: 1 },
    { rate: Number.NaN, burst: 1 },
    { rate: 10_001, burst: 1 },
    { rate: 1, burst: 1.5 },
    { rate: 1, burst: 5_001 },
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => checkThrottleLimit(bad), refused));
  }
});

describe('response caching', () => {
  const settings = checkCacheSettings({ ttlS: 60, keyHeaders: ['Accept-Language'], keyQuery: ['page'] });
  const base: CacheKeyInput = {
    apiId: 'api',
    routeKey: 'GET /pets',
    method: 'GET',
    rawPath: '/pets',
    headers: { 'accept-language': 'en', 'user-agent': 'a' },
    query: { page: '1', utm: 'x' },
    principal: undefined,
  };

  it('keys on method, path, the chosen headers and query parameters, and the caller on an auth route', () => {
    const k = cacheKey(settings, base);
    assert.notEqual(k, null);
    assert.equal(cacheKey(settings, { ...base, headers: { 'accept-language': 'en', 'user-agent': 'b' }, query: { page: '1' } }), k);
    assert.notEqual(cacheKey(settings, { ...base, headers: { 'accept-language': 'fr' } }), k);
    // A stage a custom domain's mapping named keeps its answers apart from another's of the same path.
    assert.notEqual(cacheKey(settings, { ...base, stage: 'prod' }), k);
    // A deployment's answers are its own (a redeployment may send the path elsewhere); none: as ever.
    assert.notEqual(cacheKey(settings, { ...base, deploymentId: 'dep0001' }), k);
    assert.equal(cacheKey(settings, { ...base, deploymentId: undefined }), k);
    assert.notEqual(cacheKey(settings, { ...base, query: { page: '2' } }), k);
    assert.notEqual(cacheKey(settings, { ...base, query: undefined }), k);
    assert.notEqual(cacheKey(settings, { ...base, rawPath: '/pets/' }), k);
    assert.notEqual(cacheKey(settings, { ...base, principal: 'user-1' }), cacheKey(settings, { ...base, principal: 'user-2' }));
  });

  it('no key (no caching) for other methods, a TTL of 0 or no settings', () => {
    assert.equal(cacheKey(settings, { ...base, method: 'POST' }), null);
    assert.equal(cacheKey(settings, { ...base, method: 'HEAD' }), null);
    assert.equal(cacheKey({ ...settings, ttlS: 0 }, base), null);
    assert.equal(cacheKey(undefined, base), null);
  });

  it('keeps only 200 answers meant for anyone, for the TTL', () => {
    assert.equal(cacheUntil(settings, 200, [['content-type', 'application/json']], 1000), 61_000);
    assert.equal(cacheUntil(settings, 201, [], 1000), null);
    assert.equal(cacheUntil(settings, 500, [], 1000), null);
    assert.equal(cacheUntil(settings, 200, [['Set-Cookie', 'a=1']], 1000), null);
    assert.equal(cacheUntil(settings, 200, [['cache-control', 'max-age=5, private']], 1000), null);
    assert.equal(cacheUntil(settings, 200, [['Cache-Control', 'no-store']], 1000), null);
    assert.equal(cacheUntil(settings, 200, [['cache-control', 'max-age=5']], 1000), 61_000);
  });

  it('refuses a TTL outside 0 to 3600 s', () => {
    assert.throws(() => checkCacheSettings({ ...settings, ttlS: 3601 }), refused);
    assert.throws(() => checkCacheSettings({ ...settings, ttlS: -1 }), refused);
  });
});
