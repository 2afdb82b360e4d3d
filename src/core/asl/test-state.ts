/**
 * TestState (Step Functions): which state a request tests, and what it may ask of it. The
 * definition is one state, tested under the name TEST_STATE_NAME, or — with `stateName` — a whole
 * state machine, of which that state (at any depth: a Parallel's branch, a Map's processor) is
 * tested. Running it is test-state-run.ts's.
 */
import { activityOf } from './activity.ts';
import type { ExecutionInfo } from './context.ts';
import { type AslState, nestedMachine, type StateMachineDefinition } from './definition.ts';
import { isObject, type Json, type JsonObject } from './errors.ts';
import { type Diagnostic, validateDefinition } from './validate.ts';

export const INSPECTION_LEVELS = ['INFO', 'DEBUG', 'TRACE'] as const;
export type InspectionLevel = (typeof INSPECTION_LEVELS)[number];

export const TEST_STATUSES = ['SUCCEEDED', 'FAILED', 'RETRIABLE', 'CAUGHT_ERROR'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

/** How a mocked result is checked against the integration's response model (AWS's default: STRICT). */
export const MOCK_VALIDATION_MODES = ['STRICT', 'PRESENT', 'NONE'] as const;
export type MockValidationMode = (typeof MOCK_VALIDATION_MODES)[number];

export type StateMock =
  | { kind: 'result'; result: Json; validation: MockValidationMode }
  | { kind: 'error'; error: string; cause: string | undefined };

/** The name a definition of one state is tested under: its `$$.State.Name`. */
export const TEST_STATE_NAME = 'TestState';

export interface StateUnderTest {
  /** The machine that holds it (a branch or processor for a nested state, its query language inherited). */
  machine: StateMachineDefinition;
  name: string;
  state: AslState;
}

export type Located =
  | { kind: 'found'; under: StateUnderTest }
  | { kind: 'invalid'; diagnostics: Diagnostic[] }
  /** A valid machine without that state. */
  | { kind: 'missing'; message: string };

/** The state a TestState request names, its definition validated as CreateStateMachine would. */
export function locateState(definition: Json, stateName: string | undefined): Located {
  if (stateName !== undefined) {
    const diagnostics = validateDefinition(definition);
    if (diagnostics.length > 0) return { kind: 'invalid', diagnostics };
    const found = findState(definition as unknown as StateMachineDefinition, stateName);
    return found ? { kind: 'found', under: found } : { kind: 'missing', message: `The state '${stateName}' is not in the definition` };
  }
  // One state: validated inside a machine that holds it and, for every state it names, a Succeed.
  const machine = { StartAt: TEST_STATE_NAME, States: { [TEST_STATE_NAME]: definition } } as unknown as StateMachineDefinition;
  for (const target of targetsOf(definition)) if (target !== TEST_STATE_NAME) machine.States[target] = { Type: 'Succeed' };
  const diagnostics = validateDefinition(machine as unknown as Json);
  if (diagnostics.length > 0) return { kind: 'invalid', diagnostics };
  return { kind: 'found', under: { machine, name: TEST_STATE_NAME, state: machine.States[TEST_STATE_NAME] } };
}

/** The states a state may go to: Next, Default, its Choice rules' and Catchers' Next. */
function targetsOf(state: Json): string[] {
  if (!isObject(state)) return [];
  const out: string[] = [];
  const add = (v: Json | undefined) => {
    if (typeof v === 'string' && v !== '') out.push(v);
  };
  add(state.Next);
  add(state.Default);
  for (const list of [state.Choices, state.Catch]) if (Array.isArray(list)) for (const r of list) if (isObject(r)) add(r.Next);
  return out;
}

function findState(machine: StateMachineDefinition, name: string): StateUnderTest | undefined {
  const state = machine.States[name];
  if (state) return { machine, name, state };
  for (const s of Object.values(machine.States)) {
    const processor = s.ItemProcessor ?? s.Iterator;
    for (const nested of [...(s.Branches ?? []), ...(processor ? [processor] : [])]) {
      const found = findState(nestedMachine(machine, nested), name);
      if (found) return found;
    }
  }
  return undefined;
}

/** What a request asks besides the state and its input. */
export interface TestStateAsk {
  mock: StateMock | undefined;
  context: JsonObject | undefined;
  retrierRetryCount: number | undefined;
  errorCausedByState: string | undefined;
  mapIterationFailureCount: number | undefined;
  mapItemReaderData: string | undefined;
}

/**
 * Why AWS would refuse this request for this state (ValidationException), or undefined. A mock is
 * for Task, Map and Parallel states only; Map, Parallel, activities, `.sync` and
 * `.waitForTaskToken` run only mocked; a context only with a mock; the Map settings only for a Map.
 */
export function testStateProblem(under: StateUnderTest, ask: TestStateAsk): string | undefined {
  const { state } = under;
  const type = state.Type;
  if (ask.mock && type !== 'Task' && type !== 'Map' && type !== 'Parallel')
    return `A mock can only be specified for Task, Map or Parallel states, not a ${type} state`;
  if (!ask.mock) {
    if (type === 'Map' || type === 'Parallel') return `A ${type} state can only be tested with a mock`;
    const resource = state.Resource ?? '';
    if (type === 'Task' && (activityOf(resource) !== null || /\.(sync(:\d+)?|waitForTaskToken)$/.test(resource)))
      return 'An activity Task, or a .sync or .waitForTaskToken integration, can only be tested with a mock';
  }
  if (ask.context !== undefined && !ask.mock) return 'A context can only be specified with a mock';
  if (type !== 'Map' && (ask.mapIterationFailureCount !== undefined || ask.mapItemReaderData !== undefined))
    return 'mapIterationFailureCount and mapItemReaderData are only for a Map state';
  if (ask.mapItemReaderData !== undefined && state.ItemReader === undefined)
    return 'mapItemReaderData is only for a Map state with an ItemReader';
  if (ask.errorCausedByState !== undefined) {
    if (type !== 'Map' && type !== 'Parallel') return 'errorCausedByState is only for a Map or Parallel state';
    if (ask.mock?.kind !== 'error') return 'errorCausedByState needs a mocked errorOutput';
    const processor = state.ItemProcessor ?? state.Iterator;
    const nested = [...(state.Branches ?? []), ...(processor ? [processor] : [])];
    if (!nested.some((m) => findState(m, ask.errorCausedByState!)))
      return `errorCausedByState '${ask.errorCausedByState}' is not a state of the ${type} state's ${type === 'Map' ? 'ItemProcessor' : 'Branches'}`;
  }
  if (state.ItemReader !== undefined && ask.mapItemReaderData === undefined && type === 'Map')
    return 'A Map state with an ItemReader is tested with mapItemReaderData (what its reader would read)';
  if (ask.mock?.kind === 'result' && type === 'Task') return mockResultProblem(state.Resource ?? '', ask.mock);
  return undefined;
}

/** Lambda's Invoke response, the one integration whose model Hangar knows: its fields' JSON types. */
const LAMBDA_INVOKE_FIELDS: Record<string, 'number' | 'string' | 'any' | 'object'> = {
  StatusCode: 'number',
  FunctionError: 'string',
  LogResult: 'string',
  ExecutedVersion: 'string',
  Payload: 'any',
  SdkHttpMetadata: 'object',
  SdkResponseMetadata: 'object',
};

/** A mocked lambda:invoke result checked as fieldValidationMode says (no field of its model is required: STRICT and PRESENT agree). */
function mockResultProblem(resource: string, mock: Extract<StateMock, { kind: 'result' }>): string | undefined {
  if (mock.validation === 'NONE' || !/^arn:aws[a-zA-Z-]*:states:::lambda:invoke$/.test(resource)) return undefined;
  if (!isObject(mock.result)) return 'The mocked result of lambda:invoke must be an object';
  for (const [key, value] of Object.entries(mock.result)) {
    const type = LAMBDA_INVOKE_FIELDS[key];
    if (type === undefined) return `The mocked result has the field '${key}', which lambda:invoke's response does not`;
    const ok = type === 'any' || (type === 'object' ? isObject(value) : typeof value === type);
    if (!ok) return `The mocked result's field '${key}' must be a ${type}`;
  }
  return undefined;
}

/** The execution a test runs in, as a given context object says (its Execution and StateMachine fields over `base`). */
export function executionFromContext(base: ExecutionInfo, context: JsonObject | undefined): ExecutionInfo {
  if (context === undefined) return base;
  const e = isObject(context.Execution) ? context.Execution : {};
  const m = isObject(context.StateMachine) ? context.StateMachine : {};
  const text = (v: Json | undefined, fallback: string) => (typeof v === 'string' ? v : fallback);
  return {
    id: text(e.Id, base.id),
    name: text(e.Name, base.name),
    input: e.Input !== undefined ? e.Input : base.input,
    startTime: text(e.StartTime, base.startTime),
    roleArn: text(e.RoleArn, base.roleArn),
    stateMachineId: text(m.Id, base.stateMachineId),
    stateMachineName: text(m.Name, base.stateMachineName),
    redriveCount: typeof e.RedriveCount === 'number' ? e.RedriveCount : base.redriveCount,
  };
}

/** `$$.State.EnteredTime` as a given context object says, else `fallback`. */
export function enteredTimeOf(context: JsonObject | undefined, fallback: string): string {
  const s = context && isObject(context.State) ? context.State : {};
  return typeof s.EnteredTime === 'string' ? s.EnteredTime : fallback;
}
