/**
 * A Map Run's child executions, as AWS shows them (ListExecutions with mapRunArn, a child's
 * DescribeExecution and GetExecutionHistory), read from the parent's history: iterations are
 * branches of the parent here, and its events tell them apart without a row of their own.
 *
 * Each event names the event its branch follows (previousEventId). A Map's own thread is
 * MapRunStarted, then its MapIterationStarted / Succeeded / Failed / Aborted events (each iteration's
 * start is also where that iteration's branch begins), then the run's and the Map's end. So an
 * iteration's events are those that descend from its MapIterationStarted and are not the Map's
 * own; its start and end times are those of its MapIteration events.
 */
import type { ExecutionStatus, HistoryEventRecord } from './workflow.ts';

/** The parent's event types a Map's own thread is made of: all that listing children reads. */
export const MAP_THREAD_EVENT_TYPES = [
  'MapRunStarted',
  'MapIterationStarted',
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapIterationAborted',
  'MapRunSucceeded',
  'MapRunFailed',
  'MapRunAborted',
  'MapStateSucceeded',
  'MapStateFailed',
] as const;

const THREAD_END = new Set(['MapRunSucceeded', 'MapRunFailed', 'MapRunAborted', 'MapStateSucceeded', 'MapStateFailed']);

export type ChildStatus = Extract<ExecutionStatus, 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED'>;

/** One started iteration (one batch with an ItemBatcher) of a Map Run. */
export interface MapRunChild {
  index: number;
  status: ChildStatus;
  startedAt: number;
  stoppedAt: number | null;
  /** Its MapIterationStarted event in the parent's history, and the event that ended it. */
  startEventId: number;
  endEventId: number | null;
  /** The items it processes: its batch's (an ItemBatcher's, as its MapIterationStarted records), else 1. */
  itemCount: number;
  /** Of a FAILED one, as its MapIterationFailed event carries them (null in histories written before
   *  it did); of one stopped alone, StopExecution's, as its MapIterationAborted carries them. */
  error: string | null;
  cause: string | null;
}

export interface MapRunThread {
  /** By index; iterations not yet started are not here. */
  children: MapRunChild[];
  /** The ids of the Map's own events (none of them an iteration's). */
  thread: Set<number>;
}

type Details = Record<string, unknown>;

function detailsOf(e: HistoryEventRecord): Details {
  if (e.details === null) return {};
  const d = JSON.parse(e.details) as unknown;
  return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Details) : {};
}

const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The run's children from the parent's events of MAP_THREAD_EVENT_TYPES (oldest first; others
 * may be among them). An iteration still running when the run ended (its execution stopped, a
 * Parallel branch around it stopped) is ABORTED at the run's stop.
 */
export function mapRunChildren(events: HistoryEventRecord[], run: { arn: string; status: string; stoppedAt: number | null }): MapRunThread {
  const thread = new Set<number>();
  const byIndex = new Map<number, MapRunChild>();
  let tip: number | null = null;
  for (const e of events) {
    if (tip === null) {
      if (e.type === 'MapRunStarted' && detailsOf(e).mapRunArn === run.arn) {
        tip = e.id;
        thread.add(e.id);
      }
      continue;
    }
    if (e.previousEventId !== tip || !(MAP_THREAD_EVENT_TYPES as readonly string[]).includes(e.type)) continue;
    tip = e.id;
    thread.add(e.id);
    if (THREAD_END.has(e.type)) break;
    const d = detailsOf(e);
    const index = Number(d.index);
    if (e.type === 'MapIterationStarted') {
      byIndex.set(index, {
        index,
        status: 'RUNNING',
        startedAt: e.timestamp,
        stoppedAt: null,
        startEventId: e.id,
        itemCount: typeof d.itemCount === 'number' ? d.itemCount : 1,
        endEventId: null,
        error: null,
        cause: null,
      });
      continue;
    }
    const child = byIndex.get(index);
    if (!child) continue;
    child.status = e.type === 'MapIterationSucceeded' ? 'SUCCEEDED' : e.type === 'MapIterationAborted' ? 'ABORTED' : 'FAILED';
    child.stoppedAt = e.timestamp;
    child.endEventId = e.id;
    if (child.status !== 'SUCCEEDED') {
      child.error = textOrNull(d.error);
      child.cause = textOrNull(d.cause);
    }
  }
  const children = [...byIndex.values()].sort((a, b) => a.index - b.index);
  if (run.status !== 'RUNNING')
    for (const c of children) if (c.status === 'RUNNING') Object.assign(c, { status: 'ABORTED', stoppedAt: run.stoppedAt });
  return { children, thread };
}

/** A child execution as its own: its input, output or failure, and its history numbered from 1. */
export interface ChildExecutionView {
  /** JSON text: the iteration's input (after ItemSelector; a batch with an ItemBatcher). */
  input: string;
  /** JSON text, when SUCCEEDED. */
  output: string | null;
  error: string | null;
  cause: string | null;
  events: HistoryEventRecord[];
}

/**
 * The child's own view from the parent's events from its MapIterationStarted on (oldest first,
 * through the event that ended it or the end of the history): ExecutionStarted with its input,
 * the iteration's events, then ExecutionSucceeded, ExecutionFailed or ExecutionAborted.
 */
export function childExecution(parentEvents: HistoryEventRecord[], child: MapRunChild, thread: Set<number>): ChildExecutionView {
  const ids = new Map<number, number>([[child.startEventId, 1]]);
  const own: HistoryEventRecord[] = [];
  for (const e of parentEvents) {
    if (e.id <= child.startEventId || thread.has(e.id) || !ids.has(e.previousEventId)) continue;
    if (child.endEventId !== null && e.id > child.endEventId) break;
    const id = own.length + 2;
    ids.set(e.id, id);
    own.push({ ...e, id, previousEventId: ids.get(e.previousEventId) as number });
  }
  const first = own[0] ? detailsOf(own[0]) : {};
  const input = JSON.stringify(first.input ?? null);
  const last = own.at(-1);
  const lastDetails = last ? detailsOf(last) : {};
  const output = child.status === 'SUCCEEDED' && last?.type.endsWith('StateExited') ? JSON.stringify(lastDetails.output ?? null) : null;
  const failed = child.status === 'FAILED';
  const error = failed ? (child.error ?? textOrNull(lastDetails.error)) : child.status === 'ABORTED' ? child.error : null;
  const cause = failed ? (child.cause ?? textOrNull(lastDetails.cause)) : child.status === 'ABORTED' ? child.cause : null;
  const started: HistoryEventRecord = {
    id: 1,
    previousEventId: 0,
    type: 'ExecutionStarted',
    timestamp: child.startedAt,
    details: JSON.stringify({ input: first.input ?? null }),
  };
  const events = [started, ...own];
  const end = endEvent(child, output, error, cause);
  if (end) events.push({ ...end, id: events.length + 1, previousEventId: events.length });
  return { input, output, error, cause, events };
}

function endEvent(
  child: MapRunChild,
  output: string | null,
  error: string | null,
  cause: string | null,
): Omit<HistoryEventRecord, 'id' | 'previousEventId'> | null {
  const timestamp = child.stoppedAt ?? child.startedAt;
  switch (child.status) {
    case 'RUNNING':
      return null;
    case 'SUCCEEDED':
      return { type: 'ExecutionSucceeded', timestamp, details: `{"output":${output ?? 'null'}}` };
    case 'FAILED':
      return { type: 'ExecutionFailed', timestamp, details: JSON.stringify({ error, cause }) };
    case 'ABORTED':
      // Stopped alone: StopExecution's error and cause, at its own MapIterationAborted's time.
      return { type: 'ExecutionAborted', timestamp, details: error === null && cause === null ? null : JSON.stringify({ error, cause }) };
    default: {
      const never: never = child.status;
      throw new Error(`unknown child status ${String(never)}`);
    }
  }
}
