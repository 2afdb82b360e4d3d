/**
 * The activities port on PostgreSQL. A take locks the task it picks with SKIP LOCKED, so polls
 * on several API nodes take different tasks at once and never the same one. Wake-ups come from
 * the notifier (notifier.ts: the workflows commit that schedules announces it, here at once and
 * to other nodes by NOTIFY).
 */
import type { Activity } from '../../core/index.ts';
import { activityFromRow, activityTaskFromRow } from '../activity-row.ts';
import type { Activities, ActivityNotice, ActivityTaskRecord } from '../ports/activities.ts';
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

/** user_id, name, created_at. Nothing if the name is taken. (Its tags: resource_tags, ports/tags.ts.) */
const INSERT = `INSERT INTO activities (user_id, name, created_at) VALUES ($1, $2, $3)
  ON CONFLICT (user_id, name) DO NOTHING RETURNING *`;

/** user_id, name. */
const SELECT = `SELECT * FROM activities WHERE user_id = $1 AND name = $2`;

/** user_id, after (name; '' for the first page), limit. */
const LIST = `SELECT * FROM activities WHERE user_id = $1 AND name > $2 ORDER BY name LIMIT $3`;

/** user_id, name. */
const DELETE = `DELETE FROM activities WHERE user_id = $1 AND name = $2`;

/** now, user_id, activity: the oldest waiting task nobody else is taking (the partial index
 *  task_tokens_waiting), taken. */
const TAKE = `UPDATE task_tokens SET taken_at = $1
  WHERE token = (SELECT token FROM task_tokens WHERE user_id = $2 AND activity = $3 AND taken_at IS NULL
    ORDER BY scheduled_at, token LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING token, execution_id, frame_id, input`;

export class PgActivities implements Activities {
  private readonly db: Db;
  private readonly notifier: Notifier;

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  async createActivity(a: Activity): Promise<{ activity: Activity; created: boolean }> {
    // Again if the activity that took the name was deleted before it could be read.
    for (;;) {
      const [row] = await this.db.rows(INSERT, [a.userId, a.name, a.createdAt]);
      if (row) return { activity: activityFromRow(row), created: true };
      const taken = await this.getActivity(a.userId, a.name);
      if (taken) return { activity: taken, created: false };
    }
  }

  async getActivity(userId: string, name: string): Promise<Activity | null> {
    const [row] = await this.db.rows(SELECT, [userId, name]);
    return row ? activityFromRow(row) : null;
  }

  async listActivities(userId: string, page: { limit: number; after?: string }): Promise<Activity[]> {
    return (await this.db.rows(LIST, [userId, page.after ?? '', page.limit])).map(activityFromRow);
  }

  async deleteActivity(userId: string, name: string): Promise<boolean> {
    return ((await this.db.query(DELETE, [userId, name])).rowCount ?? 0) > 0;
  }

  async takeActivityTask(userId: string, name: string, now: number): Promise<ActivityTaskRecord | null> {
    const [row] = await this.db.rows(TAKE, [now, userId, name]);
    return row ? activityTaskFromRow(row) : null;
  }

  subscribeActivityTasks(listener: (n: ActivityNotice) => void): () => void {
    return this.notifier.subscribeActivities(listener);
  }
}
