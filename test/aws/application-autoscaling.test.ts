/**
 * Application Auto Scaling of a function's provisioned concurrency through the real AWS SDK
 * (@aws-sdk/client-application-auto-scaling) against a started Hangar with sandboxed functions:
 * targets and target tracking policies round trip in AWS's shapes, registering brings the count
 * provisioned into [min, max], other kinds of scaling and bad input are refused in AWS's error
 * shape, another user's targets are not there, and the control loop scales a function's
 * provisioned concurrency out under sustained concurrent invocations and back in when idle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  ListTagsForResourceCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { type LambdaClient, PutProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { accountIdOf } from '../../src/aws/index.ts';
import { NO_SANDBOX, REGION, refusedBy } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import {
  DIM,
  describeTargets,
  NS,
  provisioned,
  publishedWithAlias,
  register,
  scalesOutAndIn,
  scalingClients,
  tracking,
} from '../helpers/provisioned-scaling.ts';

const skip = NO_SANDBOX;
let p: TestPlatform;
let alice: { lambda: LambdaClient; scaling: ApplicationAutoScalingClient };
let bob: { lambda: LambdaClient; scaling: ApplicationAutoScalingClient };

const clients = (k: { keyId: string; key: string }) => scalingClients(p.url!, k);

before(async () => {
  if (skip) return;
  p = await testPlatform({ HANGAR_PROVISIONED_SCALING_INTERVAL_MS: '200' });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  alice = clients(await key('alice'));
  bob = clients(await key('bob'));
  await publishedWithAlias(alice.lambda, 'api');
  await publishedWithAlias(alice.lambda, 'busy');
});

after(async () => {
  await p?.close();
});

describe('Application Auto Scaling of provisioned concurrency (AWS SDK)', { skip }, () => {
  it('registers, describes and deregisters a target, bringing the count into [min, max]', async () => {
    const made = await register(alice.scaling, 'function:api:live', 2, 4);
    const account = accountIdOf('alice');
    assert.match(
      made.ScalableTargetARN ?? '',
      new RegExp(`^arn:aws:application-autoscaling:${REGION}:${account}:scalable-target/[0-9a-f]{36}$`),
    );
    // None was provisioned: registering put the minimum.
    assert.equal(await provisioned(alice.lambda, 'api', 'live'), 2);
    const [t] = (await describeTargets(alice.scaling)).ScalableTargets ?? [];
    assert.equal(t?.ResourceId, 'function:api:live');
    assert.equal(t?.ScalableDimension, DIM);
    assert.deepEqual([t?.MinCapacity, t?.MaxCapacity], [2, 4]);
    assert.equal(t?.ScalableTargetARN, made.ScalableTargetARN);
    assert.ok(t?.CreationTime instanceof Date);
    // A count above the new maximum is brought down; a capacity not given is kept.
    await alice.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'api', Qualifier: 'live', ProvisionedConcurrentExecutions: 5 }),
    );
    await register(alice.scaling, 'function:api:live', undefined, 3);
    assert.equal(await provisioned(alice.lambda, 'api', 'live'), 3);
    assert.deepEqual(
      (await describeTargets(alice.scaling, ['function:api:live'])).ScalableTargets?.map((x) => [x.MinCapacity, x.MaxCapacity]),
      [[2, 3]],
    );
    assert.deepEqual((await describeTargets(alice.scaling, ['function:api:1'])).ScalableTargets, []);
    await alice.scaling.send(
      new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:live' }),
    );
    assert.deepEqual((await describeTargets(alice.scaling)).ScalableTargets, []);
    // The count stays where it was.
    assert.equal(await provisioned(alice.lambda, 'api', 'live'), 3);
    const again = await refusedBy(
      alice.scaling.send(
        new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:live' }),
      ),
    );
    assert.deepEqual([again.name, again.status], ['ObjectNotFoundException', 400]);
  });

  it('puts, describes and deletes a target tracking policy', async () => {
    await register(alice.scaling, 'function:api:1', 1, 3);
    const put = await tracking(alice.scaling, 'function:api:1', 'util', { ScaleInCooldown: 30, DisableScaleIn: true });
    const account = accountIdOf('alice');
    assert.match(
      put.PolicyARN ?? '',
      new RegExp(`^arn:aws:autoscaling:${REGION}:${account}:scalingPolicy:[0-9a-f-]{36}:resource/lambda/function:api:1:policyName/util$`),
    );
    const [pol] =
      (await alice.scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, ResourceId: 'function:api:1' })))
        .ScalingPolicies ?? [];
    assert.equal(pol?.PolicyARN, put.PolicyARN);
    assert.equal(pol?.PolicyType, 'TargetTrackingScaling');
    assert.deepEqual(pol?.TargetTrackingScalingPolicyConfiguration, {
      TargetValue: 0.5,
      PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' },
      ScaleInCooldown: 30,
      ScaleOutCooldown: 0,
      DisableScaleIn: true,
    });
    await tracking(alice.scaling, 'function:api:1', 'util', { TargetValue: 0.7 });
    const names = await alice.scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS, PolicyNames: ['util'] }));
    assert.deepEqual(
      names.ScalingPolicies?.map((x) => x.TargetTrackingScalingPolicyConfiguration?.TargetValue),
      [0.7],
    );
    await alice.scaling.send(
      new DeleteScalingPolicyCommand({ PolicyName: 'util', ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:1' }),
    );
    assert.deepEqual((await alice.scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS }))).ScalingPolicies, []);
    const gone = await refusedBy(
      alice.scaling.send(
        new DeleteScalingPolicyCommand({ PolicyName: 'util', ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:1' }),
      ),
    );
    assert.deepEqual([gone.name, gone.status], ['ObjectNotFoundException', 400]);
    await alice.scaling.send(
      new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:1' }),
    );
  });

  it("tags a target, as Terraform's tags do, and its tags go with it", async () => {
    const { ScalableTargetARN: arn } = await alice.scaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: NS,
        ScalableDimension: DIM,
        ResourceId: 'function:api:1',
        MinCapacity: 0,
        MaxCapacity: 2,
        Tags: { team: 'web' },
      }),
    );
    const tags = async () => (await alice.scaling.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;
    assert.deepEqual(await tags(), { team: 'web' });
    await alice.scaling.send(new TagResourceCommand({ ResourceARN: arn, Tags: { env: 'prod' } }));
    await alice.scaling.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    assert.deepEqual(await tags(), { env: 'prod' });
    const other = await refusedBy(bob.scaling.send(new ListTagsForResourceCommand({ ResourceARN: arn })));
    assert.deepEqual([other.name, other.status], ['ResourceNotFoundException', 400]);
    await alice.scaling.send(
      new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:1' }),
    );
    const gone = await refusedBy(alice.scaling.send(new ListTagsForResourceCommand({ ResourceARN: arn })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    await register(alice.scaling, 'function:api:1', 0, 2);
    assert.deepEqual(await tags(), {});
    await alice.scaling.send(
      new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:1' }),
    );
  });

  it('refuses what Hangar does not scale, and bad input, in AWS error shape', async () => {
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [
        () =>
          alice.scaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'ecs',
              ScalableDimension: 'ecs:service:DesiredCount',
              ResourceId: 'service/c/s',
              MinCapacity: 1,
              MaxCapacity: 2,
            }),
          ),
        'ValidationException',
        /ServiceNamespace 'lambda' only/,
      ],
      [() => register(alice.scaling, 'function:api', 1, 2), 'ValidationException', /ResourceId must be/],
      [() => register(alice.scaling, 'function:api:live', 3, 2), 'ValidationException', /greater than MaxCapacity/],
      [() => register(alice.scaling, 'function:api:9', 1, 2), 'ValidationException', /no version 9/],
      [() => register(alice.scaling, 'function:api:$LATEST', 0, 2), 'ValidationException', /unpublished function versions/],
      [() => register(alice.scaling, 'function:api:live'), 'ValidationException', /MinCapacity and MaxCapacity are required/],
      [() => tracking(alice.scaling, 'function:api:live', 'p'), 'ObjectNotFoundException', /No scalable target/],
      [
        () =>
          alice.scaling.send(
            new PutScalingPolicyCommand({
              PolicyName: 'step',
              ServiceNamespace: NS,
              ScalableDimension: DIM,
              ResourceId: 'function:api:live',
              PolicyType: 'StepScaling',
            }),
          ),
        'ValidationException',
        /TargetTrackingScaling policies with the predefined metric/,
      ],
      [() => tracking(alice.scaling, 'function:api:live', 'p', { TargetValue: 70 }), 'ValidationException', /TargetValue/],
      [
        () =>
          tracking(alice.scaling, 'function:api:live', 'p', {
            PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          }),
        'ValidationException',
        /metric is not taken/,
      ],
    ];
    cases.push([
      () =>
        alice.scaling.send(
          new PutScheduledActionCommand({
            ScheduledActionName: 'morning',
            ServiceNamespace: NS,
            ScalableDimension: DIM,
            ResourceId: 'function:api:live',
            Schedule: 'cron(0 8 * * ? *)',
          }),
        ),
      'ValidationException',
      /PutScheduledAction is not taken: .*through RegisterScalableTarget/,
    ]);
    for (const [call, name, message] of cases) {
      const e = await refusedBy(call());
      assert.equal(e.name, name, e.message);
      assert.equal(e.status, 400);
      assert.match(e.message, message);
    }
  });

  it("keeps users apart: another user's targets and policies are not there", async () => {
    await register(alice.scaling, 'function:api:live', 1, 2);
    await tracking(alice.scaling, 'function:api:live', 'mine');
    assert.deepEqual((await describeTargets(bob.scaling)).ScalableTargets, []);
    assert.deepEqual((await bob.scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: NS }))).ScalingPolicies, []);
    const reg = await refusedBy(register(bob.scaling, 'function:api:live', 1, 2));
    assert.equal(reg.name, 'ValidationException');
    const dereg = await refusedBy(
      bob.scaling.send(
        new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:live' }),
      ),
    );
    assert.equal(dereg.name, 'ObjectNotFoundException');
    assert.equal((await describeTargets(alice.scaling, ['function:api:live'])).ScalableTargets?.length, 1);
    await alice.scaling.send(
      new DeregisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId: 'function:api:live' }),
    );
  });

  it('scales provisioned concurrency out under sustained concurrent invocations, and in when idle', async () => {
    await scalesOutAndIn(alice, 'busy');
    assert.deepEqual((await bob.scaling.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: NS }))).ScalingActivities, []);
  });
});
