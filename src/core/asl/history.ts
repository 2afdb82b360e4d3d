/** The event types of an execution's history, named as GetExecutionHistory names them. */
import type { StateType } from './definition.ts';
import type { JsonObject } from './errors.ts';

export const EXECUTION_EVENT_TYPES = [
  'ExecutionStarted',
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
] as const;
export const EFFECT_EVENT_TYPES = [
  'TaskScheduled',
  'TaskStarted',
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'ParallelStateStarted',
  'ParallelStateSucceeded',
  'ParallelStateFailed',
  'MapStateStarted',
  'MapStateSucceeded',
  'MapStateFailed',
  'MapIterationStarted',
  'MapIterationSucceeded',
  'MapIterationFailed',
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
