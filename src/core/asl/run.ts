/**
 * The in-memory runner: drives the transition functions of step.ts to the end of an
 * execution, keeping Step Functions' history. Waits and retry back-offs advance a virtual
 * clock instead of sleeping; Task states go to an injected resolver.
 */
import type { Environment, ExecutionInfo, Position } from './context.ts';
import type { StateMachineDefinition, StateType } from './definition.ts';
import { type EventDraft, enteredEvent, type HistoryEvent, type HistoryEventType, mapEndEvents, stepEvents } from './history.ts';
import { type Json, type JsonObject, StatesErrors, StatesFailure } from './errors.ts';
import type { ItemReadRequest } from './item-reader.ts';
import { exceedsTolerance, type IterationOutcome } from './map.ts';
import type { MapRunRef } from './map-run.ts';
import { type IterationRecord, type MapEnd, mapEnd, mapOutcome, type ResultWriteRequest, type WriteOutcome } from './result-writer.ts';
import { randomUuid } from './intrinsics.ts';
import { completeState, enterState, failState, type Step, type Variables } from './step.ts';

export interface TaskRequest {
  resource: string;
  parameters: Json;
  context: Json;
  /** TimeoutSeconds and HeartbeatSeconds of the state: the resolver fails the task with States.Timeout / States.HeartbeatTimeout past them. */
  timeoutSeconds: number | undefined;
  heartbeatSeconds: number | undefined;
}

/** Runs a Task's resource; a StatesFailure it throws is the task's error (Retry and Catch see it). */
export type TaskResolver = (request: TaskRequest) => Promise<Json>;

export interface RunOptions {
  execution?: Partial<ExecutionInfo>;
  /** EXPRESS executions have ids of the form …:express:MACHINE:NAME:UUID. */
  type?: 'STANDARD' | 'EXPRESS';
  /** Start of the virtual clock, epoch ms (default: Date.now() once). */
  startMs?: number;
  random?: () => number;
  resolveTask?: TaskResolver;
  /** Stop a runaway loop: AWS caps a Standard history at 25,000 events. */
  maxEvents?: number;
  /** Keep the history's events (default true). An EXPRESS execution keeps no history on AWS and
   *  its runner reads none: without, the events are counted (maxEvents still holds) but not made,
   *  and the result's `events` is empty. */
  history?: boolean;
  /** Reads a Distributed Map's items (its ItemReader); absent, such a Map fails with States.Runtime. */
  readItems?: (request: ItemReadRequest) => Promise<Json[]>;
  /** Writes a Distributed Map's exported results (its ResultWriter's Resource); a StatesFailure it
   *  throws fails the Map. Absent, such a Map fails with States.Runtime. */
  writeResults?: (request: ResultWriteRequest) => Promise<void>;
  /** Run on a real clock (EXPRESS executions): waits and retry back-offs sleep; `timer` calls
   *  `fn` after `ms` unless the function it returns is called first (the deadline). Absent: a
   *  virtual clock from startMs that they advance at once. */
  clock?: { now(): number; sleep(ms: number): Promise<void>; timer(ms: number, fn: () => void): () => void };
  /** Epoch ms at which the execution ends TIMED_OUT (States.Timeout) whatever its TimeoutSeconds
   *  says (EXPRESS: AWS's five minutes from the start). On a real clock either deadline ends the
   *  execution when it comes, in a Wait, a Task or a Map alike: what is still in flight then is
   *  left to end unheard, and enters no further state. */
  deadlineMs?: number;
}

export type { HistoryEvent };

export type ExecutionResult =
  | { status: 'SUCCEEDED'; output: Json; events: HistoryEvent[] }
  | { status: 'FAILED' | 'TIMED_OUT'; error: string | undefined; cause: string | undefined; events: HistoryEvent[] };

/** The engine cannot run this definition: not a failure of the execution. Nothing throws it today (JSONata runs since session 20). */
export class UnsupportedDefinitionError extends Error {}

/** AWS's limit on the size of a state's input or output (256 KiB of UTF-8 JSON). */
const MAX_PAYLOAD_BYTES = 262_144;

/** States.DataLimitExceeded when a state's output or a task's result is over AWS's 256 KiB. */
export function oversize(name: string, value: Json): StatesFailure | undefined {
  const text = JSON.stringify(value) ?? '';
  if (text.length <= MAX_PAYLOAD_BYTES / 4 || Buffer.byteLength(text) <= MAX_PAYLOAD_BYTES) return undefined;
  return new StatesFailure(
    StatesErrors.DataLimitExceeded,
    `The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  );
}

interface Runtime {
  env: Environment;
  /** The virtual clock's time, or the real clock's read at each use. */
  clock: { ms: number };
  /** Moves the clock to `untilMs` (sleeping on a real clock). */
  advance: (untilMs: number) => Promise<void>;
  events: HistoryEvent[];
  /** Keep events in `events` (else only `count` them). */
  keep: boolean;
  /** Events written so far, kept or not: the next one's id is this + 1. */
  count: number;
  maxEvents: number;
  resolveTask: TaskResolver | undefined;
  readItems: ((request: ItemReadRequest) => Promise<Json[]>) | undefined;
  writeResults: ((request: ResultWriteRequest) => Promise<void>) | undefined;
  /** Set once the execution has ended at its deadline (a real clock): branches still running
   *  enter no further state. */
  stopped: boolean;
}

type Outcome = IterationOutcome;

export async function runExecution(definition: StateMachineDefinition, input: Json, options: RunOptions = {}): Promise<ExecutionResult> {
  const real = options.clock;
  const startMs = options.startMs ?? real?.now() ?? Date.now();
  const clock: { ms: number } = real
    ? {
        get ms() {
          return real.now();
        },
        set ms(_: number) {
          throw new Error('a real clock is not set');
        },
      }
    : { ms: startMs };
  const ownDeadline = definition.TimeoutSeconds === undefined ? Number.POSITIVE_INFINITY : startMs + definition.TimeoutSeconds * 1000;
  const deadline = Math.min(ownDeadline, options.deadlineMs ?? Number.POSITIVE_INFINITY);
  const advance = real
    ? async (untilMs: number) => {
        // Past the deadline the execution has ended: no sleep outlives it.
        const wait = Math.min(untilMs, deadline) - real.now();
        if (wait > 0) await real.sleep(wait);
      }
    : async (untilMs: number) => {
        clock.ms = Math.max(clock.ms, untilMs);
      };
  const name = options.execution?.name ?? 'execution';
  const machineName = options.execution?.stateMachineName ?? 'StateMachine';
  const random = options.random ?? Math.random;
  const execution: ExecutionInfo = {
    id:
      options.type === 'EXPRESS'
        ? `arn:aws:states:us-east-1:111111111111:express:${machineName}:${name}:${randomUuid(random)}`
        : `arn:aws:states:us-east-1:111111111111:execution:${machineName}:${name}`,
    name,
    input,
    startTime: new Date(startMs).toISOString(),
    roleArn: 'arn:aws:iam::111111111111:role/StepFunctionsRole',
    stateMachineId: `arn:aws:states:us-east-1:111111111111:stateMachine:${machineName}`,
    stateMachineName: machineName,
    redriveCount: 0,
    ...options.execution,
  };
  const rt: Runtime = {
    env: { execution, now: () => clock.ms, random },
    clock,
    advance,
    events: [],
    keep: options.history ?? true,
    count: 0,
    maxEvents: options.maxEvents ?? 25_000,
    resolveTask: options.resolveTask,
    readItems: options.readItems,
    writeResults: options.writeResults,
    stopped: false,
  };
  emit(rt, 'ExecutionStarted', { input });
  const outcome =
    real && deadline !== Number.POSITIVE_INFINITY
      ? await untilDeadline(rt, deadline, real, () => runMachine(definition, input, {}, rt, deadline))
      : await runMachine(definition, input, {}, rt, deadline);
  if (outcome.ok) {
    emit(rt, 'ExecutionSucceeded', { output: outcome.output });
    return { status: 'SUCCEEDED', output: outcome.output, events: rt.events };
  }
  const timedOut = outcome === DEADLINE_PASSED || (outcome.error === StatesErrors.Timeout && clock.ms >= deadline);
  emit(rt, timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', { error: outcome.error ?? null, cause: outcome.cause ?? null });
  return { status: timedOut ? 'TIMED_OUT' : 'FAILED', error: outcome.error, cause: outcome.cause, events: rt.events };
}

/** What untilDeadline answers when the deadline came first (a timer may fire a millisecond before
 *  the wall clock reads the deadline: the execution has timed out all the same). */
const DEADLINE_PASSED: Outcome = { ok: false, error: StatesErrors.Timeout, cause: undefined };

/** On a real clock, the execution's outcome — or States.Timeout when the deadline comes first
 *  (or has come already: then nothing runs). */
async function untilDeadline(
  rt: Runtime,
  deadline: number,
  real: NonNullable<RunOptions['clock']>,
  run: () => Promise<Outcome>,
): Promise<Outcome> {
  const left = deadline - real.now();
  if (left <= 0) return DEADLINE_PASSED;
  let cancel = () => {};
  const over = new Promise<Outcome>((resolve) => {
    cancel = real.timer(left, () => resolve(DEADLINE_PASSED));
  });
  try {
    return await Promise.race([run(), over]);
  } finally {
    cancel();
    rt.stopped = true;
  }
}

/** An epoch ms as ISO 8601, the last one kept: the states entered within one millisecond (most
 *  of a chain of Pass states) format it once. */
let lastIso = { ms: Number.NaN, iso: '' };
function isoAt(ms: number): string {
  if (ms !== lastIso.ms) lastIso = { ms, iso: new Date(ms).toISOString() };
  return lastIso.iso;
}

function emitDraft(rt: Runtime, draft: EventDraft, at?: number): number {
  return emit(rt, draft.type, draft.details, at);
}

/** Writes the events of a state's Step (stepEvents); without a history only counts them. */
function emitStep(rt: Runtime, type: StateType, name: string, step: Step, at?: number): void {
  if (!rt.keep && (step.kind === 'next' || step.kind === 'succeed')) {
    // A state's exit, the most common event, counted without being drafted.
    emit(rt, 'PassStateExited');
    return;
  }
  for (const e of stepEvents(type, name, step)) emitDraft(rt, e, at);
}

/** The events that end an execution: written past the cap, so that reaching it ends the execution
 *  (FAILED, States.Runtime) rather than throwing out of it. */
const ENDING: ReadonlySet<HistoryEventType> = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut']);

function emit(rt: Runtime, type: HistoryEventType, details?: JsonObject, at?: number): number {
  if (rt.count >= rt.maxEvents && !ENDING.has(type))
    throw new StatesFailure(StatesErrors.Runtime, `The execution reached the limit of ${rt.maxEvents} history events`);
  const id = ++rt.count;
  // The clock is read only for an event kept (a real clock's read is a tenth of a Pass state).
  if (rt.keep) rt.events.push({ id, type, timestamp: at ?? rt.clock.ms, details });
  return id;
}

const NOTHING: unique symbol = Symbol('nothing measured');

async function runMachine(
  machine: StateMachineDefinition,
  input: Json,
  variables: Variables,
  rt: Runtime,
  deadline: number,
): Promise<Outcome> {
  let name = machine.StartAt;
  let data = input;
  let vars = variables;
  /** The last output measured against the payload limit (none yet: the first is measured). */
  let measured: Json | typeof NOTHING = NOTHING;
  try {
    for (;;) {
      if (rt.stopped) return { ok: false, error: StatesErrors.Timeout, cause: undefined };
      const type = machine.States[name]?.Type;
      if (type === undefined)
        return { ok: false, error: StatesErrors.Runtime, cause: `The state '${name}' does not exist in the state machine` };
      // One read of the clock for the entry (a real clock's read is a tenth of a Pass state).
      const enteredAt = rt.clock.ms;
      const enteredEventId = rt.keep ? emitDraft(rt, enteredEvent(type, name, data), enteredAt) : emit(rt, 'PassStateEntered');
      let pos: Position = {
        state: name,
        input: data,
        enteredTime: isoAt(enteredAt),
        enteredEventId,
        retryCounts: [],
        variables: vars,
      };
      let step = await enterState(machine, pos, rt.env);
      let exitedAt: number | undefined;
      for (;;) {
        step = await carryOut(machine, pos, step, rt, type);
        if (deadline !== Number.POSITIVE_INFINITY) {
          // The same read dates the state's exit.
          exitedAt = rt.clock.ms;
          if (exitedAt >= deadline) return { ok: false, error: StatesErrors.Timeout, cause: undefined };
        }
        if (step.kind !== 'retry') break;
        pos = { ...pos, retryCounts: step.retryCounts };
        step = await enterState(machine, pos, rt.env);
      }
      if (step.kind === 'fail') return { ok: false, error: step.error, cause: step.cause };
      if (step.kind !== 'next' && step.kind !== 'succeed') throw new Error(`unexpected step ${step.kind}`);
      // An output that is the last state's output unchanged (a plain Pass passes it on) was
      // measured as that: not again.
      const tooLarge = step.output === measured ? undefined : oversize(name, step.output);
      if (tooLarge) return { ok: false, error: tooLarge.error, cause: tooLarge.cause };
      measured = step.output;
      emitStep(rt, type, name, step, exitedAt);
      if (step.kind === 'succeed') return { ok: true, output: step.output };
      name = step.next;
      data = step.output;
      vars = step.variables;
    }
  } catch (e) {
    if (e instanceof StatesFailure) return { ok: false, error: e.error, cause: e.cause };
    throw e;
  }
}

/** Carries out a Step's effect and returns the Step that follows it (next, succeed, fail or retry). */
async function carryOut(machine: StateMachineDefinition, pos: Position, step: Step, rt: Runtime, type: StateType): Promise<Step> {
  for (;;) {
    switch (step.kind) {
      case 'next':
      case 'succeed':
      case 'fail':
        return step;
      case 'retry':
        await rt.advance(rt.clock.ms + step.delaySeconds * 1000);
        return step;
      case 'wait':
        await rt.advance(step.untilMs);
        step = step.after;
        break;
      case 'task': {
        if (!rt.resolveTask) {
          step = await failState(machine, pos, rt.env, StatesErrors.Runtime, `No resolver runs Task resources here: ${step.resource}`);
          break;
        }
        emitStep(rt, type, pos.state, step);
        try {
          const { resource, parameters, context, timeoutSeconds, heartbeatSeconds } = step;
          const result = await rt.resolveTask({ resource, parameters, context, timeoutSeconds, heartbeatSeconds });
          // AWS names a service integration by its service ('lambda' for arn:aws:states:::lambda:invoke).
          const tooLarge = oversize(/^arn:aws:states:::([^:.]+)/.exec(resource)?.[1] ?? pos.state, result);
          if (tooLarge) throw tooLarge;
          emit(rt, 'TaskSucceeded', { output: result });
          step = await completeState(machine, pos, rt.env, result);
        } catch (e) {
          if (!(e instanceof StatesFailure)) throw e;
          emit(rt, 'TaskFailed', { error: e.error, cause: e.cause ?? null });
          step = await failState(machine, pos, rt.env, e.error, e.cause);
        }
        break;
      }
      case 'parallel': {
        emitStep(rt, type, pos.state, step);
        const outcomes = await Promise.all(
          step.branches.map((b) => runMachine(b.definition, b.input, pos.variables, rt, Number.POSITIVE_INFINITY)),
        );
        const failed = outcomes.find((o) => !o.ok);
        if (failed && !failed.ok) {
          emit(rt, 'ParallelStateFailed', { error: failed.error, cause: failed.cause ?? null });
          step = await failState(machine, pos, rt.env, failed.error, failed.cause);
        } else {
          emit(rt, 'ParallelStateSucceeded');
          step = await completeState(
            machine,
            pos,
            rt.env,
            outcomes.map((o) => (o.ok ? o.output : null)),
          );
        }
        break;
      }
      case 'map': {
        emitStep(rt, type, pos.state, step);
        const records = await runIterations(step, pos.variables, rt);
        step = await endMap(machine, pos, rt, mapEnd(step.tolerance, step.writer, rt.env.execution, records), step.mapRun);
        break;
      }
      case 'read-items': {
        if (!rt.readItems) {
          step = await failState(machine, pos, rt.env, StatesErrors.Runtime, 'No reader for a Map ItemReader here');
          break;
        }
        try {
          const items = await rt.readItems(step.request);
          step = await enterState(machine, { ...pos, readItems: items }, rt.env);
        } catch (e) {
          if (!(e instanceof StatesFailure)) throw e;
          step = await failState(machine, pos, rt.env, e.error, e.cause);
        }
        break;
      }
      default: {
        const never: never = step;
        throw new Error(`unknown step in ${type}: ${JSON.stringify(never)}`);
      }
    }
  }
}

/** A Map's end: its ResultWriter's write first, if it has one; then the Map succeeds or fails. */
async function endMap(machine: StateMachineDefinition, pos: Position, rt: Runtime, end: MapEnd, run: MapRunRef | null): Promise<Step> {
  let written: WriteOutcome | undefined;
  if (end.kind === 'write') {
    try {
      if (!rt.writeResults) throw new StatesFailure(StatesErrors.Runtime, 'No writer for a Map ResultWriter here');
      await rt.writeResults(end.request);
      written = { ok: true };
    } catch (e) {
      if (!(e instanceof StatesFailure)) throw e;
      written = { ok: false, error: e.error, cause: e.cause };
    }
  }
  const outcome = mapOutcome(end, written);
  for (const e of mapEndEvents(run, outcome)) emitDraft(rt, e);
  if (!outcome.ok) return failState(machine, pos, rt.env, outcome.error, outcome.cause);
  return completeState(machine, pos, rt.env, outcome.output);
}

/**
 * Runs a Map's iterations, at most maxConcurrency at once, and stops starting new ones once the
 * failures exceed the tolerance. Each item's record: its input, and when it ran and how it ended
 * (none for those never started).
 */
async function runIterations(step: Extract<Step, { kind: 'map' }>, variables: Variables, rt: Runtime): Promise<IterationRecord[]> {
  const total = step.inputs.length;
  const records: IterationRecord[] = step.inputs.map((input, index) => ({ index, input }));
  let nextIndex = 0;
  let failed = 0;
  const worker = async () => {
    while (nextIndex < total && !exceedsTolerance(step.tolerance, failed, total)) {
      const index = nextIndex++;
      emit(rt, 'MapIterationStarted', { index });
      const startMs = rt.clock.ms;
      const outcome = await runMachine(step.processor, step.inputs[index], variables, rt, Number.POSITIVE_INFINITY);
      records[index] = { index, input: step.inputs[index], startMs, stopMs: rt.clock.ms, outcome };
      if (outcome.ok) emit(rt, 'MapIterationSucceeded', { index });
      else {
        failed++;
        emit(rt, 'MapIterationFailed', { index });
      }
    }
  };
  const width = step.maxConcurrency === 0 ? total : Math.min(step.maxConcurrency, total);
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
  return records;
}
