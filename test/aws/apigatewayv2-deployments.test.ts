/**
 * Stages that do not auto-deploy, through the real AWS SDK client and real sandboxed functions:
 * such a stage serves nothing until a deployment, then the API as deployed (routes, their
 * integrations' functions, CORS) while the API changes on; redeploying, rolling back with
 * UpdateStage DeploymentId and switching AutoDeploy both ways; its variables and route settings
 * (throttles) take effect without redeploying; a deployment a stage serves is not deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ApiGatewayV2Client,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteDeploymentCommand,
  DeleteRouteSettingsCommand,
  ExportApiCommand,
  GetIntegrationsCommand,
  GetStageCommand,
  GetStagesCommand,
  UpdateApiCommand,
  UpdateIntegrationCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { accountIdOf } from '../../src/aws/index.ts';
import type { HttpApis } from '../../src/store/index.ts';
import { apiGatewayClient } from '../helpers/apigatewayv2.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, userKey } from '../helpers/platform.ts';
import { refusedBy } from '../helpers/sfn.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: ApiGatewayV2Client;

const fn = (name: string) => `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:${name}`;

before(async () => {
  p = await testPlatform();
  const key = await userKey(p, 'alice');
  alice = apiGatewayClient(p.url!, key);
  const lambda = lambdaClient(p.url!, key);
  for (const name of ['one', 'two'])
    await createNodeFunction(lambda, name, {
      Code: {
        ZipFile: makeZip({
          'index.js': `exports.handler = async (e) => ({ fn: '${name}', route: e.routeKey, stage: e.requestContext.stage, vars: e.stageVariables ?? null });`,
        }),
      },
    });
  lambda.destroy();
});
after(async () => {
  alice?.destroy();
  await p?.close();
});

/** A request's status and JSON answer (the gateway's own answers are JSON too). */
async function call(url: string, headers: Record<string, string> = {}): Promise<[number, unknown, Headers]> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return [res.status, text ? JSON.parse(text) : null, res.headers];
}

describe('stages that do not auto-deploy', () => {
  it('serve nothing until deployed, then the API as deployed; rollback, redeploy, switching AutoDeploy', { skip: NO_SANDBOX }, async () => {
    const api = await alice.send(
      new CreateApiCommand({
        Name: 'snap',
        ProtocolType: 'HTTP',
        CorsConfiguration: { AllowOrigins: ['https://one.example'], AllowMethods: ['GET'] },
      }),
    );
    const ApiId = api.ApiId!;
    const base = api.ApiEndpoint!;
    const { IntegrationId } = await alice.send(
      new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: fn('one'), PayloadFormatVersion: '2.0' }),
    );
    const Target = `integrations/${IntegrationId}`;
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /a', Target }));

    // Made without a deployment: nothing served on it, while $default (auto-deployed) serves.
    const made = await alice.send(new CreateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: false, StageVariables: { v: '1' } }));
    assert.deepEqual([made.AutoDeploy, made.DeploymentId], [false, undefined]);
    assert.deepEqual((await call(`${base}/prod/a`)).slice(0, 2), [404, { message: 'Not Found' }]);
    assert.deepEqual((await call(`${base}/a`))[1], { fn: 'one', route: 'GET /a', stage: '$default', vars: null });

    // CreateDeployment with its name: the stage serves it.
    const d1 = (await alice.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod', Description: 'first' }))).DeploymentId!;
    const stage = await alice.send(new GetStageCommand({ ApiId, StageName: 'prod' }));
    assert.deepEqual([stage.AutoDeploy, stage.DeploymentId], [false, d1]);
    assert.deepEqual((await call(`${base}/prod/a`))[1], { fn: 'one', route: 'GET /a', stage: 'prod', vars: { v: '1' } });

    // The API changes: a route added, the integration retargeted, CORS changed. The stage keeps
    // serving what was deployed; $default serves the API as it is.
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /b', Target }));
    await alice.send(new UpdateIntegrationCommand({ ApiId, IntegrationId, IntegrationUri: fn('two') }));
    await alice.send(new UpdateApiCommand({ ApiId, CorsConfiguration: { AllowOrigins: ['https://two.example'], AllowMethods: ['GET'] } }));
    assert.deepEqual((await call(`${base}/prod/b`)).slice(0, 2), [404, { message: 'Not Found' }]);
    assert.equal(((await call(`${base}/prod/a`))[1] as { fn: string }).fn, 'one');
    assert.deepEqual((await call(`${base}/b`))[1], { fn: 'two', route: 'GET /b', stage: '$default', vars: null });
    // CORS is deployed with the routes (the API's on AWS, part of what a deployment serves).
    const [, , pinnedCors] = await call(`${base}/prod/a`, { origin: 'https://one.example' });
    assert.equal(pinnedCors.get('access-control-allow-origin'), 'https://one.example');
    const [, , liveCors] = await call(`${base}/a`, { origin: 'https://two.example' });
    assert.equal(liveCors.get('access-control-allow-origin'), 'https://two.example');
    const preflight = await fetch(`${base}/prod/a`, {
      method: 'OPTIONS',
      headers: { origin: 'https://two.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'the deployed CORS does not know the new origin');

    // The stage's own settings take effect at once, without a deployment: its variables, and
    // its route settings (throttles).
    await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', StageVariables: { v: '2' } }));
    assert.deepEqual(((await call(`${base}/prod/a`))[1] as { vars: unknown }).vars, { v: '2' });
    await alice.send(
      new UpdateStageCommand({
        ApiId,
        StageName: 'prod',
        RouteSettings: { 'GET /a': { ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 } },
      }),
    );
    assert.deepEqual((await call(`${base}/prod/a`)).slice(0, 2), [429, { message: 'Too Many Requests' }]);
    await alice.send(new DeleteRouteSettingsCommand({ ApiId, StageName: 'prod', RouteKey: 'GET /a' }));
    assert.equal((await call(`${base}/prod/a`))[0], 200);

    // Redeployed: the new route and target are served.
    const d2 = (await alice.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod' }))).DeploymentId!;
    assert.deepEqual((await call(`${base}/prod/b`))[1], { fn: 'two', route: 'GET /b', stage: 'prod', vars: { v: '2' } });

    // Rollback: UpdateStage names the earlier deployment.
    const back = await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: d1 }));
    assert.deepEqual([back.AutoDeploy, back.DeploymentId], [false, d1]);
    assert.equal((await call(`${base}/prod/b`))[0], 404);
    assert.equal(((await call(`${base}/prod/a`))[1] as { fn: string }).fn, 'one');
    // ExportApi of the stage writes what it serves; without a stage, the API as it is.
    const exported = async (StageName?: string) => {
      const out = await alice.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON', StageName }));
      const doc = JSON.parse(new TextDecoder().decode(out.body));
      return [Object.keys(doc.paths).sort(), doc['x-amazon-apigateway-cors']?.allowOrigins];
    };
    assert.deepEqual(await exported('prod'), [['/a'], ['https://one.example']]);
    assert.deepEqual(await exported(), [['/a', '/b'], ['https://two.example']]);

    // A deployment a stage serves is not deleted; one none serves is.
    const inUse = await refusedBy(alice.send(new DeleteDeploymentCommand({ ApiId, DeploymentId: d1 })));
    assert.deepEqual([inUse.status, inUse.name], [400, 'BadRequestException']);
    assert.match(inUse.message, /Active stages.*'prod'/);
    await alice.send(new DeleteDeploymentCommand({ ApiId, DeploymentId: d2 }));
    const gone = await refusedBy(alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: d2 })));
    assert.equal(gone.status, 404);

    // Switched to auto-deploy: the API as it is; it still reports the deployment.
    const live = await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: true }));
    assert.deepEqual([live.AutoDeploy, live.DeploymentId], [true, d1]);
    assert.equal(((await call(`${base}/prod/b`))[1] as { fn: string }).fn, 'two');
    // While it auto-deploys, it names no other deployment.
    const d3 = (await alice.send(new CreateDeploymentCommand({ ApiId }))).DeploymentId!;
    assert.equal((await refusedBy(alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: d3 })))).status, 400);

    // $default switched off auto-deploy keeps serving the deployment it reports: the API as it
    // was when that deployment was made for it.
    await alice.send(new CreateDeploymentCommand({ ApiId, StageName: '$default' }));
    const pinned = await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', AutoDeploy: false }));
    assert.equal(pinned.AutoDeploy, false);
    await alice.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /c', Target }));
    assert.equal((await call(`${base}/c`))[0], 404);
    assert.equal((await call(`${base}/prod/c`))[0], 200, 'the auto-deployed stage serves it');
    assert.equal((await call(`${base}/b`))[0], 200);
    const stages = await alice.send(new GetStagesCommand({ ApiId }));
    assert.deepEqual(
      stages.Items?.map((s) => [s.StageName, s.AutoDeploy, s.DeploymentId]),
      [
        ['$default', false, pinned.DeploymentId],
        ['prod', true, d1],
      ],
    );
    // And back: the API as it is.
    await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }));
    assert.equal((await call(`${base}/c`))[0], 200);
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('$default made with AutoDeploy false serves only its deployment', { skip: NO_SANDBOX }, async () => {
    const api = await alice.send(new CreateApiCommand({ Name: 'default-pinned', ProtocolType: 'HTTP', Target: fn('one') }));
    const ApiId = api.ApiId!;
    const base = api.ApiEndpoint!;
    assert.equal((await call(`${base}/any`))[0], 200, 'quick create: the $default route, auto-deployed');
    const d = (await alice.send(new CreateDeploymentCommand({ ApiId }))).DeploymentId!;
    await alice.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: false }));
    assert.deepEqual((await call(`${base}/any`)).slice(0, 2), [404, { message: 'Not Found' }]);
    const named = await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', DeploymentId: d }));
    assert.deepEqual([named.AutoDeploy, named.DeploymentId], [false, d]);
    assert.deepEqual((await call(`${base}/any`))[1], { fn: 'one', route: '$default', stage: '$default', vars: null });
    await alice.send(new DeleteApiCommand({ ApiId }));
  });
  it('a deployment recorded before deployments were snapshots: switching off auto-deploy keeps one of the API as it is; naming it otherwise is refused', {
    skip: NO_SANDBOX,
  }, async () => {
    const api = await alice.send(
      new CreateApiCommand({ Name: 'old-records', ProtocolType: 'HTTP', Target: fn('one'), RouteKey: 'GET /a' }),
    );
    const ApiId = api.ApiId!;
    const base = api.ApiEndpoint!;
    // As CreateDeployment recorded one before: listed with the API, no snapshot kept.
    const { httpApis } = p.store as unknown as { httpApis: HttpApis };
    await httpApis.createDeployment('alice', ApiId, { deploymentId: 'old0001', description: '', stage: '$default' });
    await httpApis.createDeployment('alice', ApiId, { deploymentId: 'old0002', description: '', stage: null });
    await alice.send(new CreateStageCommand({ ApiId, StageName: 'prod', AutoDeploy: false }));
    const refused = await refusedBy(alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: 'old0002' })));
    assert.deepEqual([refused.status, refused.name], [400, 'BadRequestException']);
    assert.match(refused.message, /create a deployment/);
    // $default reports old0001 and served the API as it is: switched off, it keeps serving that.
    const pinned = await alice.send(new UpdateStageCommand({ ApiId, StageName: '$default', AutoDeploy: false }));
    assert.deepEqual([pinned.AutoDeploy, pinned.DeploymentId], [false, 'old0001']);
    assert.equal((await call(`${base}/a`))[0], 200);
    await alice.send(
      new CreateRouteCommand({
        ApiId,
        RouteKey: 'GET /b',
        Target: `integrations/${(await alice.send(new GetIntegrationsCommand({ ApiId }))).Items?.[0]?.IntegrationId}`,
      }),
    );
    assert.equal((await call(`${base}/b`))[0], 404, 'added after the switch: not deployed');
    // The kept snapshot serves a named stage too.
    await alice.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: 'old0001' }));
    assert.equal((await call(`${base}/prod/a`))[0], 200);
    await alice.send(new DeleteApiCommand({ ApiId }));
  });
});
