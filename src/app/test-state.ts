/**
 * TestState (Step Functions): one state run on its own with an input, without a state machine
 * stored or an execution kept. The request is checked here — the same refusals on every surface
 * — and the state run by core/asl/test-state-run.ts; an unmocked Task runs its resource through
 * the workflow runner's task path (the user's Hangar functions, as an execution's Task would), for
 * at most TestState's five minutes (or the state's TimeoutSeconds), then States.Timeout.
 */
import { randomUUID } from 'node:crypto';
import {
  executionFromContext,
  type ExecutionInfo,
  INSPECTION_LEVELS,
  type InspectionLevel,
  invalidDefinitionMessage,
  type Json,
  type JsonObject,
  locateState,
  MOCK_VALIDATION_MODES,
  type MockValidationMode,
  runTestState,
  type StateMock,
  StatesErrors,
  StatesFailure,
  type TaskResolver,
  type TestStateOutcome,
  testStateProblem,
  validateDefinitionText,
} from '../core/asl/index.ts';
import { type Clock, ErrorCode, InvalidDefinition, InvalidInput } from '../core/index.ts';
import { DEFAULT_ROLE_ARN, MAX_DEFINITION_BYTES, MAX_INPUT_BYTES } from './workflows.ts';
import type { WorkflowRunner } from './workflow-types.ts';

export interface TestStateApp {
  clock: Clock;
  /** Runs Task resources (null: none here, an unmocked Task fails with States.Runtime). */
  workflowRunner: WorkflowRunner | null;
  config: { awsRegion: string };
}

/** TestState's request, as the Step Functions API sends it: JSON values as JSON text. */
export interface TestStateRequest {
  definition: string;
  stateName?: string;
  input?: string;
  variables?: string;
  inspectionLevel?: string;
  /** Hangar's HTTP-free states hold no connection secrets: taken, and changes nothing. */
  revealSecrets?: boolean;
  mock?: { result?: string; errorOutput?: { error?: string; cause?: string }; fieldValidationMode?: string };
  context?: string;
  stateConfiguration?: {
    retrierRetryCount?: number;
    errorCausedByState?: string;
    mapIterationFailureCount?: number;
    mapItemReaderData?: string;
  };
}

/** AWS's limit on a TestState run: five minutes, then States.Timeout. */
export const TEST_STATE_MAX_MS = 5 * 60_000;

const refuse = (message: string) => new InvalidInput(ErrorCode.WorkflowInvalid, message);

export async function testState(app: TestStateApp, userId: string, accountId: string, req: TestStateRequest): Promise<TestStateOutcome> {
  if (typeof req.definition !== 'string') throw refuse('definition must be a string of JSON');
  if (Buffer.byteLength(req.definition) > MAX_DEFINITION_BYTES) throw refuse(`the definition is over ${MAX_DEFINITION_BYTES} bytes`);
  if (req.stateName !== undefined && (typeof req.stateName !== 'string' || req.stateName.length < 1 || req.stateName.length > 80))
    throw refuse('stateName is 1 to 80 characters');
  let definition: Json;
  try {
    definition = JSON.parse(req.definition) as Json;
  } catch {
    const diagnostics = validateDefinitionText(req.definition);
    throw new InvalidDefinition(invalidDefinitionMessage(diagnostics), diagnostics);
  }
  const located = locateState(definition, req.stateName);
  if (located.kind === 'invalid') throw new InvalidDefinition(invalidDefinitionMessage(located.diagnostics), located.diagnostics);
  if (located.kind === 'missing') throw refuse(located.message);
  const input = jsonField(req.input ?? '{}', 'input', MAX_INPUT_BYTES);
  const variables = req.variables === undefined ? {} : objectField(req.variables, 'variables');
  const context = req.context === undefined ? undefined : objectField(req.context, 'context');
  const inspectionLevel = oneOf(req.inspectionLevel ?? 'INFO', INSPECTION_LEVELS, 'inspectionLevel');
  if (req.revealSecrets !== undefined && typeof req.revealSecrets !== 'boolean') throw refuse('revealSecrets must be true or false');
  const mock = req.mock === undefined ? undefined : mockOf(req.mock);
  const config = configOf(req.stateConfiguration ?? {});
  const ask = { mock, context, ...config };
  const problem = testStateProblem(located.under, ask);
  if (problem) throw refuse(problem);

  const now = app.clock.now();
  const base: ExecutionInfo = {
    id: `arn:aws:states:${app.config.awsRegion}:${accountId}:execution:TestStateMachine:${randomUUID()}`,
    name: 'TestState',
    input,
    startTime: new Date(now).toISOString(),
    roleArn: DEFAULT_ROLE_ARN,
    stateMachineId: `arn:aws:states:${app.config.awsRegion}:${accountId}:stateMachine:TestStateMachine`,
    stateMachineName: 'TestStateMachine',
    redriveCount: 0,
  };
  const env = { execution: executionFromContext(base, context), now: () => app.clock.now(), random: Math.random };
  const run = { under: located.under, input, variables, inspectionLevel: inspectionLevel as InspectionLevel, ...ask };
  return runTestState(run, env, bounded(taskPath(app, userId)));
}

function taskPath(app: TestStateApp, userId: string): TaskResolver {
  if (app.workflowRunner) return app.workflowRunner.taskResolver(userId);
  return async (r) => {
    throw new StatesFailure(StatesErrors.Runtime, `No runner runs Task resources here: ${r.resource}`);
  };
}

/** The resource's run, failed with States.Timeout past the state's TimeoutSeconds or TestState's five minutes. */
function bounded(resolve: TaskResolver): TaskResolver {
  return (request) => {
    const ms = Math.min(TEST_STATE_MAX_MS, (request.timeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StatesFailure(StatesErrors.Timeout, '')), ms);
    });
    return Promise.race([resolve(request), late]).finally(() => clearTimeout(timer));
  };
}

function jsonField(text: unknown, name: string, max: number): Json {
  if (typeof text !== 'string') throw refuse(`${name} must be a string of JSON`);
  if (Buffer.byteLength(text) > max) throw refuse(`${name} is over ${max} bytes`);
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw refuse(`${name} must be JSON`);
  }
}

function objectField(text: unknown, name: string): JsonObject {
  const v = jsonField(text, name, MAX_INPUT_BYTES);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw refuse(`${name} must be a JSON object`);
  return v;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw refuse(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function mockOf(m: NonNullable<TestStateRequest['mock']>): StateMock {
  if (typeof m !== 'object' || m === null) throw refuse('mock must be an object');
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(m.result) === has(m.errorOutput)) throw refuse('mock has a result or an errorOutput: one of them');
  if (has(m.errorOutput)) {
    const e = m.errorOutput!;
    if (typeof e !== 'object' || typeof e.error !== 'string' || e.error.length === 0 || e.error.length > 256)
      throw refuse('mock.errorOutput.error is a string of 1 to 256 characters');
    if (e.cause !== undefined && (typeof e.cause !== 'string' || e.cause.length > 32_768))
      throw refuse('mock.errorOutput.cause is a string of at most 32768 characters');
    return { kind: 'error', error: e.error, cause: e.cause };
  }
  const validation = oneOf(m.fieldValidationMode ?? 'STRICT', MOCK_VALIDATION_MODES, 'mock.fieldValidationMode') as MockValidationMode;
  return { kind: 'result', result: jsonField(m.result, 'mock.result', MAX_INPUT_BYTES), validation };
}

function configOf(c: NonNullable<TestStateRequest['stateConfiguration']>) {
  if (typeof c !== 'object' || c === null) throw refuse('stateConfiguration must be an object');
  const count = (v: unknown, name: string) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw refuse(`stateConfiguration.${name} must be a whole number of 0 or more`);
    return v;
  };
  const text = (v: unknown, name: string, min: number, max: number) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length < min || v.length > max)
      throw refuse(`stateConfiguration.${name} is ${min} to ${max} characters`);
    return v;
  };
  return {
    retrierRetryCount: count(c.retrierRetryCount, 'retrierRetryCount'),
    mapIterationFailureCount: count(c.mapIterationFailureCount, 'mapIterationFailureCount'),
    errorCausedByState: text(c.errorCausedByState, 'errorCausedByState', 1, 80),
    mapItemReaderData: text(c.mapItemReaderData, 'mapItemReaderData', 0, MAX_INPUT_BYTES),
  };
}
