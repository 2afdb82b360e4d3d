/** Workflows: /state-machines, /executions, /task-tokens (src/api/routes/workflows.ts). */
import { enc, Resource } from './core.ts';

/** A state machine as /state-machines shows it. */
export interface StateMachineInfo {
  name: string;
  userId: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: string;
  roleArn: string;
  description: string;
  revisionId: string;
  createdAt: string;
  updatedAt: string;
}

/** A STANDARD execution as /executions shows it (input and output as JSON values). */
export interface ExecutionInfo {
  id: string;
  stateMachineName: string;
  name: string;
  userId: string;
  status: string;
  input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
  revisionId: string;
  parentId: string | null;
  /** The version it runs and the alias it started through, when started through either. */
  version: number | null;
  alias: string | null;
  startedAt: string;
  stoppedAt: string | null;
  redriveCount?: number;
  redriveDate?: string | null;
}

/** An EXPRESS execution: not stored, so only what its start (or its end, sync) said. */
export interface ExpressInfo {
  type: 'EXPRESS';
  stateMachineName: string;
  name: string;
  expressId: string;
  startedAt: string;
  status: string;
  stoppedAt: string | null;
  output: unknown;
  error: string | null;
  cause: string | null;
}

export type StartedInfo = (ExecutionInfo & { type: 'STANDARD'; started: boolean }) | ExpressInfo;

export interface HistoryEventInfo {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: string;
  details: Record<string, unknown> | null;
}

export interface StateMachineBody {
  name: string;
  /** The ASL text. */
  definition: string;
  type?: 'STANDARD' | 'EXPRESS';
  roleArn?: string;
  description?: string;
}

/** POST /state-machines/test-state's body (JSON values where Step Functions passes text). */
export interface TestStateBody {
  /** One state's ASL text, or with stateName a whole machine's. */
  definition: string;
  stateName?: string;
  input?: unknown;
  variables?: Record<string, unknown>;
  inspectionLevel?: 'INFO' | 'DEBUG' | 'TRACE';
  mock?: { result?: unknown; errorOutput?: { error: string; cause?: string }; fieldValidationMode?: 'STRICT' | 'PRESENT' | 'NONE' };
  stateConfiguration?: { retrierRetryCount?: number };
}

/** What TestState answers: how the state ended, where it would go, each data-flow step. */
export interface TestStateInfo {
  status: 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';
  output?: unknown;
  error?: string;
  cause?: string;
  nextState?: string;
  inspectionData: Record<string, unknown>;
}

export class Workflows extends Resource {
  create(body: StateMachineBody, userId?: string): Promise<StateMachineInfo> {
    return this.transport.json('POST', '/state-machines', { query: { userId }, body });
  }

  update(
    name: string,
    patch: Partial<Pick<StateMachineBody, 'definition' | 'roleArn' | 'description'>>,
    userId?: string,
  ): Promise<StateMachineInfo> {
    return this.transport.json('PATCH', `/state-machines/${enc(name)}`, { query: { userId }, body: patch });
  }

  get(name: string, userId?: string): Promise<StateMachineInfo> {
    return this.transport.json('GET', `/state-machines/${enc(name)}`, { query: { userId } });
  }

  list(
    q: { userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ stateMachines: StateMachineInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', '/state-machines', { query: q });
  }

  delete(name: string, userId?: string): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/state-machines/${enc(name)}`, { query: { userId } });
  }

  /** `input` is a JSON value; `version` or `alias` picks what runs; `sync` runs an EXPRESS machine's execution to its end. */
  start(
    machine: string,
    body: { name?: string; input?: unknown; version?: number; alias?: string },
    o: { sync?: boolean; userId?: string } = {},
  ): Promise<StartedInfo> {
    return this.transport.json('POST', `/state-machines/${enc(machine)}/executions`, {
      query: { userId: o.userId, sync: o.sync ? 'true' : undefined },
      body,
    });
  }

  /** With the definition it runs (the machine's when it started). */
  execution(id: string, userId?: string): Promise<ExecutionInfo & { definition: string }> {
    return this.transport.json('GET', `/executions/${enc(id)}`, { query: { userId } });
  }

  executions(
    q: { stateMachine?: string; status?: string; userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ executions: ExecutionInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', '/executions', { query: q });
  }

  history(
    id: string,
    q: { reverse?: boolean; cursor?: string; limit?: number; userId?: string } = {},
  ): Promise<{ events: HistoryEventInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', `/executions/${enc(id)}/history`, { query: { ...q, reverse: q.reverse ? 'true' : undefined } });
  }

  stop(id: string, why: { error?: string; cause?: string } = {}, userId?: string): Promise<ExecutionInfo> {
    return this.transport.json('POST', `/executions/${enc(id)}/stop`, { query: { userId }, body: why });
  }

  /** Runs one state on its own (Step Functions' TestState): nothing is stored. */
  testState(body: TestStateBody, userId?: string): Promise<TestStateInfo> {
    return this.transport.json('POST', '/state-machines/test-state', { query: { userId }, body });
  }

  /** RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again from the states that did not succeed. */
  redrive(id: string, clientToken?: string, userId?: string): Promise<ExecutionInfo> {
    return this.transport.json('POST', `/executions/${enc(id)}/redrive`, { query: { userId }, body: clientToken ? { clientToken } : {} });
  }
}
