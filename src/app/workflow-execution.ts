/**
 * One STANDARD execution as its runner holds it in memory (workflow-runner.ts): its frames —
 * the root thread, each Parallel branch and Map iteration, each effect it waits on — moved on by
 * the transition functions of core/asl, and what the next commit must write. Nothing here does
 * I/O: the runner asks for the commit (`takeCommit`), writes it, and only then carries out the
 * effects it names (`takeLaunches`), reporting their results back (`taskDone`, `answer`).
 *
 * Frames are stored one row each (store/ports/workflows.ts), written when they change; a Map
 * or Parallel's progress is not written on its frame but read back from its children's frames
 * when an execution is loaded, so that each iteration's end writes one row, not the Map's.
 */
import { randomUUID } from 'node:crypto';
import {
  activityOf,
  activityScheduledEvent,
  activityStartedEvent,
  type AslState,
  completeState,
  inStateCause,
  isActivityResource,
  taskEndEventType,
  type Environment,
  type EventDraft,
  enteredEvent,
  type ExecutionInfo,
  exceedsTolerance,
  failState,
  type HistoryEventType,
  type IterationOutcome,
  type IterationRecord,
  type ItemReadRequest,
  type Json,
  type JsonObject,
  mapEnd,
  mapEndEvents,
  abortedCounts,
  type MapRunCounts,
  mapRunConfig,
  mapRunCounts,
  type MapRunRef,
  type MapRunUpdate,
  mapOutcome,
  oversize,
  type Position,
  type ResultWriteRequest,
  type StateMachineDefinition,
  StatesErrors,
  StatesFailure,
  type Step,
  stepEvents,
  type Tolerance,
  updatedTolerance,
  type Variables,
  type WriteOutcome,
  type WriterPlan,
  enterState,
  nestedMachine,
} from '../core/asl/index.ts';
import { type Execution, type ExecutionStatus, type HistoryEventRecord, restartOf } from '../core/index.ts';
import type { ExecutionCommit, ExecutionEnd, ExecutionFrame, ExecutionRuntime, MapRunWrite } from '../store/index.ts';
import type { TaskAnswer } from './workflow-types.ts';

/** Where a frame's definition is: the root, then per level a state and its branch (-1: a Map's processor). */
type DefPath = [string, number][];

interface Base {
  parent: number | null;
  /** The branch's or iteration's index in its parent. */
  index: number;
  def: DefPath;
  /** The id of the last event of this thread (each event's previousEventId). */
  prev: number;
  /** An iteration of a Map with a ResultWriter: its input and when it started (and ended), for its record. */
  rec?: { input: Json; startMs: number; stopMs?: number };
}

type TaskStep = Extract<Step, { kind: 'task' }>;

type Frame =
  | { k: 'meta'; info: ExecutionInfo; deadlineMs: number | null }
  | (Base & { k: 'enter'; name: string; input: Json; variables: Variables })
  | (Base & { k: 'retry'; pos: Position; untilMs: number })
  | (Base & { k: 'wait'; pos: Position; untilMs: number; after: Step })
  | (Base & {
      k: 'task';
      pos: Position;
      step: TaskStep;
      /** Each launch's id: a result for an older one is ignored. */
      attempt: string;
      deadlineMs: number | null;
      heartbeatMs: number | null;
      token: string | null;
      /** The invocation of a `.waitForTaskToken` task returned: only the callback is awaited. */
      invoked: boolean;
      /** The child execution a `states:startExecution.sync` task started (its id): a launch again waits on it. */
      child?: string;
    })
  | (Base & { k: 'read'; pos: Position; request: ItemReadRequest; attempt: string })
  | (Base & { k: 'parallel'; pos: Position; total: number })
  | (Base & {
      k: 'map';
      pos: Position;
      total: number;
      maxConcurrency: number;
      tolerance: Tolerance;
      writer?: WriterPlan | null;
      /** A Distributed Map's Map Run, and when it started. */
      mapRun?: MapRunRef | null;
      runStartMs?: number;
    })
  /** A Map's ResultWriter export, then the Map's end (`after`) once it is written; a Distributed
   *  Map's Map Run, its start and its final counts go along. */
  | (Base & {
      k: 'write';
      pos: Position;
      request: ResultWriteRequest;
      after: IterationOutcome;
      attempt: string;
      run?: EndingRun;
    })
  /** An iteration not started yet; `at`: one a redrive runs again, from the state that failed in
   *  it; `nest`: one that failed in an inline Map or Parallel, which goes on with its frames
   *  (their ids as they were; fresh ones when it starts). */
  | (Base & { k: 'pending'; input: Json; variables: Variables; at?: Resume; nest?: { frame: Frame; under: [number, Frame][] } })
  /** A branch's or iteration's end; `redo`: where a failed one failed (a redrive runs it again
   *  from there); `nest`: the inline Map or Parallel it failed in, whose children are kept in
   *  `under` (every frame below it, to any depth, ids as they were): stored with it, they outlive
   *  this runner and a stop, as the failed iteration of a Map that tolerates it waits for both. */
  | (Base & { k: 'ended'; outcome: IterationOutcome; redo?: Resume; nest?: Frame; under?: [number, Frame][] });

/** A state to enter (again) with its input and variables. */
interface Resume {
  name: string;
  input: Json;
  variables: Variables;
}

type Thread = Exclude<Frame, { k: 'meta' }>;

/** What the runner is told of a task it launched. */
export type TaskOutcome = { ok: true; result: Json } | { ok: false; error: string; cause: string | undefined };

/** A task to carry out once the commit that scheduled it is stored. */
export interface Launch {
  frameId: number;
  attempt: string;
  resource: string;
  parameters: Json;
  context: Json;
  timeoutSeconds: number | undefined;
  heartbeatSeconds: number | undefined;
  /** `.waitForTaskToken`: the result is not the task's (only an error is). */
  waitForToken: boolean;
  /** The child execution this task started before (`states:startExecution.sync`, launched again
   *  after a takeover): it is waited on, never started again (core/child-execution.ts). */
  child?: string;
}

/** A Map's items to read (its ItemReader) once the commit that asked for them is stored. */
export interface Read {
  frameId: number;
  attempt: string;
  request: ItemReadRequest;
}

/** A Map's results to write (its ResultWriter's export) once the commit that asked for it is stored. */
export interface Write {
  frameId: number;
  attempt: string;
  request: ResultWriteRequest;
}

/** What the runner is told of a read. */
export type ReadOutcome = { ok: true; items: Json[] } | { ok: false; error: string; cause: string | undefined };

/** A Map Run whose iterations have all ended (its results being written, or its Map ending now). */
interface EndingRun {
  ref: MapRunRef;
  startMs: number;
  config: { maxConcurrency: number; tolerance: Tolerance };
  counts: MapRunCounts;
}

/** What a Map or Parallel frame has seen of its children (not stored: read back from them). */
interface Progress {
  started: number;
  running: number;
  /** Of the ended ones; `aborted` of them were stopped alone (a Distributed Map's children). */
  failed: number;
  aborted: number;
}

/** A job-run Task (`.sync`, `.sync:2`): it waits for the job's end. */
const SYNC = /\.sync(:\d+)?$/;

/** Past it, the execution fails: a runaway loop (AWS caps a history at 25,000 events; a Map here may write more). */
export const MAX_EVENTS = 1_000_000;
const META = 0;
const ROOT = 1;

export function executionArn(region: string, accountId: string, machine: string, name: string): string {
  return `arn:aws:states:${region}:${accountId}:execution:${machine}:${name}`;
}

export function stateMachineArn(region: string, accountId: string, machine: string): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${machine}`;
}

export class LiveExecution {
  readonly execution: Execution;
  private readonly root: StateMachineDefinition;
  private readonly env: Environment;
  private readonly meta: Extract<Frame, { k: 'meta' }>;
  private readonly frames = new Map<number, Frame>();
  private readonly progress = new Map<number, Progress>();
  /** Each Map's or Parallel's children, by index (iterations start in index order). */
  private readonly kids = new Map<number, number[]>();
  /** Frames that wait on a timer or a task (retry, wait, task). */
  private readonly active = new Set<number>();
  private readonly defs = new Map<string, StateMachineDefinition>();
  private nextFrame: number;
  private nextEvent: number;
  private readonly now: () => number;
  // What the next commit writes.
  private events: HistoryEventRecord[] = [];
  private readonly put = new Set<number>();
  private readonly del = new Set<number>();
  private addTokens: NonNullable<ExecutionCommit['addTokens']> = [];
  private removeTokens: string[] = [];
  private consumed: number | undefined;
  private end: ExecutionEnd | undefined;
  private launches: Launch[] = [];
  private reads: Read[] = [];
  private writes: Write[] = [];
  /** Map frames that run a Map Run now (kept by set and remove: a poll asks, and a Map's frames may be many). */
  private readonly runFrames = new Set<number>();
  /** Map frames whose Map Run's counts changed since the last commit. */
  private readonly runsTouched = new Set<number>();
  /** Map Run rows the next commit writes, by map run id (those that ended, or must be written as they are). */
  private runWrites = new Map<string, MapRunWrite>();
  /** Frames to look at in the next advance. */
  private work: number[] = [];
  /** The children a Map or Parallel last dropped, by its frame id, until that frame changes: an
   *  execution that fails there keeps them for a redrive (keptFrames). */
  private readonly dropped = new Map<number, [number, Frame][]>();

  private constructor(execution: Execution, frames: ExecutionFrame[], lastEventId: number, now: () => number, random: () => number) {
    this.execution = execution;
    this.now = now;
    this.root = JSON.parse(execution.definition) as StateMachineDefinition;
    for (const f of frames) this.frames.set(f.frameId, JSON.parse(f.doc) as Frame);
    const meta = this.frames.get(META);
    if (meta?.k !== 'meta') throw new Error(`execution ${execution.id} has no meta frame`);
    this.meta = meta;
    this.env = { execution: meta.info, now, random };
    for (const f of this.frames.values()) if (f.k === 'task') withExecutionInput(f, meta.info.input);
    // Above the ids of the frames failed iterations keep, too (a redrive brings them back as they were).
    this.nextFrame = Math.max(ROOT, ...this.frames.keys(), ...[...this.frames.values()].flatMap(heldIds)) + 1;
    this.nextEvent = lastEventId + 1;
    // Progress of Maps and Parallels, from their children; every frame is looked at once.
    for (const [id, f] of this.frames) {
      if (f.k === 'map' || f.k === 'parallel') this.progress.set(id, { started: 0, running: 0, failed: 0, aborted: 0 });
      if (f.k === 'map' && f.mapRun) this.runFrames.add(id);
      if (isActive(f)) this.active.add(id);
      if (f.k !== 'meta' && f.parent !== null) {
        const list = this.kids.get(f.parent);
        if (list) list.push(id);
        else this.kids.set(f.parent, [id]);
      }
    }
    // Iterations start in index order, the pending ones last (a redrive makes failed ones pending
    // again among those that succeeded).
    const rank = (id: number) => {
      const f = this.frames.get(id) as Thread;
      return (f.k === 'pending' ? 1e12 : 0) + f.index;
    };
    for (const list of this.kids.values()) list.sort((a, b) => rank(a) - rank(b));
    for (const f of this.frames.values()) {
      if (f.k === 'meta' || f.parent === null) continue;
      const p = this.progress.get(f.parent);
      if (!p || f.k === 'pending') continue;
      p.started++;
      if (f.k === 'ended') {
        if (!f.outcome.ok) p.failed++;
        if (!f.outcome.ok && f.outcome.aborted) p.aborted++;
      } else p.running++;
    }
    this.work = [...this.frames.keys()];
  }

  /** A new execution: its first event and frames, as the start's commit writes them. */
  static start(
    execution: Execution,
    info: ExecutionInfo,
    now: () => number,
    random: () => number,
  ): { live: LiveExecution; events: HistoryEventRecord[]; frames: ExecutionFrame[] } {
    const definition = JSON.parse(execution.definition) as StateMachineDefinition;
    const input = JSON.parse(execution.input) as Json;
    const started = execution.startedAt;
    const meta: Frame = {
      k: 'meta',
      info,
      deadlineMs: definition.TimeoutSeconds === undefined ? null : started + definition.TimeoutSeconds * 1000,
    };
    const root: Frame = { k: 'enter', parent: null, index: 0, def: [], prev: 1, name: definition.StartAt, input, variables: {} };
    const frames = [
      { frameId: META, doc: JSON.stringify(meta) },
      { frameId: ROOT, doc: JSON.stringify(root) },
    ];
    const events: HistoryEventRecord[] = [
      {
        id: 1,
        previousEventId: 0,
        type: 'ExecutionStarted',
        timestamp: started,
        details: JSON.stringify({ input, roleArn: info.roleArn }),
      },
    ];
    return { live: new LiveExecution(execution, frames, 1, now, random), events, frames };
  }

  static async load(execution: Execution, runtime: ExecutionRuntime, now: () => number, random: () => number): Promise<LiveExecution> {
    const live = new LiveExecution(execution, runtime.frames, runtime.lastEventId, now, random);
    for (const m of runtime.inbox) {
      live.consumed = m.seq;
      await live.message(JSON.parse(m.body) as InboxBody);
    }
    // Tasks stored as running when the last runner stopped run again (at least once) — but not
    // twice: one an inbox message just started (a callback's answer moved on to it) is launched.
    const launched = new Set(live.launches.map((l) => l.attempt));
    for (const [id, f] of live.frames) {
      if (f.k === 'task' && !(f.invoked && f.token) && !launched.has(f.attempt)) live.relaunch(id, f);
      if (f.k === 'read') live.reads.push({ frameId: id, attempt: f.attempt, request: f.request });
      // A write redone after a takeover writes the same files (the same map run, the same keys).
      if (f.k === 'write') live.writes.push({ frameId: id, attempt: f.attempt, request: f.request });
    }
    return live;
  }

  get ended(): boolean {
    return this.end !== undefined;
  }

  /**
   * Moves every thread on as far as it goes without waiting. Async because the transition
   * functions of core/asl are (JSONata evaluates asynchronously); the runner calls one method of
   * an execution at a time (workflow-runner.ts `drive`), so the order of its steps is unchanged.
   */
  async advance(): Promise<void> {
    const now = this.now();
    if (this.end) return;
    if (this.meta.deadlineMs !== null && now >= this.meta.deadlineMs) {
      this.finishExecution({ ok: false, error: StatesErrors.Timeout, cause: undefined }, true);
      return;
    }
    while (this.work.length > 0 && !this.end) {
      const id = this.work.pop()!;
      const f = this.frames.get(id);
      if (!f || f.k === 'meta') continue;
      try {
        await this.step(id, f, now);
      } catch (e) {
        if (e instanceof StatesFailure) this.finishExecution({ ok: false, error: e.error, cause: e.cause }, false);
        else throw e;
      }
    }
  }

  private async step(id: number, f: Thread, now: number): Promise<void> {
    switch (f.k) {
      case 'enter': {
        const def = this.defOf(f.def);
        const type = def.States[f.name]?.Type;
        if (type === undefined) {
          await this.finishThread(id, {
            ok: false,
            error: StatesErrors.Runtime,
            cause: `The state '${f.name}' does not exist in the state machine`,
          });
          return;
        }
        const enteredEventId = this.emit(id, enteredEvent(type, f.name, f.input));
        const pos: Position = {
          state: f.name,
          input: f.input,
          enteredTime: new Date(now).toISOString(),
          enteredEventId,
          retryCounts: [],
          variables: f.variables,
        };
        await this.apply(id, pos, await enterState(def, pos, this.env));
        return;
      }
      case 'retry':
        if (f.untilMs <= now) await this.apply(id, f.pos, await enterState(this.defOf(f.def), f.pos, this.env));
        return;
      case 'wait':
        if (f.untilMs <= now) await this.apply(id, f.pos, f.after);
        return;
      case 'task': {
        const late =
          f.deadlineMs !== null && now >= f.deadlineMs
            ? StatesErrors.Timeout
            : f.heartbeatMs !== null && now >= f.heartbeatMs
              ? StatesErrors.HeartbeatTimeout
              : null;
        // AWS reports a Task's own timeout with an empty cause (Catch sees "Cause": ""; the
        // corpus's test_invoke_timeout).
        if (late) await this.taskFailed(id, f, late, late === StatesErrors.Timeout ? '' : undefined, 'TaskTimedOut');
        return;
      }
      case 'map':
        await this.startIterations(id, f);
        return;
      default:
        return;
    }
  }

  /** A Step of a thread's current state: the next state, the end, or an effect to wait for. */
  private async apply(id: number, pos: Position, step: Step): Promise<void> {
    const f = this.frames.get(id) as Thread;
    const base = baseOf(f);
    const def = this.defOf(f.def);
    const type = def.States[pos.state]?.Type ?? 'Pass';
    const now = this.now();
    switch (step.kind) {
      case 'next':
      case 'succeed': {
        const big = oversize(pos.state, step.output);
        if (big) {
          await this.finishThread(id, { ok: false, error: big.error, cause: big.cause });
          return;
        }
        for (const e of stepEvents(type, pos.state, step)) this.emit(id, e);
        if (step.kind === 'succeed') {
          await this.finishThread(id, { ok: true, output: step.output });
          return;
        }
        this.set(id, { ...base, prev: this.prevOf(id), k: 'enter', name: step.next, input: step.output, variables: step.variables });
        this.work.push(id);
        return;
      }
      case 'fail':
        await this.finishThread(id, { ok: false, error: step.error, cause: step.cause });
        return;
      case 'wait':
        this.set(id, { ...base, prev: this.prevOf(id), k: 'wait', pos, untilMs: step.untilMs, after: step.after });
        this.work.push(id);
        return;
      case 'retry':
        this.set(id, {
          ...base,
          prev: this.prevOf(id),
          k: 'retry',
          pos: { ...pos, retryCounts: step.retryCounts },
          // Whole milliseconds: a jittered delay is a fraction, which PostgreSQL's BIGINT wake-up
          // time refuses (the commit failed on every takeover, the execution stayed RUNNING).
          untilMs: now + Math.ceil(step.delaySeconds * 1000),
        });
        this.work.push(id);
        return;
      case 'task': {
        for (const e of stepEvents(type, pos.state, step)) this.emit(id, e);
        const token = tokenOf(step.context);
        // An activity's task is scheduled (its token stored, ActivityScheduled written) once the
        // launch found its activity (taskDone); its heartbeat clock starts when a worker takes it.
        const activity = isActivityResource(step.resource);
        const frame: Frame = {
          ...base,
          prev: this.prevOf(id),
          k: 'task',
          pos,
          step,
          attempt: randomUUID(),
          deadlineMs: step.timeoutSeconds === undefined ? null : now + step.timeoutSeconds * 1000,
          // Heartbeats come by token (SendTaskHeartbeat): AWS keeps the clock for callback and
          // job-run (.sync) tasks only; a request-response task that outlasts HeartbeatSeconds
          // succeeds (the corpus's test_base_task_HEARTBEAT_SECONDS).
          heartbeatMs:
            step.heartbeatSeconds === undefined || activity || (token === null && !SYNC.test(step.resource))
              ? null
              : now + step.heartbeatSeconds * 1000,
          token,
          invoked: false,
        };
        this.set(id, frame);
        if (token && !activity) this.addTokens.push({ token, frameId: id });
        this.relaunch(id, frame);
        return;
      }
      case 'parallel': {
        for (const e of stepEvents(type, pos.state, step)) this.emit(id, e);
        const prev = this.prevOf(id);
        this.set(id, { ...base, prev, k: 'parallel', pos, total: step.branches.length });
        this.progress.set(id, { started: step.branches.length, running: step.branches.length, failed: 0, aborted: 0 });
        if (step.branches.length === 0) {
          this.emit(id, { type: 'ParallelStateSucceeded' });
          await this.apply(id, pos, await completeState(def, pos, this.env, []));
          return;
        }
        step.branches.forEach((b, i) => {
          const child = this.nextFrame++;
          this.set(child, {
            parent: id,
            index: i,
            def: [...f.def, [pos.state, i]],
            prev,
            k: 'enter',
            name: b.definition.StartAt,
            input: b.input,
            variables: pos.variables,
          });
          this.work.push(child);
        });
        return;
      }
      case 'read-items': {
        const attempt = randomUUID();
        this.set(id, { ...base, prev: this.prevOf(id), k: 'read', pos, request: step.request, attempt });
        this.reads.push({ frameId: id, attempt, request: step.request });
        return;
      }
      case 'map': {
        for (const e of stepEvents(type, pos.state, step)) this.emit(id, e);
        const prev = this.prevOf(id);
        const frame: Frame = {
          ...base,
          prev,
          k: 'map',
          pos,
          total: step.inputs.length,
          maxConcurrency: step.maxConcurrency,
          tolerance: step.tolerance,
          writer: step.writer,
          ...(step.mapRun ? { mapRun: step.mapRun, runStartMs: now } : {}),
        };
        this.set(id, frame);
        this.progress.set(id, { started: 0, running: 0, failed: 0, aborted: 0 });
        if (step.mapRun) this.runsTouched.add(id);
        step.inputs.forEach((input, i) => {
          this.set(this.nextFrame++, {
            parent: id,
            index: i,
            def: [...f.def, [pos.state, -1]],
            prev,
            k: 'pending',
            input,
            variables: pos.variables,
          });
        });
        await this.startIterations(id, frame);
        return;
      }
      default: {
        const never: never = step;
        throw new Error(`unknown step ${JSON.stringify(never)}`);
      }
    }
  }

  /** Starts a Map's pending iterations up to its concurrency; ends the Map when all have ended. */
  private async startIterations(id: number, map: Extract<Frame, { k: 'map' }>): Promise<void> {
    const p = this.progress.get(id)!;
    const stopping = exceedsTolerance(map.tolerance, p.failed, map.total);
    const width = map.maxConcurrency === 0 ? map.total : map.maxConcurrency;
    const kids = this.kids.get(id) ?? [];
    if (map.mapRun) this.runsTouched.add(id);
    // A Distributed Map's batch keeps its item count on its start (its child execution's itemCount).
    const batched = map.mapRun ? this.defOf(map.def).States[map.pos.state]?.ItemBatcher !== undefined : false;
    while (!stopping && p.started < map.total && p.running < width) {
      const cid = kids[p.started];
      const c = this.frames.get(cid);
      p.started++;
      if (c?.k !== 'pending') continue;
      const details: JsonObject = batched ? { index: c.index, itemCount: batchItemCount(c.input) } : { index: c.index };
      this.emitOn(id, { type: 'MapIterationStarted', details }, cid);
      p.running++;
      const rec = map.writer ? { rec: { input: c.input, startMs: this.now() } } : {};
      const { at, nest, ...base } = c;
      if (nest) {
        this.unnest(cid, { ...nest.frame, ...baseOf(base), prev: this.prevOf(cid), ...rec } as Thread, nest.under);
        continue;
      }
      const from = at ?? { name: this.defOf(c.def).StartAt, input: c.input, variables: c.variables };
      this.set(cid, {
        ...baseOf(base),
        prev: this.prevOf(cid),
        k: 'enter',
        name: from.name,
        input: from.input,
        variables: from.variables,
        ...rec,
      });
      this.work.push(cid);
    }
    if (p.running > 0 || (!stopping && p.started < map.total)) return;
    // Every iteration that ran has ended (or the tolerance was exceeded and the running ones are done).
    const records: IterationRecord[] = [];
    for (const [, c] of this.children(id)) {
      if (c.k === 'pending') records.push({ index: c.index, input: c.input });
      else if (c.k === 'ended')
        records.push({ index: c.index, input: c.rec?.input ?? null, startMs: c.rec?.startMs, stopMs: c.rec?.stopMs, outcome: c.outcome });
    }
    // In index order (mapEnd's): a redrive's reruns start after the iterations kept, so come last among the children.
    records.sort((a, b) => a.index - b.index);
    const end = mapEnd(map.tolerance, map.writer ?? null, this.meta.info, records);
    const run: EndingRun | undefined = map.mapRun
      ? {
          ref: map.mapRun,
          startMs: map.runStartMs ?? this.now(),
          config: { maxConcurrency: map.maxConcurrency, tolerance: map.tolerance },
          counts: mapRunCounts({ total: map.total, ...p }, true),
        }
      : undefined;
    this.dropChildren(id);
    if (end.kind === 'write') {
      const attempt = randomUUID();
      this.set(id, {
        ...baseOf(map),
        prev: this.prevOf(id),
        k: 'write',
        pos: map.pos,
        request: end.request,
        after: end.after,
        attempt,
        ...(run ? { run } : {}),
      });
      this.writes.push({ frameId: id, attempt, request: end.request });
      // Every iteration has ended; the run goes on (RUNNING) until its results are written.
      if (run) this.runWrites.set(run.ref.id, runWrite({ ...run, counts: { ...run.counts, resultsWritten: 0 } }, 'RUNNING', null));
      return;
    }
    await this.endMap(id, map.def, map.pos, mapOutcome(end), run);
  }

  /** A redriven iteration that failed in a Map or Parallel of its own starts: it is that Map or
   *  Parallel again, with the frames it took along under fresh ids (redriveFrames). */
  private unnest(id: number, frame: Thread, under: [number, Frame][]): void {
    const ids = new Map<number, number>([...under].sort(([a], [b]) => a - b).map(([old]) => [old, this.nextFrame++]));
    const rank = (f: Frame) => (f.k === 'pending' ? 1e12 : 0) + (f.k === 'meta' ? 0 : f.index);
    this.set(id, frame);
    // Siblings in rank order: a Map's iterations start in index order, the pending ones last.
    for (const [old, f] of [...under].sort(([, a], [, b]) => rank(a) - rank(b))) {
      const t = f as Thread;
      this.set(ids.get(old)!, { ...t, parent: ids.get(t.parent!) ?? id, prev: frame.prev });
    }
    for (const fid of [id, ...ids.values()]) {
      const f = this.frames.get(fid)!;
      if (f.k === 'map' || f.k === 'parallel') this.progress.set(fid, this.progressOf(fid));
      this.work.push(fid);
    }
  }

  /** What a Map or Parallel has seen of its children, read back from them. */
  private progressOf(id: number): Progress {
    const p: Progress = { started: 0, running: 0, failed: 0, aborted: 0 };
    for (const [, c] of this.children(id)) {
      if (c.k === 'pending') continue;
      p.started++;
      if (c.k === 'ended') {
        if (!c.outcome.ok) p.failed++;
        if (!c.outcome.ok && c.outcome.aborted) p.aborted++;
      } else p.running++;
    }
    return p;
  }

  /** A Map ends: its Map Run's end (a Distributed Map), MapStateSucceeded or MapStateFailed, then
   *  its state goes on as its outcome says. */
  private async endMap(id: number, path: DefPath, pos: Position, outcome: IterationOutcome, run: EndingRun | undefined): Promise<void> {
    const def = this.defOf(path);
    for (const e of mapEndEvents(run?.ref, outcome)) this.emit(id, e);
    if (run) this.runWrites.set(run.ref.id, runWrite(run, outcome.ok ? 'SUCCEEDED' : 'FAILED', this.now()));
    if (!outcome.ok) {
      await this.apply(id, pos, await failState(def, pos, this.env, outcome.error, outcome.cause));
      return;
    }
    await this.apply(id, pos, await completeState(def, pos, this.env, outcome.output));
  }

  /** UpdateMapRun: the running Map's MaxConcurrency and tolerated failures change, and it goes on
   *  under them at once. False: no Map of this execution runs that Map Run now. */
  async updateMapRun(mapRunId: string, update: MapRunUpdate): Promise<boolean> {
    if (this.end) return false;
    for (const [id, f] of this.frames) {
      if (f.k !== 'map' || f.mapRun?.id !== mapRunId) continue;
      const next = {
        ...f,
        maxConcurrency: update.maxConcurrency ?? f.maxConcurrency,
        tolerance: updatedTolerance(f.tolerance, update),
      };
      this.set(id, next);
      this.runsTouched.add(id);
      this.work.push(id);
      await this.advance();
      return true;
    }
    return false;
  }

  /**
   * StopExecution of a Distributed Map's child execution: its iteration (index `index` of the
   * Map Run) ends ABORTED now — what runs in it is dropped with its task tokens, a result still
   * to come is not awaited — and the Map counts it a failure its tolerance judges, as AWS's Map
   * Run does. False: no Map of this execution runs that Map Run, or that iteration is not running.
   */
  async stopChild(mapRunId: string, index: number, error: string | null, cause: string | null): Promise<boolean> {
    if (this.end) return false;
    for (const [id, f] of this.frames) {
      if (f.k !== 'map' || f.mapRun?.id !== mapRunId) continue;
      const child = this.children(id).find(([, c]) => c.index === index);
      if (!child || child[1].k === 'pending' || child[1].k === 'ended') return false;
      const [cid, thread] = child;
      this.dropChildren(cid);
      if (thread.k === 'task' && thread.token) this.removeTokens.push(thread.token);
      // The outcome's error and cause are StopExecution's (none: null, as its ExecutionAborted has them).
      await this.finishThread(cid, { ok: false, error: error as string, cause: cause ?? undefined, aborted: true });
      await this.advance();
      return true;
    }
    return false;
  }

  /** Whether a Distributed Map of it runs (UpdateMapRun may post to its inbox). */
  runsMapRun(): boolean {
    return this.runFrames.size > 0;
  }

  /** A thread reached its end: the execution's, or a branch's or iteration's (its parent goes on). */
  private async finishThread(id: number, outcome: IterationOutcome): Promise<void> {
    const f = this.frames.get(id) as Thread;
    if (f.parent === null) {
      this.finishExecution(outcome, false);
      return;
    }
    const parent = this.frames.get(f.parent);
    const p = this.progress.get(f.parent);
    if (!parent || !p) return;
    const rec = f.rec ? { rec: { ...f.rec, stopMs: this.now() } } : {};
    const redo = outcome.ok ? undefined : resumeOf(f);
    // A thread that failed in an inline Map or Parallel keeps its children (and theirs): a
    // redrive reruns only those that did not succeed.
    const held = outcome.ok ? [] : this.heldUnder(id, f);
    this.set(id, {
      parent: f.parent,
      index: f.index,
      def: f.def,
      prev: this.prevOf(id),
      k: 'ended',
      outcome,
      ...rec,
      ...(redo ? { redo } : {}),
      ...(held.length > 0 ? { nest: f, under: held.flatMap(([, list]) => list) } : {}),
    });
    for (const [hid, list] of held) this.dropped.set(hid, list);
    p.running--;
    if (!outcome.ok) p.failed++;
    if (!outcome.ok && outcome.aborted) p.aborted++;
    if (parent.k === 'map') {
      if (parent.mapRun) this.runsTouched.add(f.parent);
      // A Distributed Map's failed iteration keeps its error and cause on its event (no write of
      // its own): its child execution's DescribeExecution reads them there (core/map-run-children.ts).
      const failure: JsonObject = !outcome.ok && parent.mapRun ? { error: outcome.error ?? null, cause: outcome.cause ?? null } : {};
      this.emitOn(
        f.parent,
        {
          type: outcome.ok ? 'MapIterationSucceeded' : outcome.aborted ? 'MapIterationAborted' : 'MapIterationFailed',
          details: { index: f.index, ...failure },
        },
        id,
      );
      await this.startIterations(f.parent, parent);
      return;
    }
    if (parent.k !== 'parallel') return;
    const def = this.defOf(parent.def);
    if (!outcome.ok) {
      // One branch's failure fails the Parallel at once; the other branches are stopped.
      this.emit(f.parent, { type: 'ParallelStateFailed', details: { error: outcome.error, cause: outcome.cause ?? null } });
      this.dropChildren(f.parent);
      await this.apply(f.parent, parent.pos, await failState(def, parent.pos, this.env, outcome.error, outcome.cause));
      return;
    }
    if (p.running > 0) return;
    const outputs: Json[] = [];
    for (const [, c] of this.children(f.parent)) if (c.k === 'ended' && c.outcome.ok) outputs[c.index] = c.outcome.output;
    this.emit(f.parent, { type: 'ParallelStateSucceeded' });
    this.dropChildren(f.parent);
    await this.apply(f.parent, parent.pos, await completeState(def, parent.pos, this.env, outputs));
  }

  private finishExecution(outcome: IterationOutcome, timedOut: boolean): void {
    const now = this.now();
    this.abortRuns(now);
    if (outcome.ok) {
      this.emit(ROOT, { type: 'ExecutionSucceeded', details: { output: outcome.output } });
      this.end = { status: 'SUCCEEDED', output: JSON.stringify(outcome.output), error: null, cause: null, stoppedAt: now };
      return;
    }
    const out = timedOut || (outcome.error === StatesErrors.Timeout && this.meta.deadlineMs !== null && now >= this.meta.deadlineMs);
    const status: ExecutionStatus = out ? 'TIMED_OUT' : 'FAILED';
    this.emit(ROOT, {
      type: out ? 'ExecutionTimedOut' : 'ExecutionFailed',
      details: { error: outcome.error, cause: outcome.cause ?? null },
    });
    this.end = {
      status: status as ExecutionEnd['status'],
      output: null,
      // A Fail state may name no error (core's types say a string; it is undefined then).
      error: outcome.error ?? null,
      cause: outcome.cause ?? null,
      stoppedAt: now,
      frames: this.keptFrames(),
    };
  }

  /** The frames as they stand at a failure, with the children the failing Maps and Parallels
   *  dropped (and theirs in turn; a failed iteration's or branch's are in its `under`): what a
   *  redrive restarts from (LiveExecution.redriveFrames). */
  private keptFrames(): ExecutionFrame[] {
    const kept = new Map<number, Frame>(this.frames);
    const look = [...kept.keys()];
    while (look.length > 0) {
      const id = look.pop()!;
      const f = kept.get(id)!;
      if ((f.k !== 'map' && f.k !== 'parallel') || (this.kids.get(id)?.length ?? 0) > 0) continue;
      const dropped = this.dropped.get(id) ?? [];
      // Every child succeeded: the Map or Parallel failed after them (its ResultSelector, say).
      // A redrive has none to rerun, so it enters the state again whole (no children kept:
      // restartOf's reenter), as heldUnder decides for a nested one; kept, they would leave it
      // waiting for children that never run again.
      if (dropped.every(([, c]) => c.k === 'ended' && c.outcome.ok)) continue;
      for (const [cid, c] of dropped) {
        if (kept.has(cid)) continue;
        kept.set(cid, c);
        look.push(cid);
      }
    }
    return [...kept].map(([frameId, f]) => ({ frameId, doc: frameDoc(f, this.meta.info.input) }));
  }

  /**
   * The frames a redriven execution goes on from (core/execution-redrive.ts restartOf): the
   * states that did not succeed are entered again, a Map's failed iterations are pending again
   * (each resumes at the state that failed in it), a Parallel's failed branches run again from
   * theirs; what succeeded stays. Every thread restarted follows `eventId` (ExecutionRedriven).
   * The Map Runs that go on (a Distributed Map kept with its iterations, or writing its results).
   */
  static redriveFrames(
    stored: ExecutionFrame[],
    o: { now: number; redriveCount: number; eventId: number },
  ): { frames: ExecutionFrame[]; mapRuns: MapRunRef[] } {
    const frames = withHeld(new Map<number, Frame>(stored.map((f) => [f.frameId, JSON.parse(f.doc) as Frame])));
    const meta = frames.get(META);
    if (meta?.k !== 'meta') throw new Error('a kept execution has no meta frame');
    const hasKids = new Set<number>();
    for (const f of frames.values()) if (f.k !== 'meta' && f.parent !== null) hasKids.add(f.parent);
    const startMs = Date.parse(meta.info.startTime);
    const out = new Map<number, Frame>([
      [
        META,
        {
          ...meta,
          info: { ...meta.info, redriveCount: o.redriveCount },
          // The execution's TimeoutSeconds runs again from the redrive.
          deadlineMs: meta.deadlineMs === null ? null : o.now + (meta.deadlineMs - startMs),
        },
      ],
    ]);
    const mapRuns: MapRunRef[] = [];
    /** A Map's failed iterations that go on in their own Map or Parallel once started. */
    const nested: number[] = [];
    /** Frames whose children go (their state is entered again). */
    const cut = new Set<number>();
    // Parents before children: a frame's id is above its parent's.
    for (const id of [...frames.keys()].sort((a, b) => a - b)) {
      const f = frames.get(id)!;
      if (f.k === 'meta') continue;
      if (f.parent !== null && (cut.has(f.parent) || !out.has(f.parent))) {
        cut.add(id);
        continue;
      }
      const stored = f.parent === null ? undefined : frames.get(f.parent);
      // A thread that failed in a Map or Parallel is that Map or Parallel again.
      const parent = stored?.k === 'ended' && stored.nest ? stored.nest : stored;
      const restart = restartOf({
        k: f.k,
        ok: f.k === 'ended' ? f.outcome.ok : undefined,
        hasChildren: f.k === 'ended' ? f.nest !== undefined && hasKids.has(id) : hasKids.has(id),
        mapSucceeded: f.k === 'write' ? f.after.ok : undefined,
      });
      const base = { ...baseOf(f), prev: o.eventId };
      let next: Frame;
      switch (restart) {
        case 'keep':
          next = { ...f, prev: o.eventId };
          if (f.k === 'map' && f.mapRun) mapRuns.push(f.mapRun);
          break;
        case 'reenter': {
          const at = resumeOf(f)!;
          next = { ...base, k: 'enter', name: at.name, input: at.input, variables: at.variables };
          cut.add(id);
          break;
        }
        case 'rewrite':
          next = { ...(f as Extract<Frame, { k: 'write' }>), prev: o.eventId, attempt: randomUUID() };
          if (f.k === 'write' && f.run) mapRuns.push(f.run.ref);
          break;
        case 'resume': {
          // It goes on in the Map or Parallel it failed in: its children are looked at in turn.
          const ended = f as Extract<Frame, { k: 'ended' }>;
          const nest = { ...(ended.nest as Thread), ...baseOf(ended), prev: o.eventId };
          if (parent?.k === 'map') {
            const at = ended.redo!;
            const { rec: _, ...plain } = base;
            next = {
              ...plain,
              k: 'pending',
              input: ended.rec?.input ?? at.input,
              variables: at.variables,
              at,
              nest: { frame: nest, under: [] },
            };
            nested.push(id);
          } else next = nest;
          break;
        }
        case 'rerun': {
          const ended = f as Extract<Frame, { k: 'ended' }>;
          const at = ended.redo ?? { name: '', input: ended.rec?.input ?? null, variables: {} };
          const { rec: _, ...plain } = base;
          next =
            parent?.k === 'map'
              ? { ...plain, k: 'pending', input: ended.rec?.input ?? at.input, variables: at.variables, ...(ended.redo ? { at } : {}) }
              : { ...base, k: 'enter', name: at.name, input: at.input, variables: at.variables };
          break;
        }
        default: {
          const never: never = restart;
          throw new Error(`unknown restart ${String(never)}`);
        }
      }
      out.set(id, next);
    }
    // Those iterations take their frames along (they run when the iteration starts), the deepest
    // first: an iteration nested in one goes along with its own.
    const under = new Map<number, number[]>();
    for (const [id, f] of out) if (f.k !== 'meta' && f.parent !== null) under.set(f.parent, [...(under.get(f.parent) ?? []), id]);
    for (const id of nested.sort((a, b) => b - a)) {
      const pending = out.get(id) as Extract<Frame, { k: 'pending' }>;
      const look = [...(under.get(id) ?? [])];
      while (look.length > 0) {
        const cid = look.pop()!;
        const c = out.get(cid);
        if (!c) continue;
        pending.nest!.under.push([cid, c]);
        out.delete(cid);
        look.push(...(under.get(cid) ?? []));
      }
    }
    return { frames: [...out].map(([frameId, f]) => ({ frameId, doc: JSON.stringify(f) })), mapRuns };
  }

  /** The execution ends with Map Runs still running (another branch failed, the execution timed
   *  out): each ends ABORTED, its running iterations counted aborted, with a MapRunAborted event. */
  private abortRuns(now: number): void {
    for (const id of this.frames.keys()) this.abortRun(id, now);
  }

  /** The Map Run of this frame (a running Distributed Map, or one writing its results) ends
   *  ABORTED: its execution ended, or its Parallel branch was stopped. */
  private abortRun(id: number, now: number): void {
    const f = this.frames.get(id);
    let run: EndingRun | undefined;
    if (f?.k === 'map' && f.mapRun) {
      const p = this.progress.get(id) ?? { started: 0, running: 0, failed: 0, aborted: 0 };
      const config = { maxConcurrency: f.maxConcurrency, tolerance: f.tolerance };
      run = { ref: f.mapRun, startMs: f.runStartMs ?? now, config, counts: mapRunCounts({ total: f.total, ...p }, false) };
    } else if (f?.k === 'write' && f.run) run = { ...f.run, counts: { ...f.run.counts, resultsWritten: 0 } };
    if (!run) return;
    // A Map that ended the execution (its last state) is still its frame: its run has ended.
    const ending = this.runWrites.get(run.ref.id);
    if (ending && ending.status !== 'RUNNING') return;
    this.emit(id, { type: 'MapRunAborted' });
    this.runWrites.set(run.ref.id, runWrite({ ...run, counts: abortedCounts(run.counts) }, 'ABORTED', now));
  }

  /** A launched task's result arrived. False: it was not awaited any more (an older attempt, a stopped branch). */
  async taskDone(frameId: number, attempt: string, outcome: TaskOutcome): Promise<boolean> {
    const f = this.frames.get(frameId);
    if (this.end || !f || f.k !== 'task' || f.attempt !== attempt) return false;
    if (isActivityResource(f.step.resource)) {
      // Its task is scheduled already: a second launch's answer schedules nothing more.
      if (f.invoked) return false;
      await this.activityFound(frameId, f, outcome);
      await this.advance();
      return true;
    }
    if (outcome.ok) {
      if (f.token) {
        // The invocation of a callback task returned: now its token is awaited.
        this.set(frameId, { ...f, invoked: true });
        return true;
      }
      await this.taskSucceeded(frameId, f, outcome.result);
    } else await this.taskFailed(frameId, f, outcome.error, outcome.cause, 'TaskFailed');
    await this.advance();
    return true;
  }

  /**
   * An activity's launch looked for its activity. Found: its task is scheduled, with this commit
   * (ActivityScheduled, and the token a worker takes: ports/activities.ts). Not found: AWS fails
   * the execution at once with States.Runtime, no Catch applies, and no ActivityScheduled is
   * written (core/asl/activity.ts).
   */
  private async activityFound(id: number, f: Extract<Frame, { k: 'task' }>, outcome: TaskOutcome): Promise<void> {
    const { resource, parameters, timeoutSeconds, heartbeatSeconds } = f.step;
    if (!outcome.ok) {
      if (outcome.error === StatesErrors.Runtime)
        this.finishExecution({ ok: false, error: outcome.error, cause: inStateCause(f.pos, outcome.cause) }, false);
      else await this.taskFailed(id, f, outcome.error, outcome.cause, 'TaskFailed');
      return;
    }
    const name = activityOf(resource)?.name;
    if (!f.token || name === undefined) throw new Error(`activity task frame ${id} has no token or activity`);
    this.emit(id, activityScheduledEvent(resource, parameters, timeoutSeconds, heartbeatSeconds));
    this.addTokens.push({ token: f.token, frameId: id, activity: { name, input: JSON.stringify(parameters), scheduledAt: this.now() } });
    this.set(id, { ...f, invoked: true });
  }

  /** A worker took an activity's task (GetActivityTask): ActivityStarted, and its heartbeat
   *  clock starts. False: no task waits on that token here. */
  async activityStarted(frameId: number, token: string, workerName: string | null): Promise<boolean> {
    const f = this.frames.get(frameId);
    if (this.end || !f || f.k !== 'task' || f.token !== token) return false;
    this.emit(frameId, activityStartedEvent(workerName));
    const beat = f.step.heartbeatSeconds;
    this.set(frameId, { ...f, heartbeatMs: beat === undefined ? null : this.now() + beat * 1000 });
    return true;
  }

  /** A `states:startExecution.sync` task started its child execution: its id is kept with the
   *  task (stored by the next commit). False: that launch is not awaited any more. */
  childStarted(frameId: number, attempt: string, childId: string): boolean {
    const f = this.frames.get(frameId);
    if (this.end || !f || f.k !== 'task' || f.attempt !== attempt) return false;
    if (f.child !== childId) this.set(frameId, { ...f, child: childId });
    return true;
  }

  /** A Map's items were read (or could not be). False: not awaited any more. */
  async itemsRead(frameId: number, attempt: string, outcome: ReadOutcome): Promise<boolean> {
    const f = this.frames.get(frameId);
    if (this.end || !f || f.k !== 'read' || f.attempt !== attempt) return false;
    const def = this.defOf(f.def);
    if (outcome.ok) await this.apply(frameId, f.pos, await enterState(def, { ...f.pos, readItems: outcome.items }, this.env));
    else await this.apply(frameId, f.pos, await failState(def, f.pos, this.env, outcome.error, outcome.cause));
    await this.advance();
    return true;
  }

  /** A Map's results were written (or could not be). False: not awaited any more. */
  async resultsWritten(frameId: number, attempt: string, outcome: WriteOutcome): Promise<boolean> {
    const f = this.frames.get(frameId);
    if (this.end || !f || f.k !== 'write' || f.attempt !== attempt) return false;
    await this.endMap(frameId, f.def, f.pos, outcome.ok ? f.after : outcome, f.run);
    await this.advance();
    return true;
  }

  /** SendTaskSuccess / Failure / Heartbeat. False: no task waits on that token here. */
  async answer(frameId: number, token: string, answer: TaskAnswer): Promise<boolean> {
    const f = this.frames.get(frameId);
    if (this.end || !f || f.k !== 'task' || f.token !== token) return false;
    if (answer.kind === 'heartbeat') {
      if (f.step.heartbeatSeconds !== undefined) this.set(frameId, { ...f, heartbeatMs: this.now() + f.step.heartbeatSeconds * 1000 });
      return true;
    }
    this.removeTokens.push(token);
    if (answer.kind === 'success') await this.taskSucceeded(frameId, f, JSON.parse(answer.output) as Json);
    else await this.taskFailed(frameId, f, answer.error ?? '', answer.cause ?? undefined, 'TaskFailed');
    await this.advance();
    return true;
  }

  /** A message from the inbox (written by whoever is not the runner). */
  async message(body: InboxBody): Promise<void> {
    if (body.kind === 'answer') await this.answer(body.frameId, body.token, body.answer);
    else if (body.kind === 'activity-started') {
      await this.activityStarted(body.frameId, body.token, body.workerName);
      await this.advance();
    } else if (body.kind === 'map-run') await this.updateMapRun(body.mapRunId, body.update);
    else if (body.kind === 'stop-child') await this.stopChild(body.mapRunId, body.index, body.error, body.cause);
  }

  markConsumed(seq: number): void {
    this.consumed = Math.max(this.consumed ?? 0, seq);
  }

  private async taskSucceeded(id: number, f: Extract<Frame, { k: 'task' }>, result: Json): Promise<void> {
    const name = /^arn:aws:states:::([^:.]+)/.exec(f.step.resource)?.[1] ?? f.pos.state;
    const big = oversize(name, result);
    if (big) {
      await this.taskFailed(id, f, big.error, big.cause, 'TaskFailed');
      return;
    }
    this.emit(id, { type: taskEndEventType(f.step.resource, 'Succeeded'), details: { resource: f.step.resource, output: result } });
    if (f.token) this.removeTokens.push(f.token);
    await this.apply(id, f.pos, await completeState(this.defOf(f.def), f.pos, this.env, result));
  }

  private async taskFailed(
    id: number,
    f: Extract<Frame, { k: 'task' }>,
    error: string,
    cause: string | undefined,
    type: 'TaskFailed' | 'TaskTimedOut',
  ): Promise<void> {
    const end = taskEndEventType(f.step.resource, type === 'TaskTimedOut' ? 'TimedOut' : 'Failed');
    this.emit(id, { type: end, details: { resource: f.step.resource, error, cause: cause ?? null } });
    if (f.token) this.removeTokens.push(f.token);
    await this.apply(id, f.pos, await failState(this.defOf(f.def), f.pos, this.env, error, cause));
  }

  private relaunch(id: number, f: Extract<Frame, { k: 'task' }>): void {
    const { resource, parameters, context, timeoutSeconds, heartbeatSeconds } = f.step;
    this.launches.push({
      frameId: id,
      attempt: f.attempt,
      resource,
      parameters,
      context,
      timeoutSeconds,
      heartbeatSeconds,
      waitForToken: f.token !== null,
      ...(f.child === undefined ? {} : { child: f.child }),
    });
  }

  /** The next time a timer of this execution is due; null: none (only a message or a task result moves it). */
  wakeAt(): number | null {
    let at = this.meta.deadlineMs ?? Number.POSITIVE_INFINITY;
    for (const id of this.active) {
      const f = this.frames.get(id)!;
      if (f.k === 'retry' || f.k === 'wait') at = Math.min(at, f.untilMs);
      else if (f.k === 'task') {
        if (f.deadlineMs !== null) at = Math.min(at, f.deadlineMs);
        if (f.heartbeatMs !== null) at = Math.min(at, f.heartbeatMs);
      }
    }
    return Number.isFinite(at) ? at : null;
  }

  /** Whether a task of it waits for a callback (a task token). */
  waitsForCallback(): boolean {
    for (const id of this.active) {
      const f = this.frames.get(id)!;
      if (f.k === 'task' && f.token) return true;
    }
    return false;
  }

  /** Whether a task of it runs (a launch not yet answered). */
  hasTaskInFlight(): boolean {
    for (const id of this.active) {
      const f = this.frames.get(id)!;
      if ((f.k === 'task' && !(f.token && f.invoked)) || f.k === 'read' || f.k === 'write') return true;
    }
    return false;
  }

  /** Timers due now are looked at again by the next advance. */
  due(): void {
    for (const id of this.active) this.work.push(id);
  }

  /** Whether anything waits to be committed. */
  get dirty(): boolean {
    return (
      this.runWrites.size > 0 ||
      this.events.length > 0 ||
      this.put.size > 0 ||
      this.del.size > 0 ||
      this.end !== undefined ||
      this.consumed !== undefined
    );
  }

  /** What the next commit writes; the pending changes are cleared. */
  takeCommit(leaseUntil: number | null): ExecutionCommit {
    const c: ExecutionCommit = {
      events: this.events,
      putFrames: [...this.put]
        .filter((id) => this.frames.has(id))
        .map((id) => ({ frameId: id, doc: frameDoc(this.frames.get(id)!, this.meta.info.input) })),
      deleteFrames: [...this.del].filter((id) => !this.frames.has(id)),
      // Held: if this runner dies, the execution is due when its lease ends (a claim skips it before).
      wakeAt: this.end ? null : leaseUntil === null ? this.wakeAt() : Math.min(this.wakeAt() ?? leaseUntil, leaseUntil),
      leaseUntil,
      redriveCount: this.execution.redriveCount,
    };
    if (this.consumed !== undefined) c.consumedThrough = this.consumed;
    if (this.addTokens.length) c.addTokens = this.addTokens.filter((t) => !this.removeTokens.includes(t.token));
    if (this.removeTokens.length) c.removeTokens = this.removeTokens.filter((t) => !this.addTokens.some((a) => a.token === t));
    if (this.end) c.end = this.end;
    const runs = this.takeRunWrites();
    if (runs.length > 0) c.mapRuns = runs;
    this.events = [];
    this.put.clear();
    this.del.clear();
    this.addTokens = [];
    this.removeTokens = [];
    this.consumed = undefined;
    return c;
  }

  /** The Map Run rows of this commit: those that ended, and the running ones whose counts changed. */
  private takeRunWrites(): MapRunWrite[] {
    for (const id of this.runsTouched) {
      const f = this.frames.get(id);
      const p = this.progress.get(id);
      if (f?.k !== 'map' || !f.mapRun || !p || this.runWrites.has(f.mapRun.id)) continue;
      const run: EndingRun = {
        ref: f.mapRun,
        startMs: f.runStartMs ?? this.now(),
        config: { maxConcurrency: f.maxConcurrency, tolerance: f.tolerance },
        counts: mapRunCounts({ total: f.total, ...p }, false),
      };
      this.runWrites.set(f.mapRun.id, runWrite(run, 'RUNNING', null));
    }
    this.runsTouched.clear();
    const out = [...this.runWrites.values()];
    this.runWrites = new Map();
    return out;
  }

  /** Reads to carry out now that their commit is stored. */
  takeReads(): Read[] {
    const r = this.awaited(this.reads, 'read');
    this.reads = [];
    return r;
  }

  /** Writes to carry out now that their commit is stored. */
  takeWrites(): Write[] {
    const w = this.awaited(this.writes, 'write');
    this.writes = [];
    return w;
  }

  /** The effects still awaited: their frame is still of that kind, at that attempt. */
  private awaited<T extends { frameId: number; attempt: string }>(list: T[], k: 'task' | 'read' | 'write'): T[] {
    return list.filter((x) => {
      const f = this.frames.get(x.frameId);
      return f?.k === k && f.attempt === x.attempt;
    });
  }

  /** takeCommit for the start's write (workflow-runner.ts), or null when the pending changes
   *  cannot go with it — the end, task tokens, the inbox — and wait for a commit of their own. */
  takeFirst(leaseUntil: number): ExecutionCommit | null {
    if (
      this.end ||
      this.addTokens.length > 0 ||
      this.removeTokens.length > 0 ||
      this.consumed !== undefined ||
      this.runsTouched.size > 0 ||
      this.runWrites.size > 0
    )
      return null;
    return this.takeCommit(leaseUntil);
  }

  /** Tasks to launch now that their commit is stored. */
  takeLaunches(): Launch[] {
    const l = this.awaited(this.launches, 'task');
    this.launches = [];
    return l;
  }

  // ---- frames, events ----------------------------------------------------------------------

  private set(id: number, f: Frame): void {
    this.forget(id);
    if (f.k !== 'meta' && f.parent !== null && !this.frames.has(id)) {
      const list = this.kids.get(f.parent);
      if (list) list.push(id);
      else this.kids.set(f.parent, [id]);
    }
    if (isActive(f)) this.active.add(id);
    else this.active.delete(id);
    if (f.k === 'map' && f.mapRun) this.runFrames.add(id);
    else this.runFrames.delete(id);
    this.frames.set(id, f);
    this.put.add(id);
    this.del.delete(id);
  }

  private remove(id: number): void {
    const f = this.frames.get(id);
    if (f?.k === 'task' && f.token) this.removeTokens.push(f.token);
    this.frames.delete(id);
    this.forget(id);
    this.runFrames.delete(id);
    this.progress.delete(id);
    this.kids.delete(id);
    this.active.delete(id);
    this.put.delete(id);
    this.del.add(id);
  }

  private children(id: number): [number, Thread][] {
    const out: [number, Thread][] = [];
    for (const cid of this.kids.get(id) ?? []) {
      const f = this.frames.get(cid);
      if (f && f.k !== 'meta') out.push([cid, f]);
    }
    return out;
  }

  /** Removes every frame under `id` (a Map's or Parallel's branches, to any depth). */
  private dropChildren(id: number): void {
    const children = this.children(id);
    if (children.length > 0) this.dropped.set(id, children);
    for (const cid of this.kids.get(id) ?? []) {
      this.dropChildren(cid);
      // A stopped Parallel branch's Distributed Map: its run is aborted with it.
      this.abortRun(cid, this.now());
      // An inline Map or Parallel still running in a stopped branch (or a failed iteration's or
      // branch's, `nest`) keeps its children for a redrive, as its parent keeps it; any other
      // frame's state is entered again whole.
      const held = this.heldUnder(cid, this.frames.get(cid) as Thread);
      this.remove(cid);
      for (const [hid, list] of held) this.dropped.set(hid, list);
    }
    this.kids.delete(id);
  }

  /** The children `id` dropped, and theirs (to any depth): kept for a redrive when `f` (its
   *  frame) is an inline Map or Parallel, or a thread that failed in one, whose frames under it
   *  hold no Map Run and no results to write (those run again whole), and not all of which
   *  succeeded (a redrive would have nothing to rerun). */
  private heldUnder(id: number, f: Thread | undefined): [number, [number, Frame][]][] {
    const fork = f?.k === 'parallel' || (f?.k === 'map' && !f.mapRun) || (f?.k === 'ended' && f.nest !== undefined);
    if (!fork) return [];
    const out: [number, [number, Frame][]][] = [];
    let unfinished = false;
    const look = [id];
    while (look.length > 0) {
      const at = look.pop()!;
      const list = this.dropped.get(at);
      if (!list) continue;
      out.push([at, list]);
      for (const [cid, c] of list) {
        if (c.k === 'write' || (c.k === 'map' && c.mapRun)) return [];
        if (at === id && !(c.k === 'ended' && c.outcome.ok)) unfinished = true;
        look.push(cid);
      }
    }
    return unfinished ? out : [];
  }

  /** Forgets what `id` dropped, and what the frames it dropped did in turn. */
  private forget(id: number): void {
    const list = this.dropped.get(id);
    if (!list) return;
    this.dropped.delete(id);
    for (const [cid] of list) if (!this.frames.has(cid)) this.forget(cid);
  }

  private prevOf(id: number): number {
    const f = this.frames.get(id);
    return f && f.k !== 'meta' ? f.prev : 0;
  }

  private emit(id: number, draft: EventDraft): number {
    return this.emitOn(id, draft, id);
  }

  /** An event of `id`'s thread; `also`'s thread continues from it too (a Map iteration's start). */
  private emitOn(id: number, draft: EventDraft, also: number): number {
    // The execution's end is written past the cap: reaching it fails the execution, which must end.
    if (this.nextEvent > MAX_EVENTS && draft.type !== 'ExecutionFailed' && draft.type !== 'ExecutionTimedOut')
      throw new StatesFailure(StatesErrors.Runtime, `The execution reached the limit of ${MAX_EVENTS} history events`);
    const eventId = this.nextEvent++;
    this.events.push({
      id: eventId,
      previousEventId: this.prevOf(id),
      type: draft.type as HistoryEventType,
      timestamp: this.now(),
      details: draft.details === undefined ? null : JSON.stringify(draft.details),
    });
    for (const t of new Set([id, also])) {
      const f = this.frames.get(t);
      if (f && f.k !== 'meta') f.prev = eventId;
    }
    return eventId;
  }

  private defOf(path: DefPath): StateMachineDefinition {
    if (path.length === 0) return this.root;
    const key = JSON.stringify(path);
    const known = this.defs.get(key);
    if (known) return known;
    let d: StateMachineDefinition = this.root;
    for (const [name, branch] of path) {
      const state: AslState | undefined = d.States[name];
      const next: StateMachineDefinition | undefined = branch >= 0 ? state?.Branches?.[branch] : (state?.ItemProcessor ?? state?.Iterator);
      if (!next) throw new StatesFailure(StatesErrors.Runtime, `No definition at ${key}`);
      // A nested machine takes its parent machine's QueryLanguage (JSONata), as the core's Steps carry it.
      d = nestedMachine(d, next);
    }
    this.defs.set(key, d);
    return d;
  }
}

/** A message in an execution's inbox: a callback's answer, an activity's task taken, UpdateMapRun's
 *  change, or StopExecution of a Distributed Map's child. */
export type InboxBody =
  | { kind: 'answer'; frameId: number; token: string; answer: TaskAnswer }
  | { kind: 'activity-started'; frameId: number; token: string; workerName: string | null }
  | { kind: 'map-run'; mapRunId: string; update: MapRunUpdate }
  | { kind: 'stop-child'; mapRunId: string; index: number; error: string | null; cause: string | null };

/** A Map Run's row as a commit writes it. */
function runWrite(run: EndingRun, status: MapRunWrite['status'], stoppedAt: number | null): MapRunWrite {
  return {
    id: run.ref.id,
    arn: run.ref.arn,
    stateMachineArn: run.ref.stateMachineArn,
    status,
    startedAt: run.startMs,
    stoppedAt,
    ...mapRunConfig(run.config.maxConcurrency, run.config.tolerance),
    counts: run.counts,
  };
}

/** Where a thread stands, as a state to enter again: the state it is in, with the input and
 *  variables it entered with (none for an iteration not started or a thread that ended). */
function resumeOf(f: Thread): Resume | undefined {
  if (f.k === 'enter') return { name: f.name, input: f.input, variables: f.variables };
  if (f.k === 'pending' || f.k === 'ended') return undefined;
  return { name: f.pos.state, input: f.pos.input, variables: f.pos.variables };
}

/** The ids of the frames a failed iteration or branch keeps (`under`), to any depth. */
function heldIds(f: Frame): number[] {
  if (f.k !== 'ended' || !f.under) return [];
  return f.under.flatMap(([id, c]) => [id, ...heldIds(c)]);
}

/** The frames with those that failed iterations and branches keep (`under`) among them again,
 *  under their ids (an id is never used twice in an execution: one seen twice is the same frame). */
function withHeld(frames: Map<number, Frame>): Map<number, Frame> {
  const look = [...frames.keys()];
  while (look.length > 0) {
    const id = look.pop()!;
    const f = frames.get(id)!;
    if (f.k !== 'ended' || !f.under) continue;
    const { under, ...ended } = f;
    frames.set(id, ended);
    for (const [cid, c] of under) {
      if (frames.has(cid)) continue;
      frames.set(cid, c);
      look.push(cid);
    }
  }
  return frames;
}

/** Frames that wait on a timer or on an effect in flight (a task, a read, a write). */
const isActive = (f: Frame): boolean => f.k === 'retry' || f.k === 'wait' || f.k === 'task' || f.k === 'read' || f.k === 'write';

const baseOf = (f: Thread): Base => ({ parent: f.parent, index: f.index, def: f.def, prev: f.prev, ...(f.rec ? { rec: f.rec } : {}) });

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A frame as stored. A task's context ($$) holds the execution's input, which the meta frame
 * already has: without it, each of a Map's 10,000 task frames does not write the whole input
 * again (50 KB each there, most of the durable runner's time). withExecutionInput puts it back.
 */
function frameDoc(f: Frame, input: Json): string {
  if (f.k !== 'task') return JSON.stringify(f);
  const context = f.step.context;
  const execution = isObject(context) ? context.Execution : undefined;
  if (!isObject(context) || !isObject(execution) || execution.Input !== input) return JSON.stringify(f);
  const { Input: _, ...rest } = execution;
  return JSON.stringify({ ...f, step: { ...f.step, context: { ...context, Execution: rest } } });
}

/** A stored task frame's context gets the execution's input back (frameDoc), in its place. */
function withExecutionInput(f: Extract<Frame, { k: 'task' }>, input: Json): void {
  const context = f.step.context;
  const execution = isObject(context) ? context.Execution : undefined;
  if (isObject(context) && isObject(execution) && !('Input' in execution))
    context.Execution = { Id: execution.Id, Input: input, ...execution };
}

function tokenOf(context: Json): string | null {
  const task = (context as JsonObject | null)?.Task;
  const token = task && typeof task === 'object' && !Array.isArray(task) ? task.Token : undefined;
  return typeof token === 'string' ? token : null;
}

/** How many items an ItemBatcher's batch holds (`{ Items: [...] }`). */
function batchItemCount(input: Json): number {
  const items = input !== null && typeof input === 'object' && !Array.isArray(input) ? input.Items : undefined;
  return Array.isArray(items) ? items.length : 1;
}
