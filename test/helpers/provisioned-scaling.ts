/**
 * What the Application Auto Scaling tests share, embedded (test/aws/application-autoscaling)
 * and on the scale-out shape (test/e2e/provisioned-scaling): a user's Lambda and Application Auto
 * Scaling clients (the real @aws-sdk ones), a function published with an alias, the calls that
 * register a target and its target tracking policy, and the scenario that drives a target out to
 * its maximum under sustained concurrent invocations and back in when idle.
 */
import assert from 'node:assert/strict';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingActivity,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateAliasCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  type LambdaClient,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { createNodeFunction, lambdaClient, REGION } from './lambda.ts';
import { until } from './platform.ts';
import { makeZip } from './zip.ts';

export const NS = 'lambda';
export const DIM = 'lambda:function:ProvisionedConcurrency';
/** A handler that waits `waitMs` (from its event) before it answers. */
export const CODE = makeZip({
  'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.waitMs ?? 0)); return 1; };',
});

export interface ScalingUser {
  lambda: LambdaClient;
  scaling: ApplicationAutoScalingClient;
}

/** A user's clients of the Hangar at `url`, signing with the key (no SDK retries). */
export const scalingClients = (url: string, k: { keyId: string; key: string }): ScalingUser => ({
  lambda: lambdaClient(url, k),
  scaling: new ApplicationAutoScalingClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    maxAttempts: 1,
  }),
});

export const register = (c: ApplicationAutoScalingClient, ResourceId: string, MinCapacity?: number, MaxCapacity?: number) =>
  c.send(new RegisterScalableTargetCommand({ ServiceNamespace: NS, ScalableDimension: DIM, ResourceId, MinCapacity, MaxCapacity }));

export const describeTargets = (c: ApplicationAutoScalingClient, ResourceIds?: string[]) =>
  c.send(new DescribeScalableTargetsCommand({ ServiceNamespace: NS, ResourceIds }));

export const tracking = (c: ApplicationAutoScalingClient, ResourceId: string, PolicyName: string, over: Record<string, unknown> = {}) =>
  c.send(
    new PutScalingPolicyCommand({
      PolicyName,
      ServiceNamespace: NS,
      ScalableDimension: DIM,
      ResourceId,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 0.5,
        PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' },
        ...over,
      },
    }),
  );

/** The count provisioned on the qualifier (0: no configuration). */
export const provisioned = async (c: LambdaClient, name: string, q: string): Promise<number | undefined> => {
  try {
    return (await c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: q })))
      .RequestedProvisionedConcurrentExecutions;
  } catch {
    return 0;
  }
};

/** The target's scaling activities, the latest first. */
export const activities = async (c: ApplicationAutoScalingClient, ResourceId: string): Promise<ScalingActivity[]> =>
  (await c.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: NS, ResourceId }))).ScalingActivities ?? [];

/** The function (CODE) with version 1 published and the alias `live` to it. */
export async function publishedWithAlias(c: LambdaClient, name: string): Promise<void> {
  await createNodeFunction(c, name, { Code: { ZipFile: CODE } });
  await c.send(new PublishVersionCommand({ FunctionName: name }));
  await c.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
}

/**
 * Registers `function:<name>:live` between 1 and 3 with a target tracking policy at 0.5, keeps
 * three invocations of the alias in flight until the count is 3 and the activity that set it is
 * recorded (it is recorded after the count is set), then waits, idle, for the count to be back at
 * 1 with its activity the latest. Asserts each change is a successful activity of the target.
 */
export async function scalesOutAndIn(u: ScalingUser, name: string, timeoutMs = 60_000): Promise<void> {
  const resourceId = `function:${name}:live`;
  await register(u.scaling, resourceId, 1, 3);
  await tracking(u.scaling, resourceId, 'util', { TargetValue: 0.5 });
  assert.equal(await provisioned(u.lambda, name, 'live'), 1);
  const setTo = (n: number) => `Setting desired concurrency to ${n}.`;
  let load = true;
  const worker = async () => {
    while (load) {
      await u.lambda.send(
        new InvokeCommand({ FunctionName: name, Qualifier: 'live', Payload: Buffer.from(JSON.stringify({ waitMs: 300 })) }),
      );
    }
  };
  const workers = [worker(), worker(), worker()];
  try {
    await until(
      async () =>
        (await provisioned(u.lambda, name, 'live')) === 3 &&
        (await activities(u.scaling, resourceId)).some((a) => a.Description === setTo(3)),
      timeoutMs,
      100,
    );
  } finally {
    load = false;
    await Promise.all(workers);
  }
  await until(
    async () => (await provisioned(u.lambda, name, 'live')) === 1 && (await activities(u.scaling, resourceId))[0]?.Description === setTo(1),
    timeoutMs,
    100,
  );
  const acts = await activities(u.scaling, resourceId);
  assert.ok(acts.every((a) => a.StatusCode === 'Successful' && a.ResourceId === resourceId && a.StartTime instanceof Date));
}
