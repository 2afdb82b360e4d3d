/**
 * A Map Run's child executions (ListExecutions with mapRunArn, a child's DescribeExecution and
 * GetExecutionHistory): a view over the parent's history (core/map-run-children.ts), one child
 * per started iteration, named by core/asl childName. Nothing is written for them: the runner's
 * commits stay as they are. A child of another user's Map Run is the same miss as one that never was.
 */
import {
  asl,
  type ChildExecutionView,
  childExecution,
  childRedrivability,
  type ExecutionStatus,
  type HistoryEventRecord,
  MAP_THREAD_EVENT_TYPES,
  type MapRunChild,
  type MapRunThread,
  mapRunChildren,
  type Redrivability,
  workflowErrors,
} from '../core/index.ts';
import type { MapRunRecord } from '../store/index.ts';
import { describeMapRun } from './map-runs.ts';
import { DEFAULT_ROLE_ARN, pageLimit, runnerOf, type WorkflowsApp } from './workflows.ts';

/** One child execution: its iteration, its name and ARNs, and its Map Run. */
export interface ChildExecution extends MapRunChild {
  name: string;
  /** `…:execution:MACHINE/LABEL:NAME`. */
  executionArn: string;
  /** `…:stateMachine:MACHINE/LABEL`, its Map Run's. */
  stateMachineArn: string;
  mapRun: MapRunRecord;
}

/** Rows read per query of the parent's history. */
const READ = 5000;

/** The Map's own events (a 10,000-item Map has some 20,000), read by type, not the whole history. */
async function threadOf(app: WorkflowsApp, userId: string, run: MapRunRecord): Promise<MapRunThread> {
  const events: HistoryEventRecord[] = [];
  for (let after = 0; ; ) {
    const page = await app.workflows.historyOfTypes(userId, run.executionId, MAP_THREAD_EVENT_TYPES, { limit: READ, after });
    events.push(...page);
    if (page.length < READ) break;
    after = page[page.length - 1].id;
  }
  return mapRunChildren(events, run);
}

function childOf(run: MapRunRecord, c: MapRunChild): ChildExecution {
  const name = asl.childName(run.id, c.index);
  const executionArn = `${run.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return { ...c, name, executionArn, stateMachineArn: run.stateMachineArn, mapRun: run };
}

/**
 * The user's Map Run's child executions, newest first (iterations start in index order: the
 * highest index first); `after` is the index of the previous page's last one.
 */
export async function listMapRunExecutions(
  app: WorkflowsApp,
  userId: string,
  mapRunId: string,
  page: { status?: ExecutionStatus; limit?: number; after?: number },
): Promise<ChildExecution[]> {
  const limit = pageLimit(page.limit);
  const run = await describeMapRun(app, userId, mapRunId);
  const { children } = await threadOf(app, userId, run);
  const out: ChildExecution[] = [];
  for (let i = children.length - 1; i >= 0 && out.length < limit; i--) {
    const c = children[i];
    if (page.after !== undefined && c.index >= page.after) continue;
    if (page.status !== undefined && c.status !== page.status) continue;
    out.push(childOf(run, c));
  }
  return out;
}

/**
 * StopExecution of a child execution: its iteration ends ABORTED and its Map counts it a failure
 * (LiveExecution.stopChild), wherever its parent runs — held by this node's runner, or told
 * through the parent's inbox as UpdateMapRun is. Answers when it stopped (now), or when it ended
 * if it is not running (as a stop of an ended execution changes nothing). NotFound as findChildExecution.
 */
export async function stopChildExecution(
  app: WorkflowsApp,
  userId: string,
  path: string,
  name: string,
  why: { error?: string; cause?: string },
): Promise<{ stoppedAt: number }> {
  const child = await findChildExecution(app, userId, path, name);
  if (child.status !== 'RUNNING') return { stoppedAt: child.stoppedAt ?? app.clock.now() };
  const now = app.clock.now();
  await runnerOf(app).stopChild(child.mapRun.executionId, child.mapRun.id, child.index, why.error ?? null, why.cause ?? null);
  return { stoppedAt: now };
}

/** A child execution and its own view: input, output or failure, and its history. */
export interface ChildExecutionDetail extends ChildExecution {
  view: ChildExecutionView;
  /** Whether its Map Run may redrive it (its parent's redrivability: core childRedrivability). */
  redrive: Redrivability;
}

/**
 * The user's child execution named `name` of a Map Run whose child state machine is
 * `MACHINE/LABEL` (`path`, as its ARN has it), without its own view (no read of its events).
 * NotFound when there is none: no such run, an iteration not started, another user's.
 */
export async function findChildExecution(app: WorkflowsApp, userId: string, path: string, name: string): Promise<ChildExecution> {
  return (await locateChild(app, userId, path, name)).child;
}

/** A child execution with its own view: input, output or failure, and its history. NotFound as findChildExecution. */
export async function describeChildExecution(app: WorkflowsApp, userId: string, path: string, name: string): Promise<ChildExecutionDetail> {
  const { child, thread } = await locateChild(app, userId, path, name);
  const events = await iterationRange(app, userId, child.mapRun.executionId, child);
  const parent = await app.workflows.getExecution(userId, child.mapRun.executionId);
  return { ...child, view: childExecution(events, child, thread), redrive: childRedrivability(child, parent, app.clock.now()) };
}

async function locateChild(
  app: WorkflowsApp,
  userId: string,
  path: string,
  name: string,
): Promise<{ child: ChildExecution; thread: Set<number> }> {
  const prefix = asl.childRunPrefix(name);
  const runs = prefix === null ? [] : await app.workflows.mapRunsByIdPrefix(userId, prefix);
  for (const run of runs) {
    const index = asl.childIndex(run.id, name);
    if (index === null || index >= run.counts.total || !run.stateMachineArn.endsWith(`:stateMachine:${path}`)) continue;
    const { children, thread } = await threadOf(app, userId, run);
    const child = children.find((c) => c.index === index);
    if (child) return { child: childOf(run, child), thread };
  }
  throw workflowErrors.executionNotFound(`${path}:${name}`);
}

/** The parent's events from the child's MapIterationStarted through the event that ended it (or the last). */
async function iterationRange(app: WorkflowsApp, userId: string, executionId: string, child: MapRunChild): Promise<HistoryEventRecord[]> {
  const out: HistoryEventRecord[] = [];
  for (let after = child.startEventId - 1; ; ) {
    const page = await app.workflows.history(userId, executionId, { limit: READ, after });
    for (const e of page) {
      if (child.endEventId !== null && e.id > child.endEventId) return out;
      out.push(e);
    }
    if (page.length < READ) return out;
    after = page[page.length - 1].id;
  }
}

/** The state machine a child execution runs: its Map's ItemProcessor in the parent's definition. */
export interface ChildStateMachine {
  /** JSON text. */
  definition: string;
  /** The Map state's Label, or its name (the LABEL of `MACHINE/LABEL`). */
  label: string;
  /** The parent execution's state machine revision and start. */
  revisionId: string;
  startedAt: number;
  /** The parent's state machine's role (the default once it is deleted). */
  roleArn: string;
}

/** DescribeStateMachineForExecution of a child: NotFound when its parent or its Map is gone. */
export async function childStateMachine(app: WorkflowsApp, userId: string, child: ChildExecution): Promise<ChildStateMachine> {
  const parent = await app.workflows.getExecution(userId, child.mapRun.executionId);
  const label = child.stateMachineArn.slice(child.stateMachineArn.lastIndexOf('/') + 1);
  const machine = parent === null ? null : asl.childMachineDefinition(JSON.parse(parent.definition) as asl.StateMachineDefinition, label);
  if (parent === null || machine === null) throw workflowErrors.executionNotFound(child.executionArn);
  const owner = await app.workflows.getStateMachine(userId, parent.stateMachineName);
  return {
    definition: JSON.stringify(machine),
    label,
    revisionId: parent.revisionId,
    startedAt: parent.startedAt,
    roleArn: owner?.roleArn ?? DEFAULT_ROLE_ARN,
  };
}
