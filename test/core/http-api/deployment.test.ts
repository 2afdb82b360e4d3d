import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deployTo,
  ErrorCode,
  type HttpApi,
  type HttpRoute,
  InvalidInput,
  NotFound,
  nextStageDeployment,
  putNamedStage,
  removeDeployment,
  snapshotNeededAt,
  snapshotOf,
  stageDeploymentOf,
  stageServes,
} from '../../../src/core/index.ts';

const route = (routeKey: string): HttpRoute => ({
  userId: 'alice',
  apiId: 'abcdefghij',
  routeKey,
  functionName: 'pets',
  qualifier: '3',
  auth: { kind: 'jwt', issuer: 'https://i.example', audience: ['a'], jwksUrl: null },
  throttle: { rate: 1, burst: 2 },
  cacheTtlS: 10,
  payloadFormatVersion: '1.0',
  integrationId: 'int0001',
  authorizerId: 'aut0001',
  createdAt: 0,
  updatedAt: 0,
});

const cors = { allowOrigins: ['https://a.example'], allowMethods: ['GET'], allowHeaders: [], exposeHeaders: [], allowCredentials: false };
const api: HttpApi = {
  userId: 'alice',
  apiId: 'abcdefghij',
  name: 'x',
  cors,
  throttle: { rate: 9, burst: 9 },
  stageVariables: { env: 'prod' },
  stages: [
    { name: 'old', variables: {}, createdAt: 0, updatedAt: 0 },
    { name: 'prod', variables: {}, autoDeploy: false, deploymentId: 'dep0001', createdAt: 0, updatedAt: 0 },
  ],
  integrations: [],
  authorizers: [],
  deployments: [
    { deploymentId: 'dep0001', description: '', createdAt: 1 },
    { deploymentId: 'dep0002', description: '', createdAt: 2 },
  ],
  deploymentId: 'dep0002',
  autoDeploy: true,
  createdAt: 0,
  updatedAt: 0,
};

describe('deployments as snapshots', () => {
  it("a snapshot holds the routes as they are, by key, and the API's CORS; not the routes' throttles (the stage's)", () => {
    const snap = snapshotOf(api, [route('GET /b'), route('GET /a')]);
    assert.deepEqual(snap.cors, cors);
    assert.deepEqual(
      snap.routes.map((r) => [r.routeKey, r.throttle, r.functionName, r.qualifier, r.auth.kind, r.payloadFormatVersion, r.cacheTtlS]),
      [
        ['GET /a', null, 'pets', '3', 'jwt', '1.0', 10],
        ['GET /b', null, 'pets', '3', 'jwt', '1.0', 10],
      ],
    );
  });

  it('what a stage serves: the API as it is, its deployment, or nothing until it names one', () => {
    assert.deepEqual(stageServes(stageDeploymentOf(api, null)), { kind: 'live' });
    // A named stage stored before it had AutoDeploy auto-deploys.
    assert.deepEqual(stageServes(stageDeploymentOf(api, api.stages[0] ?? null)), { kind: 'live' });
    assert.deepEqual(stageServes(stageDeploymentOf(api, api.stages[1] ?? null)), { kind: 'deployment', deploymentId: 'dep0001' });
    assert.deepEqual(stageServes({ autoDeploy: false, deploymentId: null }), { kind: 'nothing' });
  });

  it('a change of AutoDeploy and DeploymentId: rollback, switching both ways, refusals', () => {
    const pinned = { autoDeploy: false, deploymentId: 'dep0002' };
    assert.deepEqual(nextStageDeployment(api, pinned, { deploymentId: 'dep0001' }), { autoDeploy: false, deploymentId: 'dep0001' });
    assert.deepEqual(nextStageDeployment(api, pinned, { autoDeploy: true }), { autoDeploy: true, deploymentId: 'dep0002' });
    assert.deepEqual(nextStageDeployment(api, { autoDeploy: true, deploymentId: 'dep0002' }, { autoDeploy: false }), pinned);
    assert.deepEqual(nextStageDeployment(api, pinned, {}), pinned);
    assert.throws(
      () => nextStageDeployment(api, pinned, { deploymentId: 'nosuch1' }),
      (e: unknown) => e instanceof NotFound && e.code === ErrorCode.HttpDeploymentNotFound,
    );
    // An auto-deploying stage serves the API as it is: it names no other deployment.
    assert.throws(
      () => nextStageDeployment(api, { autoDeploy: true, deploymentId: 'dep0002' }, { deploymentId: 'dep0001' }),
      (e: unknown) => e instanceof InvalidInput && /autoDeploy true/.test(e.message),
    );
    assert.deepEqual(nextStageDeployment(api, { autoDeploy: true, deploymentId: 'dep0002' }, { deploymentId: 'dep0002' }), {
      autoDeploy: true,
      deploymentId: 'dep0002',
    });
  });

  it('switched to autoDeploy false, the deployment it reports is snapshotted now if it has none', () => {
    const live = { autoDeploy: true, deploymentId: 'dep0002' };
    const pinned = { autoDeploy: false, deploymentId: 'dep0002' };
    assert.equal(
      snapshotNeededAt(live, pinned, () => false),
      'dep0002',
    );
    assert.equal(
      snapshotNeededAt(live, pinned, () => true),
      null,
    );
    // Naming an earlier deployment is not a switch: its snapshot is not made from the API now.
    assert.equal(
      snapshotNeededAt(live, { autoDeploy: false, deploymentId: 'dep0001' }, () => false),
      null,
    );
    assert.equal(
      snapshotNeededAt({ autoDeploy: true, deploymentId: null }, { autoDeploy: false, deploymentId: null }, () => false),
      null,
    );
  });

  it('CreateDeployment with a stage points that stage at it; a served deployment is not deleted', () => {
    assert.deepEqual(deployTo(api, '$default', 'dep0003').deploymentId, 'dep0003');
    const named = deployTo(api, 'prod', 'dep0003');
    assert.deepEqual([named.deploymentId, named.stages[1]?.deploymentId], ['dep0002', 'dep0003']);
    assert.deepEqual(deployTo(api, null, 'dep0003'), { deploymentId: 'dep0002', stages: api.stages });
    assert.throws(
      () => removeDeployment(api, 'dep0001'),
      (e: unknown) => e instanceof InvalidInput && /'prod'/.test(e.message),
    );
    assert.throws(
      () => removeDeployment(api, 'dep0002'),
      (e: unknown) => e instanceof InvalidInput && /'\$default'/.test(e.message),
    );
  });

  it('a named stage made with AutoDeploy false and a deployment serves it', () => {
    const { stage } = putNamedStage(
      api,
      [],
      { name: 'beta', creating: true, deployment: { autoDeploy: false, deploymentId: 'dep0001' } },
      5,
    );
    assert.deepEqual([stage.autoDeploy, stage.deploymentId], [false, 'dep0001']);
    const fresh = putNamedStage(api, [], { name: 'gamma', creating: true, deployment: { autoDeploy: false } }, 5).stage;
    assert.deepEqual(stageServes(stageDeploymentOf(api, fresh)), { kind: 'nothing' });
  });
});
