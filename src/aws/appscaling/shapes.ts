/**
 * Application Auto Scaling's shapes (awsJson1_1): its ARNs, a target and a policy as
 * DescribeScalableTargets and DescribeScalingPolicies answer them, the refusal of what Hangar
 * does not scale, and the opaque NextToken of its lists.
 */
import { createHash } from 'node:crypto';
import {
  SCALING_DIMENSION,
  SCALING_METRIC,
  SCALING_NAMESPACE,
  type ScalableTarget,
  type ScalingActivity,
  type ScalingPolicy,
  TARGET_TRACKING,
} from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { arn } from '../identity.ts';
import type { AwsCaller } from '../service.ts';
import { date } from '../sfn/shapes.ts';

export const validation = (message: string) => new AwsError('ValidationException', 400, message);

/** What Hangar takes, said in every refusal of another kind of scaling. */
export const WHAT_HANGAR_TAKES = `Hangar's Application Auto Scaling takes ServiceNamespace '${SCALING_NAMESPACE}', ScalableDimension '${SCALING_DIMENSION}' and TargetTrackingScaling policies with the predefined metric ${SCALING_METRIC} only`;

/** A required string field (AWS answers ValidationException for a missing one). */
export function required(body: Record<string, unknown>, name: string, max = 1600): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0) throw validation(`${name} is required (a string)`);
  if (v.length > max) throw validation(`${name} is at most ${max} characters`);
  return v;
}

/** An optional list of strings. */
export function strings(body: Record<string, unknown>, name: string): string[] | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw validation(`${name} must be a list of strings`);
  return v as string[];
}

const hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** AWS's target ARN ends in an opaque id; Hangar's is a hash of the user and resource id. */
export const targetArn = (c: AwsCaller, t: { userId: string; resourceId: string }) =>
  arn('application-autoscaling', c.region, c.accountId, `scalable-target/${hex(`${t.userId}\n${t.resourceId}`).slice(0, 36)}`);

/** AWS's policy ARN: a uuid (here derived from the user, target and name), the resource and name. */
export function policyArn(c: AwsCaller, p: { userId: string; resourceId: string; name: string }): string {
  const h = hex(`${p.userId}\n${p.resourceId}\n${p.name}`);
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return arn('autoscaling', c.region, c.accountId, `scalingPolicy:${uuid}:resource/lambda/${p.resourceId}:policyName/${p.name}`);
}

/** The service-linked role AWS names for Lambda's scalable targets. */
const roleArn = (c: AwsCaller) =>
  `arn:aws:iam::${c.accountId}:role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency`;

export const targetShape = (c: AwsCaller, t: ScalableTarget) => ({
  ServiceNamespace: SCALING_NAMESPACE,
  ResourceId: t.resourceId,
  ScalableDimension: SCALING_DIMENSION,
  MinCapacity: t.minCapacity,
  MaxCapacity: t.maxCapacity,
  RoleARN: roleArn(c),
  CreationTime: date(t.createdAt),
  SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
  ScalableTargetARN: targetArn(c, t),
});

export const policyShape = (c: AwsCaller, p: ScalingPolicy) => ({
  PolicyARN: policyArn(c, p),
  PolicyName: p.name,
  ServiceNamespace: SCALING_NAMESPACE,
  ResourceId: p.resourceId,
  ScalableDimension: SCALING_DIMENSION,
  PolicyType: TARGET_TRACKING,
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: p.targetValue,
    PredefinedMetricSpecification: { PredefinedMetricType: SCALING_METRIC },
    ScaleInCooldown: p.scaleInCooldown,
    ScaleOutCooldown: p.scaleOutCooldown,
    DisableScaleIn: p.disableScaleIn,
  },
  // Hangar measures in process: no CloudWatch alarms stand behind a policy.
  Alarms: [],
  CreationTime: date(p.createdAt),
});

export const activityShape = (a: ScalingActivity) => ({
  ActivityId: a.activityId,
  ServiceNamespace: SCALING_NAMESPACE,
  ResourceId: a.resourceId,
  ScalableDimension: SCALING_DIMENSION,
  Description: a.description,
  Cause: a.cause,
  StartTime: date(a.startedAt),
  EndTime: date(a.endedAt),
  StatusCode: a.statusCode,
  StatusMessage: a.statusMessage,
});

/** MaxResults (1 to 50, AWS's default and limit 50) and NextToken (an offset, opaque). */
export function page<T>(body: Record<string, unknown>, all: readonly T[]): { items: T[]; next?: string } {
  const max = body.MaxResults ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50) throw validation('MaxResults must be from 1 to 50');
  let from = 0;
  if (body.NextToken !== undefined && body.NextToken !== null) {
    const n = typeof body.NextToken === 'string' ? Number(Buffer.from(body.NextToken, 'base64url').toString()) : Number.NaN;
    if (!Number.isInteger(n) || n < 0) throw new AwsError('InvalidNextTokenException', 400, 'Invalid NextToken');
    from = n;
  }
  const items = all.slice(from, from + max);
  return from + max < all.length ? { items, next: Buffer.from(String(from + max)).toString('base64url') } : { items };
}
