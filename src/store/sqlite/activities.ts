/**
 * The activities port on SQLite. A take is one write of the batch (write-batch.ts): writes run
 * one at a time, so the task it picks is still waiting when it marks it taken, and two polls
 * never take the same one. Wake-ups are in-process ('activities' on the context's emitter,
 * emitted by the workflows commit that schedules: workflows.ts).
 */
import type { Activity } from '../../core/index.ts';
import { activityFromRow, activityTaskFromRow } from '../activity-row.ts';
import type { Activities, ActivityNotice, ActivityTaskRecord } from '../ports/activities.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, name, created_at. Nothing if the name is taken. (Its tags: resource_tags, ports/tags.ts.) */
const INSERT = `INSERT INTO activities (user_id, name, created_at) VALUES (?, ?, ?)
  ON CONFLICT (user_id, name) DO NOTHING RETURNING *`;

/** user_id, name. */
const SELECT = `SELECT * FROM activities WHERE user_id = ? AND name = ?`;

/** user_id, after (name; '' for the first page), limit. */
const LIST = `SELECT * FROM activities WHERE user_id = ? AND name > ? ORDER BY name LIMIT ?`;

/** user_id, name. */
const DELETE = `DELETE FROM activities WHERE user_id = ? AND name = ?`;

/** now, user_id, activity: the oldest waiting task (the partial index task_tokens_waiting), taken. */
const TAKE = `UPDATE task_tokens SET taken_at = ?1
  WHERE token = (SELECT token FROM task_tokens WHERE user_id = ?2 AND activity = ?3 AND taken_at IS NULL
    ORDER BY scheduled_at, token LIMIT 1)
  RETURNING token, execution_id, frame_id, input`;

export class SqliteActivities implements Activities {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async createActivity(a: Activity): Promise<{ activity: Activity; created: boolean }> {
    return this.ctx.writes.run(() => {
      const row = this.ctx.stmt(INSERT).get(a.userId, a.name, a.createdAt) as Row | undefined;
      if (row) return { activity: activityFromRow(row), created: true };
      return { activity: activityFromRow(this.ctx.stmt(SELECT).get(a.userId, a.name) as Row), created: false };
    });
  }

  async getActivity(userId: string, name: string): Promise<Activity | null> {
    const row = this.ctx.stmt(SELECT).get(userId, name) as Row | undefined;
    return row ? activityFromRow(row) : null;
  }

  async listActivities(userId: string, page: { limit: number; after?: string }): Promise<Activity[]> {
    return (this.ctx.stmt(LIST).all(userId, page.after ?? '', page.limit) as Row[]).map(activityFromRow);
  }

  async deleteActivity(userId: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE).run(userId, name).changes) > 0);
  }

  async takeActivityTask(userId: string, name: string, now: number): Promise<ActivityTaskRecord | null> {
    const row = await this.ctx.writes.run(() => this.ctx.stmt(TAKE).get(now, userId, name) as Row | undefined);
    return row ? activityTaskFromRow(row) : null;
  }

  subscribeActivityTasks(listener: (n: ActivityNotice) => void): () => void {
    this.ctx.wake.on('activities', listener);
    return () => this.ctx.wake.off('activities', listener);
  }
}
