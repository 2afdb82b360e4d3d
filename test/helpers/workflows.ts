/**
 * Executions written straight into a platform's workflows store (the real SQLite or PostgreSQL
 * port), as a runner would write them: for tests of the surfaces that read executions (describe,
 * list, history) without running a state machine.
 */
import { randomBytes } from 'node:crypto';
import type { Execution, HistoryEventRecord } from '../../src/core/index.ts';
import type { MapRunWrite, Workflows } from '../../src/store/index.ts';
import type { TestPlatform } from './platform.ts';

export const workflowsOf = (p: TestPlatform): Workflows => (p.store as unknown as { workflows: Workflows }).workflows;

/** A time-ordered id (UUIDv7's layout), as the store orders executions by id. */
export function timeOrderedId(now = Date.now()): string {
  const hex = now.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface Seeded {
  userId: string;
  machine: string;
  name: string;
  /** JSON text. */
  input?: string;
  /** The events after ExecutionStarted, each [type, details]; ids follow in order. */
  events?: [type: string, details?: object][];
  /** Ends it: SUCCEEDED with this output (JSON text), or FAILED with the error. */
  end?: { status: 'SUCCEEDED'; output: string } | { status: 'FAILED'; error: string; cause: string };
  /** Map Runs of it, written with its commit (their ids: the UUIDs given). */
  mapRuns?: string[];
  /** When it started (its events and stop follow within ms); default now. */
  at?: number;
  /** A FAILED end keeps a frame for a redrive, as the runner's does. */
  keepFrames?: boolean;
}

/** A Map Run's item counts: zeros but for those given. */
export function mapRunCounts(over: Partial<MapRunWrite['counts']> = {}): MapRunWrite['counts'] {
  return {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    aborted: 0,
    total: 0,
    resultsWritten: 0,
    failuresNotRedrivable: 0,
    pendingRedrive: 0,
    ...over,
  };
}

/** A state machine of one Distributed Map (Label `batch`) over its input: an item 0 fails its
 *  iteration; each waits `wait` seconds first. `map`: more fields of the Map state. */
export function distributedMachine(map: object = {}, wait = 0): string {
  return JSON.stringify({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Pause',
          States: {
            Pause: { Type: 'Wait', Seconds: wait, Next: 'Check' },
            Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 0, Next: 'Zero' }], Default: 'Ok' },
            Ok: { Type: 'Pass', End: true },
            Zero: { Type: 'Fail', Error: 'Zero', Cause: 'no zeros' },
          },
        },
        Label: 'batch',
        End: true,
        ...map,
      },
    },
  });
}

/** A Map Run row as the runner writes one: RUNNING, one item of one pending. */
export function seededMapRun(id: string, machine: string, startedAt: number): MapRunWrite {
  const base = 'arn:aws:states:us-east-1:000000000000';
  return {
    id,
    arn: `${base}:mapRun:${machine}/Each:${id}`,
    stateMachineArn: `${base}:stateMachine:${machine}/Each`,
    status: 'RUNNING',
    startedAt,
    stoppedAt: null,
    maxConcurrency: 0,
    toleratedFailureCount: 0,
    toleratedFailurePercentage: 0,
    counts: mapRunCounts({ pending: 1, total: 1 }),
  };
}

type ExecutionOf = Pick<Execution, 'userId' | 'stateMachineName' | 'name' | 'definition' | 'revisionId' | 'startedAt'>;

/** A RUNNING execution as a start writes one (its id time-ordered by its start; input `{}`). */
export function runningExecution(over: ExecutionOf & Partial<Execution>): Execution {
  return {
    id: timeOrderedId(over.startedAt),
    status: 'RUNNING',
    input: '{}',
    output: null,
    error: null,
    cause: null,
    stoppedAt: null,
    parentId: null,
    stateMachineVersion: null,
    stateMachineAlias: null,
    redriveCount: 0,
    redriveDate: null,
    redriveTokens: [],
    ...over,
  };
}

export async function seedExecution(p: TestPlatform, s: Seeded): Promise<Execution> {
  const w = workflowsOf(p);
  const machine = await w.getStateMachine(s.userId, s.machine);
  if (!machine) throw new Error(`no state machine ${s.machine}`);
  const now = s.at ?? Date.now();
  const input = s.input ?? '{}';
  const execution = runningExecution({
    userId: s.userId,
    stateMachineName: s.machine,
    name: s.name,
    input,
    definition: machine.definition,
    revisionId: machine.revisionId,
    startedAt: now,
  });
  const event = (id: number, type: string, details?: object): HistoryEventRecord => ({
    id,
    previousEventId: id - 1,
    type,
    timestamp: now + id,
    details: details === undefined ? null : JSON.stringify(details),
  });
  const owner = 'test-seed';
  await w.startExecution({
    execution,
    events: [event(1, 'ExecutionStarted', { input: JSON.parse(input) })],
    frames: [],
    wakeAt: null,
    lease: { owner, until: now + 60_000 },
  });
  const events = (s.events ?? []).map(([type, details], i) => event(i + 2, type, details));
  if (s.end) {
    const last =
      s.end.status === 'SUCCEEDED'
        ? ['ExecutionSucceeded', { output: JSON.parse(s.end.output) }]
        : ['ExecutionFailed', { error: s.end.error, cause: s.end.cause }];
    events.push(event(events.length + 2, last[0] as string, last[1] as object));
  }
  const ok = await w.commit(execution.id, owner, {
    events,
    putFrames: [],
    deleteFrames: [],
    wakeAt: null,
    leaseUntil: null,
    ...(s.mapRuns ? { mapRuns: s.mapRuns.map((id) => seededMapRun(id, s.machine, now)) } : {}),
    ...(s.end
      ? {
          end: {
            status: s.end.status,
            output: s.end.status === 'SUCCEEDED' ? s.end.output : null,
            error: s.end.status === 'FAILED' ? s.end.error : null,
            cause: s.end.status === 'FAILED' ? s.end.cause : null,
            stoppedAt: now + events.length + 2,
            ...(s.keepFrames ? { frames: [{ frameId: 0, doc: '{}' }] } : {}),
          },
        }
      : {}),
  });
  if (!ok) throw new Error('the seeded execution was not committed');
  return (await w.getExecution(s.userId, execution.id)) as Execution;
}
