/**
 * Workflows (issue 24): state machines defined in the Amazon States Language (core/asl/) and
 * their executions, as Step Functions has them. What a name may be, what a record holds and the
 * errors a surface answers with are decided here; the store keeps them (store/ports/workflows.ts)
 * and app/workflows.ts runs them.
 *
 * Only STANDARD executions are stored (durable, exactly-once transitions). EXPRESS executions run
 * in memory, at least once, and are not kept (as on AWS, where DescribeExecution does not know
 * them either).
 */
import { Conflict, ErrorCode, InvalidInput, NotFound } from './errors.ts';

export type StateMachineType = 'STANDARD' | 'EXPRESS';
export const STATE_MACHINE_TYPES: readonly StateMachineType[] = ['STANDARD', 'EXPRESS'];

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** A state machine as a user made it. */
export interface StateMachine {
  userId: string;
  name: string;
  type: StateMachineType;
  /** The ASL text as given (AWS returns it as sent, whitespace and all). */
  definition: string;
  roleArn: string;
  description: string;
  /** A fresh UUID at creation and at each update that changes something. */
  revisionId: string;
  createdAt: number;
  updatedAt: number;
}

export interface StateMachineInput {
  name: string;
  type: StateMachineType;
  definition: string;
  roleArn: string;
  description: string;
}

export type StateMachinePatch = Partial<Pick<StateMachineInput, 'definition' | 'roleArn' | 'description'>>;

/** A STANDARD execution. */
export interface Execution {
  /** A UUIDv7 (time-ordered): the store's key and the native API's id. The ARN is
   *  arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME. */
  id: string;
  userId: string;
  stateMachineName: string;
  name: string;
  status: ExecutionStatus;
  /** JSON text. */
  input: string;
  /** JSON text once SUCCEEDED; null otherwise. */
  output: string | null;
  error: string | null;
  cause: string | null;
  /** The machine's definition and revision when the execution started: a later update does
   *  not change an execution already running (as on AWS). */
  definition: string;
  revisionId: string;
  startedAt: number;
  stoppedAt: number | null;
  /** The execution that started this one (a `states:startExecution` Task); null otherwise. */
  parentId: string | null;
  /** The version it runs when started through a version's or an alias's ARN; null when started
   *  through the machine's own (unqualified) ARN, even if a version has the same revision (as AWS). */
  stateMachineVersion: number | null;
  /** The alias it was started through; null otherwise. */
  stateMachineAlias: string | null;
  /** How many times it was redriven (core/execution-redrive.ts), and when last; 0 and null: never. */
  redriveCount: number;
  redriveDate: number | null;
  /** The client tokens of its last redrives, each with its redrive's date (a repeat within 15
   *  minutes of it is answered with that redrive: core/execution-redrive.ts). */
  redriveTokens: RedriveToken[];
  /** It ended keeping no frames for a redrive (it ended before Hangar kept them, or its redrive
   *  window closed and the retention job released them): it can never be redriven. */
  framesReleased?: boolean;
}

/** A redrive's client token, and when that redrive was made. */
export interface RedriveToken {
  token: string;
  date: number;
}

/** An event of an execution's history, as GetExecutionHistory lists it. */
export interface HistoryEventRecord {
  /** 1, 2, 3… within the execution. */
  id: number;
  /** The id of the event this one follows in its branch (0 for the first). */
  previousEventId: number;
  /** ExecutionStarted, PassStateEntered, TaskScheduled… (core/asl/history.ts). */
  type: string;
  timestamp: number;
  /** JSON text of the event's details object (its fields by event type); null: none. */
  details: string | null;
}

// Step Functions' limits on names: 1 to 80 characters, none of whitespace, brackets, wildcards,
// special characters or control characters (U+0000–001F, U+007F–009F).
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;

function isControl(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

export function isWorkflowName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const length = [...name].length;
  return length >= 1 && length <= 80 && !NAME_FORBIDDEN.test(name) && !isControl(name);
}

export function checkStateMachineName(name: unknown): string {
  if (!isWorkflowName(name))
    throw new InvalidInput(
      ErrorCode.WorkflowInvalid,
      'a state machine name is 1 to 80 characters, without whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /',
    );
  return name;
}

export function checkExecutionName(name: unknown): string {
  if (!isWorkflowName(name))
    throw new InvalidInput(
      ErrorCode.WorkflowInvalid,
      'an execution name is 1 to 80 characters, without whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /',
    );
  return name;
}

export const workflowErrors = {
  machineNotFound: (name: string) => new NotFound(ErrorCode.StateMachineNotFound, `State machine does not exist: ${name}`),
  machineExists: (name: string) =>
    new Conflict(ErrorCode.StateMachineExists, `State machine already exists with another definition or settings: ${name}`),
  executionNotFound: (id: string) => new NotFound(ErrorCode.ExecutionNotFound, `Execution does not exist: ${id}`),
  executionExists: (name: string) => new Conflict(ErrorCode.ExecutionExists, `Execution already exists: ${name}`),
  executionNotRunning: (id: string) => new Conflict(ErrorCode.ExecutionNotRunning, `Execution is not running: ${id}`),
  taskTokenNotFound: () => new NotFound(ErrorCode.TaskTokenNotFound, 'No task waits on this task token'),
  mapRunNotFound: (id: string) => new NotFound(ErrorCode.MapRunNotFound, `Map Run does not exist: ${id}`),
};

/**
 * A machine with a patch applied: absent fields stay; a new revision and update time only when
 * something changes (an update that changes nothing answers the machine as it was).
 */
export function applyStateMachinePatch(m: StateMachine, patch: StateMachinePatch, revisionId: string, now: number): StateMachine {
  const next = {
    ...m,
    definition: patch.definition ?? m.definition,
    roleArn: patch.roleArn ?? m.roleArn,
    description: patch.description ?? m.description,
  };
  if (sameStateMachine(next, m)) return m;
  return { ...next, revisionId, updatedAt: now };
}

/** Whether two creates of one name are the same request (CreateStateMachine is idempotent then). */
export function sameStateMachine(a: StateMachineInput, b: StateMachineInput): boolean {
  return a.type === b.type && a.definition === b.definition && a.roleArn === b.roleArn && a.description === b.description;
}

/** A definition refused at creation or update; `message` is AWS's InvalidDefinition text. */
export class InvalidDefinition extends InvalidInput {
  readonly diagnostics: readonly { code: string; message: string; location: string }[];
  constructor(message: string, diagnostics: readonly { code: string; message: string; location: string }[]) {
    super(ErrorCode.StateMachineDefinitionInvalid, message);
    this.name = 'InvalidDefinition';
    this.diagnostics = diagnostics;
  }
}
