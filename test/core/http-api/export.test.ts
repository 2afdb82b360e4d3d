/** core/http-api/export.ts: an API as ExportApi's OpenAPI 3.0 document (routes made natively
 *  with their own auth included), without extensions, and the YAML writer's quoting;
 *  import.ts: such a document read back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportOpenApi, type HttpApi, type HttpRoute, InvalidInput, planOpenApiImport } from '../../../src/core/index.ts';

const api: HttpApi = {
  userId: 'alice',
  apiId: 'abcdefghij',
  name: 'shop',
  cors: null,
  throttle: null,
  stageVariables: {},
  stages: [],
  integrations: [],
  authorizers: [],
  deployments: [],
  deploymentId: null,
  autoDeploy: true,
  createdAt: 0,
  updatedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
};

const route = (routeKey: string, auth: HttpRoute['auth']): HttpRoute => ({
  userId: 'alice',
  apiId: api.apiId,
  routeKey,
  functionName: 'web',
  qualifier: routeKey.startsWith('POST') ? 'live' : null,
  auth,
  throttle: null,
  cacheTtlS: 0,
  payloadFormatVersion: routeKey.startsWith('POST') ? '1.0' : '2.0',
  integrationId: null,
  authorizerId: null,
  createdAt: 0,
  updatedAt: 0,
});

const options = {
  endpoint: 'https://h.example/http/abcdefghij',
  integrationUri: (name: string, qualifier: string | null) => `fn:${name}${qualifier ? `:${qualifier}` : ''}`,
  tags: {},
  extensions: true,
};

describe('exportOpenApi', () => {
  it("writes a native route's own JWT auth and Hangar's key auth as security schemes of their own", () => {
    const routes = [
      route('GET /a/{b}/{rest+}', { kind: 'jwt', issuer: 'https://idp.example', audience: ['x'] }),
      route('POST /a/{b}/{rest+}', { kind: 'key' }),
    ];
    const doc = exportOpenApi(api, routes, options);
    assert.deepEqual(doc.info, { title: 'shop', version: '2026-01-02 03:04:05UTC' });
    const item = (doc.paths as Record<string, Record<string, Record<string, unknown>>>)['/a/{b}/{rest+}'] ?? {};
    assert.deepEqual(item.get?.security, [{ 'jwt-1': [] }]);
    assert.deepEqual(item.post?.security, [{ hangarApiKey: [] }]);
    assert.deepEqual(item.get?.['x-amazon-apigateway-integration'], {
      payloadFormatVersion: '2.0',
      type: 'aws_proxy',
      httpMethod: 'POST',
      uri: 'fn:web',
      connectionType: 'INTERNET',
    });
    assert.deepEqual(item.post?.['x-amazon-apigateway-integration'], {
      payloadFormatVersion: '1.0',
      type: 'aws_proxy',
      httpMethod: 'POST',
      uri: 'fn:web:live',
      connectionType: 'INTERNET',
    });
    assert.deepEqual(
      ((item.parameters ?? []) as unknown as { name: string }[]).map((p) => p.name),
      ['b', 'rest'],
    );
    assert.deepEqual(Object.keys((doc.components as { securitySchemes: object }).securitySchemes), ['jwt-1', 'hangarApiKey']);
    assert.equal('tags' in doc, false, 'no tags: no tags member');
    assert.equal('x-amazon-apigateway-cors' in doc, false);
  });

  it('leaves out every x-amazon-apigateway-* member without extensions', () => {
    const doc = exportOpenApi(api, [route('GET /a', { kind: 'none' })], { ...options, tags: { team: 'a' }, extensions: false });
    assert.doesNotMatch(JSON.stringify(doc), /x-amazon-apigateway/);
    assert.deepEqual(doc.tags, [{ name: 'team' }]);
    assert.deepEqual(Object.keys((doc.paths as Record<string, object>)['/a'] ?? {}), ['get']);
  });
});

describe('planOpenApiImport', () => {
  it('reads an exported document back; a tag without a value is not a tag of the API', () => {
    const doc = exportOpenApi(api, [route('POST /a', { kind: 'none' }), route('$default', { kind: 'none' })], {
      ...options,
      tags: { team: 'a' },
    });
    const plan = planOpenApiImport({ ...doc, tags: [...(doc.tags as object[]), { name: 'group' }] });
    assert.deepEqual(plan, {
      name: 'shop',
      cors: null,
      tags: { team: 'a' },
      authorizers: [],
      routes: [
        { routeKey: '$default', integrationUri: 'fn:web', payloadFormatVersion: '2.0', authorizer: null },
        { routeKey: 'POST /a', integrationUri: 'fn:web:live', payloadFormatVersion: '1.0', authorizer: null },
      ],
    });
  });

  it('refuses what Hangar cannot make, naming it', () => {
    const integration = { 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: 'u' } };
    const base = { openapi: '3.0.1', info: { title: 't' } };
    for (const [doc, message] of [
      [{ ...base, paths: { $default: { get: integration } } }, /any-method/],
      [{ ...base, paths: { '/a': { trace: integration } } }, /trace/],
      [{ ...base, paths: { '/a': { get: { ...integration, security: [{ nope: [] }] } } } }, /nope/],
      [{ ...base, 'x-amazon-apigateway-binary-media-types': ['*/*'] }, /binary-media-types/],
      [{ ...base, info: {} }, /info\.title/],
      [
        {
          ...base,
          paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: 'u', payloadFormatVersion: '3.0' } } } },
        },
        /payloadFormatVersion 3\.0/,
      ],
    ] as const)
      assert.throws(
        () => planOpenApiImport(doc),
        (e: unknown) => e instanceof InvalidInput && message.test(e.message),
      );
  });
});
