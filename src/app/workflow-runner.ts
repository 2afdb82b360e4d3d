/**
 * The workflow runner (issue 24): carries executions of state machines.
 *
 * STANDARD executions are durable. The runner holds each one it runs under a lease in the store
 * (store/ports/workflows.ts) and moves it on by commits, each written before its effects are
 * carried out; if its process dies, the lease lapses and any runner claims the execution and goes
 * on from the last commit (a Task in flight then runs again: at least once, as on AWS). Waits
 * and long retries give the lease up and cost nothing while they wait.
 *
 * EXPRESS executions run in memory (core/asl/run.ts on the real clock) and are not stored.
 */
import type { Execution, StateMachine } from '../core/index.ts';
import type { TaskTokenRecord } from '../store/index.ts';
import type { Started, TaskAnswer } from './workflows.ts';

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

export interface WorkflowRunner {
  /** A new execution: STANDARD stored and run (idempotent by name as the store says), EXPRESS
   *  started in memory. */
  start(machine: StateMachine, name: string, input: string): Promise<Started>;
  /** An EXPRESS execution run to its end. */
  runExpress(machine: StateMachine, name: string, input: string): Promise<ExpressResult>;
  /** StopExecution: ABORTED now, whoever runs it. */
  stop(userId: string, executionId: string, error: string | null, cause: string | null): Promise<Execution>;
  /** SendTaskSuccess / Failure / Heartbeat for a waiting task. */
  answer(token: TaskTokenRecord, answer: TaskAnswer): Promise<void>;
  close(): Promise<void>;
}
