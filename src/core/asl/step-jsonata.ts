/**
 * The transition function for states whose query language is JSONata: no InputPath,
 * Parameters, ResultSelector, ResultPath or OutputPath; Arguments in, Output and Assign out,
 * every field's `{% %}` strings evaluated with `$states` (input, context, and result or
 * errorOutput where AWS defines them) and the workflow variables.
 */
import { takesTaskToken } from './activity.ts';
import { parseTimestamp } from './choice.ts';
import { contextObject, type Environment, type Position } from './context.ts';
import { type AslState, nestedMachine, type StateMachineDefinition } from './definition.ts';
import { isObject, type Json, type JsonObject, StatesErrors, StatesFailure } from './errors.ts';
import { randomUuid } from './intrinsics.ts';
import { itemReadRequest } from './item-reader.ts';
import { type ExpressionScope, evaluateTemplate, evaluateTyped, isExpression, queryFailure, type StatesBinding } from './jsonata.ts';
import { batcherLimit, batchItems, maxConcurrency, tolerance } from './map.ts';
import { mapRunPlan } from './map-run.ts';
import { type WriterPlan, writerPlan } from './result-writer.ts';
import type { Catcher } from './retry.ts';
import type { Scope } from './scope.ts';
import type { Step, Variables } from './step-types.ts';
import { waitUntil } from './wait.ts';

function scopeFor(env: Environment, pos: Position, states: StatesBinding): ExpressionScope {
  return { states, variables: pos.variables, random: env.random, now: env.now };
}

function statesOf(env: Environment, pos: Position, extra?: Partial<StatesBinding>): StatesBinding {
  return { input: pos.input, context: contextObject(env, pos), ...extra };
}

/** Run a JSONata state up to its first effect (or its end, for Pass, Choice, Wait, Succeed and Fail). */
export async function enterJsonata(machine: StateMachineDefinition, state: AslState, pos: Position, env: Environment): Promise<Step> {
  const input = pos.input;
  switch (state.Type) {
    case 'Pass':
    case 'Succeed':
      return finish(state, await outputs(state, scopeFor(env, pos, statesOf(env, pos)), input));
    case 'Wait': {
      const scope = scopeFor(env, pos, statesOf(env, pos));
      const untilMs = await waitEnd(state, scope, env.now());
      return { kind: 'wait', untilMs, after: finish(state, await outputs(state, scope, input)) };
    }
    case 'Choice':
      return choose(state, pos, scopeFor(env, pos, statesOf(env, pos)));
    case 'Fail': {
      const scope = scopeFor(env, pos, statesOf(env, pos));
      const error = state.Error === undefined ? undefined : await evaluateTyped<string>(state.Error, 'Error', scope, 'string');
      const cause = state.Cause === undefined ? undefined : await evaluateTyped<string>(state.Cause, 'Cause', scope, 'string');
      return { kind: 'fail', error: error as string, cause };
    }
    case 'Task': {
      const context = contextObject(env, pos, { retryCount: pos.retryCounts.reduce((a, b) => a + b, 0) });
      if (takesTaskToken(state.Resource)) context.Task = { Token: randomUuid(env.random) };
      const scope = scopeFor(env, pos, { input, context });
      return {
        kind: 'task',
        resource: state.Resource ?? '',
        parameters: state.Arguments === undefined ? input : await evaluateTemplate(state.Arguments, 'Arguments', scope),
        context,
        timeoutSeconds: await positiveSeconds(state.TimeoutSeconds, 'TimeoutSeconds', scope),
        heartbeatSeconds: await positiveSeconds(state.HeartbeatSeconds, 'HeartbeatSeconds', scope),
      };
    }
    case 'Parallel': {
      const scope = scopeFor(env, pos, statesOf(env, pos));
      const branchInput = state.Arguments === undefined ? input : await evaluateTemplate(state.Arguments, 'Arguments', scope);
      return {
        kind: 'parallel',
        branches: (state.Branches ?? []).map((b) => ({ definition: nestedMachine(machine, b), input: branchInput })),
      };
    }
    case 'Map':
      return enterMap(machine, state, pos, env);
    default:
      throw new StatesFailure(StatesErrors.Runtime, `Unknown state type ${JSON.stringify((state as { Type: unknown }).Type)}`);
  }
}

/** A Task's, Parallel's or Map's result arrived: `$states.result` for its Assign and Output (which defaults to it). */
export async function completeJsonata(state: AslState, pos: Position, env: Environment, result: Json): Promise<Step> {
  const scope = scopeFor(env, pos, statesOf(env, pos, { result }));
  return finish(state, await outputs(state, scope, result));
}

/** A Catch of a JSONata state took the error: `$states.errorOutput` for its Assign and Output (which defaults to it). */
export async function catchJsonata(
  state: AslState,
  catcher: Catcher,
  pos: Position,
  env: Environment,
  errorOutput: JsonObject,
): Promise<Step> {
  const scope = scopeFor(env, pos, statesOf(env, pos, { errorOutput }));
  const { output, variables } = await outputs(catcher, scope, errorOutput, `Catch[${(state.Catch ?? []).indexOf(catcher)}]/`);
  return { kind: 'next', next: catcher.Next, output, variables };
}

interface Outputs {
  output: Json;
  variables: Variables;
}

/**
 * Assign and Output see the same `$states` and the variables from before the state; Assign
 * first, as AWS reports its errors first. `at` prefixes the field names of a Catch or Choice rule
 * (`Catch[0]/Output`).
 */
async function outputs(fields: { Assign?: Json; Output?: Json }, scope: ExpressionScope, fallback: Json, at = ''): Promise<Outputs> {
  const variables = { ...scope.variables, ...(await assigned(fields.Assign, scope, at)) };
  const output = fields.Output === undefined ? fallback : await evaluateTemplate(fields.Output, `${at}Output`, scope);
  return { output, variables };
}

async function assigned(template: Json | undefined, scope: ExpressionScope, at: string): Promise<JsonObject> {
  if (template === undefined) return {};
  const values = await evaluateTemplate(template, `${at}Assign`, scope);
  if (!isObject(values)) throw queryFailure('Assign must be an object');
  return values;
}

function finish(state: AslState, o: Outputs): Step {
  return state.Type === 'Succeed' || state.End || state.Next === undefined
    ? { kind: 'succeed', output: o.output, variables: o.variables }
    : { kind: 'next', next: state.Next, output: o.output, variables: o.variables };
}

/** The first rule whose Condition holds; its Assign goes over the state's, its Output replaces the state's. */
async function choose(state: AslState, pos: Position, scope: ExpressionScope): Promise<Step> {
  const rules = state.Choices ?? [];
  let index = -1;
  for (const [i, rule] of rules.entries()) {
    const c = rule.Condition;
    if (typeof c === 'boolean' ? c : await evaluateTyped<boolean>(c ?? null, `Choices[${i}]/Condition`, scope, 'boolean')) {
      index = i;
      break;
    }
  }
  const rule = rules[index];
  const next = rule ? (rule.Next as string) : state.Default;
  if (next === undefined) throw new StatesFailure(StatesErrors.NoChoiceMatched, 'No Matches!');
  const at = `Choices[${index}]/`;
  // The state's Assign, but for the names the rule assigns too, then the rule's.
  const own = isObject(state.Assign) && isObject(rule?.Assign) ? dropKeys(state.Assign, rule.Assign) : state.Assign;
  const variables = { ...scope.variables, ...(await assigned(own, scope, '')), ...(await assigned(rule?.Assign, scope, at)) };
  const output =
    rule?.Output !== undefined
      ? await evaluateTemplate(rule.Output, `${at}Output`, scope)
      : state.Output !== undefined
        ? await evaluateTemplate(state.Output, 'Output', scope)
        : pos.input;
  return { kind: 'next', next, output, variables };
}

function dropKeys(from: JsonObject, keys: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(from).filter(([k]) => !Object.hasOwn(keys, k)));
}

async function waitEnd(state: AslState, scope: ExpressionScope, nowMs: number): Promise<number> {
  if (state.Seconds !== undefined) {
    const s = await evaluateTyped<number>(state.Seconds, 'Seconds', scope, 'number');
    if (!Number.isInteger(s) || s < 0) throw queryFailure(`The Seconds field must be a non-negative integer: ${s}`);
    return waitUntil({ Type: 'Wait', Seconds: s }, literalScope(), nowMs);
  }
  const t = await evaluateTemplate(state.Timestamp ?? null, 'Timestamp', scope);
  if (typeof t !== 'string' || parseTimestamp(t) === undefined) {
    throw queryFailure(
      `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof t === 'string' ? t : JSON.stringify(t)}`,
    );
  }
  return waitUntil({ Type: 'Wait', Timestamp: t }, literalScope(), nowMs);
}

/** Literal fields need no scope: waitUntil and the Map checks read none of it then. */
function literalScope(): Scope {
  return { data: null, context: null, variables: {}, random: () => 0 };
}

async function positiveSeconds(v: Json | undefined, field: string, scope: ExpressionScope): Promise<number | undefined> {
  if (v === undefined) return undefined;
  const n = isExpression(v) ? await evaluateTyped<number>(v, field, scope, 'number') : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw queryFailure(`The ${field} field must be a positive integer, got ${JSON.stringify(n)}`);
  return n;
}

async function numberField(v: Json | undefined, field: string, scope: ExpressionScope): Promise<number | undefined> {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? v : evaluateTyped<number>(v, field, scope, 'number');
}

async function enterMap(machine: StateMachineDefinition, state: AslState, pos: Position, env: Environment): Promise<Step> {
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!processor) throw new StatesFailure(StatesErrors.Runtime, 'A Map state needs an ItemProcessor');
  const scope = scopeFor(env, pos, statesOf(env, pos));
  let items: Json[];
  if (state.ItemReader !== undefined) {
    if (pos.readItems === undefined) {
      const args = state.ItemReader.Arguments;
      const evaluated = args === undefined ? {} : await evaluateTemplate(args, 'ItemReader/Arguments', scope);
      const { Parameters: _jsonPathOnly, ...reader } = state.ItemReader;
      // ReaderConfig.MaxItems may be an expression here; the other fields are literals.
      if (isObject(reader.ReaderConfig) && reader.ReaderConfig.MaxItems !== undefined) {
        const maxItems = await numberField(reader.ReaderConfig.MaxItems, 'ItemReader/ReaderConfig/MaxItems', scope);
        reader.ReaderConfig = { ...reader.ReaderConfig, MaxItems: maxItems ?? null };
      }
      const literal = { data: null, context: {}, variables: {}, random: env.random };
      return { kind: 'read-items', request: itemReadRequest({ ...state, ItemReader: reader }, literal, evaluated) };
    }
    items = pos.readItems;
  } else if (state.Items !== undefined) items = await evaluateTyped<Json[]>(state.Items, 'Items', scope, 'array');
  else if (Array.isArray(pos.input)) items = pos.input;
  else throw queryFailure(`Map state input must be an array but was: ${JSON.stringify(pos.input)}`);
  const inputs: Json[] = [];
  for (const [index, value] of items.entries()) {
    if (state.ItemSelector === undefined) inputs.push(value);
    else {
      const context = contextObject(env, pos, { mapItem: { index, value } });
      inputs.push(await evaluateTemplate(state.ItemSelector, 'ItemSelector', scopeFor(env, pos, { input: pos.input, context })));
    }
  }
  const batcher = state.ItemBatcher;
  const batched =
    batcher === undefined
      ? inputs
      : batchItems(inputs, {
          maxItems: batcherLimit('MaxItemsPerBatch', await numberField(batcher.MaxItemsPerBatch, 'ItemBatcher/MaxItemsPerBatch', scope)),
          maxBytes: batcherLimit(
            'MaxInputBytesPerBatch',
            await numberField(batcher.MaxInputBytesPerBatch, 'ItemBatcher/MaxInputBytesPerBatch', scope),
          ),
          batchInput:
            batcher.BatchInput === undefined ? undefined : await evaluateTemplate(batcher.BatchInput, 'ItemBatcher/BatchInput', scope),
        });
  // The numbers, once evaluated, go through the same checks as JSONPath's literals.
  const resolved: AslState = {
    Type: 'Map',
    MaxConcurrency: await numberField(state.MaxConcurrency, 'MaxConcurrency', scope),
    ToleratedFailureCount: await numberField(state.ToleratedFailureCount, 'ToleratedFailureCount', scope),
    ToleratedFailurePercentage: await numberField(state.ToleratedFailurePercentage, 'ToleratedFailurePercentage', scope),
  };
  const concurrency = maxConcurrency(resolved, literalScope());
  const tolerated = tolerance(resolved, literalScope());
  const mapRun = mapRunPlan(state, pos.state, env.execution, () => randomUuid(env.random));
  return {
    kind: 'map',
    processor: nestedMachine(machine, processor),
    inputs: batched,
    maxConcurrency: concurrency,
    tolerance: tolerated,
    writer: await jsonataWriterPlan(state, pos, scope, () => mapRun?.id ?? randomUuid(env.random)),
    mapRun,
  };
}

/** A JSONata Map's ResultWriter: its Arguments evaluated (Bucket and Prefix may be expressions). */
async function jsonataWriterPlan(state: AslState, pos: Position, scope: ExpressionScope, runId: () => string): Promise<WriterPlan | null> {
  const writer = state.ResultWriter;
  if (writer === undefined) return null;
  const args = writer.Arguments;
  const evaluated = args === undefined ? {} : await evaluateTemplate(args, 'ResultWriter/Arguments', scope);
  return writerPlan(state, pos.state, literalScope(), runId, evaluated);
}
