/**
 * Workflows (issue 24): a user's state machines and their executions, the use cases every
 * surface calls (native REST, the Step Functions API, the CLI through REST). A definition is
 * checked here (core/asl/validate.ts) before the store keeps it; STANDARD executions are stored
 * and carried by the durable runner (workflow-runner.ts), EXPRESS ones run in memory and are not
 * kept. Every miss is the same NotFound whether the thing is another user's or no one's.
 */
import { randomUUID } from 'node:crypto';
import {
  type Clock,
  checkExecutionName,
  checkStateMachineName,
  ErrorCode,
  type Execution,
  type ExecutionStatus,
  type HistoryEventRecord,
  InvalidDefinition,
  InvalidInput,
  type MachineQualifier,
  type StateMachine,
  type StateMachineVersion,
  type StateMachineInput,
  type StateMachinePatch,
  type StateMachineType,
  STATE_MACHINE_TYPES,
  workflowErrors,
} from '../core/index.ts';
import { type Diagnostic, invalidDefinitionMessage, validateDefinitionText } from '../core/asl/index.ts';
import type { StateMachineVersions, Workflows } from '../store/index.ts';
import { checkQualified, machineForStart } from './state-machine-target.ts';
import type { ExpressResult, Started, TaskAnswer, WorkflowRunner } from './workflow-types.ts';

export type { ExpressResult, Started, StartOrigin, TaskAnswer, WorkflowRunner } from './workflow-types.ts';

export interface WorkflowsApp {
  workflows: Workflows;
  /** The machines' versions and aliases (ports/state-machine-versions.ts). */
  stateMachineVersions: StateMachineVersions;
  /** Where an alias's weighted pick of a version draws from (core pickVersion); Math.random when
   *  absent, a seeded generator (core seededRandom) where a test needs the same picks again. */
  routingRandom?: () => number;
  clock: Clock;
  /** Runs executions in this process; null where none can run (no functions reachable). */
  workflowRunner: WorkflowRunner | null;
}

/** The most a page lists (ListStateMachines, ListExecutions, GetExecutionHistory: 1,000). */
export const MAX_PAGE = 1000;
/** AWS's limit on a definition: 1 MiB. */
export const MAX_DEFINITION_BYTES = 1_048_576;
/** AWS's limit on an execution's input: 256 KiB. */
export const MAX_INPUT_BYTES = 262_144;
/** The role a state machine has when none is given (Hangar has no IAM; AWS requires one). */
export const DEFAULT_ROLE_ARN = 'arn:aws:iam::000000000000:role/hangar-workflows';

/** A Task's Resource that names an activity, in a definition's text. */
const ACTIVITY_RESOURCE = /"Resource"\s*:\s*"arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:\d{12}:activity:/;

export interface CreateStateMachineInput {
  name: string;
  definition: string;
  type?: StateMachineType;
  roleArn?: string;
  description?: string;
  /** Publish the machine as its first version (CreateStateMachine's `publish`). */
  publish?: boolean;
  /** That version's description; only with publish. */
  versionDescription?: string;
}

/** UpdateStateMachine's and CreateStateMachine's `publish` and `versionDescription`. */
export interface PublishOption {
  publish?: boolean;
  versionDescription?: string;
}

/** The diagnostics of ValidateStateMachineDefinition: empty when the definition is valid. */
export function validateStateMachineDefinition(definition: string, type: StateMachineType = 'STANDARD'): Diagnostic[] {
  if (Buffer.byteLength(definition) > MAX_DEFINITION_BYTES)
    return [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'The definition is over 1 MiB', location: '' }];
  const diagnostics = validateDefinitionText(definition);
  if (diagnostics.length === 0 && type === 'EXPRESS') {
    // Express workflows cannot wait for callbacks or run jobs to completion (AWS refuses them).
    // Nor have activities: AWS refuses an activity's ARN in an Express state machine.
    if (ACTIVITY_RESOURCE.test(definition))
      return [
        {
          severity: 'ERROR',
          code: 'SCHEMA_VALIDATION_FAILED',
          message: 'Express state machines do not support activities (a Task Resource that is an activity ARN)',
          location: '/States',
        },
      ];
    if (/\.(waitForTaskToken|sync)(:\d+)?"/.test(definition))
      return [
        {
          severity: 'ERROR',
          code: 'SCHEMA_VALIDATION_FAILED',
          message: 'Express state machines do not support the .sync or .waitForTaskToken service integration patterns',
          location: '/States',
        },
      ];
  }
  return diagnostics;
}

function checkDefinition(definition: unknown, type: StateMachineType): string {
  if (typeof definition !== 'string')
    throw new InvalidInput(ErrorCode.StateMachineDefinitionInvalid, 'definition must be a string of JSON');
  const diagnostics = validateStateMachineDefinition(definition, type);
  if (diagnostics.length > 0) throw new InvalidDefinition(invalidDefinitionMessage(diagnostics), diagnostics);
  return definition;
}

function checkType(type: unknown): StateMachineType {
  if (type === undefined) return 'STANDARD';
  if (!STATE_MACHINE_TYPES.includes(type as StateMachineType))
    throw new InvalidInput(ErrorCode.WorkflowInvalid, `type must be STANDARD or EXPRESS, not ${JSON.stringify(type)}`);
  return type as StateMachineType;
}

export function checkDescription(description: unknown): string {
  if (description === undefined) return '';
  if (typeof description !== 'string' || description.length > 256)
    throw new InvalidInput(ErrorCode.WorkflowInvalid, 'description is a string of at most 256 characters');
  return description;
}

function checkPublish(o: PublishOption): { description: string } | null {
  if (o.publish !== undefined && typeof o.publish !== 'boolean')
    throw new InvalidInput(ErrorCode.WorkflowInvalid, 'publish must be true or false');
  if (!o.publish) {
    if (o.versionDescription !== undefined)
      throw new InvalidInput(ErrorCode.WorkflowInvalid, 'versionDescription can only be set when publish is true');
    return null;
  }
  return { description: checkDescription(o.versionDescription) };
}

/** The machine's current revision published (the existing version when it has one): `revisionId`
 *  is the revision just written, so an update slipped in between is a Conflict, not a version of it. */
function publishRevision(app: WorkflowsApp, m: StateMachine, description: string): Promise<StateMachineVersion> {
  return app.stateMachineVersions.publishVersion(m.userId, m.name, m.revisionId, description, app.clock.now()).then((r) => r.version);
}

function checkRoleArn(roleArn: unknown): string {
  if (roleArn === undefined) return DEFAULT_ROLE_ARN;
  if (typeof roleArn !== 'string' || !/^arn:[^:\s]+:iam::\d{12}:role\/\S{1,512}$/.test(roleArn))
    throw new InvalidInput(ErrorCode.WorkflowInvalid, `roleArn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`);
  return roleArn;
}

export async function createStateMachine(
  app: WorkflowsApp,
  userId: string,
  input: CreateStateMachineInput,
): Promise<{ machine: StateMachine; created: boolean; version: StateMachineVersion | null }> {
  const type = checkType(input.type);
  const publish = checkPublish(input);
  const checked: StateMachineInput = {
    name: checkStateMachineName(input.name),
    type,
    definition: checkDefinition(input.definition, type),
    roleArn: checkRoleArn(input.roleArn),
    description: checkDescription(input.description),
  };
  const { machine, created } = await app.workflows.createStateMachine(userId, checked, randomUUID(), app.clock.now());
  return { machine, created, version: publish ? await publishRevision(app, machine, publish.description) : null };
}

export async function getStateMachine(app: WorkflowsApp, userId: string, name: string): Promise<StateMachine> {
  const machine = await app.workflows.getStateMachine(userId, name);
  if (!machine) throw workflowErrors.machineNotFound(name);
  return machine;
}

export function listStateMachines(app: WorkflowsApp, userId: string, page: { limit?: number; after?: string }): Promise<StateMachine[]> {
  return app.workflows.listStateMachines(userId, { limit: pageLimit(page.limit), after: page.after });
}

/** The patch applied; with publish, the revision it leaves published as a version too. */
export async function updateStateMachine(
  app: WorkflowsApp,
  userId: string,
  name: string,
  patch: StateMachinePatch,
  options: PublishOption = {},
): Promise<{ machine: StateMachine; version: StateMachineVersion | null }> {
  const publish = checkPublish(options);
  const machine = await getStateMachine(app, userId, name);
  const checked: StateMachinePatch = {};
  if (patch.definition !== undefined) checked.definition = checkDefinition(patch.definition, machine.type);
  if (patch.roleArn !== undefined) checked.roleArn = checkRoleArn(patch.roleArn);
  if (patch.description !== undefined) checked.description = checkDescription(patch.description);
  const updated = await app.workflows.updateStateMachine(userId, name, checked, randomUUID(), app.clock.now());
  return { machine: updated, version: publish ? await publishRevision(app, updated, publish.description) : null };
}

export async function deleteStateMachine(app: WorkflowsApp, userId: string, name: string): Promise<void> {
  if (!(await app.workflows.deleteStateMachine(userId, name))) throw workflowErrors.machineNotFound(name);
}

export interface StartInput {
  /** Default: a fresh UUID. */
  name?: string;
  /** JSON text; default "{}". */
  input?: string;
  /** Run a version, or the version an alias picks; default: the machine's current revision. */
  qualifier?: MachineQualifier;
}

function checkInput(input: string | undefined): string {
  const text = input ?? '{}';
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES)
    throw new InvalidInput(ErrorCode.WorkflowInvalid, `the execution input is over ${MAX_INPUT_BYTES} bytes`);
  try {
    JSON.parse(text);
  } catch {
    throw new InvalidInput(ErrorCode.WorkflowInvalid, 'the execution input must be JSON');
  }
  return text;
}

export function runnerOf(app: WorkflowsApp): WorkflowRunner {
  if (!app.workflowRunner)
    throw new InvalidInput(ErrorCode.FunctionsUnavailable, 'no workflow runner in this process (start Hangar with its API)');
  return app.workflowRunner;
}

export async function startExecution(app: WorkflowsApp, userId: string, machineName: string, input: StartInput): Promise<Started> {
  const { machine, origin } = await machineForStart(app, userId, machineName, input.qualifier);
  const name = input.name === undefined ? randomUUID() : checkExecutionName(input.name);
  const text = checkInput(input.input);
  return runnerOf(app).start(machine, name, text, origin);
}

/** StartSyncExecution: an EXPRESS machine's execution run to its end. */
export async function startSyncExecution(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  input: StartInput,
): Promise<ExpressResult> {
  const { machine } = await machineForStart(app, userId, machineName, input.qualifier);
  if (machine.type !== 'EXPRESS') throw new InvalidInput(ErrorCode.WorkflowInvalid, 'StartSyncExecution runs EXPRESS state machines only');
  const name = input.name === undefined ? randomUUID() : checkExecutionName(input.name);
  return runnerOf(app).runExpress(machine, name, checkInput(input.input));
}

/**
 * An execution once it has ended, or as it is after `waitMs` (RUNNING then). The runner that
 * holds it here says when it lets it go, so its end is seen when it is stored; one held
 * elsewhere (or parked in a long wait) is read again from the store, backing off to 500 ms.
 */
export async function awaitExecution(app: WorkflowsApp, userId: string, id: string, waitMs: number): Promise<Execution> {
  const deadline = app.clock.now() + waitMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const left = deadline - app.clock.now();
    if (left > 0 && app.workflowRunner) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([app.workflowRunner.released(id), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    const e = await describeExecution(app, userId, id);
    const rest = deadline - app.clock.now();
    if (e.status !== 'RUNNING' || rest <= 0) return e;
    await new Promise((r) => setTimeout(r, Math.min(delay, rest)));
  }
}

export async function describeExecution(app: WorkflowsApp, userId: string, id: string): Promise<Execution> {
  const execution = await app.workflows.getExecution(userId, id);
  if (!execution) throw workflowErrors.executionNotFound(id);
  return execution;
}

/** By its names (an ARN carries the machine's and the execution's, not the id). */
export async function findExecution(app: WorkflowsApp, userId: string, machineName: string, name: string): Promise<Execution> {
  const execution = await app.workflows.findExecution(userId, machineName, name);
  if (!execution) throw workflowErrors.executionNotFound(`${machineName}:${name}`);
  return execution;
}

export async function listExecutions(
  app: WorkflowsApp,
  userId: string,
  q: {
    stateMachineName?: string;
    status?: ExecutionStatus;
    redriven?: boolean;
    limit?: number;
    after?: string;
    qualifier?: MachineQualifier;
  },
): Promise<Execution[]> {
  if (q.stateMachineName !== undefined) await checkQualified(app, userId, q.stateMachineName, q.qualifier);
  const { qualifier, ...rest } = q;
  const by = qualifier?.kind === 'version' ? { version: qualifier.version } : qualifier?.kind === 'alias' ? { alias: qualifier.alias } : {};
  return app.workflows.listExecutions(userId, { ...rest, ...by, limit: pageLimit(q.limit) });
}

export async function executionHistory(
  app: WorkflowsApp,
  userId: string,
  id: string,
  q: { limit?: number; reverse?: boolean; after?: number },
): Promise<HistoryEventRecord[]> {
  await describeExecution(app, userId, id);
  return app.workflows.history(userId, id, { ...q, limit: pageLimit(q.limit) });
}

export async function stopExecution(
  app: WorkflowsApp,
  userId: string,
  id: string,
  why: { error?: string; cause?: string },
): Promise<Execution> {
  await describeExecution(app, userId, id);
  return runnerOf(app).stop(userId, id, why.error ?? null, why.cause ?? null);
}

/** SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: only the token's owner may answer it. */
export async function answerTask(app: WorkflowsApp, userId: string, token: string, answer: TaskAnswer): Promise<void> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 1024)
    throw new InvalidInput(ErrorCode.WorkflowInvalid, 'a task token is a string of 1 to 1,024 characters');
  const found = await app.workflows.findTaskToken(token);
  if (!found || found.userId !== userId) throw workflowErrors.taskTokenNotFound();
  if (answer.kind === 'success') checkInput(answer.output);
  await runnerOf(app).answer(found, answer);
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new InvalidInput(ErrorCode.ValidationFailed, `limit must be an integer from 1 to ${MAX_PAGE}`);
  return limit;
}
