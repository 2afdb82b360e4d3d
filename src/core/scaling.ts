/**
 * Application Auto Scaling of a function's provisioned concurrency: a scalable target (a
 * function's alias or version, kept between a minimum and a maximum count) and its target
 * tracking policies (keep the provisioned instances' utilization near a target). What a target
 * and a policy may be, and the decision the control loop applies (app/scaling.ts), are here.
 */
import { ErrorCode, InvalidInput, NotFound } from './errors.ts';
import { MAX_PROVISIONED_PER_CONFIG } from './function-provisioned.ts';

/** The one namespace, dimension and metric Hangar scales. */
export const SCALING_NAMESPACE = 'lambda';
export const SCALING_DIMENSION = 'lambda:function:ProvisionedConcurrency';
export const SCALING_METRIC = 'LambdaProvisionedConcurrencyUtilization';
export const TARGET_TRACKING = 'TargetTrackingScaling';

/** A registered target: `resourceId` is `function:<name>:<alias or version>`. */
export interface ScalableTarget {
  userId: string;
  resourceId: string;
  minCapacity: number;
  maxCapacity: number;
  createdAt: number;
  /** When the control loop last changed the count (ms since the epoch; null: never). */
  lastScaledAt: number | null;
}

/** A target tracking policy of a target. Cooldowns in seconds (AWS's unit). */
export interface ScalingPolicy {
  userId: string;
  resourceId: string;
  name: string;
  targetValue: number;
  scaleInCooldown: number;
  scaleOutCooldown: number;
  disableScaleIn: boolean;
  createdAt: number;
}

/** What the control loop did to a target, as DescribeScalingActivities tells it. */
export interface ScalingActivity {
  userId: string;
  resourceId: string;
  activityId: string;
  startedAt: number;
  endedAt: number;
  description: string;
  cause: string;
  statusCode: 'Successful' | 'Failed';
  statusMessage: string;
}

/** How many activities of a target are kept (the latest). */
export const ACTIVITIES_KEPT = 100;

const invalid = (message: string) => new InvalidInput(ErrorCode.ValidationFailed, message);

/** Hangar scales functions' provisioned concurrency only. */
export function checkScalingScope(namespace: unknown, dimension: unknown): void {
  if (namespace !== SCALING_NAMESPACE)
    throw invalid(`Hangar scales the ServiceNamespace '${SCALING_NAMESPACE}' only (not ${JSON.stringify(namespace)})`);
  if (dimension !== SCALING_DIMENSION)
    throw invalid(`Hangar scales the ScalableDimension '${SCALING_DIMENSION}' only (not ${JSON.stringify(dimension)})`);
}

/** `function:<name>:<qualifier>` → its parts; a qualifier is required (AWS's form). */
export function parseScalingResourceId(resourceId: unknown): { functionName: string; qualifier: string } {
  const m = typeof resourceId === 'string' ? /^function:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_$-]{1,128})$/.exec(resourceId) : null;
  if (!m) throw invalid('ResourceId must be function:<function name>:<alias or version>');
  return { functionName: m[1] as string, qualifier: m[2] as string };
}

/** MinCapacity and MaxCapacity: integers from 0 to Hangar's per-configuration limit, min ≤ max. */
export function checkCapacities(min: number, max: number): void {
  for (const [name, n] of [
    ['MinCapacity', min],
    ['MaxCapacity', max],
  ] as const) {
    if (!Number.isInteger(n) || n < 0 || n > MAX_PROVISIONED_PER_CONFIG)
      throw invalid(`${name} must be an integer from 0 to ${MAX_PROVISIONED_PER_CONFIG}`);
  }
  if (min > max) throw invalid(`MinCapacity (${min}) must not be greater than MaxCapacity (${max})`);
}

/** A target tracking configuration's numbers (AWS's ranges). */
export function checkTargetTracking(p: Pick<ScalingPolicy, 'targetValue' | 'scaleInCooldown' | 'scaleOutCooldown'>): void {
  // LambdaProvisionedConcurrencyUtilization is a fraction: AWS takes 0.1 to 0.9.
  if (!Number.isFinite(p.targetValue) || p.targetValue < 0.1 || p.targetValue > 0.9)
    throw invalid('TargetValue of LambdaProvisionedConcurrencyUtilization must be from 0.1 to 0.9');
  for (const [name, s] of [
    ['ScaleInCooldown', p.scaleInCooldown],
    ['ScaleOutCooldown', p.scaleOutCooldown],
  ] as const) {
    if (!Number.isInteger(s) || s < 0 || s > 86_400) throw invalid(`${name} must be an integer from 0 to 86400 seconds`);
  }
}

export const scalableTargetNotFound = (resourceId: string): NotFound =>
  new NotFound(
    ErrorCode.ScalableTargetNotFound,
    `No scalable target registered for service namespace: lambda, resource ID: ${resourceId}, scalable dimension: ${SCALING_DIMENSION}`,
  );

export const scalingPolicyNotFound = (name: string, resourceId: string): NotFound =>
  new NotFound(
    ErrorCode.ScalingPolicyNotFound,
    `No scaling policy found for service namespace: lambda, resource ID: ${resourceId}, scalable dimension: ${SCALING_DIMENSION}, policy name: ${name}`,
  );

/** Below this share of the target, a policy scales in (a band, so a load at the target does not
 *  make the count go up and down). */
export const SCALE_IN_BAND = 0.9;

export interface ScalingInput {
  /** The provisioned count now (≥ 1: without a configuration there is nothing to measure). */
  current: number;
  /** In-flight invocations on the provisioned instances ÷ current (0 to 1). */
  utilization: number;
  minCapacity: number;
  maxCapacity: number;
  policy: Pick<ScalingPolicy, 'targetValue' | 'scaleInCooldown' | 'scaleOutCooldown' | 'disableScaleIn'>;
  lastScaledAt: number | null;
  now: number;
}

/**
 * The count a target tracking policy asks for, or null to keep the current one. Out: in
 * proportion, ceil(current × utilization ÷ target), once the scale-out cooldown since the last
 * change has passed. In, more carefully: only below SCALE_IN_BAND of the target, to the same
 * proportional count (rounded up, so it never undershoots), after the scale-in cooldown, and
 * never with DisableScaleIn. Both clamped to [min, max]; a count outside them is brought in at
 * once, whatever the cooldowns.
 */
export function targetTrackingDecision(i: ScalingInput): number | null {
  const clamp = (n: number) => Math.min(i.maxCapacity, Math.max(i.minCapacity, n));
  if (clamp(i.current) !== i.current) return clamp(i.current);
  const since = i.lastScaledAt === null ? Number.POSITIVE_INFINITY : i.now - i.lastScaledAt;
  const proportional = Math.ceil((i.current * i.utilization) / i.policy.targetValue - 1e-9);
  if (proportional > i.current) {
    if (since < i.policy.scaleOutCooldown * 1000) return null;
    const n = clamp(proportional);
    return n === i.current ? null : n;
  }
  if (i.policy.disableScaleIn || i.utilization >= i.policy.targetValue * SCALE_IN_BAND) return null;
  if (since < i.policy.scaleInCooldown * 1000) return null;
  const n = clamp(proportional);
  return n < i.current ? n : null;
}

/**
 * The count a target's policies ask for together, or null: AWS's rule for several policies —
 * out when any asks for more (the most asked), in only when every one asks for less (the most of
 * those).
 */
export function combinedDecision(decisions: readonly (number | null)[], current: number): number | null {
  const out = decisions.filter((n): n is number => n !== null && n > current);
  if (out.length) return Math.max(...out);
  if (decisions.length && decisions.every((n) => n !== null && n < current)) return Math.max(...(decisions as number[]));
  return null;
}

/** The most invocations of a function's alias or version in flight at once over a span: the
 *  measure the control loop compares with the count provisioned. */
export interface FunctionPeak {
  userId: string;
  functionName: string;
  qualifier: string;
  peak: number;
}

/** What a peak is known by (a function's alias or version of a user). */
export const peakKey = (userId: string, functionName: string, qualifier: string): string =>
  JSON.stringify([userId, functionName, qualifier]);

/**
 * The qualifiers an invocation is measured under: the alias it was invoked through, if any, and
 * the version that ran it (a target of either is served by that version's instances). None for
 * $LATEST, on which nothing is provisioned: an unqualified invocation costs the measure nothing.
 * `invokedFunctionArn` is `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
 */
export function measuredQualifiers(invokedFunctionArn: string, executedVersion: string): string[] {
  const invoked = invokedFunctionArn.split(':')[7];
  const out = executedVersion === '$LATEST' ? [] : [executedVersion];
  if (invoked !== undefined && invoked !== '$LATEST' && invoked !== executedVersion) out.push(invoked);
  return out;
}
