import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEventV1, type GatewayRequest } from '../../../src/core/index.ts';

/**
 * The payload format 1.0 event of AWS's developer guide ("Create AWS Lambda proxy integrations
 * for HTTP APIs", payload format structure, 1.0), as data. The request below is the one it
 * describes. What the example shows that Hangar sends otherwise, and why:
 * - requestContext.identity.clientCert (mutual TLS): Hangar has no mTLS;
 * - requestContext.authorizer: the example's `{ claims: null, scopes: null }` is a JWT route's
 *   place for them; an open route (this request's) has none, and a JWT route's is tested below;
 * - requestContext.resourceId: null in the example, the route key in the events real HTTP APIs
 *   send (and here);
 * - requestContext.extendedRequestId: one id with requestId here;
 * - queryStringParameters: the example shows parameter1's first value beside header2's last;
 *   Hangar sends the last value of each, as REST APIs do (every value is in the multi-value map).
 */
const AWS_EXAMPLE = {
  version: '1.0',
  resource: '/my/path',
  path: '/my/path',
  httpMethod: 'GET',
  headers: { header1: 'value1', header2: 'value2' },
  multiValueHeaders: { header1: ['value1'], header2: ['value1', 'value2'] },
  queryStringParameters: { parameter1: 'value2', parameter2: 'value' },
  multiValueQueryStringParameters: { parameter1: ['value1', 'value2'], parameter2: ['value'] },
  requestContext: {
    accountId: '123456789012',
    apiId: 'id',
    domainName: 'id.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'id',
    extendedRequestId: 'id=',
    httpMethod: 'GET',
    identity: {
      accessKey: null,
      accountId: null,
      caller: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: '192.0.2.1',
      user: null,
      userAgent: 'user-agent',
      userArn: null,
    },
    path: '/my/path',
    protocol: 'HTTP/1.1',
    requestId: 'id=',
    requestTime: '04/Mar/2020:19:15:17 +0000',
    requestTimeEpoch: 1583349317135,
    resourceId: 'GET /my/path',
    resourcePath: '/my/path',
    stage: '$default',
  },
  pathParameters: null,
  stageVariables: null,
  body: 'Hello from Lambda!',
  isBase64Encoded: false,
};

const exampleRequest: GatewayRequest = {
  method: 'GET',
  rawPath: '/my/path',
  rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
  headers: [
    ['header1', 'value1'],
    ['header2', 'value1'],
    ['header2', 'value2'],
    ['user-agent', 'user-agent'],
    ['content-type', 'text/plain'],
  ],
  requestId: 'id=',
  timeEpoch: 1583349317135,
  sourceIp: '192.0.2.1',
  protocol: 'HTTP/1.1',
  body: new TextEncoder().encode('Hello from Lambda!'),
};

const exampleContext = {
  accountId: '123456789012',
  apiId: 'id',
  domainName: 'id.execute-api.us-east-1.amazonaws.com',
  stage: '$default',
  routeKey: 'GET /my/path',
};

describe('payload format 1.0 event', () => {
  it("equals AWS's documented example field for field", () => {
    const event = buildEventV1(exampleRequest, exampleContext);
    // The example's request has no user-agent or content-type header, yet its identity names an
    // agent and its body is text: this request carries both.
    const { 'user-agent': ua, 'content-type': ct, ...headers } = event.headers;
    const { 'user-agent': uas, 'content-type': cts, ...multiValueHeaders } = event.multiValueHeaders;
    assert.deepEqual([ua, ct, uas, cts], ['user-agent', 'text/plain', ['user-agent'], ['text/plain']]);
    assert.deepEqual({ ...event, headers, multiValueHeaders }, AWS_EXAMPLE);
  });

  it("through a custom domain's mapping, path keeps the key (AWS: use 1.0's path to see it)", () => {
    const event = buildEventV1({ ...exampleRequest, rawPath: '/v1/my/path' }, { ...exampleContext, mappedRawPath: '/my/path' });
    assert.deepEqual([event.path, event.requestContext.path], ['/v1/my/path', '/v1/my/path']);
  });

  it('keeps header names as sent and the Cookie header a header; null for what the request lacks', () => {
    const event = buildEventV1(
      {
        ...exampleRequest,
        method: 'post',
        rawPath: '/pets/a%20b',
        rawQueryString: '',
        headers: [
          ['Host', 'x.example'],
          ['Cookie', 'a=1; b=2'],
          ['X-Seen', 'one'],
          ['X-Seen', 'two'],
        ],
        body: null,
      },
      { ...exampleContext, stage: 'prod', routeKey: 'POST /pets/{id}', pathParameters: { id: 'a b' }, stageVariables: {} },
    );
    assert.deepEqual(event.headers, { Host: 'x.example', Cookie: 'a=1; b=2', 'X-Seen': 'two' });
    assert.deepEqual(event.multiValueHeaders, { Host: ['x.example'], Cookie: ['a=1; b=2'], 'X-Seen': ['one', 'two'] });
    assert.equal('cookies' in event, false);
    for (const none of ['queryStringParameters', 'multiValueQueryStringParameters', 'stageVariables', 'body'] as const)
      assert.equal(event[none], null, none);
    assert.deepEqual(event.pathParameters, { id: 'a b' });
    assert.deepEqual(
      [event.httpMethod, event.resource, event.path, event.requestContext.resourceId, event.requestContext.stage],
      ['POST', '/pets/{id}', '/pets/a b', 'POST /pets/{id}', 'prod'],
    );
    assert.equal(event.requestContext.identity.userAgent, '');
    assert.equal('authorizer' in event.requestContext, false);
    assert.equal(event.isBase64Encoded, false);
  });

  it("the default route's resource is $default; stage variables when there are some", () => {
    const event = buildEventV1(exampleRequest, { ...exampleContext, routeKey: '$default', stageVariables: { v: '1' } });
    assert.equal(event.resource, '$default');
    assert.equal(event.requestContext.resourcePath, '$default');
    assert.deepEqual(event.stageVariables, { v: '1' });
  });

  it("a JWT authorizer's claims and scopes sit directly under requestContext.authorizer", () => {
    const jwt = { claims: { sub: 'u1', scope: 'read' }, scopes: null };
    const event = buildEventV1(exampleRequest, { ...exampleContext, authorizer: { jwt } });
    assert.deepEqual(event.requestContext.authorizer, jwt);
    // Hangar's own key auth says who called as in 2.0.
    const keyed = buildEventV1(exampleRequest, { ...exampleContext, authorizer: { hangar: { userId: 'a', keyId: 'k' } } });
    assert.deepEqual(keyed.requestContext.authorizer, { hangar: { userId: 'a', keyId: 'k' } });
  });

  it('a body that is not text arrives base64-encoded', () => {
    const bytes = Uint8Array.from([0, 255, 1]);
    const event = buildEventV1({ ...exampleRequest, headers: [['Content-Type', 'image/png']], body: bytes }, exampleContext);
    assert.equal(event.isBase64Encoded, true);
    assert.equal(event.body, Buffer.from(bytes).toString('base64'));
  });

  it('a header or parameter named like an Object property is only data', () => {
    const event = buildEventV1(
      { ...exampleRequest, rawQueryString: '__proto__=1&toString=2', headers: [['__proto__', 'x']] },
      exampleContext,
    );
    assert.deepEqual(Object.entries(event.headers), [['__proto__', 'x']]);
    assert.deepEqual(Object.entries(event.multiValueQueryStringParameters ?? {}), [
      ['__proto__', ['1']],
      ['toString', ['2']],
    ]);
  });
});
