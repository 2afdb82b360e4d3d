/**
 * Application Auto Scaling's scalable targets and their target tracking policies (core
 * scaling.ts), per user and resource id (`function:<name>:<qualifier>`). A target's policies go
 * with it. listAll* is what the control loop reads (app/scaling.ts).
 */
import type { ScalableTarget, ScalingActivity, ScalingPolicy } from '../../core/index.ts';

export type NewScalableTarget = Pick<ScalableTarget, 'userId' | 'resourceId' | 'minCapacity' | 'maxCapacity'>;
export type NewScalingPolicy = Omit<ScalingPolicy, 'createdAt'>;

export interface ScalableTargets {
  /** Registers the target or changes its capacities (createdAt and lastScaledAt are kept;
   *  createdAt: the store's clock). */
  putTarget(t: NewScalableTarget): Promise<ScalableTarget>;
  getTarget(userId: string, resourceId: string): Promise<ScalableTarget | null>;
  /** The user's targets by resource id. */
  listTargets(userId: string): Promise<ScalableTarget[]>;
  listAllTargets(): Promise<ScalableTarget[]>;
  /** False when there was none; its policies go with it. */
  deleteTarget(userId: string, resourceId: string): Promise<boolean>;
  /** Records when the control loop changed the target's count (its cooldowns count from it). */
  markScaled(userId: string, resourceId: string, at: number): Promise<void>;
  /** Creates or replaces the policy (createdAt kept); NotFound (SCALABLE_TARGET_NOT_FOUND) when
   *  its target is not registered. */
  putPolicy(p: NewScalingPolicy): Promise<ScalingPolicy>;
  /** The user's policies by resource id and name, of one target when `resourceId` is given. */
  listPolicies(userId: string, resourceId?: string): Promise<ScalingPolicy[]>;
  listAllPolicies(): Promise<ScalingPolicy[]>;
  /** Records an activity of a registered target (none: nothing is recorded), keeping its latest
   *  ACTIVITIES_KEPT. */
  recordActivity(a: ScalingActivity): Promise<void>;
  /** The user's activities, the latest first, of one target when `resourceId` is given. */
  listActivities(userId: string, resourceId?: string): Promise<ScalingActivity[]>;
  /** False when there was none. */
  deletePolicy(userId: string, resourceId: string, name: string): Promise<boolean>;
}
