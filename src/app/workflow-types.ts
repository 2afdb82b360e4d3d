/** The shapes the workflow use cases (workflows.ts) and the runner (workflow-runner.ts) share. */
import type { MapRunUpdate, TaskResolver } from '../core/asl/index.ts';
import type { Execution, StateMachine } from '../core/index.ts';
import type { ActivityTaskRecord, TaskTokenRecord } from '../store/index.ts';

/** What StartExecution answers: a stored STANDARD execution, or an EXPRESS one started in memory. */
export type Started =
  | { type: 'STANDARD'; execution: Execution; started: boolean }
  | { type: 'EXPRESS'; machine: StateMachine; name: string; startedAt: number; expressId: string };

export type TaskAnswer =
  | { kind: 'success'; output: string }
  | { kind: 'failure'; error: string | null; cause: string | null }
  | { kind: 'heartbeat' };

/** What an EXPRESS execution ended with (StartSyncExecution). */
export interface ExpressResult {
  machine: StateMachine;
  name: string;
  /** A UUID: its ARN is arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:ID. */
  expressId: string;
  startedAt: number;
  stoppedAt: number;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** JSON text when SUCCEEDED. */
  output: string | null;
  error: string | null;
  cause: string | null;
}

/** What a start came through: the version (and alias) whose definition `machine` carries (none:
 *  the machine's current revision), and the execution whose Task started it. */
export interface StartOrigin {
  version?: number;
  alias?: string;
  parentId?: string;
}

export interface WorkflowRunner {
  /** A new execution: STANDARD stored and run (idempotent by name as the store says), EXPRESS
   *  started in memory. `machine` carries the definition it runs (a version's, when `origin` names one). */
  start(machine: StateMachine, name: string, input: string, origin?: StartOrigin): Promise<Started>;
  /** An EXPRESS execution run to its end. */
  runExpress(machine: StateMachine, name: string, input: string): Promise<ExpressResult>;
  /** StopExecution: ABORTED now, whoever runs it. */
  stop(userId: string, executionId: string, error: string | null, cause: string | null): Promise<Execution>;
  /** UpdateMapRun's change for the running Map of that Map Run (its configuration is stored already). */
  updateMapRun(executionId: string, mapRunId: string, update: MapRunUpdate): Promise<void>;
  /** StopExecution of a Distributed Map's child (iteration `index` of the Map Run); false when its parent has ended. */
  stopChild(executionId: string, mapRunId: string, index: number, error: string | null, cause: string | null): Promise<boolean>;
  /** SendTaskSuccess / Failure / Heartbeat for a waiting task. */
  answer(token: TaskTokenRecord, answer: TaskAnswer): Promise<void>;
  /** A worker took an activity's task (GetActivityTask): its execution writes ActivityStarted.
   *  False: the execution no longer waits on it (it ended). */
  activityStarted(task: ActivityTaskRecord, workerName: string | null): Promise<boolean>;
  /** Resolves once this runner no longer holds the execution — it ended (its end stored), parked
   *  in a long wait, or was let go — and at once if it does not hold it. */
  released(executionId: string): Promise<void>;
  /** What runs a Task's resource for the user's executions (TestState runs one state's through it). */
  taskResolver(userId: string): TaskResolver;
  close(): Promise<void>;
}
