/**
 * Lambda (REQUEST) authorizers of HTTP APIs on a started Hangar, through the real AWS SDK
 * client (@aws-sdk/client-apigatewayv2) and real sandboxed Node functions: CreateAuthorizer,
 * GetAuthorizer(s), UpdateAuthorizer and DeleteAuthorizer with API Gateway's fields, ExportApi and
 * ImportApi of one; a route
 * guarded by one (CUSTOM) lets in what the function allows, with its context in
 * requestContext.authorizer.lambda, refuses what it denies (403), refuses a request without its
 * identity source without running it (401), and answers 500 when it throws or answers nonsense;
 * simple responses and IAM policies; with a TTL, one identity runs it once. The authorizer's runs
 * are counted as its function's invocations in /metrics. A payload 1.0 authorizer gets the
 * REST-like event (methodArn, identitySource comma-joined) and answers an IAM policy only; its
 * context reaches a 1.0 route's function and a 2.0 route's alike, in requestContext.authorizer.lambda.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  type CreateAuthorizerCommandInput,
  CreateIntegrationCommand,
  CreateRouteCommand,
  DeleteApiCommand,
  DeleteAuthorizerCommand,
  DeleteRouteCommand,
  ExportApiCommand,
  GetAuthorizerCommand,
  GetAuthorizersCommand,
  GetRouteCommand,
  GetRoutesCommand,
  ImportApiCommand,
  UpdateAuthorizerCommand,
} from '@aws-sdk/client-apigatewayv2';
import { accountIdOf } from '../../src/aws/index.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION, refusedBy } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

type Key = { keyId: string; key: string };
let p: TestPlatform;
let alice: ApiGatewayV2Client;
let aliceKey: Key;

const fnArn = (fn: string) => `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:${fn}`;
const uriOf = (fn: string) => `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn(fn)}/invocations`;

/** `fn`'s runs once /metrics counts at least `n`. */
const runsOnce = (fn: string, n: number) =>
  until(async () => {
    const runs = await runsOf(fn);
    return runs >= n ? runs : false;
  });

/** The runs of alice's function `fn` /metrics counts, whatever their status. */
async function runsOf(fn: string): Promise<number> {
  const text = (await p.inject({ method: 'GET', url: '/metrics' })).body;
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('hangar_function_invocations_total{') && line.includes('user="alice"') && line.includes(`function="${fn}"`))
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
  return n;
}

/** A refusal of alice's call: its status, error name and message. */
async function refused(command: object): Promise<[number, string, string]> {
  const r = await refusedBy(alice.send(command as never));
  return [r.status, r.name, r.message];
}

/** ExportApi's document of `ApiId` (JSON) and the authorizer of its security scheme `name`. */
async function exportOf(ApiId: string, name: string) {
  const exported = await alice.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON' }));
  const doc = JSON.parse(Buffer.from(exported.body!).toString('utf8'));
  return { doc, authorizer: doc.components.securitySchemes[name]['x-amazon-apigateway-authorizer'] as unknown };
}

/** The simple-response authorizer `simple` of `ApiId`, reading X-Token. */
const simpleAuthorizer = (ApiId: string) =>
  new CreateAuthorizerCommand({
    ApiId,
    Name: 'simple',
    AuthorizerType: 'REQUEST',
    AuthorizerUri: uriOf('simple'),
    IdentitySource: ['$request.header.X-Token'],
    AuthorizerPayloadFormatVersion: '2.0',
    EnableSimpleResponses: true,
  });

before(async () => {
  p = await testPlatform();
  const k: Key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  aliceKey = k;
  alice = new ApiGatewayV2Client({
    endpoint: p.url!,
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    maxAttempts: 1,
  });
  const lambda = lambdaClient(p.url!, k);
  const fn = (name: string, body: string) =>
    createNodeFunction(lambda, name, { Code: { ZipFile: makeZip({ 'index.js': `exports.handler = async (e) => { ${body} };` }) } });
  // A simple-response authorizer: the token says what it answers.
  await fn(
    'simple',
    `const t = e.identitySource[0];
     if (t === 'boom') throw new Error('boom');
     if (t === 'garbage') return 'yes';
     return { isAuthorized: t === 'good', context: { user: 'u-' + t, type: e.type, version: e.version, routeArn: e.routeArn,
       routeKey: e.routeKey, hasBody: 'body' in e, query: e.queryStringParameters ?? null } };`,
  );
  // An IAM policy authorizer: allows GET on /iam/* of this API, denies /iam/secret explicitly.
  await fn(
    'policy',
    `const [base] = e.routeArn.split('/');
     if (e.identitySource[0] !== 'good') return { principalId: 'nobody', policyDocument: { Version: '2012-10-17', Statement: [] } };
     return { principalId: 'u1', context: { who: 'u1' }, policyDocument: { Version: '2012-10-17', Statement: [
       { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [base + '/*/GET/iam/*'] },
       { Action: 'execute-api:*', Effect: 'Deny', Resource: base + '/$default/GET/iam/secre?' } ] } };`,
  );
  await fn('echo', 'return { authorizer: e.requestContext.authorizer ?? null, path: e.rawPath };');
  // A payload 1.0 authorizer: an IAM policy for GET /v*/* of this API, its own event in the context.
  await fn(
    'policy1',
    `const [token, tenant] = e.identitySource.split(',');
     if (token === 'simple') return { isAuthorized: true };
     const [base] = e.methodArn.split('/');
     const policyDocument = { Version: '2012-10-17', Statement: [
       { Action: 'execute-api:Invoke', Effect: token === 'bad' ? 'Deny' : 'Allow', Resource: base + '/*/GET/v*/*' } ] };
     if (token === 'bare') return { principalId: 'u-bare', policyDocument };
     return { principalId: 'u-' + token, policyDocument, context: { user: 'u-' + token, tenant, version: e.version, type: e.type,
       methodArn: e.methodArn, identitySource: e.identitySource, authorizationToken: e.authorizationToken, resource: e.resource,
       httpMethod: e.httpMethod, hasRouteArn: 'routeArn' in e, hasBody: 'body' in e, query: e.multiValueQueryStringParameters } };`,
  );
  // Answers as a 1.0 route needs and a 2.0 route takes: what its event says of the authorizer.
  await fn(
    'echo1',
    'return { statusCode: 200, body: JSON.stringify({ version: e.version, authorizer: e.requestContext.authorizer ?? null }) };',
  );
  lambda.destroy();
});
after(async () => {
  alice?.destroy();
  await p?.close();
});

describe('API Gateway v2 Lambda authorizers', () => {
  it('CreateAuthorizer, Get, Update and Delete a REQUEST authorizer with API Gateway fields; a CUSTOM route uses it', async () => {
    const ApiId = (await alice.send(new CreateApiCommand({ Name: 'authz', ProtocolType: 'HTTP' }))).ApiId!;
    const a = await alice.send(simpleAuthorizer(ApiId));
    const AuthorizerId = a.AuthorizerId!;
    assert.match(AuthorizerId, /^[a-z0-9]{7}$/);
    const want = {
      AuthorizerId,
      AuthorizerType: 'REQUEST',
      Name: 'simple',
      AuthorizerUri: uriOf('simple'),
      IdentitySource: ['$request.header.X-Token'],
      AuthorizerPayloadFormatVersion: '2.0',
      AuthorizerResultTtlInSeconds: 0,
      EnableSimpleResponses: true,
    };
    const { $metadata: _, ...created } = a;
    assert.deepEqual(created, want);
    const { $metadata: __, ...got } = await alice.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }));
    assert.deepEqual(got, want);
    assert.deepEqual((await alice.send(new GetAuthorizersCommand({ ApiId }))).Items, [want]);

    // Only the fields given change; a plain function ARN names the function too.
    const updated = await alice.send(
      new UpdateAuthorizerCommand({ ApiId, AuthorizerId, AuthorizerResultTtlInSeconds: 300, AuthorizerUri: fnArn('policy') }),
    );
    assert.deepEqual(
      [updated.AuthorizerResultTtlInSeconds, updated.AuthorizerUri, updated.EnableSimpleResponses, updated.IdentitySource],
      [300, uriOf('policy'), true, ['$request.header.X-Token']],
    );

    const IntegrationId = (
      await alice.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo') }))
    ).IntegrationId!;
    const Target = `integrations/${IntegrationId}`;
    const route = await alice.send(
      new CreateRouteCommand({ ApiId, RouteKey: 'GET /a', Target, AuthorizationType: 'CUSTOM', AuthorizerId }),
    );
    assert.deepEqual([route.AuthorizationType, route.AuthorizerId], ['CUSTOM', AuthorizerId]);
    assert.equal((await alice.send(new GetRouteCommand({ ApiId, RouteId: route.RouteId }))).AuthorizationType, 'CUSTOM');
    // Natively, the route's auth is the authorizer's.
    assert.deepEqual((await p.inject({ method: 'GET', url: `/http-apis/${ApiId}/routes?userId=alice` })).json().routes[0].auth, {
      kind: 'lambda',
      functionName: 'policy',
      qualifier: null,
      identitySource: ['$request.header.X-Token'],
      simpleResponses: true,
      resultTtlS: 300,
      payloadFormatVersion: '2.0',
    });

    // ExportApi writes it as API Gateway does; ImportApi makes it again.
    const { doc, authorizer } = await exportOf(ApiId, 'simple');
    assert.deepEqual(authorizer, {
      type: 'request',
      identitySource: '$request.header.X-Token',
      authorizerUri: uriOf('policy'),
      authorizerPayloadFormatVersion: '2.0',
      authorizerResultTtlInSeconds: 300,
      enableSimpleResponses: true,
    });
    assert.deepEqual(doc.paths['/a'].get.security, [{ simple: [] }]);
    const imported = (await alice.send(new ImportApiCommand({ Body: JSON.stringify(doc) }))).ApiId!;
    const [again] = (await alice.send(new GetAuthorizersCommand({ ApiId: imported }))).Items ?? [];
    assert.deepEqual(
      [
        again?.AuthorizerType,
        again?.Name,
        again?.AuthorizerUri,
        again?.IdentitySource,
        again?.AuthorizerResultTtlInSeconds,
        again?.EnableSimpleResponses,
      ],
      ['REQUEST', 'simple', uriOf('policy'), ['$request.header.X-Token'], 300, true],
    );
    const [importedRoute] = (await alice.send(new GetRoutesCommand({ ApiId: imported }))).Items ?? [];
    assert.deepEqual([importedRoute?.AuthorizationType, importedRoute?.AuthorizerId], ['CUSTOM', again?.AuthorizerId]);
    // A 1.0 authorizer answers an IAM policy only: with simple responses, the import is refused.
    doc.components.securitySchemes.simple['x-amazon-apigateway-authorizer'].authorizerPayloadFormatVersion = '1.0';
    const [status, , said] = await refused(new ImportApiCommand({ Body: JSON.stringify(doc) }));
    assert.equal(status, 400);
    assert.match(said, /EnableSimpleResponses .*can only be set for AuthorizerPayloadFormatVersion "2\.0"/);
    await alice.send(new DeleteApiCommand({ ApiId: imported }));

    /** A REQUEST authorizer of this API: `over` changes what a valid one has. */
    const request = (over: Partial<CreateAuthorizerCommandInput>) =>
      new CreateAuthorizerCommand({
        ApiId,
        Name: 'x',
        AuthorizerType: 'REQUEST',
        IdentitySource: [],
        AuthorizerUri: uriOf('simple'),
        AuthorizerPayloadFormatVersion: '2.0',
        ...over,
      });
    const cases: Array<[string, object, RegExp]> = [
      [
        'simple responses with payload format 1.0 (API Gateway refuses them so)',
        request({ AuthorizerPayloadFormatVersion: '1.0', EnableSimpleResponses: true }),
        /EnableSimpleResponses .*can only be set for AuthorizerPayloadFormatVersion "2\.0"\./,
      ],
      [
        'payload format 1.0 given to a simple-response authorizer',
        new UpdateAuthorizerCommand({ ApiId, AuthorizerId, AuthorizerPayloadFormatVersion: '1.0' }),
        /can only be set for AuthorizerPayloadFormatVersion "2\.0"/,
      ],
      [
        'payload format 3.0',
        request({ AuthorizerPayloadFormatVersion: '3.0' }),
        /authorizerPayloadFormatVersion 3\.0 is not supported: 1\.0 or 2\.0/,
      ],
      ['no payload format', request({ AuthorizerPayloadFormatVersion: undefined }), /authorizerPayloadFormatVersion is required/],
      ['no function', request({ AuthorizerUri: undefined }), /authorizerUri is required/],
      ['a function that is not there', request({ AuthorizerUri: uriOf('nope') }), /nope/],
      [
        'not a function',
        request({ AuthorizerUri: 'https://auth.example.com' }),
        /authorizerUri 'https:\/\/auth\.example\.com' is not a Lambda function/,
      ],
      ['a TTL without identity sources', request({ AuthorizerResultTtlInSeconds: 60 }), /needs identity sources/],
      ['a TTL over an hour', request({ IdentitySource: ['$request.header.a'], AuthorizerResultTtlInSeconds: 3601 }), /0 to 3600/],
      ['a bad identity source', request({ IdentitySource: ['$request.body.token'] }), /identity source/],
      ['credentials', request({ AuthorizerCredentialsArn: 'arn:aws:iam::123456789012:role/r' }), /authorizerCredentialsArn/],
      ['a JWT configuration', request({ JwtConfiguration: { Issuer: 'https://i.example', Audience: ['a'] } }), /jwtConfiguration/],
      ['another type', request({ AuthorizerType: 'COGNITO' as never }), /authorizerType must be JWT or REQUEST/],
      [
        'JWT for a REQUEST authorizer',
        new CreateRouteCommand({ ApiId, RouteKey: 'GET /b', Target, AuthorizationType: 'JWT', AuthorizerId }),
        /needs a JWT authorizer/,
      ],
    ];
    for (const [what, command, message] of cases) {
      const [status, name, said] = await refused(command);
      assert.deepEqual([status, name], [400, 'BadRequestException'], `${what}: ${said}`);
      assert.match(said, message, what);
    }
    assert.deepEqual((await refused(new DeleteAuthorizerCommand({ ApiId, AuthorizerId }))).slice(0, 2), [409, 'ConflictException']);
    await alice.send(new DeleteRouteCommand({ ApiId, RouteId: route.RouteId }));
    await alice.send(new DeleteAuthorizerCommand({ ApiId, AuthorizerId }));
    assert.deepEqual((await alice.send(new GetAuthorizersCommand({ ApiId }))).Items, []);
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('a route behind a Lambda authorizer: allowed with its context, denied 403, no identity 401 unrun, failures 500, answers kept for the TTL', {
    skip: NO_SANDBOX,
  }, async () => {
    const api = await alice.send(new CreateApiCommand({ Name: 'guarded', ProtocolType: 'HTTP' }));
    const ApiId = api.ApiId!;
    const Target = `integrations/${(await alice.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo') }))).IntegrationId}`;
    const simple = await alice.send(simpleAuthorizer(ApiId));
    await alice.send(
      new CreateRouteCommand({ ApiId, RouteKey: 'GET /pets/{id}', Target, AuthorizationType: 'CUSTOM', AuthorizerId: simple.AuthorizerId }),
    );
    const get = (path: string, token?: string) =>
      fetch(`${api.ApiEndpoint}${path}`, { headers: token === undefined ? {} : { 'x-token': token } });

    const missing = await get('/pets/1');
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { message: 'Unauthorized' });
    assert.equal((await get('/pets/1', '')).status, 401, 'an empty identity source is a missing one');

    const allowed = await get('/pets/7?q=1', 'good');
    assert.equal(allowed.status, 200);
    const routeArn = `arn:aws:execute-api:${REGION}:${accountIdOf('alice')}:${ApiId}/$default/GET/pets/7`;
    assert.deepEqual(await allowed.json(), {
      path: '/pets/7',
      authorizer: {
        lambda: {
          user: 'u-good',
          type: 'REQUEST',
          version: '2.0',
          routeArn,
          routeKey: 'GET /pets/{id}',
          hasBody: false,
          query: { q: '1' },
        },
      },
    });
    // The two 401s ran nothing: the one allowed request is the authorizer's only run.
    assert.equal(await runsOnce('simple', 1), 1);

    const denied = await get('/pets/1', 'bad');
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { message: 'Forbidden' });
    for (const token of ['boom', 'garbage']) {
      const failed = await get('/pets/1', token);
      assert.equal(failed.status, 500, token);
      assert.deepEqual(await failed.json(), { message: 'Internal Server Error' });
    }
    assert.equal(await runsOnce('simple', 4), 4);

    // With a TTL, an identity's answer is kept: the same token again runs nothing, another one runs it.
    await alice.send(new UpdateAuthorizerCommand({ ApiId, AuthorizerId: simple.AuthorizerId, AuthorizerResultTtlInSeconds: 300 }));
    assert.equal((await get('/pets/1', 'good')).status, 200);
    assert.equal((await get('/pets/2', 'good')).status, 200);
    assert.equal((await get('/pets/3', 'bad')).status, 403);
    assert.equal((await get('/pets/4', 'bad')).status, 403, 'a kept deny');
    assert.equal(await runsOnce('simple', 6), 6);

    // An IAM policy: Allow on GET /iam/*, an explicit Deny (with ?) on /iam/secret.
    const iam = await alice.send(
      new CreateAuthorizerCommand({
        ApiId,
        Name: 'iam',
        AuthorizerType: 'REQUEST',
        AuthorizerUri: uriOf('policy'),
        IdentitySource: ['$request.querystring.token'],
        AuthorizerPayloadFormatVersion: '2.0',
      }),
    );
    assert.equal(iam.EnableSimpleResponses, false);
    await alice.send(
      new CreateRouteCommand({ ApiId, RouteKey: 'GET /iam/{name}', Target, AuthorizationType: 'CUSTOM', AuthorizerId: iam.AuthorizerId }),
    );
    await alice.send(
      new CreateRouteCommand({ ApiId, RouteKey: 'POST /iam/{name}', Target, AuthorizationType: 'CUSTOM', AuthorizerId: iam.AuthorizerId }),
    );
    const pass = await get('/iam/open?token=good');
    assert.equal(pass.status, 200);
    assert.deepEqual(((await pass.json()) as { authorizer: unknown }).authorizer, { lambda: { who: 'u1' } });
    assert.equal((await get('/iam/secret?token=good')).status, 403, 'the explicit Deny');
    assert.equal((await get('/iam/open?token=bad')).status, 403, 'no statement applies');
    assert.equal((await fetch(`${api.ApiEndpoint}/iam/open?token=good`, { method: 'POST' })).status, 403, 'POST is not allowed');
    assert.equal((await get('/iam/open')).status, 401);
    // The authorizer's function gone: the authorizer fails, 500.
    const lambda = lambdaClient(p.url!, aliceKey);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'policy' }));
    lambda.destroy();
    const gone = await get('/iam/open?token=good');
    assert.equal(gone.status, 500);
    assert.deepEqual(await gone.json(), { message: 'Internal Server Error' });
    const metrics = (await p.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^hangar_http_api_requests_total\{outcome="authorizer_failed"\} 3$/m);
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('a payload 1.0 authorizer: its REST-like event, an IAM policy on the route ARN, its context in requestContext.authorizer.lambda of a 1.0 route and a 2.0 route', {
    skip: NO_SANDBOX,
  }, async () => {
    const api = await alice.send(new CreateApiCommand({ Name: 'v1-authz', ProtocolType: 'HTTP' }));
    const ApiId = api.ApiId!;
    const integration = async (PayloadFormatVersion: string) =>
      `integrations/${(await alice.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn('echo1'), PayloadFormatVersion }))).IntegrationId}`;
    const v1 = await alice.send(
      new CreateAuthorizerCommand({
        ApiId,
        Name: 'v1',
        AuthorizerType: 'REQUEST',
        AuthorizerUri: uriOf('policy1'),
        IdentitySource: ['$request.header.X-Token', '$request.querystring.tenant'],
        AuthorizerPayloadFormatVersion: '1.0',
        AuthorizerResultTtlInSeconds: 300,
      }),
    );
    assert.deepEqual([v1.AuthorizerPayloadFormatVersion, v1.EnableSimpleResponses], ['1.0', false]);
    const AuthorizerId = v1.AuthorizerId;
    for (const [RouteKey, Target] of [
      ['GET /v1/{id}', await integration('1.0')],
      ['GET /v2/{id}', await integration('2.0')],
    ] as const)
      await alice.send(new CreateRouteCommand({ ApiId, RouteKey, Target, AuthorizationType: 'CUSTOM', AuthorizerId }));
    const get = (path: string, token: string) => fetch(`${api.ApiEndpoint}${path}`, { headers: { 'x-token': token } });
    const arnOf = (path: string) => `arn:aws:execute-api:${REGION}:${accountIdOf('alice')}:${ApiId}/$default/GET${path}`;

    const on1 = await get('/v1/7?tenant=blue', 'good');
    assert.equal(on1.status, 200);
    const context = {
      user: 'u-good',
      tenant: 'blue',
      version: '1.0',
      type: 'REQUEST',
      methodArn: arnOf('/v1/7'),
      identitySource: 'good,blue',
      authorizationToken: 'good,blue',
      resource: '/v1/{id}',
      httpMethod: 'GET',
      hasRouteArn: false,
      hasBody: false,
      query: { tenant: ['blue'] },
    };
    // A 1.0 route: nested under lambda, as on a 2.0 route (not flattened as a REST API does), and
    // no principalId.
    assert.deepEqual(await on1.json(), { version: '1.0', authorizer: { lambda: context } });
    // The same identity on the 2.0 route: the kept answer (its context as given for /v1/7), its
    // policy evaluated for this route.
    const on2 = await get('/v2/8?tenant=blue', 'good');
    assert.equal(on2.status, 200);
    assert.deepEqual(await on2.json(), { version: '2.0', authorizer: { lambda: context } });
    assert.equal(await runsOnce('policy1', 1), 1);

    const bare = await get('/v2/1?tenant=blue', 'bare');
    assert.deepEqual(await bare.json(), { version: '2.0', authorizer: { lambda: null } }, 'an answer without context');
    const denied = await get('/v1/1?tenant=blue', 'bad');
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { message: 'Forbidden' });
    const simple = await get('/v1/1?tenant=blue', 'simple');
    assert.equal(simple.status, 500, 'a simple response from a 1.0 authorizer is neither shape it answers');
    assert.equal((await get('/v1/1', 'good')).status, 401, 'an identity source missing');
    assert.equal(await runsOnce('policy1', 4), 4);

    // GetAuthorizer, ExportApi and ImportApi keep its format; simple responses are refused on it.
    assert.equal((await alice.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }))).AuthorizerPayloadFormatVersion, '1.0');
    const [status, name, said] = await refused(new UpdateAuthorizerCommand({ ApiId, AuthorizerId, EnableSimpleResponses: true }));
    assert.deepEqual([status, name], [400, 'BadRequestException']);
    assert.match(said, /^EnableSimpleResponses .*can only be set for AuthorizerPayloadFormatVersion "2\.0"\.$/);
    const { doc, authorizer } = await exportOf(ApiId, 'v1');
    assert.deepEqual(authorizer, {
      type: 'request',
      identitySource: '$request.header.X-Token, $request.querystring.tenant',
      authorizerUri: uriOf('policy1'),
      authorizerPayloadFormatVersion: '1.0',
      authorizerResultTtlInSeconds: 300,
    });
    const imported = (await alice.send(new ImportApiCommand({ Body: JSON.stringify(doc) }))).ApiId!;
    const [again] = (await alice.send(new GetAuthorizersCommand({ ApiId: imported }))).Items ?? [];
    assert.deepEqual([again?.AuthorizerPayloadFormatVersion, again?.EnableSimpleResponses], ['1.0', false]);
    await alice.send(new DeleteApiCommand({ ApiId: imported }));
    await alice.send(new DeleteApiCommand({ ApiId }));
  });
});
