/**
 * Asynchronous (Event) invocation (issue 23), as Lambda's: the caller gets 202 once the event is
 * stored, and a worker runs it later, retrying a function error up to MaximumRetryAttempts
 * times (Lambda's waits of about 1 and 2 minutes), never running it past its maximum age, then
 * invoking the OnSuccess / OnFailure destination function with Lambda's invocation record.
 *
 * Why an event is a task (in the reserved queue FUNCTION_EVENTS_QUEUE): the task platform
 * already makes it durable once acknowledged (the submit's commit), leases it to one worker,
 * heartbeats it, re-runs the attempt of a worker that was killed on another (the reaper), waits
 * between attempts (a failure's retryAfterMs), keeps failed ones in the dead-letter queue and
 * redrives them, on SQLite and PostgreSQL alike. A second queue beside it would redo all of
 * that. The worker that leases an event runs it here (functionEventRunner), on its process's
 * FunctionHost, through the same runOnWarmInstance as a synchronous invoke; it decides with
 * core/function-event.ts when the event is done, the task's budget being only a backstop.
 *
 * The event's payload is a blob under the task's prefix (deleted with the task by retention),
 * not a command, argument or environment: nothing of it reaches a shell, and the task is the
 * invoking user's own, so only they (and admins) see it. An event whose failure has no
 * OnFailure destination stays in the dead-letter queue (GET /dlq), from which a redrive runs
 * it again with a fresh age and retry count.
 */
import { taskPrefix, type BlobStore } from '../blobs/index.ts';
import {
  coerceError,
  decideDeliveryNext,
  decideEventNext,
  destinationFailure,
  destinationRefused,
  ErrorCode,
  EVENT_TASK_ATTEMPTS,
  EventCondition,
  eventConfigQualifier,
  eventExpired,
  eventLimits,
  eventProgress,
  FUNCTION_EVENTS_QUEUE,
  invocationRecord,
  LATEST,
  MAX_DESTINATION_HOPS,
  MAX_EVENT_PAYLOAD_BYTES,
  NotFound,
  parseFunctionRef,
  Throttled,
  type EventAttemptEnd,
  type EventInvokeConfig,
  type EventProgress,
  type EventResponse,
  type EventSummary,
  type Lease,
  type NewTask,
  type Qualifier,
  type TaskFailure,
} from '../core/index.ts';
import type { ExecutionResult } from '../executor/types.ts';
import type { FunctionHost } from '../functions/index.ts';
import type { FunctionFleet, Functions, TaskQueue } from '../store/index.ts';
import type { Logger } from '../log/index.ts';
import { uuidv7 } from '../store/index.ts';
import { getFunction } from './functions.ts';
import { checkedPayload, InvocationType, runOnWarmInstance, type InvokeInput, type WarmRun } from './invoke.ts';
import type { InvocationObserver } from './invocation-recorder.ts';
import { readResults } from './tasks.ts';

/** What enqueueing an event needs. */
export interface EventQueueApp {
  functions: Functions;
  blobs: BlobStore;
  store: Pick<TaskQueue, 'submit'>;
  config: { awsRegion: string; visibilityTimeout: number };
  /** Told of each event queued, and (running them) of each run, attempt and drop: records and metrics. */
  invocations?: InvocationObserver;
}

/** What running events needs, in a worker's process. */
export interface EventRunnerApp extends EventQueueApp {
  functionHost: { current: FunctionHost | null };
  /** The store's retry policy: its base scales Lambda's retry waits (tests make them short). */
  config: EventQueueApp['config'] & { retryBaseMs: number; retryMaxMs: number };
  /** The store's clock (an event's age is in it, as its task's createdAt). */
  now: () => number;
  /** Scale-out: an event's reserved-concurrency slot is leased in the store, shared with every
   *  worker and API node (function-admission.ts); absent, it is counted in this process. */
  functionFleet?: FunctionFleet | null;
  log?: Pick<Logger, 'warn'>;
}

/** What the task of an event keeps in its metadata: which function, as the caller named it. */
export interface EventTarget {
  name: string;
  /** As invoked: null unqualified ($LATEST). */
  qualifier: string | null;
  /** The owner's account (the function's ARN). */
  accountId: string;
  requestId: string;
  /** A destination's event: how many destinations led to it (0: invoked by a caller). */
  hops?: number;
  /** Another account that invoked it, its policy allowing (kept in the invocation's record). */
  callerAccountId?: string;
}

/** Where an event's payload is kept: under its task's prefix, so it goes with the task. */
export const eventPayloadKey = (taskId: string): string => `${taskPrefix(taskId)}/event.json`;

/** An accepted event: Lambda answers its request id. */
export interface QueuedEvent {
  requestId: string;
  taskId: string;
}

const qualifierText = (q: Qualifier): string | null => (q.kind === 'latest' ? null : q.kind === 'version' ? String(q.version) : q.alias);

/** Checks and stores an Event invocation of the user's function; resolves once it is durable. */
export async function invokeEvent(app: EventQueueApp, userId: string, input: InvokeInput): Promise<QueuedEvent> {
  if (input.type !== InvocationType.Event) throw new Error('invokeEvent takes Event invocations');
  const payload = checkedPayload(input, MAX_EVENT_PAYLOAD_BYTES, 'an asynchronous');
  const ref = parseFunctionRef(input.functionName, input.qualifier);
  // It must exist (at that qualifier) and be the caller's now: Lambda refuses at once too.
  const f = await getFunction(app, userId, input.functionName, input.qualifier);
  const qualifier = input.qualifier === LATEST || input.functionName.endsWith(`:${LATEST}`) ? LATEST : qualifierText(ref.qualifier);
  return enqueueEvent(app, userId, {
    name: f.name,
    qualifier,
    accountId: input.accountId,
    payload,
    timeoutS: f.timeoutS,
    ...(input.callerAccountId === undefined ? {} : { callerAccountId: input.callerAccountId }),
  });
}

/** Stores an event for the user's function: its payload, then its task. An idempotency key
 *  makes a second enqueue with the same key a no-op (a destination delivered twice). */
async function enqueueEvent(
  app: EventQueueApp,
  userId: string,
  e: {
    name: string;
    qualifier: string | null;
    accountId: string;
    payload: Buffer;
    timeoutS: number;
    idempotencyKey?: string;
    hops?: number;
    callerAccountId?: string;
  },
): Promise<QueuedEvent> {
  const id = uuidv7();
  // Time-ordered (UUIDv7, store/ids.ts): the invocation records' (user, request id) index takes
  // appends, not a random page per invocation.
  const requestId = uuidv7();
  const target: EventTarget = {
    name: e.name,
    qualifier: e.qualifier,
    accountId: e.accountId,
    requestId,
    ...(e.hops ? { hops: e.hops } : {}),
    ...(e.callerAccountId === undefined ? {} : { callerAccountId: e.callerAccountId }),
  };
  await app.blobs.put(eventPayloadKey(id), e.payload);
  const task: NewTask = {
    id,
    // What lists show; never run: the worker routes this queue to the function, not a shell.
    command: `invoke ${e.name}${e.qualifier ? `:${e.qualifier}` : ''} (Event)`,
    args: null,
    shell: null,
    queue: FUNCTION_EVENTS_QUEUE,
    priority: 1,
    userId,
    timeout: e.timeoutS,
    visibilityTimeout: app.config.visibilityTimeout,
    maxAttempts: EVENT_TASK_ATTEMPTS,
    idempotencyKey: e.idempotencyKey ?? null,
    requestHash: null,
    resources: { cpu: 256, memory: 512 },
    env: {},
    metadata: { function: target },
    network: 'none',
    image: null,
    secrets: [],
    projectId: null,
    lane: null,
    traceParent: null,
  };
  let submitted: Awaited<ReturnType<typeof app.store.submit>>;
  try {
    submitted = await app.store.submit(task);
  } catch (err) {
    // No task holds the payload: it would never be deleted by retention.
    await app.blobs.deletePrefix(taskPrefix(id)).catch(() => {});
    throw err;
  }
  const { task: stored, created } = submitted;
  if (created) app.invocations?.eventReceived(userId, e.name);
  else await app.blobs.deletePrefix(taskPrefix(id));
  const kept = (stored.metadata.function as EventTarget | undefined)?.requestId ?? requestId;
  return { requestId: kept, taskId: stored.id };
}

/** What a worker's attempt of an event leaves: the result to record, and the event's progress
 *  for the task's summary (`event`), which the next attempt reads. */
export interface EventRun {
  result: ExecutionResult;
  summary: EventSummary;
}

/** The worker's side: runs the events its pool leases (worker/attempt.ts). */
export function functionEventRunner(app: EventRunnerApp): { run(lease: Lease, signal: AbortSignal): Promise<EventRun> } {
  return { run: (lease, signal) => runEvent(app, lease, signal) };
}

const NO_OUTPUT = { data: Buffer.alloc(0), bytes: 0, truncated: false };

function targetOf(metadata: Record<string, unknown>): EventTarget | null {
  const t = metadata.function as Partial<EventTarget> | undefined;
  if (!t || typeof t.name !== 'string' || typeof t.accountId !== 'string' || typeof t.requestId !== 'string') return null;
  return {
    name: t.name,
    qualifier: typeof t.qualifier === 'string' ? t.qualifier : null,
    accountId: t.accountId,
    requestId: t.requestId,
    hops: typeof t.hops === 'number' ? t.hops : 0,
    ...(typeof t.callerAccountId === 'string' ? { callerAccountId: t.callerAccountId } : {}),
  };
}

async function runEvent(app: EventRunnerApp, lease: Lease, signal: AbortSignal): Promise<EventRun> {
  const { task } = lease;
  const startedAt = Date.now();
  const progress = eventProgress(task, app.now());
  const end = (
    status: ExecutionResult['status'],
    failure: TaskFailure | null,
    detail: Record<string, unknown>,
    summary: Omit<EventSummary, 'ageFrom'>,
    log: Buffer = Buffer.alloc(0),
  ): EventRun => ({
    result: {
      status,
      failure,
      exitCode: null,
      signal: null,
      detailedResults: { success: status === 'SUCCESS', ...detail },
      stdout: { data: log, bytes: log.length, truncated: false },
      stderr: NO_OUTPUT,
      startedAt,
      finishedAt: Date.now(),
    },
    summary: { ...summary, ageFrom: progress.ageFrom },
  });
  const target = targetOf(task.metadata);
  const userId = task.userId;
  const undeliverable = (message: string): EventRun => {
    if (target && userId !== null) app.invocations?.eventDropped(userId, target.name, 'undeliverable', false);
    return end('FAILED', { code: 'EVENT_UNDELIVERABLE', message, retryable: false }, { error: message }, { ...progress, final: true });
  };
  if (!target || userId === null) return undeliverable('this task is not a function event Hangar made');
  const payload = await app.blobs.get(eventPayloadKey(task.id));
  if (!payload) return undeliverable(`the event's payload (${eventPayloadKey(task.id)}) is missing from the blob store`);
  const config = await app.functions.getEventInvokeConfig(userId, target.name, eventConfigQualifier(target.qualifier ?? undefined));
  const limits = eventLimits(config);
  const arn = `arn:aws:lambda:${app.config.awsRegion}:${target.accountId}:function:${target.name}`;
  const ctx: Finish = { app, userId, target, payload, config, progress, taskId: task.id, end };
  // The function ran to its end before: only its record is still to be delivered.
  if (progress.delivery) return finish(ctx, progress.delivery.condition, await previousResponse(app, task), progress.invokeCount);
  if (eventExpired(progress, limits, app.now())) return finish(ctx, EventCondition.EventAgeExceeded, null, progress.invokeCount);

  const host = app.functionHost.current;
  let ran: WarmRun | null = null;
  let executedVersion = LATEST;
  let attemptEnd: EventAttemptEnd;
  if (!host) {
    // A worker without sandboxed functions (HANGAR_EXECUTOR=process) leaves it to another.
    attemptEnd = { kind: 'throttled' };
  } else {
    app.invocations?.eventAttempt(app.now() - progress.ageFrom);
    try {
      const f = await getFunction(app, userId, target.name, target.qualifier ?? undefined);
      executedVersion = f.version === LATEST ? LATEST : String(f.version);
      ran = await runOnWarmInstance(app, host, userId, f, payload, {
        requestId: target.requestId,
        accountId: target.accountId,
        invokedFunctionArn: target.qualifier ? `${arn}:${target.qualifier}` : arn,
        ...(target.callerAccountId === undefined ? {} : { callerAccountId: target.callerAccountId }),
      });
      attemptEnd = ran.functionError ? { kind: 'function-error' } : { kind: 'success' };
    } catch (err) {
      if (err instanceof Throttled && err.code === ErrorCode.FunctionThrottled) attemptEnd = { kind: 'throttled' };
      else if (err instanceof NotFound) return undeliverable(`${coerceError(err).message}: the event cannot run`);
      else {
        // The code cannot be unpacked or read: as Lambda, a failed invocation (retried).
        const e = coerceError(err);
        ran = {
          payload: Buffer.from(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] })),
          functionError: 'Unhandled',
          log: Buffer.from(`${e.message}\n`),
          durationMs: 0,
          initDurationMs: null,
        };
        attemptEnd = { kind: 'function-error' };
      }
    }
  }
  if (signal.aborted && signal.reason === 'cancel')
    return end('CANCELLED', { code: 'CANCELLED', message: 'cancelled', retryable: false }, {}, { ...progress, final: true }, ran?.log);

  const runs = progress.invokeCount + (attemptEnd.kind === 'throttled' ? 0 : 1);
  const response: EventResponse | null = ran
    ? { executedVersion, payload: ran.payload, ...(ran.functionError ? { functionError: ran.functionError } : {}) }
    : null;
  const next = decideEventNext(progress, attemptEnd, limits, { baseMs: app.config.retryBaseMs, maxMs: app.config.retryMaxMs }, app.now());
  switch (next.kind) {
    case 'done':
      return finish({ ...ctx, log: ran?.log }, next.condition, response, runs);
    case 'retry':
      return end(
        'FAILED',
        { code: 'FUNCTION_ERROR', message: 'the function failed (Unhandled)', retryable: true, retryAfterMs: next.afterMs },
        detailOf(target, response, null),
        { invokeCount: runs, throttles: progress.throttles, final: false },
        ran?.log,
      );
    case 'wait':
      return end(
        'FAILED',
        {
          code: 'FUNCTION_THROTTLED',
          message: host
            ? `function ${target.name} is at its reserved concurrency: the event waits`
            : 'this worker runs no functions (no sandbox): the event waits for one that does',
          retryable: true,
          retryAfterMs: next.afterMs,
        },
        { error: 'throttled' },
        { invokeCount: runs, throttles: progress.throttles + 1, final: false },
      );
    default: {
      const never: never = next;
      throw new Error(`unknown event step ${JSON.stringify(never)}`);
    }
  }
}

/** The function's response as the attempt that ran it recorded it (detailOf's result and
 *  metadata), for the record of a delivery tried again; null when it recorded none. */
async function previousResponse(app: EventRunnerApp, task: Lease['task']): Promise<EventResponse | null> {
  let results: Record<string, unknown> | null = null;
  try {
    results = await readResults(app, task);
  } catch {
    // The blob store has it and cannot be read now: the record goes without the response.
  }
  if (!results || !('result' in results)) return null;
  const meta = (results.metadata ?? {}) as { executedVersion?: unknown; functionError?: unknown };
  return {
    executedVersion: typeof meta.executedVersion === 'string' ? meta.executedVersion : LATEST,
    payload: Buffer.from(JSON.stringify(results.result)),
    ...(meta.functionError === 'Unhandled' ? { functionError: 'Unhandled' as const } : {}),
  };
}

interface Finish {
  app: EventRunnerApp;
  userId: string;
  target: EventTarget;
  payload: Buffer;
  config: EventInvokeConfig | null;
  progress: EventProgress;
  taskId: string;
  end: (
    status: ExecutionResult['status'],
    failure: TaskFailure | null,
    detail: Record<string, unknown>,
    summary: Omit<EventSummary, 'ageFrom'>,
    log?: Buffer,
  ) => EventRun;
  log?: Buffer;
}

function detailOf(target: EventTarget, response: EventResponse | null, condition: EventCondition | null): Record<string, unknown> {
  let result: unknown;
  if (response) {
    try {
      result = JSON.parse(response.payload.toString('utf8'));
    } catch {
      result = response.payload.toString('utf8');
    }
  }
  return {
    ...(response ? { result } : {}),
    metadata: {
      requestId: target.requestId,
      ...(response ? { executedVersion: response.executedVersion } : {}),
      ...(response?.functionError ? { functionError: response.functionError } : {}),
      ...(condition ? { condition } : {}),
    },
  };
}

/**
 * The event is done: on success its OnSuccess destination, on failure its OnFailure one,
 * receives Lambda's invocation record as an event of its own (an idempotency key per event and
 * life makes a repeat of this attempt, after its worker died, deliver it once). A failure with
 * no destination, or whose destination cannot take it, stays in the dead-letter queue.
 */
async function finish(c: Finish, condition: EventCondition, response: EventResponse | null, runs: number): Promise<EventRun> {
  const { app, target, config } = c;
  const destination = condition === EventCondition.Success ? config?.onSuccess : config?.onFailure;
  let delivered: string | null = null;
  let undelivered: string | null = null;
  if (destination) {
    const qualifier = target.qualifier ?? LATEST;
    const record = invocationRecord({
      requestId: target.requestId,
      functionArn: `arn:aws:lambda:${app.config.awsRegion}:${target.accountId}:function:${target.name}:${qualifier}`,
      condition,
      approximateInvokeCount: runs,
      requestPayload: c.payload,
      response,
      now: app.now(),
    });
    try {
      const ref = parseFunctionRef(destination);
      // Checked when it was configured; the account is the user's for as long as they exist.
      if (ref.accountId !== target.accountId) throw destinationRefused(`it is not a function of account ${target.accountId}`);
      const hops = (target.hops ?? 0) + 1;
      if (hops > MAX_DESTINATION_HOPS)
        throw destinationRefused(`a loop of destinations: ${MAX_DESTINATION_HOPS} hops, stopped as Lambda's recursive loop detection does`);
      const f = await getFunction(app, c.userId, destination);
      await enqueueEvent(app, c.userId, {
        name: f.name,
        qualifier: qualifierText(ref.qualifier),
        accountId: target.accountId,
        payload: Buffer.from(JSON.stringify(record)),
        timeoutS: f.timeoutS,
        idempotencyKey: `hangar.destination:${c.taskId}:${c.progress.ageFrom}`,
        hops,
      });
      delivered = destination;
    } catch (err) {
      undelivered = `the ${condition === EventCondition.Success ? 'OnSuccess' : 'OnFailure'} destination ${destination} could not take the record: ${coerceError(err).message}`;
      // For now (the store failed on the way): this task is tried again, to deliver only.
      const next =
        destinationFailure(err) === 'transient'
          ? decideDeliveryNext(c.progress, eventLimits(config), { baseMs: app.config.retryBaseMs, maxMs: app.config.retryMaxMs }, app.now())
          : null;
      if (next?.kind === 'retry') {
        const tries = (c.progress.delivery?.tries ?? 0) + 1;
        return c.end(
          'FAILED',
          { code: 'DESTINATION_UNAVAILABLE', message: `${undelivered}; tried again`, retryable: true, retryAfterMs: next.afterMs },
          { ...detailOf(target, response, condition), error: undelivered },
          { invokeCount: runs, throttles: c.progress.throttles, final: false, delivery: { condition, tries } },
          c.log,
        );
      }
      if (next) undelivered = `${undelivered} (given up: the event is past its maximum age)`;
    }
  }
  const detail = detailOf(target, response, condition);
  const meta = { ...(detail.metadata as Record<string, unknown>), ...(delivered ? { destination: delivered } : {}) };
  const summary = { invokeCount: runs, throttles: c.progress.throttles, final: true };
  if (condition === EventCondition.Success)
    return c.end(
      'SUCCESS',
      null,
      { ...detail, metadata: { ...meta, ...(undelivered ? { destinationError: undelivered } : {}) } },
      summary,
      c.log,
    );
  const exhausted = condition === EventCondition.RetriesExhausted;
  app.invocations?.eventDropped(c.userId, target.name, exhausted ? 'retries_exhausted' : 'max_event_age', delivered !== null);
  const why = exhausted
    ? `the function failed ${runs} time${runs === 1 ? '' : 's'} (RetriesExhausted)`
    : `the event is older than its maximum event age (EventAgeExceeded) after ${runs} run${runs === 1 ? '' : 's'}`;
  return c.end(
    'FAILED',
    {
      code: exhausted ? 'FUNCTION_ERROR' : 'EVENT_AGE_EXCEEDED',
      message: delivered ? `${why}; sent to ${delivered}` : undelivered ? `${why}; ${undelivered}` : why,
      retryable: false,
      // Handled by its OnFailure destination: not a dead letter.
      deadLetter: delivered === null,
    },
    { ...detail, error: why, metadata: meta },
    summary,
    c.log,
  );
}
