/**
 * The activities port (Step Functions activities, core/activity.ts): each user's activities, and
 * the taking of the tasks scheduled on them. A task is scheduled by the runner's commit that
 * writes its ActivityScheduled event (ExecutionCommit.addTokens with `activity`), as a task
 * token of its execution; it goes with the token (answered, timed out, its execution ended).
 * Every read is scoped by userId: another user's activity is not found.
 */
import type { Activity } from '../../core/index.ts';

/** A task a worker took: answered by its token (SendTaskSuccess / Failure / Heartbeat). */
export interface ActivityTaskRecord {
  token: string;
  executionId: string;
  /** The frame of the Task state that waits on it. */
  frameId: number;
  /** JSON text. */
  input: string;
}

/** Tasks were scheduled on this activity (committed); '*': on some activity another process
 *  could not name (its notice was too long, or its session was lost): look again. */
export type ActivityNotice = { userId: string; name: string } | '*';

export interface Activities {
  /** Idempotent by name (AWS's CreateActivity): an activity of that name is answered as it is,
   *  with created false. Its tags are the ResourceTags port's (ports/tags.ts), cleared with it. */
  createActivity(activity: Activity): Promise<{ activity: Activity; created: boolean }>;
  getActivity(userId: string, name: string): Promise<Activity | null>;
  /** By name, after `after` (exclusive). */
  listActivities(userId: string, page: { limit: number; after?: string }): Promise<Activity[]>;
  /** False when there was none. The tasks scheduled on it stay with their executions (they wait
   *  until their timeouts; nobody can take them while no activity of that name exists). */
  deleteActivity(userId: string, name: string): Promise<boolean>;
  /** Takes the oldest waiting task of the activity, atomically: two takers never get the same
   *  one. Null when none waits. */
  takeActivityTask(userId: string, name: string, now: number): Promise<ActivityTaskRecord | null>;
  /** Calls the listener after each commit that schedules tasks, here and, where capabilities say
   *  so (crossProcessWakeups), in other processes. Notices may be lost across processes: a
   *  poller looks again before it gives up. */
  subscribeActivityTasks(listener: (n: ActivityNotice) => void): () => void;
}
