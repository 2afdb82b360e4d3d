/**
 * Application Auto Scaling's operations over app/scaling.ts: RegisterScalableTarget,
 * DescribeScalableTargets, DeregisterScalableTarget, PutScalingPolicy, DescribeScalingPolicies
 * and DeleteScalingPolicy, for a function's provisioned concurrency.
 */
import {
  deleteScalingPolicy,
  deregisterScalableTarget,
  describeScalableTargets,
  describeScalingActivities,
  describeScalingPolicies,
  putScalingPolicy,
  registerScalableTarget,
  type ScalingApp,
} from '../../app/index.ts';
import { checkScalingScope, SCALING_METRIC, TARGET_TRACKING } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { JsonOperation } from '../sfn/operation.ts';
import { field } from '../sfn/shapes.ts';
import { tagMapOf } from './tags.ts';
import {
  activityShape,
  page,
  policyArn,
  policyShape,
  required,
  strings,
  targetArn,
  targetShape,
  validation,
  WHAT_HANGAR_TAKES,
} from './shapes.ts';

/** The three fields that name a target in every request. */
const targetOf = (body: Record<string, unknown>) => ({
  serviceNamespace: required(body, 'ServiceNamespace'),
  scalableDimension: required(body, 'ScalableDimension'),
  resourceId: required(body, 'ResourceId'),
});

/** Only Lambda's namespace may be described (its dimension, when given, is the one scaled). */
function describedScope(body: Record<string, unknown>): void {
  checkScalingScope(required(body, 'ServiceNamespace'), body.ScalableDimension ?? 'lambda:function:ProvisionedConcurrency');
}

/** A TargetTrackingScaling policy with the predefined metric Hangar measures. */
function targetTrackingOf(body: Record<string, unknown>) {
  const type = body.PolicyType ?? 'StepScaling';
  if (type !== TARGET_TRACKING) throw validation(`PolicyType ${JSON.stringify(type)} is not taken: ${WHAT_HANGAR_TAKES}`);
  const c = body.TargetTrackingScalingPolicyConfiguration;
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw validation('TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy');
  const conf = c as Record<string, unknown>;
  const metric = (conf.PredefinedMetricSpecification as { PredefinedMetricType?: unknown } | undefined)?.PredefinedMetricType;
  if (conf.CustomizedMetricSpecification !== undefined || metric !== SCALING_METRIC)
    throw validation(`The metric is not taken: ${WHAT_HANGAR_TAKES}`);
  if (typeof conf.TargetValue !== 'number') throw validation('TargetValue is required (a number)');
  return {
    targetValue: conf.TargetValue,
    // AWS's default for Lambda provisioned concurrency: no cooldown.
    scaleInCooldown: field.integer(conf, 'ScaleInCooldown', 0, 86_400) ?? 0,
    scaleOutCooldown: field.integer(conf, 'ScaleOutCooldown', 0, 86_400) ?? 0,
    disableScaleIn: field.boolean(conf, 'DisableScaleIn') ?? false,
  };
}

export function scalingOperations(ctx: ScalingApp): JsonOperation[] {
  return [
    {
      name: 'RegisterScalableTarget',
      async run(call, body) {
        if (body.ScheduledScalingSuspended !== undefined || body.SuspendedState !== undefined)
          throw validation(`SuspendedState is not taken: ${WHAT_HANGAR_TAKES}`);
        const t = await registerScalableTarget(ctx, userOf(call.caller), {
          ...targetOf(body),
          minCapacity: field.integer(body, 'MinCapacity', 0, Number.MAX_SAFE_INTEGER),
          maxCapacity: field.integer(body, 'MaxCapacity', 0, Number.MAX_SAFE_INTEGER),
          tags: tagMapOf(body),
        });
        return { ScalableTargetARN: targetArn(call.caller, t) };
      },
    },
    {
      name: 'DescribeScalableTargets',
      async run(call, body) {
        describedScope(body);
        const all = await describeScalableTargets(ctx, userOf(call.caller), strings(body, 'ResourceIds'));
        const p = page(body, all);
        return { ScalableTargets: p.items.map((t) => targetShape(call.caller, t)), ...(p.next ? { NextToken: p.next } : {}) };
      },
    },
    {
      name: 'DeregisterScalableTarget',
      async run(call, body) {
        await deregisterScalableTarget(ctx, userOf(call.caller), targetOf(body));
        return {};
      },
    },
    {
      name: 'PutScalingPolicy',
      async run(call, body) {
        const name = required(body, 'PolicyName', 256);
        const p = await putScalingPolicy(ctx, userOf(call.caller), { ...targetOf(body), name, ...targetTrackingOf(body) });
        return { PolicyARN: policyArn(call.caller, p), Alarms: [] };
      },
    },
    {
      name: 'DescribeScalingPolicies',
      async run(call, body) {
        describedScope(body);
        const all = await describeScalingPolicies(ctx, userOf(call.caller), {
          resourceId: field.string(body, 'ResourceId', 1600),
          names: strings(body, 'PolicyNames'),
        });
        const p = page(body, all);
        return { ScalingPolicies: p.items.map((x) => policyShape(call.caller, x)), ...(p.next ? { NextToken: p.next } : {}) };
      },
    },
    {
      name: 'DescribeScalingActivities',
      async run(call, body) {
        describedScope(body);
        if (body.IncludeNotScaledActivities === true) throw validation(`IncludeNotScaledActivities is not taken: ${WHAT_HANGAR_TAKES}`);
        const all = await describeScalingActivities(ctx, userOf(call.caller), field.string(body, 'ResourceId', 1600));
        const p = page(body, all);
        return { ScalingActivities: p.items.map(activityShape), ...(p.next ? { NextToken: p.next } : {}) };
      },
    },
    {
      name: 'DeleteScalingPolicy',
      async run(call, body) {
        await deleteScalingPolicy(ctx, userOf(call.caller), { ...targetOf(body), name: required(body, 'PolicyName', 256) });
        return {};
      },
    },
  ];
}
