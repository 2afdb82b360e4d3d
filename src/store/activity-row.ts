/** Rows of activities and of the tasks scheduled on them, shared by both backends. */
import type { Activity } from '../core/index.ts';
import type { ActivityNotice, ActivityTaskRecord, ExecutionCommit } from './ports/index.ts';
import type { Row } from './row.ts';

export function activityFromRow(r: Row): Activity {
  return {
    userId: String(r.user_id),
    name: String(r.name),
    createdAt: Number(r.created_at),
  };
}

export function activityTaskFromRow(r: Row): ActivityTaskRecord {
  return { token: String(r.token), executionId: String(r.execution_id), frameId: Number(r.frame_id), input: String(r.input) };
}

/** The activities a commit schedules tasks on, once each. */
export function scheduledOn(userId: string, c: ExecutionCommit): Exclude<ActivityNotice, '*'>[] {
  const names = new Set<string>();
  for (const t of c.addTokens ?? []) if (t.activity) names.add(t.activity.name);
  return [...names].map((name) => ({ userId, name }));
}
