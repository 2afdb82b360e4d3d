/**
 * Scale-out: a custom domain name and API mapping made through one API node serve on another
 * node of the same deployment (one PostgreSQL schema), which hears of them by reading its index
 * of domain names again in the background (app/domain-index.ts); the mapping deleted through
 * the first, the other stops serving it likewise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ApiGatewayV2Client,
  CreateApiCommand,
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  DeleteApiMappingCommand,
} from '@aws-sdk/client-apigatewayv2';
import { accountIdOf } from '../../src/aws/index.ts';
import { apiGatewayClient } from '../helpers/apigatewayv2.ts';
import { requestWithHost } from '../helpers/host-request.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { nodeBeside, testPlatform, type TestPlatform, until, userKey } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let a: TestPlatform;
let b: TestPlatform;
let alice: ApiGatewayV2Client;

before(async () => {
  a = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' }, { api: true, workers: true }, 'scale-out');
  b = await nodeBeside(a);
  const key = await userKey(a, 'alice');
  alice = apiGatewayClient(a.url!, key);
  await createNodeFunction(lambdaClient(a.url!, key), 'where', {
    Code: {
      ZipFile: makeZip({ 'index.js': 'exports.handler = async (e) => ({ domainName: e.requestContext.domainName, path: e.rawPath });' }),
    },
  });
});
after(async () => {
  alice?.destroy();
  await b?.close();
  await a?.close();
});

describe('custom domain names across API nodes', () => {
  it('a mapping made through one node serves on another, and stops when deleted', { skip: NO_SANDBOX }, async () => {
    const api = await alice.send(
      new CreateApiCommand({
        Name: 'where',
        ProtocolType: 'HTTP',
        Target: `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:where`,
      }),
    );
    const DomainName = 'nodes.example.test';
    await alice.send(new CreateDomainNameCommand({ DomainName }));
    const m = await alice.send(new CreateApiMappingCommand({ DomainName, ApiId: api.ApiId!, Stage: '$default', ApiMappingKey: 'api' }));
    // Through the node that made it: at once.
    const onA = await requestWithHost(a.url!, DomainName, '/api/x');
    assert.deepEqual([onA.status, onA.body], [200, { domainName: DomainName, path: '/x' }]);
    // Through the other: once its index is read again (within a second).
    const onB = await until(async () => {
      const r = await requestWithHost(b.url!, DomainName, '/api/y');
      return r.status === 200 && r.body;
    });
    assert.deepEqual(onB, { domainName: DomainName, path: '/y' });
    await alice.send(new DeleteApiMappingCommand({ DomainName, ApiMappingId: m.ApiMappingId! }));
    // The domain has no mappings left: both nodes answer its requests with the gateway's 404.
    const notFound = { status: 404, body: { message: 'Not Found' } };
    const answer = async (url: string) => {
      const r = await requestWithHost(url, DomainName, '/api/y');
      return { status: r.status, body: r.body };
    };
    assert.deepEqual(await answer(a.url!), notFound);
    await until(async () => (await answer(b.url!)).status === 404);
    assert.deepEqual(await answer(b.url!), notFound);
  });
});
