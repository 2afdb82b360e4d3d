/**
 * Task states whose Resource is an activity (`arn:aws:states:REGION:ACCOUNT:activity:NAME`):
 * the task waits for a worker to take it (GetActivityTask) and answer it by its task token, as a
 * `.waitForTaskToken` callback does. What is pure about it lives here: reading the ARN, the
 * events AWS writes for it (ActivityScheduled, ActivityStarted, ActivitySucceeded,
 * ActivityFailed, ActivityTimedOut, recorded in place of the Task* events), and the failure of an
 * activity that does not exist — AWS writes no ActivityScheduleFailed for it: the execution
 * fails at once with States.Runtime (a recorded AWS history: TaskStateEntered, then
 * ExecutionFailed), which no Catch handles.
 */
import type { Json } from './errors.ts';
import { StatesErrors, StatesFailure } from './errors.ts';
import type { EventDraft, HistoryEventType } from './history.ts';

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

/** The event that schedules an activity's task: its input is the state's effective parameters. */
export function activityScheduledEvent(
  resource: string,
  input: Json,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
): EventDraft {
  return {
    type: 'ActivityScheduled',
    details: {
      resource,
      input,
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
    },
  };
}

/** A worker took the task; AWS writes no name when the worker gave none. */
export function activityStartedEvent(workerName: string | null): EventDraft {
  return { type: 'ActivityStarted', details: workerName === null ? {} : { workerName } };
}

/** The event a Task's end writes: Activity* for an activity, Task* otherwise. */
export function taskEndEventType(resource: string, end: 'Succeeded' | 'Failed' | 'TimedOut'): HistoryEventType {
  return isActivityResource(resource) ? `Activity${end}` : `Task${end}`;
}

/** The failure of a Task whose activity does not exist (AWS's cause, recorded). */
export function activityMissing(resource: string, state: string, enteredEventId: number): StatesFailure {
  return new StatesFailure(
    StatesErrors.Runtime,
    `An error occurred while executing the state '${state}' (entered at the event id #${enteredEventId}). The activity ${resource} does not exist.`,
  );
}
