/** The pure half of a Lambda (REQUEST) authorizer: its settings, identity sources read from the
 *  event, the cache key, the authorizer's event (payload 2.0 and 1.0) and what its answer
 *  decides. The run itself is tested end to end (test/aws/apigatewayv2-lambda-authorizer.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerKeptUntil,
  authorizerCacheKey,
  authorizerEventV1,
  authorizerEventV2,
  buildEventV1,
  buildEventV2,
  checkAuth,
  checkLambdaAuth,
  decideAuthorizerAnswer,
  type GatewayRequest,
  HangarError,
  identityValues,
  type LambdaAuth,
  routeArnOf,
} from '../../../src/core/index.ts';

const req: GatewayRequest = {
  method: 'GET',
  rawPath: '/prod/pets/7',
  rawQueryString: 'token=abc&empty=&a=1&a=2',
  headers: [
    ['X-Token', 'T1'],
    ['Cookie', 'a=1; b=2'],
    ['User-Agent', 'ua'],
    ['content-type', 'application/json'],
  ],
  body: Buffer.from('{"x":1}'),
  protocol: 'HTTP/1.1',
  sourceIp: '192.0.2.1',
  requestId: 'rid=',
  timeEpoch: 1_700_000_000_000,
};
const eventContext = {
  accountId: '123456789012',
  apiId: 'abcdefghij',
  domainName: 'abcdefghij.example.com',
  stage: 'prod',
  routeKey: 'GET /pets/{id}',
  pathParameters: { id: '7' },
  stageVariables: { tenant: 'blue', none: '' },
};
const event = buildEventV2(req, eventContext);
const lambda = (over: Partial<LambdaAuth> = {}): LambdaAuth => ({
  kind: 'lambda',
  functionName: 'authz',
  qualifier: null,
  identitySource: ['$request.header.X-Token'],
  simpleResponses: false,
  resultTtlS: 0,
  payloadFormatVersion: '2.0',
  ...over,
});
const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/pets/7';

describe('Lambda authorizer decisions', () => {
  it('checks its settings as API Gateway: identity source forms, context variables, TTL 0-3600 needing identity sources', () => {
    assert.deepEqual(checkLambdaAuth(lambda({ qualifier: 'live', resultTtlS: 3600 })), lambda({ qualifier: 'live', resultTtlS: 3600 }));
    assert.deepEqual(checkAuth(lambda({ identitySource: [] })), lambda({ identitySource: [] }), 'no identity source without a TTL');
    for (const source of ['$request.header.a', '$request.querystring.b', '$context.identity.sourceIp', '$stageVariables.tenant'])
      assert.deepEqual(checkLambdaAuth(lambda({ identitySource: [source] })).identitySource, [source]);
    const refused: Array<[Partial<LambdaAuth>, RegExp]> = [
      [{ identitySource: ['$request.body.x'] }, /identity source/],
      [{ identitySource: ['header.x'] }, /identity source/],
      [{ identitySource: ['$context.nope'] }, /\$context\.nope is not a context variable/],
      [{ identitySource: [], resultTtlS: 10 }, /needs identity sources/],
      [{ resultTtlS: 3601 }, /0 to 3600/],
      [{ resultTtlS: 1.5 }, /0 to 3600/],
      [{ functionName: 'a b' }, /./],
      [{ qualifier: '' }, /./],
      [{ identitySource: Array.from({ length: 11 }, (_, n) => `$request.header.h${n}`) }, /at most 10/],
      [{ payloadFormatVersion: '3.0' as never }, /payloadFormatVersion "3\.0" is not one of/],
      // API Gateway's words for EnableSimpleResponses on a 1.0 authorizer.
      [{ payloadFormatVersion: '1.0', simpleResponses: true }, /can only be set for AuthorizerPayloadFormatVersion "2\.0"/],
    ];
    assert.deepEqual(checkLambdaAuth(lambda({ payloadFormatVersion: '1.0' })), lambda({ payloadFormatVersion: '1.0' }));
    const { payloadFormatVersion: _, ...stored } = lambda();
    assert.equal(checkLambdaAuth(stored).payloadFormatVersion, '2.0', 'none given (or stored before 1.0): 2.0');
    for (const [over, message] of refused)
      assert.throws(
        () => checkLambdaAuth(lambda(over)),
        (e: unknown) => e instanceof HangarError && message.test(e.message),
        JSON.stringify(over),
      );
  });

  it('reads identity sources from the event: headers whatever their case, cookies, decoded query, context, stage variables; missing or empty is null', () => {
    assert.deepEqual(
      identityValues(
        [
          '$request.header.x-token',
          '$request.header.X-TOKEN',
          '$request.header.Cookie',
          '$request.querystring.token',
          '$request.querystring.a',
          '$context.httpMethod',
          '$context.identity.sourceIp',
          '$context.stage',
          '$context.requestTimeEpoch',
          '$stageVariables.tenant',
        ],
        event,
      ),
      ['T1', 'T1', 'a=1; b=2', 'abc', '1,2', 'GET', '192.0.2.1', 'prod', '1700000000000', 'blue'],
    );
    assert.deepEqual(identityValues([], event), []);
    for (const missing of [
      '$request.header.authorization',
      '$request.querystring.empty',
      '$request.querystring.Token',
      '$stageVariables.none',
      '$stageVariables.toString',
    ])
      assert.equal(identityValues(['$request.header.x-token', missing], event), null, missing);
  });

  it('keeps an answer that decides for its TTL from when it was given; not one of neither shape, nor without a TTL', () => {
    const at = 1_000_000;
    assert.equal(answerKeptUntil(300, { kind: 'allow', context: {} }, at), at + 300_000);
    assert.equal(answerKeptUntil(1, { kind: 'deny' }, at), at + 1000, 'a deny is kept too');
    assert.equal(answerKeptUntil(300, { kind: 'invalid', reason: 'x' }, at), null);
    assert.equal(answerKeptUntil(0, { kind: 'allow', context: {} }, at), null);
  });

  it('keys kept answers by API, authorizer and identity, without ambiguity', () => {
    assert.notEqual(authorizerCacheKey('api', 'a1', ['x', 'y']), authorizerCacheKey('api', 'a1', ['x,y']));
    assert.notEqual(authorizerCacheKey('api', 'a1', ['x']), authorizerCacheKey('api', 'a2', ['x']));
    assert.equal(authorizerCacheKey('api', 'a1', ['x']), authorizerCacheKey('api', 'a1', ['x']));
    assert.ok(authorizerCacheKey('api', 'a1', ['x']).startsWith(JSON.stringify(['api']).slice(0, -1)), 'forgotten with its API');
  });

  it("gives the authorizer the route's event without its body, with type, routeArn and the identity", () => {
    const arn = routeArnOf({
      region: 'us-east-1',
      accountId: '123456789012',
      apiId: 'abcdefghij',
      stage: 'prod',
      method: 'get',
      path: '/pets/7',
    });
    assert.equal(arn, ARN);
    const e = authorizerEventV2(event, arn, ['T1']);
    assert.deepEqual(Object.keys(e).slice(0, 4), ['version', 'type', 'routeArn', 'identitySource']);
    assert.deepEqual(
      [e.version, e.type, e.routeArn, e.identitySource, e.routeKey, e.rawPath],
      ['2.0', 'REQUEST', ARN, ['T1'], 'GET /pets/{id}', '/prod/pets/7'],
    );
    assert.deepEqual([e.cookies, e.pathParameters, e.requestContext.http.method], [['a=1', 'b=2'], { id: '7' }, 'GET']);
    assert.equal('body' in e, false);
    assert.equal('isBase64Encoded' in e, false);
  });

  it("gives a 1.0 authorizer the route's payload 1.0 event without its body, with type, methodArn and the identity joined, as AWS's example", () => {
    const e = authorizerEventV1(buildEventV1(req, eventContext), ARN, ['T1', 'abc']);
    // The fields of AWS's documented 1.0 authorizer event ("Working with AWS Lambda authorizers
    // for HTTP APIs") and the multi-value maps of the 1.0 event it is made from.
    assert.deepEqual(Object.keys(e), [
      'version',
      'type',
      'methodArn',
      'identitySource',
      'authorizationToken',
      'resource',
      'path',
      'httpMethod',
      'headers',
      'multiValueHeaders',
      'queryStringParameters',
      'multiValueQueryStringParameters',
      'requestContext',
      'pathParameters',
      'stageVariables',
    ]);
    assert.deepEqual(
      [e.version, e.type, e.methodArn, e.identitySource, e.authorizationToken, e.resource, e.path, e.httpMethod],
      ['1.0', 'REQUEST', ARN, 'T1,abc', 'T1,abc', '/pets/{id}', '/prod/pets/7', 'GET'],
    );
    // Header names as sent, the Cookie header kept; the query decoded, its last value and all of them.
    assert.deepEqual([e.headers['X-Token'], e.headers.Cookie, e.multiValueHeaders['User-Agent']], ['T1', 'a=1; b=2', ['ua']]);
    assert.deepEqual([e.queryStringParameters?.a, e.multiValueQueryStringParameters?.a], ['2', ['1', '2']]);
    assert.deepEqual([e.pathParameters, e.stageVariables], [{ id: '7' }, { tenant: 'blue', none: '' }]);
    const c = e.requestContext;
    assert.deepEqual(
      [c.path, c.accountId, c.resourceId, c.stage, c.requestId, c.resourcePath, c.httpMethod, c.apiId],
      ['/prod/pets/7', '123456789012', 'GET /pets/{id}', 'prod', 'rid=', '/pets/{id}', 'GET', 'abcdefghij'],
    );
    assert.deepEqual([c.identity.sourceIp, c.identity.userAgent, c.identity.user], ['192.0.2.1', 'ua', null]);
    assert.equal('authorizer' in c, false, 'nothing has authorized it yet');
    assert.equal('body' in e, false);
    assert.equal('isBase64Encoded' in e, false);
    // No identity sources: nothing to join.
    assert.deepEqual([authorizerEventV1(buildEventV1(req, eventContext), ARN, []).identitySource], ['']);
  });

  it('decides simple responses: isAuthorized true or false, with its context (null: none); anything else is invalid', () => {
    assert.deepEqual(decideAuthorizerAnswer({ isAuthorized: true, context: { u: 1 } }, true, ARN), { kind: 'allow', context: { u: 1 } });
    assert.deepEqual(decideAuthorizerAnswer({ isAuthorized: true }, true, ARN), { kind: 'allow', context: null });
    assert.deepEqual(decideAuthorizerAnswer({ isAuthorized: false, context: { u: 1 } }, true, ARN), { kind: 'deny' });
    for (const bad of [
      undefined,
      null,
      'yes',
      true,
      [],
      { isAuthorized: 'true' },
      { isAuthorized: true, context: 'c' },
      { policyDocument: {} },
    ])
      assert.equal(decideAuthorizerAnswer(bad, true, ARN).kind, 'invalid', JSON.stringify(bad));
  });

  it('decides IAM policies on the route ARN: an applying Allow allows, an applying Deny wins, none applying denies', () => {
    const policy = (...Statement: unknown[]) => ({
      principalId: 'p',
      policyDocument: { Version: '2012-10-17', Statement },
      context: { who: 'p' },
    });
    const allow = (Resource: unknown, Action: unknown = 'execute-api:Invoke') => ({ Effect: 'Allow', Action, Resource });
    const deny = (Resource: unknown) => ({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource });
    const decide = (answer: unknown) => decideAuthorizerAnswer(answer, false, ARN).kind;
    assert.equal(decide(policy(allow(ARN))), 'allow');
    assert.deepEqual(decideAuthorizerAnswer(policy(allow(ARN)), false, ARN), { kind: 'allow', context: { who: 'p' } });
    assert.equal(decide(policy(allow('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/*'))), 'allow');
    assert.equal(decide(policy(allow('arn:aws:execute-api:*:*:abcdefghij/prod/GET/pets/?'))), 'allow');
    assert.equal(decide(policy(allow(['arn:other', '*']))), 'allow');
    assert.equal(decide(policy(allow(ARN, ['s3:GetObject', 'execute-api:*']))), 'allow');
    assert.equal(decide(policy(allow(ARN, 'EXECUTE-API:invoke'))), 'allow', 'actions are not case sensitive');
    assert.equal(decide({ policyDocument: { Statement: allow(ARN) } }), 'allow', 'one statement, not a list');
    assert.equal(decide(policy(allow('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/POST/*'))), 'deny');
    assert.equal(decide(policy(allow('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/pets/?'.replace('?', '7?')))), 'deny');
    assert.equal(decide(policy(allow(ARN, 's3:GetObject'))), 'deny');
    assert.equal(decide(policy()), 'deny');
    assert.equal(decide(policy(allow('*'), deny(ARN))), 'deny', 'an explicit Deny wins');
    assert.equal(decide(policy(deny('*/POST/*'), allow(ARN))), 'allow', 'a Deny that does not apply');
    for (const bad of [
      {},
      { policyDocument: 'p' },
      { policyDocument: { Statement: 'x' } },
      policy({ Effect: 'Maybe', Action: 'execute-api:Invoke', Resource: '*' }),
      policy({ Effect: 'Allow', Resource: '*' }),
      policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [] }),
      { ...policy(allow('*')), context: [1] },
    ])
      assert.equal(decide(bad), 'invalid', JSON.stringify(bad));
  });
});
