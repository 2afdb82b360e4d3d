/** Errors of Amazon States Language executions, named as Step Functions names them. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The predefined error names of the States Language (ASL spec, "Errors"). */
export const StatesErrors = {
  ALL: 'States.ALL',
  Runtime: 'States.Runtime',
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  IntrinsicFailure: 'States.IntrinsicFailure',
  NoChoiceMatched: 'States.NoChoiceMatched',
  ParameterPathFailure: 'States.ParameterPathFailure',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  BranchFailed: 'States.BranchFailed',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  DataLimitExceeded: 'States.DataLimitExceeded',
  QueryEvaluationError: 'States.QueryEvaluationError',
  ResultWriterFailed: 'States.ResultWriterFailed',
  ItemReaderFailed: 'States.ItemReaderFailed',
} as const;

/** A failure that an execution reports (and that Retry and Catch may handle): AWS's `error` and `cause`. */
export class StatesFailure extends Error {
  readonly error: string;
  readonly cause: string | undefined;
  constructor(error: string, cause?: string) {
    super(cause === undefined ? error : `${error}: ${cause}`);
    this.error = error;
    this.cause = cause;
  }
}

/** States.Runtime, the error for a definition that cannot run on this input; Catch with States.ALL does not handle it. */
export function runtimeFailure(cause: string): StatesFailure {
  return new StatesFailure(StatesErrors.Runtime, cause);
}

/** AWS quotes a value in its messages as compact JSON. */
export function jsonText(value: Json | undefined): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
