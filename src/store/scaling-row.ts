/** Scalable target and scaling policy rows as the port answers them (both backends). */
import type { ScalableTarget, ScalingActivity, ScalingPolicy } from '../core/index.ts';
import type { NewScalingPolicy } from './ports/scalable-targets.ts';
import type { Row } from './row.ts';

export const targetFromRow = (r: Row): ScalableTarget => ({
  userId: String(r.user_id),
  resourceId: String(r.resource_id),
  minCapacity: Number(r.min_capacity),
  maxCapacity: Number(r.max_capacity),
  createdAt: Number(r.created_at),
  lastScaledAt: r.last_scaled_at === null || r.last_scaled_at === undefined ? null : Number(r.last_scaled_at),
});

export const policyFromRow = (r: Row): ScalingPolicy => ({
  userId: String(r.user_id),
  resourceId: String(r.resource_id),
  name: String(r.name),
  targetValue: Number(r.target_value),
  scaleInCooldown: Number(r.scale_in_cooldown),
  scaleOutCooldown: Number(r.scale_out_cooldown),
  // SQLite keeps 0/1, PostgreSQL a boolean.
  disableScaleIn: r.disable_scale_in === true || Number(r.disable_scale_in) === 1,
  createdAt: Number(r.created_at),
});

/** A policy's columns in the order both backends' upserts take them (user_id to
 *  disable_scale_in); `flag` writes the boolean as the backend keeps it. */
export const policyParams = (p: NewScalingPolicy, flag: (b: boolean) => unknown): unknown[] => [
  p.userId,
  p.resourceId,
  p.name,
  p.targetValue,
  p.scaleInCooldown,
  p.scaleOutCooldown,
  flag(p.disableScaleIn),
];

export const activityFromRow = (r: Row): ScalingActivity => ({
  userId: String(r.user_id),
  resourceId: String(r.resource_id),
  activityId: String(r.activity_id),
  startedAt: Number(r.started_at),
  endedAt: Number(r.ended_at),
  description: String(r.description),
  cause: String(r.cause),
  statusCode: String(r.status_code) as ScalingActivity['statusCode'],
  statusMessage: String(r.status_message),
});

/** An activity's columns in the order both backends' inserts take them. */
export const activityParams = (a: ScalingActivity): (string | number)[] => [
  a.userId,
  a.resourceId,
  a.activityId,
  a.startedAt,
  a.endedAt,
  a.description,
  a.cause,
  a.statusCode,
  a.statusMessage,
];
