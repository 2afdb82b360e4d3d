/** The context object `$$` and the scopes states evaluate their fields in. */
import type { Json, JsonObject } from './errors.ts';
import type { Scope } from './scope.ts';

/** What is fixed for one execution. */
export interface ExecutionInfo {
  readonly id: string;
  readonly name: string;
  readonly input: Json;
  readonly startTime: string;
  readonly roleArn: string;
  readonly stateMachineId: string;
  readonly stateMachineName: string;
  readonly redriveCount: number;
}

/** Where a (branch or iteration of an) execution is: a state about to run, with its input. */
export interface Position {
  readonly state: string;
  readonly input: Json;
  readonly enteredTime: string;
  /** Id of the history event that entered the state; AWS quotes it in States.Runtime causes. */
  readonly enteredEventId: number;
  /** How often each retrier of the state has fired since it was entered from elsewhere. */
  readonly retryCounts: readonly number[];
  readonly variables: Readonly<Record<string, Json>>;
  /** A Map with an ItemReader entered again with what it read. */
  readonly readItems?: Json[];
}

export interface Environment {
  readonly execution: ExecutionInfo;
  /** Epoch milliseconds; injected so Wait and timestamps are testable. */
  readonly now: () => number;
  readonly random: () => number;
}

export function contextObject(
  env: Environment,
  pos: Position,
  extra?: { retryCount?: number; mapItem?: { index: number; value: Json } },
): JsonObject {
  const e = env.execution;
  const state: JsonObject = { Name: pos.state, EnteredTime: pos.enteredTime };
  if (extra?.retryCount !== undefined) state.RetryCount = extra.retryCount;
  const context: JsonObject = {
    Execution: { Id: e.id, Input: e.input, StartTime: e.startTime, Name: e.name, RoleArn: e.roleArn, RedriveCount: e.redriveCount },
    StateMachine: { Id: e.stateMachineId, Name: e.stateMachineName },
    State: state,
  };
  if (extra?.mapItem) context.Map = { Item: { Index: extra.mapItem.index, Value: extra.mapItem.value } };
  return context;
}

export function scopeOf(env: Environment, pos: Position, data: Json, context?: JsonObject): Scope {
  return { data, context: context ?? contextObject(env, pos), variables: pos.variables, random: env.random };
}
