/**
 * The transition function of an execution: from a Position (a state about to run and its
 * input) to a Step — the next state, the end, a failure, or an effect the runner must carry
 * out first (a wait, a task, branches, iterations) and then report back with completeState or
 * failState. Nothing here does I/O or reads the clock except through the Environment, so a
 * durable runner can store each Step before acting on it.
 */
import { takesTaskToken } from './activity.ts';
import { chooseRule } from './choice.ts';
import { contextObject, type Environment, type Position, scopeOf } from './context.ts';
import { type AslState, nestedMachine, queryLanguageOf, type StateMachineDefinition } from './definition.ts';
import { isObject, type Json, runtimeFailure, StatesErrors, StatesFailure } from './errors.ts';
import { IntrinsicSyntaxError, randomUuid } from './intrinsics.ts';
import { itemReadRequest } from './item-reader.ts';
import { JsonPathSyntaxError } from './jsonpath.ts';
import { batchInputs, errorOutput, iterationInput, mapItems, maxConcurrency, tolerance } from './map.ts';
import { applyResultPath, applyTemplate, dynamicValue, filterPath } from './payload.ts';
import { mapRunPlan } from './map-run.ts';
import { writerPlan } from './result-writer.ts';
import { requirePath, type Scope } from './scope.ts';
import { decideRetry, findCatcher } from './retry.ts';
import { catchJsonata, completeJsonata, enterJsonata } from './step-jsonata.ts';
import { waitUntil } from './wait.ts';

import type { Step, Variables } from './step-types.ts';

export type { Step, Variables };

export function stateOf(machine: StateMachineDefinition, name: string): AslState {
  const state = machine.States[name];
  if (!state) throw runtimeFailure(`The state '${name}' does not exist in the state machine`);
  return state;
}

/*
 * The three transition functions return promises because JSONata (jsonata 2.x) evaluates
 * asynchronously; a JSONPath state is decided synchronously inside them, as before.
 */

/** Run a state up to its first effect (or to its end, for Pass, Choice, Succeed and Fail). */
export async function enterState(machine: StateMachineDefinition, pos: Position, env: Environment): Promise<Step> {
  try {
    const state = stateOf(machine, pos.state);
    return queryLanguageOf(machine, state) === 'JSONata' ? await enterJsonata(machine, state, pos, env) : enter(machine, state, pos, env);
  } catch (e) {
    return failStateFrom(machine, pos, env, e);
  }
}

/** The result of a state's effect (Task output, Parallel branch outputs, Map results) arrived. */
export async function completeState(machine: StateMachineDefinition, pos: Position, env: Environment, result: Json): Promise<Step> {
  try {
    const state = stateOf(machine, pos.state);
    if (queryLanguageOf(machine, state) === 'JSONata') return await completeJsonata(state, pos, env, result);
    const selected = state.ResultSelector === undefined ? result : applyTemplate(state.ResultSelector, scopeOf(env, pos, result));
    return finish(state, pos, env, selected, applyResultPath(state.ResultPath, pos.input, selected));
  } catch (e) {
    return failStateFrom(machine, pos, env, e);
  }
}

/** A state failed: retry it, catch the error, or fail the execution, as its Retry and Catch say. */
export async function failState(
  machine: StateMachineDefinition,
  pos: Position,
  env: Environment,
  error: string,
  cause: string | undefined,
): Promise<Step> {
  const state = machine.States[pos.state];
  if (error === StatesErrors.Runtime || error === StatesErrors.QueryEvaluationError) cause = inStateCause(pos, cause);
  if (!state) return { kind: 'fail', error, cause };
  const decision = decideRetry(state.Retry, error, pos.retryCounts, env.random);
  if (decision.kind === 'retry') {
    const retryCounts = pos.retryCounts.slice();
    retryCounts[decision.retrier] = (retryCounts[decision.retrier] ?? 0) + 1;
    return { kind: 'retry', delaySeconds: decision.delaySeconds, retryCounts: Array.from(retryCounts, (n) => n ?? 0), error, cause };
  }
  const catcher = findCatcher(state.Catch, error);
  if (!catcher) return { kind: 'fail', error, cause };
  try {
    const caught = errorOutput(error, cause);
    if (queryLanguageOf(machine, state) === 'JSONata') return await catchJsonata(state, catcher, pos, env, caught);
    const variables = assign(catcher.Assign, pos, env, caught);
    return { kind: 'next', next: catcher.Next, output: applyResultPath(catcher.ResultPath, pos.input, caught), variables };
  } catch (e) {
    const f = asFailure(e);
    // A JSONata catcher's failing Output or Assign is reported as the state's own failures are.
    return { kind: 'fail', error: f.error, cause: f.error === StatesErrors.QueryEvaluationError ? inStateCause(pos, f.cause) : f.cause };
  }
}

/** AWS's cause of States.Runtime and States.QueryEvaluationError names the state and the event that entered it. */
export function inStateCause(pos: Position, cause: string | undefined): string | undefined {
  if (cause === undefined || cause.startsWith('An error occurred while executing the state')) return cause;
  return `An error occurred while executing the state '${pos.state}' (entered at the event id #${pos.enteredEventId}). ${cause}`;
}

function failStateFrom(machine: StateMachineDefinition, pos: Position, env: Environment, e: unknown): Promise<Step> {
  const f = asFailure(e);
  return failState(machine, pos, env, f.error, f.cause);
}

/** A path or intrinsic the engine cannot parse fails the state with States.Runtime; validation refuses most of them earlier. */
function asFailure(e: unknown): StatesFailure {
  if (e instanceof StatesFailure) return e;
  if (e instanceof JsonPathSyntaxError || e instanceof IntrinsicSyntaxError) return runtimeFailure(e.message);
  throw e;
}

function enter(machine: StateMachineDefinition, state: AslState, pos: Position, env: Environment): Step {
  const inputScope = scopeOf(env, pos, pos.input);
  const effective = filterPath(state.InputPath, inputScope);
  const scope = scopeOf(env, pos, effective);
  switch (state.Type) {
    case 'Pass': {
      const result =
        state.Result !== undefined ? state.Result : state.Parameters !== undefined ? applyTemplate(state.Parameters, scope) : effective;
      return finish(state, pos, env, result, applyResultPath(state.ResultPath, pos.input, result));
    }
    case 'Succeed':
    case 'Wait': {
      const variables = assign(state.Assign, pos, env, effective);
      const output = filterPath(state.OutputPath, scopeOf(env, pos, effective));
      const after: Step =
        state.Type === 'Succeed' || state.End
          ? { kind: 'succeed', output, variables }
          : { kind: 'next', next: state.Next!, output, variables };
      return state.Type === 'Succeed' ? after : { kind: 'wait', untilMs: waitUntil(state, scope, env.now()), after };
    }
    case 'Choice': {
      const rule = chooseRule(state.Choices ?? [], scope);
      const next = rule ? (rule.Next as string) : state.Default;
      if (next === undefined) throw new StatesFailure(StatesErrors.NoChoiceMatched, `No Matches!`);
      // AWS: the state's Assign applies whichever rule matched; the matched rule's own Assign is added over it.
      const both = isObject(state.Assign) && isObject(rule?.Assign) ? { ...state.Assign, ...rule.Assign } : (rule?.Assign ?? state.Assign);
      const variables = assign(both, pos, env, effective);
      return { kind: 'next', next, output: filterPath(state.OutputPath, scopeOf(env, pos, effective)), variables };
    }
    case 'Fail': {
      const error = state.ErrorPath !== undefined ? dynamicValue(state.ErrorPath, scope, 'ErrorPath') : state.Error;
      const cause = state.CausePath !== undefined ? dynamicValue(state.CausePath, scope, 'CausePath') : state.Cause;
      return { kind: 'fail', error: failText(error, 'ErrorPath'), cause: failText(cause, 'CausePath') } as Step;
    }
    case 'Task': {
      const context = contextObject(env, pos, { retryCount: pos.retryCounts.reduce((a, b) => a + b, 0) });
      // A callback task (`.waitForTaskToken`) or an activity's hands its token out through `$$.Task.Token`.
      if (takesTaskToken(state.Resource)) context.Task = { Token: randomUuid(env.random) };
      const parameters =
        state.Parameters === undefined ? effective : applyTemplate(state.Parameters, scopeOf(env, pos, effective, context));
      return {
        kind: 'task',
        resource: state.Resource ?? '',
        parameters,
        context,
        timeoutSeconds: taskSeconds(state.TimeoutSeconds, state.TimeoutSecondsPath, 'TimeoutSecondsPath', scope),
        heartbeatSeconds: taskSeconds(state.HeartbeatSeconds, state.HeartbeatSecondsPath, 'HeartbeatSecondsPath', scope),
      };
    }
    case 'Parallel': {
      const input = state.Parameters === undefined ? effective : applyTemplate(state.Parameters, scope);
      return { kind: 'parallel', branches: (state.Branches ?? []).map((b) => ({ definition: nestedMachine(machine, b), input })) };
    }
    case 'Map': {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (!processor) throw runtimeFailure('A Map state needs an ItemProcessor');
      let items: Json[];
      if (state.ItemReader !== undefined) {
        if (pos.readItems === undefined) return { kind: 'read-items', request: itemReadRequest(state, scope) };
        items = pos.readItems;
      } else items = mapItems(state, scope);
      const itemScope = (index: number, value: Json) =>
        scopeOf(env, pos, effective, contextObject(env, pos, { mapItem: { index, value } }));
      const inputs = batchInputs(
        state,
        items.map((value, index) => iterationInput(state, itemScope, index, value)),
        scope,
      );
      const concurrency = maxConcurrency(state, scope);
      const tolerated = tolerance(state, scope);
      const mapRun = mapRunPlan(state, pos.state, env.execution, () => randomUuid(env.random));
      return {
        kind: 'map',
        processor: nestedMachine(machine, processor),
        inputs,
        maxConcurrency: concurrency,
        tolerance: tolerated,
        writer: writerPlan(state, pos.state, scope, () => mapRun?.id ?? randomUuid(env.random)),
        mapRun,
      };
    }
    default:
      throw runtimeFailure(`Unknown state type ${JSON.stringify((state as { Type: unknown }).Type)}`);
  }
}

function taskSeconds(literal: number | string | undefined, path: string | undefined, field: string, scope: Scope): number | undefined {
  if (path === undefined) return literal as number | undefined;
  const v = requirePath(path, scope, field);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw runtimeFailure(`The ${field} field refers to value "${JSON.stringify(v)}" which is not a valid positive integer: ${path}`);
  return v;
}

function failText(v: Json | undefined, field: string): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  throw runtimeFailure(`The value of ${field} must be a string, got ${JSON.stringify(v)}`);
}

/** Assign: `$` is the state's result (its input for Choice, Wait, Succeed); values see the variables from before the state. */
function assign(template: Json | undefined, pos: Position, env: Environment, data: Json): Variables {
  if (template === undefined) return pos.variables;
  const values = applyTemplate(template, scopeOf(env, pos, data));
  if (!isObject(values)) throw runtimeFailure('Assign must be an object');
  return { ...pos.variables, ...values };
}

function finish(state: AslState, pos: Position, env: Environment, result: Json, combined: Json): Step {
  const variables = assign(state.Assign, pos, env, result);
  const output = filterPath(state.OutputPath, scopeOf(env, pos, combined));
  return state.End || state.Next === undefined
    ? { kind: 'succeed', output, variables }
    : { kind: 'next', next: state.Next, output, variables };
}
