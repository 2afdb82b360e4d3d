/** The scalable targets port on SQLite (ports/scalable-targets.ts). */
import type { SQLInputValue } from 'node:sqlite';
import {
  ACTIVITIES_KEPT,
  type ScalableTarget,
  type ScalingActivity,
  type ScalingPolicy,
  scalableTargetNotFound,
} from '../../core/index.ts';
import type { NewScalableTarget, NewScalingPolicy, ScalableTargets } from '../ports/scalable-targets.ts';
import type { Row } from '../row.ts';
import { activityFromRow, activityParams, policyFromRow, policyParams, targetFromRow } from '../scaling-row.ts';
import type { SqliteContext } from './context.ts';

const UPSERT_TARGET = `INSERT INTO scalable_targets (user_id, resource_id, min_capacity, max_capacity, created_at)
  VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (user_id, resource_id) DO UPDATE SET min_capacity = excluded.min_capacity, max_capacity = excluded.max_capacity
  RETURNING *`;
const SELECT_TARGET = `SELECT * FROM scalable_targets WHERE user_id = ? AND resource_id = ?`;
const SELECT_TARGETS = `SELECT * FROM scalable_targets WHERE user_id = ? ORDER BY resource_id`;
const SELECT_ALL_TARGETS = `SELECT * FROM scalable_targets ORDER BY user_id, resource_id`;
const DELETE_TARGET = `DELETE FROM scalable_targets WHERE user_id = ? AND resource_id = ?`;
const MARK_SCALED = `UPDATE scalable_targets SET last_scaled_at = ? WHERE user_id = ? AND resource_id = ?`;
const UPSERT_POLICY = `INSERT INTO scaling_policies
  (user_id, resource_id, name, target_value, scale_in_cooldown, scale_out_cooldown, disable_scale_in, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (user_id, resource_id, name) DO UPDATE SET target_value = excluded.target_value,
    scale_in_cooldown = excluded.scale_in_cooldown, scale_out_cooldown = excluded.scale_out_cooldown,
    disable_scale_in = excluded.disable_scale_in
  RETURNING *`;
const SELECT_POLICIES = `SELECT * FROM scaling_policies WHERE user_id = ? ORDER BY resource_id, name`;
const SELECT_TARGET_POLICIES = `SELECT * FROM scaling_policies WHERE user_id = ? AND resource_id = ? ORDER BY name`;
const SELECT_ALL_POLICIES = `SELECT * FROM scaling_policies ORDER BY user_id, resource_id, name`;
const DELETE_POLICY = `DELETE FROM scaling_policies WHERE user_id = ? AND resource_id = ? AND name = ?`;

/** Written only when the target is there. */
const INSERT_ACTIVITY = `INSERT INTO scaling_activities
  (user_id, resource_id, activity_id, started_at, ended_at, description, cause, status_code, status_message)
  SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM scalable_targets WHERE user_id = ?1 AND resource_id = ?2)`;
/** user_id, resource_id, kept: all but the latest `kept`. */
const PRUNE_ACTIVITIES = `DELETE FROM scaling_activities WHERE user_id = ?1 AND resource_id = ?2 AND activity_id NOT IN
  (SELECT activity_id FROM scaling_activities WHERE user_id = ?1 AND resource_id = ?2 ORDER BY started_at DESC, activity_id DESC LIMIT ?3)`;
const SELECT_ACTIVITIES = `SELECT * FROM scaling_activities WHERE user_id = ? ORDER BY started_at DESC, activity_id DESC`;
const SELECT_TARGET_ACTIVITIES = `SELECT * FROM scaling_activities WHERE user_id = ? AND resource_id = ? ORDER BY started_at DESC, activity_id DESC`;

export class SqliteScalableTargets implements ScalableTargets {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async putTarget(t: NewScalableTarget): Promise<ScalableTarget> {
    const row = await this.ctx.writes.run(
      () => this.ctx.stmt(UPSERT_TARGET).get(t.userId, t.resourceId, t.minCapacity, t.maxCapacity, this.ctx.clock.now()) as Row,
    );
    return targetFromRow(row);
  }

  async getTarget(userId: string, resourceId: string): Promise<ScalableTarget | null> {
    const row = this.ctx.stmt(SELECT_TARGET).get(userId, resourceId) as Row | undefined;
    return row ? targetFromRow(row) : null;
  }

  async listTargets(userId: string): Promise<ScalableTarget[]> {
    return (this.ctx.stmt(SELECT_TARGETS).all(userId) as Row[]).map(targetFromRow);
  }

  async listAllTargets(): Promise<ScalableTarget[]> {
    return (this.ctx.stmt(SELECT_ALL_TARGETS).all() as Row[]).map(targetFromRow);
  }

  async deleteTarget(userId: string, resourceId: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_TARGET).run(userId, resourceId).changes) > 0);
  }

  async markScaled(userId: string, resourceId: string, at: number): Promise<void> {
    await this.ctx.writes.run(() => this.ctx.stmt(MARK_SCALED).run(at, userId, resourceId));
  }

  async putPolicy(p: NewScalingPolicy): Promise<ScalingPolicy> {
    const row = await this.ctx.writes.run(() => {
      if (!this.ctx.stmt(SELECT_TARGET).get(p.userId, p.resourceId)) throw scalableTargetNotFound(p.resourceId);
      return this.ctx.stmt(UPSERT_POLICY).get(...(policyParams(p, (b) => (b ? 1 : 0)) as SQLInputValue[]), this.ctx.clock.now()) as Row;
    });
    return policyFromRow(row);
  }

  async listPolicies(userId: string, resourceId?: string): Promise<ScalingPolicy[]> {
    const rows =
      resourceId === undefined ? this.ctx.stmt(SELECT_POLICIES).all(userId) : this.ctx.stmt(SELECT_TARGET_POLICIES).all(userId, resourceId);
    return (rows as Row[]).map(policyFromRow);
  }

  async listAllPolicies(): Promise<ScalingPolicy[]> {
    return (this.ctx.stmt(SELECT_ALL_POLICIES).all() as Row[]).map(policyFromRow);
  }

  async recordActivity(a: ScalingActivity): Promise<void> {
    await this.ctx.writes.run(() => {
      this.ctx.stmt(INSERT_ACTIVITY).run(...activityParams(a));
      this.ctx.stmt(PRUNE_ACTIVITIES).run(a.userId, a.resourceId, ACTIVITIES_KEPT);
    });
  }

  async listActivities(userId: string, resourceId?: string): Promise<ScalingActivity[]> {
    const rows =
      resourceId === undefined
        ? this.ctx.stmt(SELECT_ACTIVITIES).all(userId)
        : this.ctx.stmt(SELECT_TARGET_ACTIVITIES).all(userId, resourceId);
    return (rows as Row[]).map(activityFromRow);
  }

  async deletePolicy(userId: string, resourceId: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_POLICY).run(userId, resourceId, name).changes) > 0);
  }
}
