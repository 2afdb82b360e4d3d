/**
 * TestState's run of one state: the transition functions of step.ts carry it, once, up to its
 * end — a Wait does not wait, a Task's resource runs once (or its mock answers), a Map or a
 * Parallel answers with its mock — and what Retry and Catch would do with a failure is reported,
 * not done: RETRIABLE with the retrier's index and back-off, CAUGHT_ERROR with the catcher's
 * index, output and Next. The inspection data are the JSONPath steps (InputPath, Parameters,
 * ResultSelector, ResultPath) or the JSONata Arguments, read again beside the run (pure, so the
 * same values), and the variables after the state.
 */
import { type Environment, type Position, scopeOf } from './context.ts';
import { type AslState, queryLanguageOf, type StateMachineDefinition } from './definition.ts';
import { type Json, StatesErrors, StatesFailure } from './errors.ts';
import { IntrinsicSyntaxError } from './intrinsics.ts';
import { parseItems } from './item-reader.ts';
import { JsonPathSyntaxError } from './jsonpath.ts';
import { exceedsTolerance, mapItems } from './map.ts';
import { applyResultPath, applyTemplate, filterPath } from './payload.ts';
import { errorMatches, findCatcher } from './retry.ts';
import { completeState, enterState, failState } from './step.ts';
import type { Step, Variables } from './step-types.ts';
import { enteredTimeOf, type InspectionLevel, type StateUnderTest, type TestStateAsk, type TestStatus } from './test-state.ts';
import type { TaskRequest, TaskResolver } from './run.ts';

export interface TestStateRun extends TestStateAsk {
  under: StateUnderTest;
  input: Json;
  variables: Variables;
  inspectionLevel: InspectionLevel;
}

export interface ErrorDetails {
  retryIndex?: number;
  retryBackoffIntervalSeconds?: number;
  catchIndex?: number;
}

/** The inspection data, as values (the Step Functions API sends each as JSON text). */
export interface Inspection {
  input?: Json;
  afterInputPath?: Json;
  afterParameters?: Json;
  afterArguments?: Json;
  result?: Json;
  afterResultSelector?: Json;
  afterResultPath?: Json;
  afterItemsPath?: Json;
  afterItemSelector?: Json;
  afterItemBatcher?: Json;
  maxConcurrency?: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  variables?: Variables;
  errorDetails?: ErrorDetails;
}

export interface TestStateOutcome {
  status: TestStatus;
  output?: Json;
  error?: string;
  cause?: string;
  nextState?: string;
  inspection: Inspection;
}

type Failed = { error: string; cause: string | undefined };

/** Runs the state under test once (see the file's comment); `resolveTask` runs an unmocked Task's resource. */
export async function runTestState(run: TestStateRun, env: Environment, resolveTask: TaskResolver): Promise<TestStateOutcome> {
  const { machine, name, state } = run.under;
  const bare = withoutHandlers(machine, name, state);
  const debug = run.inspectionLevel !== 'INFO';
  const jsonata = queryLanguageOf(machine, state) === 'JSONata';
  // The retriers have fired retrierRetryCount times: only the first that matches decides.
  const retryCounts = (state.Retry ?? []).map(() => run.retrierRetryCount ?? 0);
  let pos: Position = {
    state: name,
    input: run.input,
    enteredTime: enteredTimeOf(run.context, new Date(env.now()).toISOString()),
    enteredEventId: 1,
    retryCounts,
    variables: run.variables,
  };
  const ins: Inspection = { input: run.input };
  const look = (fn: () => void) => {
    if (debug) quietly(fn);
  };
  let effective: Json = run.input;
  if (!jsonata)
    look(() => {
      effective = filterPath(state.InputPath, scopeOf(env, pos, run.input));
      ins.afterInputPath = effective;
      if (state.Type === 'Pass') {
        if (state.Parameters !== undefined) ins.afterParameters = applyTemplate(state.Parameters, scopeOf(env, pos, effective));
        ins.result = state.Result !== undefined ? state.Result : (ins.afterParameters ?? effective);
        ins.afterResultPath = applyResultPath(state.ResultPath, run.input, ins.result);
      }
    });
  let step: Step = await enterState(bare, pos, env);
  for (;;) {
    let answered: { ok: true; result: Json } | ({ ok: false } & Failed) | undefined;
    switch (step.kind) {
      case 'next':
      case 'succeed':
      case 'fail':
      case 'retry':
        break;
      case 'wait':
        step = step.after;
        continue;
      case 'read-items':
        try {
          pos = { ...pos, readItems: parseItems(run.mapItemReaderData ?? '[]', step.request) };
          step = await enterState(bare, pos, env);
        } catch (e) {
          step = { kind: 'fail', ...failureOf(e) };
        }
        continue;
      case 'task': {
        if (jsonata) {
          if (state.Arguments !== undefined) ins.afterArguments = step.parameters;
        } else ins.afterParameters = step.parameters;
        answered = run.mock ? mocked(run) : await resolved(resolveTask, step);
        break;
      }
      case 'parallel': {
        const branchInput = step.branches[0]?.input;
        if (branchInput !== undefined && (jsonata ? state.Arguments !== undefined : state.Parameters !== undefined))
          ins[jsonata ? 'afterArguments' : 'afterParameters'] = branchInput;
        answered = mocked(run);
        break;
      }
      case 'map': {
        if (!jsonata)
          look(() => (ins.afterItemsPath = state.ItemReader === undefined ? mapItems(state, scopeOf(env, pos, effective)) : null));
        if (ins.afterItemsPath === null) delete ins.afterItemsPath;
        ins[state.ItemBatcher !== undefined ? 'afterItemBatcher' : 'afterItemSelector'] = step.inputs;
        ins.maxConcurrency = step.maxConcurrency;
        if (step.tolerance.count !== undefined) ins.toleratedFailureCount = step.tolerance.count;
        if (step.tolerance.percentage !== undefined) ins.toleratedFailurePercentage = step.tolerance.percentage;
        const failures = run.mapIterationFailureCount ?? 0;
        answered =
          failures > 0 && exceedsTolerance(step.tolerance, failures, Math.max(failures, step.inputs.length))
            ? {
                ok: false,
                error: StatesErrors.ExceedToleratedFailureThreshold,
                cause: 'The specified tolerated failure threshold was exceeded',
              }
            : mocked(run);
        break;
      }
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
    if (answered === undefined) break;
    if (!answered.ok) {
      step = { kind: 'fail', error: answered.error, cause: answered.cause };
      break;
    }
    const result = answered.result;
    ins.result = result;
    if (!jsonata)
      look(() => {
        const selected = state.ResultSelector === undefined ? result : applyTemplate(state.ResultSelector, scopeOf(env, pos, result));
        ins.afterResultSelector = selected;
        ins.afterResultPath = applyResultPath(state.ResultPath, run.input, selected);
      });
    step = await completeState(bare, pos, env, result);
  }
  const end = await endOf(machine, state, pos, env, step);
  const inspection: Inspection = debug ? { ...ins, ...(end.variables ? { variables: end.variables } : {}) } : {};
  if (end.details) inspection.errorDetails = end.details;
  return { ...end.outcome, inspection };
}

interface End {
  outcome: Omit<TestStateOutcome, 'inspection'>;
  /** The variables after the state (none: left out). */
  variables?: Variables;
  details?: ErrorDetails;
}

/** The status a state's end gives: a failure goes through the state's own Retry and Catch. */
async function endOf(machine: StateMachineDefinition, state: AslState, pos: Position, env: Environment, step: Step): Promise<End> {
  const vars = (variables: Variables) => (Object.keys(variables).length > 0 ? variables : undefined);
  if (step.kind === 'next')
    return { outcome: { status: 'SUCCEEDED', output: step.output, nextState: step.next }, variables: vars(step.variables) };
  if (step.kind === 'succeed') return { outcome: { status: 'SUCCEEDED', output: step.output }, variables: vars(step.variables) };
  if (step.kind !== 'fail' && step.kind !== 'retry') throw new Error(`unexpected step ${step.kind}`);
  const handled = await failState(machine, pos, env, step.error, step.cause);
  const last = handled.kind === 'fail' ? handled : step;
  const failed = { error: last.error, ...(last.cause === undefined ? {} : { cause: last.cause }) };
  switch (handled.kind) {
    case 'retry': {
      const retryIndex = (state.Retry ?? []).findIndex((r) => errorMatches(r.ErrorEquals, failed.error));
      return {
        outcome: { status: 'RETRIABLE', ...failed },
        variables: vars(pos.variables),
        details: { retryIndex, retryBackoffIntervalSeconds: handled.delaySeconds },
      };
    }
    case 'next': {
      const catcher = findCatcher(state.Catch, failed.error);
      return {
        outcome: { status: 'CAUGHT_ERROR', ...failed, output: handled.output, nextState: handled.next },
        variables: vars(handled.variables),
        details: { catchIndex: catcher ? (state.Catch ?? []).indexOf(catcher) : 0 },
      };
    }
    default:
      return { outcome: { status: 'FAILED', ...failed }, variables: vars(pos.variables) };
  }
}

/** A copy of the machine whose state under test has no Retry or Catch: its failures come back as `fail` steps. */
function withoutHandlers(machine: StateMachineDefinition, name: string, state: AslState): StateMachineDefinition {
  if (state.Retry === undefined && state.Catch === undefined) return machine;
  const { Retry: _r, Catch: _c, ...bare } = state;
  return { ...machine, States: { ...machine.States, [name]: bare } };
}

function mocked(run: TestStateRun): { ok: true; result: Json } | ({ ok: false } & Failed) {
  const mock = run.mock!;
  return mock.kind === 'result' ? { ok: true, result: mock.result } : { ok: false, error: mock.error, cause: mock.cause };
}

async function resolved(resolveTask: TaskResolver, step: Extract<Step, { kind: 'task' }>) {
  const { resource, parameters, context, timeoutSeconds, heartbeatSeconds } = step;
  const request: TaskRequest = { resource, parameters, context, timeoutSeconds, heartbeatSeconds };
  try {
    return { ok: true as const, result: await resolveTask(request) };
  } catch (e) {
    return { ok: false as const, ...failureOf(e) };
  }
}

function failureOf(e: unknown): Failed {
  if (e instanceof StatesFailure) return { error: e.error, cause: e.cause };
  throw e;
}

/** An inspection step that cannot be read (the run fails on it too, and says why) is left out. */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof StatesFailure || e instanceof JsonPathSyntaxError || e instanceof IntrinsicSyntaxError)) throw e;
  }
}
