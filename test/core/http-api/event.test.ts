import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEventV2, clfTime, type GatewayRequest, isTextContentType } from '../../../src/core/index.ts';

/**
 * The payload format 2.0 event of AWS's developer guide ("Create AWS Lambda proxy integrations
 * for HTTP APIs", payload format structure), as data. The request below is the one that example
 * describes; what the example shows that no request can give is taken out and said why:
 * - requestContext.authentication (mutual TLS client certificate): Hangar has no mTLS;
 * - pathParameters: the example shows one under routeKey $default, which has no path variables;
 *   they are tested against a route that has them below;
 * - requestContext.time: the example's time (12 Mar) is not its timeEpoch (4 Mar 2020); the time
 *   here is derived from timeEpoch, checked against the example's format.
 */
const AWS_EXAMPLE = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/my/path',
  rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
  cookies: ['cookie1', 'cookie2'],
  headers: { header1: 'value1', header2: 'value1,value2' },
  queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'api-id',
    authorizer: { jwt: { claims: { claim1: 'value1', claim2: 'value2' }, scopes: ['scope1', 'scope2'] } },
    domainName: 'id.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'id',
    http: { method: 'POST', path: '/my/path', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' },
    requestId: 'id',
    routeKey: '$default',
    stage: '$default',
    time: '12/Mar/2020:19:03:58 +0000',
    timeEpoch: 1583348638390,
  },
  body: 'Hello from Lambda',
  isBase64Encoded: false,
  stageVariables: { stageVariable1: 'value1', stageVariable2: 'value2' },
};

const exampleRequest: GatewayRequest = {
  method: 'POST',
  rawPath: '/my/path',
  rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
  headers: [
    ['Header1', 'value1'],
    ['Header2', 'value1'],
    ['header2', 'value2'],
    ['Cookie', 'cookie1; cookie2'],
    ['User-Agent', 'agent'],
    ['Content-Type', 'text/plain'],
  ],
  body: new TextEncoder().encode('Hello from Lambda'),
  protocol: 'HTTP/1.1',
  sourceIp: '192.0.2.1',
  requestId: 'id',
  timeEpoch: 1583348638390,
};

const exampleContext = {
  accountId: '123456789012',
  apiId: 'api-id',
  domainName: 'id.execute-api.us-east-1.amazonaws.com',
  stage: '$default',
  routeKey: '$default',
  stageVariables: { stageVariable1: 'value1', stageVariable2: 'value2' },
  authorizer: { jwt: { claims: { claim1: 'value1', claim2: 'value2' }, scopes: ['scope1', 'scope2'] } },
};

describe('payload format 2.0 event', () => {
  it("equals AWS's documented example field for field", () => {
    const event = buildEventV2(exampleRequest, exampleContext);
    // Request-dependent: the example's request carries no user-agent or content-type header,
    // while its requestContext.http.userAgent says 'agent' and its body is text.
    const { 'user-agent': ua, 'content-type': ct, ...headers } = event.headers;
    assert.equal(ua, 'agent');
    assert.equal(ct, 'text/plain');
    assert.match(event.requestContext.time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    const comparable = { ...event, headers, requestContext: { ...event.requestContext, time: AWS_EXAMPLE.requestContext.time } };
    assert.deepEqual(comparable, AWS_EXAMPLE);
  });

  it("through a custom domain's mapping, rawPath and http.path are the path after its key, as AWS sends them", () => {
    // AWS's guide: "If you use an API mapping to connect your stage to a custom domain name,
    // rawPath won't provide the API mapping value"; a request to the key alone gets '' (the
    // payload reported in CodeGenieApp/serverless-express#612).
    const req = { ...exampleRequest, rawPath: '/v1/my/p%20th' };
    const mapped = buildEventV2(req, { ...exampleContext, mappedRawPath: '/my/p%20th' });
    assert.deepEqual([mapped.rawPath, mapped.requestContext.http.path], ['/my/p%20th', '/my/p th']);
    const keyAlone = buildEventV2({ ...req, rawPath: '/v1' }, { ...exampleContext, mappedRawPath: '' });
    assert.deepEqual([keyAlone.rawPath, keyAlone.requestContext.http.path], ['', '']);
    // Without a mapping: the path as sent.
    assert.equal(buildEventV2(req, exampleContext).rawPath, '/v1/my/p%20th');
  });

  it('requestContext.time is the Common Log Format of timeEpoch in UTC', () => {
    assert.equal(clfTime(1583348638390), '04/Mar/2020:19:03:58 +0000');
    assert.equal(clfTime(Date.UTC(2026, 11, 5, 7, 8, 9)), '05/Dec/2026:07:08:09 +0000');
  });

  it('leaves out what the request does not have; path parameters come from the route', () => {
    const event = buildEventV2(
      { ...exampleRequest, method: 'get', rawPath: '/pets/a%20b', rawQueryString: '', headers: [['Host', 'x.example']], body: null },
      { ...exampleContext, routeKey: 'GET /pets/{id}', pathParameters: { id: 'a b' }, stageVariables: undefined, authorizer: undefined },
    );
    assert.deepEqual(event.headers, { host: 'x.example' });
    assert.deepEqual(event.pathParameters, { id: 'a b' });
    for (const absent of ['cookies', 'queryStringParameters', 'stageVariables', 'body'] as const)
      assert.equal(absent in event, false, absent);
    assert.equal('authorizer' in event.requestContext, false);
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.requestContext.http.method, 'GET');
    assert.equal(event.rawPath, '/pets/a%20b');
    assert.equal(event.requestContext.http.path, '/pets/a b');
    assert.equal(event.requestContext.http.userAgent, '');
    assert.equal(event.routeKey, 'GET /pets/{id}');
  });

  it('a header or parameter named like an Object property is only data', () => {
    const event = buildEventV2(
      {
        ...exampleRequest,
        rawQueryString: 'toString=1&__proto__=2&toString=3',
        headers: [
          ['__proto__', 'x'],
          ['constructor', 'y'],
        ],
      },
      exampleContext,
    );
    assert.deepEqual(Object.entries(event.headers), [
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    assert.deepEqual(Object.entries(event.queryStringParameters ?? {}), [
      ['toString', '1,3'],
      ['__proto__', '2'],
    ]);
  });

  it('a binary body is base64-encoded, a text one is not', () => {
    const bytes = new Uint8Array([0, 255, 1, 2]);
    for (const [type, binary] of [
      ['application/octet-stream', true],
      ['image/png', true],
      ['application/x-www-form-urlencoded', true],
      [undefined, true],
      ['application/json; charset=utf-8', false],
      ['Text/HTML', false],
      ['application/xml', false],
      ['application/javascript', false],
    ] as const) {
      const headers: Array<[string, string]> = type === undefined ? [] : [['content-type', type]];
      const event = buildEventV2({ ...exampleRequest, headers, body: bytes }, exampleContext);
      assert.equal(event.isBase64Encoded, binary, String(type));
      assert.equal(isTextContentType(type), !binary, String(type));
      if (binary) assert.deepEqual(new Uint8Array(Buffer.from(event.body as string, 'base64')), bytes);
    }
  });
});
