/**
 * Task states whose Resource is an activity (`arn:aws:states:REGION:ACCOUNT:activity:NAME`):
 * the task waits for a worker to take it (GetActivityTask) and answer it by its task token, as a
 * `.waitForTaskToken` callback does. Here: reading its ARN, and the failure of an activity that
 * does not exist — AWS writes no ActivityScheduleFailed for it: the execution fails at once with
 * States.Runtime (a recorded AWS history: TaskStateEntered, then ExecutionFailed), which no Catch
 * handles. Its events are history.ts's (activityScheduledEvent...).
 */
import { StatesErrors, StatesFailure } from './errors.ts';

const ACTIVITY_ARN = /^arn:aws[a-zA-Z-]*:states:([a-z0-9-]+):(\d{12}):activity:([^:\s]{1,80})$/;

export interface ActivityRef {
  region: string;
  accountId: string;
  name: string;
}

export function activityOf(resource: string): ActivityRef | null {
  const m = ACTIVITY_ARN.exec(resource);
  return m ? { region: m[1], accountId: m[2], name: m[3] } : null;
}

export function isActivityResource(resource: string | undefined): boolean {
  return resource !== undefined && ACTIVITY_ARN.test(resource);
}

/** Whether a Task state hands out a task token (`$$.Task.Token`): a callback, or an activity
 *  (its worker answers by the token GetActivityTask gave it). */
export function takesTaskToken(resource: string | undefined): boolean {
  return resource !== undefined && (resource.endsWith('.waitForTaskToken') || ACTIVITY_ARN.test(resource));
}

/** The failure of a Task whose activity does not exist (AWS's words, recorded; the runner puts
 *  the state's name before them, as for every States.Runtime: inStateCause). */
export function activityMissing(resource: string): StatesFailure {
  return new StatesFailure(StatesErrors.Runtime, `The activity ${resource} does not exist.`);
}
