/**
 * Scale-out: a deployment made through one API node, and a stage pointed at it, are served by
 * another node of the same deployment (one PostgreSQL schema): it reads the API again within a
 * second (app/http-gateway.ts API_KEEP_MS), then the deployment's snapshot from the store once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ApiGatewayV2Client,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetIntegrationsCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { accountIdOf } from '../../src/aws/index.ts';
import { apiGatewayClient } from '../helpers/apigatewayv2.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { nodeBeside, testPlatform, type TestPlatform, until, userKey } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let a: TestPlatform;
let b: TestPlatform;
let alice: ApiGatewayV2Client;

before(async () => {
  a = await testPlatform({}, { api: true, workers: true }, 'scale-out');
  b = await nodeBeside(a);
  const key = await userKey(a, 'alice');
  alice = apiGatewayClient(a.url!, key);
  await createNodeFunction(lambdaClient(a.url!, key), 'route', {
    Code: { ZipFile: makeZip({ 'index.js': 'exports.handler = async (e) => ({ route: e.routeKey, stage: e.requestContext.stage });' }) },
  });
});
after(async () => {
  alice?.destroy();
  await b?.close();
  await a?.close();
});

describe('deployments across API nodes', () => {
  it('a deployment made through one node is served by another; so is a rollback', { skip: NO_SANDBOX }, async () => {
    const api = await alice.send(
      new CreateApiCommand({
        Name: 'nodes',
        ProtocolType: 'HTTP',
        Target: `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:route`,
      }),
    );
    const ApiId = api.ApiId!;
    const onB = (path: string) => `${b.url}/http/${ApiId}${path}`;
    const status = async (url: string) => (await fetch(url)).status;
    await alice.send(new CreateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: false }));
    assert.equal(await until(async () => (await status(onB('/prod/x'))) === 404 && 404), 404);
    const d1 = (await alice.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod' }))).DeploymentId!;
    // Through the other node: once it reads the API again (within a second).
    const served = await until(async () => {
      const r = await fetch(onB('/prod/x'));
      return r.status === 200 && r.json();
    });
    assert.deepEqual(served, { route: '$default', stage: 'prod' });

    // A route added and deployed through the first node: the second serves it, then not once
    // the stage is rolled back.
    const IntegrationId = (await alice.send(new GetIntegrationsCommand({ ApiId }))).Items?.[0]?.IntegrationId;
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /only', Target: `integrations/${IntegrationId}` }));
    const routeOf = async (url: string) => {
      const r = await fetch(url);
      return r.status === 200 ? ((await r.json()) as { route: string }).route : null;
    };
    assert.equal(await routeOf(onB('/prod/only')), '$default', 'not deployed yet');
    await alice.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod' }));
    assert.equal(await until(async () => (await routeOf(onB('/prod/only'))) === 'GET /only' && 'GET /only'), 'GET /only');
    await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: d1 }));
    assert.equal(await until(async () => (await routeOf(onB('/prod/only'))) === '$default' && '$default'), '$default');
  });
});
