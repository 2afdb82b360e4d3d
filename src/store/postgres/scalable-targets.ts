/** The scalable targets port on PostgreSQL (ports/scalable-targets.ts). */
import {
  ACTIVITIES_KEPT,
  type ScalableTarget,
  type ScalingActivity,
  type ScalingPolicy,
  scalableTargetNotFound,
} from '../../core/index.ts';
import type { NewScalableTarget, NewScalingPolicy, ScalableTargets } from '../ports/scalable-targets.ts';
import { activityFromRow, activityParams, policyFromRow, policyParams, targetFromRow } from '../scaling-row.ts';
import type { Db } from './db.ts';

/** user_id, resource_id, min, max, now. */
const UPSERT_TARGET = `INSERT INTO scalable_targets (user_id, resource_id, min_capacity, max_capacity, created_at)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (user_id, resource_id) DO UPDATE SET min_capacity = EXCLUDED.min_capacity, max_capacity = EXCLUDED.max_capacity
  RETURNING *`;
const SELECT_TARGET = `SELECT * FROM scalable_targets WHERE user_id = $1 AND resource_id = $2`;
const SELECT_TARGETS = `SELECT * FROM scalable_targets WHERE user_id = $1 ORDER BY resource_id`;
const SELECT_ALL_TARGETS = `SELECT * FROM scalable_targets ORDER BY user_id, resource_id`;
const DELETE_TARGET = `DELETE FROM scalable_targets WHERE user_id = $1 AND resource_id = $2`;
const MARK_SCALED = `UPDATE scalable_targets SET last_scaled_at = $3 WHERE user_id = $1 AND resource_id = $2`;
/** Written only when the target is there (no row back: it is not). */
const UPSERT_POLICY = `INSERT INTO scaling_policies
  (user_id, resource_id, name, target_value, scale_in_cooldown, scale_out_cooldown, disable_scale_in, created_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM scalable_targets WHERE user_id = $1 AND resource_id = $2)
  ON CONFLICT (user_id, resource_id, name) DO UPDATE SET target_value = EXCLUDED.target_value,
    scale_in_cooldown = EXCLUDED.scale_in_cooldown, scale_out_cooldown = EXCLUDED.scale_out_cooldown,
    disable_scale_in = EXCLUDED.disable_scale_in
  RETURNING *`;
const SELECT_POLICIES = `SELECT * FROM scaling_policies WHERE user_id = $1 ORDER BY resource_id, name`;
const SELECT_TARGET_POLICIES = `SELECT * FROM scaling_policies WHERE user_id = $1 AND resource_id = $2 ORDER BY name`;
const SELECT_ALL_POLICIES = `SELECT * FROM scaling_policies ORDER BY user_id, resource_id, name`;
const DELETE_POLICY = `DELETE FROM scaling_policies WHERE user_id = $1 AND resource_id = $2 AND name = $3`;

/** Written only when the target is there; then all but the target's latest $10 go. */
const RECORD_ACTIVITY = `WITH added AS (
    INSERT INTO scaling_activities
      (user_id, resource_id, activity_id, started_at, ended_at, description, cause, status_code, status_message)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM scalable_targets WHERE user_id = $1 AND resource_id = $2)
    RETURNING 1
  )
  DELETE FROM scaling_activities WHERE user_id = $1 AND resource_id = $2 AND activity_id NOT IN
    (SELECT activity_id FROM scaling_activities WHERE user_id = $1 AND resource_id = $2
      ORDER BY started_at DESC, activity_id DESC LIMIT $10 - (SELECT count(*) FROM added))`;
const SELECT_ACTIVITIES = `SELECT * FROM scaling_activities WHERE user_id = $1 ORDER BY started_at DESC, activity_id DESC`;
const SELECT_TARGET_ACTIVITIES = `SELECT * FROM scaling_activities WHERE user_id = $1 AND resource_id = $2 ORDER BY started_at DESC, activity_id DESC`;

export class PgScalableTargets implements ScalableTargets {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async putTarget(t: NewScalableTarget): Promise<ScalableTarget> {
    const [row] = await this.db.rows(UPSERT_TARGET, [t.userId, t.resourceId, t.minCapacity, t.maxCapacity, this.db.now()]);
    return targetFromRow(row as NonNullable<typeof row>);
  }

  async getTarget(userId: string, resourceId: string): Promise<ScalableTarget | null> {
    const [row] = await this.db.rows(SELECT_TARGET, [userId, resourceId]);
    return row ? targetFromRow(row) : null;
  }

  async listTargets(userId: string): Promise<ScalableTarget[]> {
    return (await this.db.rows(SELECT_TARGETS, [userId])).map(targetFromRow);
  }

  async listAllTargets(): Promise<ScalableTarget[]> {
    return (await this.db.rows(SELECT_ALL_TARGETS)).map(targetFromRow);
  }

  async deleteTarget(userId: string, resourceId: string): Promise<boolean> {
    return ((await this.db.query(DELETE_TARGET, [userId, resourceId])).rowCount ?? 0) > 0;
  }

  async markScaled(userId: string, resourceId: string, at: number): Promise<void> {
    await this.db.query(MARK_SCALED, [userId, resourceId, at]);
  }

  async putPolicy(p: NewScalingPolicy): Promise<ScalingPolicy> {
    const [row] = await this.db.rows(UPSERT_POLICY, [...policyParams(p, (b) => b), this.db.now()]);
    if (!row) throw scalableTargetNotFound(p.resourceId);
    return policyFromRow(row);
  }

  async listPolicies(userId: string, resourceId?: string): Promise<ScalingPolicy[]> {
    const rows =
      resourceId === undefined
        ? await this.db.rows(SELECT_POLICIES, [userId])
        : await this.db.rows(SELECT_TARGET_POLICIES, [userId, resourceId]);
    return rows.map(policyFromRow);
  }

  async listAllPolicies(): Promise<ScalingPolicy[]> {
    return (await this.db.rows(SELECT_ALL_POLICIES)).map(policyFromRow);
  }

  async recordActivity(a: ScalingActivity): Promise<void> {
    await this.db.query(RECORD_ACTIVITY, [...activityParams(a), ACTIVITIES_KEPT]);
  }

  async listActivities(userId: string, resourceId?: string): Promise<ScalingActivity[]> {
    const rows =
      resourceId === undefined
        ? await this.db.rows(SELECT_ACTIVITIES, [userId])
        : await this.db.rows(SELECT_TARGET_ACTIVITIES, [userId, resourceId]);
    return rows.map(activityFromRow);
  }

  async deletePolicy(userId: string, resourceId: string, name: string): Promise<boolean> {
    return ((await this.db.query(DELETE_POLICY, [userId, resourceId, name])).rowCount ?? 0) > 0;
  }
}
