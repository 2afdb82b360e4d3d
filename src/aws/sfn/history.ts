/**
 * GetExecutionHistory's events: Hangar's history records (core/asl/history.ts: a type and its
 * details) in Step Functions' HistoryEvent shape, each with the one `*EventDetails` member its
 * type has. As on AWS, a Task whose resource is a Lambda function's ARN writes
 * LambdaFunctionScheduled / Started / Succeeded / Failed / TimedOut, and a service integration
 * (`arn:aws:states:::lambda:invoke`) writes Task* events naming its service and action
 * (resourceType `lambda`, resource `invoke`). An activity's Task writes Activity* events (core/asl/activity.ts).
 */
import type { HistoryEventRecord } from '../../core/index.ts';
import { date } from './shapes.ts';

type Details = Record<string, unknown>;

/** Reads events before the ones being answered, when an event needs its Task's resource or its
 *  Map's name: the `limit` events after `afterId`, oldest first. */
export type EarlierEvents = (afterId: number, limit: number) => Promise<HistoryEventRecord[]>;

export interface HistoryView {
  region: string;
  /** The execution's state machine's role, for an ExecutionStarted event that does not name it. */
  roleArn: string;
  /** includeExecutionData: false leaves inputs and outputs out. */
  includeData: boolean;
}

const LAMBDA_FUNCTION = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:/;
const INTEGRATION = /^arn:[^:]+:states:::([^:]+):(.+)$/;

/** How AWS names a Task's resource in its events. */
export function resourceName(resource: string): { resourceType: string; resource: string } {
  const m = INTEGRATION.exec(resource);
  if (m) return { resourceType: m[1], resource: m[2] };
  return { resourceType: resource.split(':')[2] || 'hangar', resource };
}

const TASK_RESULT_TYPES = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStarted']);
const MAP_ITERATION = /^MapIteration(Started|Succeeded|Failed|Aborted)$/;

function detailsOf(r: HistoryEventRecord): Details {
  if (r.details === null) return {};
  try {
    const d = JSON.parse(r.details) as unknown;
    return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Details) : {};
  } catch {
    return {};
  }
}

/** A JSON value of the details as JSON text (absent stays absent). */
const text = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const defined = (o: Details): Details => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export class HistoryMapper {
  private readonly view: HistoryView;
  private readonly earlier: EarlierEvents;
  private readonly known = new Map<number, HistoryEventRecord>();

  constructor(view: HistoryView, earlier: EarlierEvents) {
    this.view = view;
    this.earlier = earlier;
  }

  async map(records: HistoryEventRecord[]): Promise<Details[]> {
    for (const r of records) this.known.set(r.id, r);
    const out: Details[] = [];
    for (const r of records) out.push(await this.event(r));
    return out;
  }

  private async event(r: HistoryEventRecord): Promise<Details> {
    const d = detailsOf(r);
    const base = { timestamp: date(r.timestamp), type: r.type, id: r.id, previousEventId: r.previousEventId };
    const data = (v: unknown) => (this.view.includeData ? text(v) : undefined);
    const withDetails = (member: string, details: Details, type = r.type) => ({ ...base, type, [member]: defined(details) });
    const failure = { error: str(d.error), cause: str(d.cause) };

    if (r.type === 'TaskScheduled' || TASK_RESULT_TYPES.has(r.type)) {
      const resource = str(d.resource) ?? (await this.taskResource(r));
      if (resource !== undefined && LAMBDA_FUNCTION.test(resource)) return this.lambdaEvent(r, d, resource, base);
      const named = resourceName(resource ?? '');
      switch (r.type) {
        case 'TaskScheduled':
          return withDetails('taskScheduledEventDetails', {
            ...named,
            region: this.view.region,
            parameters: text(d.parameters ?? {}),
            timeoutInSeconds: d.timeoutSeconds,
            heartbeatInSeconds: d.heartbeatSeconds,
          });
        case 'TaskStarted':
          return withDetails('taskStartedEventDetails', named);
        case 'TaskSucceeded':
          return withDetails('taskSucceededEventDetails', { ...named, output: data(d.output), outputDetails: { truncated: false } });
        case 'TaskFailed':
          return withDetails('taskFailedEventDetails', { ...named, ...failure });
        default:
          return withDetails('taskTimedOutEventDetails', { ...named, ...failure });
      }
    }
    const iteration = MAP_ITERATION.exec(r.type);
    if (iteration) {
      const name = str(d.name) ?? (await this.mapName(r));
      return withDetails(`mapIteration${iteration[1]}EventDetails`, { name, index: d.index });
    }
    if (r.type.endsWith('StateEntered'))
      return withDetails('stateEnteredEventDetails', { name: str(d.name), input: data(d.input), inputDetails: { truncated: false } });
    if (r.type.endsWith('StateExited'))
      return withDetails('stateExitedEventDetails', {
        name: str(d.name),
        output: data(d.output),
        outputDetails: { truncated: false },
        assignedVariables: assigned(d.assignedVariables),
      });
    switch (r.type) {
      case 'ExecutionStarted':
        return withDetails('executionStartedEventDetails', {
          input: data(d.input),
          inputDetails: { truncated: false },
          roleArn: str(d.roleArn) ?? this.view.roleArn,
        });
      case 'ExecutionSucceeded':
        return withDetails('executionSucceededEventDetails', { output: data(d.output), outputDetails: { truncated: false } });
      case 'ExecutionFailed':
        return withDetails('executionFailedEventDetails', failure);
      case 'ExecutionAborted':
        return withDetails('executionAbortedEventDetails', failure);
      case 'ExecutionTimedOut':
        return withDetails('executionTimedOutEventDetails', failure);
      case 'ActivityScheduled':
        return withDetails('activityScheduledEventDetails', {
          resource: str(d.resource),
          input: data(d.input),
          inputDetails: { truncated: false },
          timeoutInSeconds: d.timeoutSeconds,
          heartbeatInSeconds: d.heartbeatSeconds,
        });
      case 'ActivityStarted':
        return withDetails('activityStartedEventDetails', { workerName: str(d.workerName) });
      case 'ActivitySucceeded':
        return withDetails('activitySucceededEventDetails', { output: data(d.output), outputDetails: { truncated: false } });
      case 'ActivityFailed':
        return withDetails('activityFailedEventDetails', failure);
      case 'ActivityTimedOut':
        return withDetails('activityTimedOutEventDetails', failure);
      case 'MapStateStarted':
        return withDetails('mapStateStartedEventDetails', { length: d.length });
      case 'MapRunStarted':
        return withDetails('mapRunStartedEventDetails', { mapRunArn: str(d.mapRunArn) });
      case 'MapRunFailed':
        return withDetails('mapRunFailedEventDetails', failure);
      case 'ExecutionRedriven':
        return withDetails('executionRedrivenEventDetails', { redriveCount: d.redriveCount });
      case 'MapRunRedriven':
        return withDetails('mapRunRedrivenEventDetails', { mapRunArn: str(d.mapRunArn), redriveCount: d.redriveCount });
      default:
        // ParallelStateStarted, MapStateSucceeded, MapRunSucceeded, MapRunAborted...: AWS gives them no details.
        return base;
    }
  }

  private lambdaEvent(r: HistoryEventRecord, d: Details, resource: string, base: Details): Details {
    const failure = defined({ error: str(d.error), cause: str(d.cause) });
    switch (r.type) {
      case 'TaskScheduled':
        return {
          ...base,
          type: 'LambdaFunctionScheduled',
          lambdaFunctionScheduledEventDetails: defined({
            resource,
            input: this.view.includeData ? text(d.parameters ?? {}) : undefined,
            inputDetails: { truncated: false },
            timeoutInSeconds: d.timeoutSeconds,
          }),
        };
      case 'TaskStarted':
        return { ...base, type: 'LambdaFunctionStarted' };
      case 'TaskSucceeded':
        return {
          ...base,
          type: 'LambdaFunctionSucceeded',
          lambdaFunctionSucceededEventDetails: defined({
            output: this.view.includeData ? text(d.output) : undefined,
            outputDetails: { truncated: false },
          }),
        };
      case 'TaskFailed':
        return { ...base, type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: failure };
      default:
        return { ...base, type: 'LambdaFunctionTimedOut', lambdaFunctionTimedOutEventDetails: failure };
    }
  }

  /** The resource of the TaskScheduled event a Task's later event follows. */
  private async taskResource(r: HistoryEventRecord): Promise<string | undefined> {
    const scheduled = await this.ancestor(r, (e) => e.type === 'TaskScheduled');
    return scheduled && str(detailsOf(scheduled).resource);
  }

  /** The name of the Map state an iteration belongs to: the latest Map state entered before it
   *  on its branch (an iteration follows its MapStateStarted; its end follows its own states). */
  private async mapName(r: HistoryEventRecord): Promise<string | undefined> {
    let depth = 0;
    const found = await this.ancestor(r, (e) => {
      if (MAP_ITERATION.test(e.type) && e.type !== 'MapIterationStarted') return false;
      if (e.type === 'MapStateExited') depth++;
      if (e.type === 'MapStateEntered') {
        if (depth === 0) return true;
        depth--;
      }
      return false;
    });
    return found && str(detailsOf(found).name);
  }

  /** The nearest earlier event on `r`'s branch (by previousEventId) that `test` accepts. */
  private async ancestor(r: HistoryEventRecord, test: (e: HistoryEventRecord) => boolean): Promise<HistoryEventRecord | undefined> {
    let id = r.previousEventId;
    // A branch's chain is as long as its events; the cap only keeps a damaged one from looping.
    for (let steps = 0; id > 0 && id < r.id && steps < 10_000; steps++) {
      const e = this.known.get(id) ?? (await this.load(id));
      if (!e) return undefined;
      if (test(e)) return e;
      id = e.previousEventId;
    }
    return undefined;
  }

  private async load(id: number): Promise<HistoryEventRecord | undefined> {
    const from = Math.max(0, id - LOOKBACK);
    for (const e of await this.earlier(from, id - from)) this.known.set(e.id, e);
    return this.known.get(id);
  }
}

/** Events read at once when an earlier one is needed. */
const LOOKBACK = 200;

function assigned(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, JSON.stringify(x)]));
}
