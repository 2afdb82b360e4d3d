/**
 * Step Functions activities (core/activity.ts): CreateActivity, DescribeActivity,
 * ListActivities, DeleteActivity and GetActivityTask, the use cases the Step Functions API and
 * the native REST routes call. A Task state whose Resource is an activity is launched by
 * `runActivityTask` (the runner's task resolver, workflow-tasks.ts): it checks that the activity
 * exists, and the runner then schedules its task with its next commit (workflow-execution.ts).
 * Every miss is the same NotFound whether the activity is another user's or no one's.
 */
import { ACTIVITY_POLL_MS, type Activity, activityErrors, checkActivityName, type Clock } from '../core/index.ts';
import { activityMissing, activityOf, type Json, type TaskRequest } from '../core/asl/index.ts';
import type { Activities, ActivityNotice, ActivityTaskRecord } from '../store/index.ts';
import { pageLimit, runnerOf, type WorkflowsApp } from './workflows.ts';

export interface ActivitiesApp extends WorkflowsApp {
  activities: Activities;
  clock: Clock;
  /** How long GetActivityTask waits for a task, ms (AWS: 60 s; tests shorten it). */
  config: { activityPollMs?: number };
}

/** Idempotent by name, as AWS's: the existing activity is answered. With tags: createTaggedActivity (tags.ts). */
export async function createActivity(
  app: ActivitiesApp,
  userId: string,
  input: { name: unknown },
): Promise<{ activity: Activity; created: boolean }> {
  const name = checkActivityName(input.name);
  return app.activities.createActivity({ userId, name, createdAt: app.clock.now() });
}

export async function getActivity(app: ActivitiesApp, userId: string, name: string): Promise<Activity> {
  const a = await app.activities.getActivity(userId, name);
  if (!a) throw activityErrors.notFound(name);
  return a;
}

export function listActivities(app: ActivitiesApp, userId: string, page: { limit?: number; after?: string }): Promise<Activity[]> {
  return app.activities.listActivities(userId, { limit: pageLimit(page.limit), after: page.after });
}

/** False when there was none. Tasks already scheduled on it wait with their executions until
 *  their timeouts (ports/activities.ts). */
export function deleteActivity(app: ActivitiesApp, userId: string, name: string): Promise<boolean> {
  return app.activities.deleteActivity(userId, name);
}

/** GetActivityTask's longest wait, ms. */
export function activityPollMs(app: ActivitiesApp): number {
  return app.config.activityPollMs ?? ACTIVITY_POLL_MS;
}

/** Scale-out: a notice lost with a database session is covered by looking again this often. */
const RECHECK_MS = 5_000;

/**
 * GetActivityTask: the oldest task waiting on the activity, taken for this worker (its execution
 * writes ActivityStarted), or null once `pollMs` passed with none. It answers as soon as a commit
 * schedules one (the store's wake-up: ports/activities.ts), and gives up early when `signal`
 * aborts (the caller went away), so no task is taken for nobody.
 */
export async function getActivityTask(
  app: ActivitiesApp,
  userId: string,
  name: string,
  workerName: string | null,
  signal?: AbortSignal,
): Promise<ActivityTaskRecord | null> {
  await getActivity(app, userId, name);
  const runner = runnerOf(app);
  const until = app.clock.now() + activityPollMs(app);
  let woken: () => void = () => {};
  let notified = false;
  // Subscribed before each look, so a task scheduled between a look and the wait is not missed.
  const off = app.activities.subscribeActivityTasks((n: ActivityNotice) => {
    if (n === '*' || (n.userId === userId && n.name === name)) {
      notified = true;
      woken();
    }
  });
  const abort = () => woken();
  signal?.addEventListener('abort', abort);
  try {
    for (;;) {
      notified = false;
      const task = await app.activities.takeActivityTask(userId, name, app.clock.now());
      // Not delivered: its execution ended since it was scheduled (its token goes with it).
      if (task && (await runner.activityStarted(task, workerName))) return task;
      if (task) continue;
      const left = until - app.clock.now();
      if (left <= 0 || signal?.aborted) return null;
      if (notified) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, RECHECK_MS));
        woken = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      woken = () => {};
    }
  } finally {
    off();
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * The launch of an activity's Task state (workflow-tasks.ts): the activity must be the owner's
 * (its ARN in the owner's account and this Hangar's region) and exist, or the execution fails
 * with States.Runtime as on AWS. What it answers is not the task's result: the worker's
 * SendTaskSuccess is.
 */
export async function runActivityTask(
  app: ActivitiesApp,
  userId: string,
  where: { accountId: string; region: string },
  request: TaskRequest,
): Promise<Json> {
  const ref = activityOf(request.resource);
  const own = ref !== null && ref.accountId === where.accountId && ref.region === where.region;
  if (!own || !(await app.activities.getActivity(userId, ref.name))) throw activityMissing(request.resource);
  return null;
}
