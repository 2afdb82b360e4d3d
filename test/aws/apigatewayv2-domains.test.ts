/**
 * API Gateway v2's custom domain names and API mappings on a started Hangar, through the real
 * AWS SDK client: CRUD and its refusals (a taken name, a bad key, another user's API), and
 * requests whose Host is the domain name reaching a real Node function through a mapping with a
 * key and one without, the key taken off before routes match; no mapping: API Gateway's 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ApiGatewayV2Client,
  CreateApiCommand,
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteApiMappingCommand,
  DeleteDomainNameCommand,
  GetApiMappingCommand,
  GetApiMappingsCommand,
  GetDomainNameCommand,
  GetDomainNamesCommand,
  UpdateApiMappingCommand,
  UpdateDomainNameCommand,
} from '@aws-sdk/client-apigatewayv2';
import { accountIdOf } from '../../src/aws/index.ts';
import { apiGatewayClient } from '../helpers/apigatewayv2.ts';
import { requestWithHost } from '../helpers/host-request.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION, refusedBy } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, userKey } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let aliceKey: { keyId: string; key: string };
let alice: ApiGatewayV2Client;
let bob: ApiGatewayV2Client;

/** A refusal's status, error name and message. */
async function refused(c: ApiGatewayV2Client, command: object): Promise<[number, string, string]> {
  const r = await refusedBy(c.send(command as never));
  return [r.status, r.name, r.message];
}

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d';
/** What the function answers: where the request came from, as its event says. */
const ECHO =
  '{ path: e.rawPath, route: e.routeKey, stage: e.requestContext.stage, domainName: e.requestContext.domainName, domainPrefix: e.requestContext.domainPrefix, id: e.pathParameters?.id ?? null, vars: e.stageVariables ?? null }';

/** An API of alice's whose routes answer with the echo function, with a named stage `prod` that auto-deploys. */
async function echoApi(): Promise<string> {
  const api = await alice.send(
    new CreateApiCommand({
      Name: 'shop',
      ProtocolType: 'HTTP',
      Target: `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:echo`,
      RouteKey: 'GET /orders/{id}',
    }),
  );
  await alice.send(new CreateStageCommand({ ApiId: api.ApiId!, StageName: 'prod', AutoDeploy: true, StageVariables: { tier: 'prod' } }));
  return api.ApiId!;
}

before(async () => {
  p = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' });
  aliceKey = await userKey(p, 'alice');
  alice = apiGatewayClient(p.url!, aliceKey);
  bob = apiGatewayClient(p.url!, await userKey(p, 'bob'));
  await createNodeFunction(lambdaClient(p.url!, aliceKey), 'echo', {
    Code: { ZipFile: makeZip({ 'index.js': `exports.handler = async (e) => (${ECHO});` }) },
  });
});
after(async () => {
  alice?.destroy();
  bob?.destroy();
  await p?.close();
});

describe('API Gateway v2 custom domain names', () => {
  it('creates, reads, updates and deletes domain names and their API mappings, refusing what AWS refuses', async () => {
    const ApiId = await echoApi();
    const created = await alice.send(
      new CreateDomainNameCommand({
        DomainName: 'Crud.Example.test',
        DomainNameConfigurations: [{ CertificateArn: CERT, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
        Tags: { team: 'shop' },
      }),
    );
    const host = new URL(p.url!).hostname;
    assert.equal(created.DomainName, 'crud.example.test');
    assert.equal(created.ApiMappingSelectionExpression, '$request.basepath');
    assert.deepEqual(created.Tags, { team: 'shop' });
    const [config] = created.DomainNameConfigurations!;
    assert.deepEqual(
      [config?.CertificateArn, config?.EndpointType, config?.SecurityPolicy, config?.DomainNameStatus, config?.ApiGatewayDomainName],
      [CERT, 'REGIONAL', 'TLS_1_2', 'AVAILABLE', host],
    );
    assert.match(config?.HostedZoneId ?? '', /^Z[A-Z0-9]+$/);
    const got = await alice.send(new GetDomainNameCommand({ DomainName: 'crud.example.test' }));
    assert.deepEqual(got.DomainNameConfigurations, created.DomainNameConfigurations);
    assert.deepEqual(
      (await alice.send(new GetDomainNamesCommand({}))).Items?.map((d) => d.DomainName),
      ['crud.example.test'],
    );
    const updated = await alice.send(
      new UpdateDomainNameCommand({ DomainName: 'crud.example.test', DomainNameConfigurations: [{ CertificateArn: `${CERT}-2` }] }),
    );
    assert.equal(updated.DomainNameConfigurations?.[0]?.CertificateArn, `${CERT}-2`);

    // A name is anyone's once; another user's is not found; what Hangar cannot do is refused.
    assert.deepEqual((await refused(bob, new CreateDomainNameCommand({ DomainName: 'crud.example.test' }))).slice(0, 2), [
      409,
      'ConflictException',
    ]);
    assert.deepEqual((await refused(bob, new GetDomainNameCommand({ DomainName: 'crud.example.test' }))).slice(0, 2), [
      404,
      'NotFoundException',
    ]);
    for (const [what, command, message] of [
      ['an IP address', new CreateDomainNameCommand({ DomainName: '10.1.2.3' }), /IP address/],
      ['a name under no domain the operator allows', new CreateDomainNameCommand({ DomainName: 'api.example.org' }), /not under a domain/],
      [
        'mutual TLS',
        new CreateDomainNameCommand({ DomainName: 'mtls.example.test', MutualTlsAuthentication: { TruststoreUri: 's3://b/k' } }),
        /mutualTlsAuthentication/,
      ],
      [
        'an EDGE endpoint',
        new CreateDomainNameCommand({ DomainName: 'edge.example.test', DomainNameConfigurations: [{ EndpointType: 'EDGE' }] }),
        /REGIONAL/,
      ],
      ['an execute-api name', new CreateDomainNameCommand({ DomainName: 'abcdefghij.execute-api.example.test' }), /execute-api/],
    ] as const) {
      const [status, name, said] = await refused(alice, command);
      assert.deepEqual([status, name], [400, 'BadRequestException'], `${what}: ${said}`);
      assert.match(said, message, what);
    }

    // Mappings: a key per domain once, an API and stage of the domain's owner.
    const DomainName = 'crud.example.test';
    const root = await alice.send(new CreateApiMappingCommand({ DomainName, ApiId, Stage: '$default' }));
    assert.match(root.ApiMappingId!, /^[a-z0-9]{10}$/);
    assert.deepEqual([root.ApiId, root.Stage, root.ApiMappingKey ?? ''], [ApiId, '$default', '']);
    const v1 = await alice.send(new CreateApiMappingCommand({ DomainName, ApiId, Stage: 'prod', ApiMappingKey: 'v1/shop' }));
    assert.deepEqual([v1.Stage, v1.ApiMappingKey], ['prod', 'v1/shop']);
    assert.deepEqual(
      (await refused(alice, new CreateApiMappingCommand({ DomainName, ApiId, Stage: '$default', ApiMappingKey: 'v1/shop' }))).slice(0, 2),
      [409, 'ConflictException'],
    );
    for (const key of ['/v1', 'v1/', 'v1//x', 'a b']) {
      const [status, name] = await refused(
        alice,
        new CreateApiMappingCommand({ DomainName, ApiId, Stage: '$default', ApiMappingKey: key }),
      );
      assert.deepEqual([status, name], [400, 'BadRequestException'], key);
    }
    assert.deepEqual(
      (await refused(alice, new CreateApiMappingCommand({ DomainName, ApiId, Stage: 'nosuch', ApiMappingKey: 'x' }))).slice(0, 2),
      [404, 'NotFoundException'],
    );
    // Bob's own domain, mapping alice's API: not found, as if there were none.
    await bob.send(new CreateDomainNameCommand({ DomainName: 'bob.example.test' }));
    const [status, name, said] = await refused(
      bob,
      new CreateApiMappingCommand({ DomainName: 'bob.example.test', ApiId, Stage: '$default' }),
    );
    assert.deepEqual([status, name], [404, 'NotFoundException']);
    assert.match(said, new RegExp(ApiId));
    await bob.send(new DeleteDomainNameCommand({ DomainName: 'bob.example.test' }));

    assert.deepEqual(
      await alice.send(new GetApiMappingCommand({ DomainName, ApiMappingId: v1.ApiMappingId! })).then((m) => m.ApiMappingKey),
      'v1/shop',
    );
    const moved = await alice.send(new UpdateApiMappingCommand({ DomainName, ApiMappingId: v1.ApiMappingId!, ApiId, ApiMappingKey: 'v2' }));
    assert.deepEqual([moved.ApiMappingKey, moved.Stage], ['v2', 'prod']);
    assert.deepEqual(
      (await alice.send(new GetApiMappingsCommand({ DomainName }))).Items?.map((m) => m.ApiMappingKey ?? ''),
      ['', 'v2'],
    );
    await alice.send(new DeleteApiMappingCommand({ DomainName, ApiMappingId: root.ApiMappingId! }));
    assert.deepEqual((await refused(alice, new GetApiMappingCommand({ DomainName, ApiMappingId: root.ApiMappingId! }))).slice(0, 2), [
      404,
      'NotFoundException',
    ]);
    // An API a mapping names is not deleted: API Gateway's 400 and sentence, nothing gone.
    const [dStatus, dName, dSaid] = await refused(alice, new DeleteApiCommand({ ApiId }));
    assert.deepEqual([dStatus, dName], [400, 'BadRequestException']);
    assert.match(
      dSaid,
      new RegExp(
        `^Deleting API ${ApiId} failed\\. Please remove all API mappings for the API from your custom domain names: ${DomainName.replaceAll('.', '\\.')}/v2$`,
      ),
    );
    assert.deepEqual(
      (await alice.send(new GetApiMappingsCommand({ DomainName }))).Items?.map((m) => m.ApiMappingKey),
      ['v2'],
    );
    // Its mappings deleted first (as Terraform does), it goes; deleting the name, the name.
    await alice.send(new DeleteApiMappingCommand({ DomainName, ApiMappingId: v1.ApiMappingId! }));
    await alice.send(new DeleteApiCommand({ ApiId }));
    await alice.send(new DeleteDomainNameCommand({ DomainName }));
    assert.deepEqual((await refused(alice, new GetDomainNameCommand({ DomainName }))).slice(0, 2), [404, 'NotFoundException']);
  });

  it('serves a request to the domain name by the mapping whose key prefixes its path, the key taken off', {
    skip: NO_SANDBOX,
  }, async () => {
    const ApiId = await echoApi();
    const DomainName = 'api.example.test';
    await alice.send(new CreateDomainNameCommand({ DomainName }));
    // A name without mappings is the gateway's already: API Gateway's 404.
    const bare = await requestWithHost(p.url!, DomainName, '/v1/orders/7');
    assert.deepEqual([bare.status, bare.body], [404, { message: 'Not Found' }]);
    await alice.send(new CreateApiMappingCommand({ DomainName, ApiId, Stage: 'prod', ApiMappingKey: 'v1' }));
    const port = new URL(p.url!).port;

    const keyed = await requestWithHost(p.url!, `API.example.test:${port}`, '/v1/orders/7?x=1');
    assert.equal(keyed.status, 200, JSON.stringify(keyed.body));
    // The route matched the path after the key, and that is the 2.0 event's rawPath too (AWS:
    // rawPath "won't provide the API mapping value"); the stage is the mapping's.
    assert.deepEqual(keyed.body, {
      path: '/orders/7',
      route: 'GET /orders/{id}',
      stage: 'prod',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      id: '7',
      vars: { tier: 'prod' },
    });
    // No mapping for the path: API Gateway's 404.
    const unmapped = await requestWithHost(p.url!, DomainName, '/orders/7');
    assert.deepEqual([unmapped.status, unmapped.body], [404, { message: 'Not Found' }]);
    const partial = await requestWithHost(p.url!, DomainName, '/v1x/orders/7');
    assert.deepEqual([partial.status, partial.body], [404, { message: 'Not Found' }]);

    // The empty key takes what no other key does.
    await alice.send(new CreateApiMappingCommand({ DomainName, ApiId, Stage: '$default' }));
    const rooted = await requestWithHost(p.url!, DomainName, '/orders/8');
    assert.equal(rooted.status, 200, JSON.stringify(rooted.body));
    assert.deepEqual(
      [rooted.body.path, rooted.body.stage, rooted.body.id, rooted.body.domainName],
      ['/orders/8', '$default', '8', DomainName],
    );
    assert.deepEqual((await requestWithHost(p.url!, DomainName, '/v1/orders/9')).body.stage, 'prod');
    // A path no route of the mapped API has: the API's 404.
    const noRoute = await requestWithHost(p.url!, DomainName, '/v1/nothing');
    assert.deepEqual([noRoute.status, noRoute.body], [404, { message: 'Not Found' }]);

    // The prefix form is as it was.
    const prefixed = await fetch(`${p.url}/http/${ApiId}/orders/3`);
    assert.equal(((await prefixed.json()) as { domainName: string }).domainName, `${ApiId}.execute-api.${new URL(p.url!).hostname}`);

    // The name deleted: its Host is Hangar's own API again.
    await alice.send(new DeleteDomainNameCommand({ DomainName }));
    const gone = await requestWithHost(p.url!, DomainName, '/orders/8');
    assert.match(String(gone.headers['content-type']), /application\/problem\+json/);
    await alice.send(new DeleteApiCommand({ ApiId }));
  });
});
