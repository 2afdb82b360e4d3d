/** The event types of an execution's history, named as GetExecutionHistory names them. */
import { isActivityResource } from './activity.ts';
import type { StateType } from './definition.ts';
import type { Json, JsonObject } from './errors.ts';
import type { IterationOutcome } from './map.ts';
import type { MapRunRef } from './map-run.ts';
import type { Step } from './step.ts';

export const EXECUTION_EVENT_TYPES = [
  'ExecutionStarted',
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
  'ExecutionRedriven',
] as const;
export const EFFECT_EVENT_TYPES = [
  'TaskScheduled',
  'TaskStarted',
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'ActivityScheduled',
  'ActivityStarted',
  'ActivitySucceeded',
  'ActivityFailed',
  'ActivityTimedOut',
  'ParallelStateStarted',
  'ParallelStateSucceeded',
  'ParallelStateFailed',
  'MapStateStarted',
  'MapStateSucceeded',
  'MapStateFailed',
  'MapIterationStarted',
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapIterationAborted',
  'MapRunStarted',
  'MapRunSucceeded',
  'MapRunFailed',
  'MapRunAborted',
  'MapRunRedriven',
] as const;

export type HistoryEventType =
  | (typeof EXECUTION_EVENT_TYPES)[number]
  | (typeof EFFECT_EVENT_TYPES)[number]
  | `${StateType}StateEntered`
  | `${StateType}StateExited`;

export interface HistoryEvent {
  id: number;
  type: HistoryEventType;
  /** Milliseconds on the runner's clock (virtual in the in-memory runner: waits advance it). */
  timestamp: number;
  details?: JsonObject;
}

/** `PassStateEntered`, `MapStateExited`…: a state's own events carry its type in their name. */
export function stateEventType(type: StateType, phase: 'Entered' | 'Exited'): HistoryEventType {
  return `${type}State${phase}`;
}

/** An event before the runner numbers and timestamps it. */
export interface EventDraft {
  type: HistoryEventType;
  details?: JsonObject;
}

export function enteredEvent(type: StateType, name: string, input: Json): EventDraft {
  return { type: stateEventType(type, 'Entered'), details: { name, input } };
}

/**
 * The events a state writes when it takes a Step: an effect's start (TaskScheduled and
 * TaskStarted, ParallelStateStarted, MapStateStarted) or the state's exit. Waits, retries and
 * failures write none here: a failure is written by whoever it reaches (ExecutionFailed,
 * MapIterationFailed, …).
 */
export function stepEvents(type: StateType, name: string, step: Step): EventDraft[] {
  switch (step.kind) {
    case 'next':
    case 'succeed':
      return [{ type: stateEventType(type, 'Exited'), details: { name, output: step.output } }];
    case 'task':
      // An activity's task is scheduled once its activity is found (LiveExecution, activityScheduledEvent).
      if (isActivityResource(step.resource)) return [];
      return [
        { type: 'TaskScheduled', details: { resource: step.resource, parameters: step.parameters } },
        { type: 'TaskStarted', details: { resource: step.resource } },
      ];
    case 'parallel':
      return [{ type: 'ParallelStateStarted', details: { branches: step.branches.length } }];
    case 'map': {
      const started: EventDraft = { type: 'MapStateStarted', details: { length: step.inputs.length } };
      // A Distributed Map's Map Run starts once the Map has (AWS's order).
      return step.mapRun ? [started, { type: 'MapRunStarted', details: { mapRunArn: step.mapRun.arn } }] : [started];
    }
    case 'wait':
    case 'retry':
    case 'fail':
    case 'read-items':
      return [];
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

/* An activity's Task writes Activity* events in place of the Task* ones (AWS's, recorded):
 * ActivityScheduled, ActivityStarted, ActivitySucceeded, ActivityFailed, ActivityTimedOut. */

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

/** The Map's last events once its outcome is known: the Map Run's end (a Distributed Map), then the Map's. */
export function mapEndEvents(run: MapRunRef | null | undefined, outcome: IterationOutcome): EventDraft[] {
  const failure = outcome.ok ? undefined : { error: outcome.error, cause: outcome.cause ?? null };
  const state: EventDraft = failure ? { type: 'MapStateFailed', details: failure } : { type: 'MapStateSucceeded' };
  if (!run) return [state];
  return [failure ? { type: 'MapRunFailed', details: failure } : { type: 'MapRunSucceeded' }, state];
}
