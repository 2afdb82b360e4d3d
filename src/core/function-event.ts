/**
 * Asynchronous (Event) invocations of functions (issue 23), the pure part: what an event
 * invoke configuration may say (Lambda's PutFunctionEventInvokeConfig), where an event stands
 * after its attempts so far, what an attempt's end means for it (a retry after Lambda's waits,
 * a wait while throttled, its end with a condition), and the invocation record a destination
 * receives.
 *
 * An event is a Hangar task in the reserved queue FUNCTION_EVENTS_QUEUE, so it has what the task
 * platform guarantees (durable once acknowledged, leases, heartbeats, the reaper re-running the
 * attempt of a worker that died, the dead-letter queue and its redrive) on both backends. The
 * task's own retry budget is only a backstop: the worker running an event decides, here, when
 * it has had its retries or grown too old, and ends the task then.
 */
import { ErrorCode, HangarError, InvalidInput, NotFound, Throttled, Unavailable } from './errors.ts';
import { LATEST, parseFunctionRef } from './function.ts';
import type { RetryPolicy } from './retry.ts';
import type { Task } from './task.ts';

/** The queue events wait in. Reserved: users' tasks cannot be submitted to a `hangar.` queue,
 *  so every task here is an event the platform enqueued. */
export const FUNCTION_EVENTS_QUEUE = 'hangar.functions';
/** Queue names starting with this are the platform's own. */
export const RESERVED_QUEUE_PREFIX = 'hangar.';
/** Lambda's asynchronous payload limit: 1 MB since 2025 (256 KB before). */
export const MAX_EVENT_PAYLOAD_BYTES = 1024 * 1024;
/** Lambda's defaults and bounds for MaximumRetryAttempts and MaximumEventAgeInSeconds. */
export const DEFAULT_EVENT_RETRIES = 2;
export const MAX_EVENT_RETRIES = 2;
export const MIN_EVENT_AGE_S = 60;
export const MAX_EVENT_AGE_S = 21_600;
/** Lambda waits about a minute before an event's first retry and two before its second: the
 *  n-th retry waits n × this, scaled by the retry base setting (HANGAR_RETRY_BASE_MS / 1 s). */
export const EVENT_RETRY_STEP_MS = 60_000;
/** The task budget of an event: never reached by its own retries (at most 3 runs); throttled
 *  waits use attempts too, and the event's age bounds those. A backstop, not a policy. */
export const EVENT_TASK_ATTEMPTS = 1000;

/** Destinations invoking destinations (a function its own OnSuccess, say) stop at this many
 *  hops, as Lambda's recursive loop detection stops a loop after 16 invocations. */
export const MAX_DESTINATION_HOPS = 16;

/** Why an event ended on the failure path, or succeeded: the record's `condition`. */
export const EventCondition = {
  Success: 'Success',
  RetriesExhausted: 'RetriesExhausted',
  EventAgeExceeded: 'EventAgeExceeded',
} as const;
export type EventCondition = (typeof EventCondition)[keyof typeof EventCondition];

/** A function's (at one qualifier) asynchronous invocation settings. Null: not set (the
 *  default applies; Lambda's Get omits it too). Destinations are Lambda function ARNs. */
export interface EventInvokeConfig {
  functionName: string;
  /** $LATEST, a version number or an alias name, as the invocations name it. */
  qualifier: string;
  maximumRetryAttempts: number | null;
  maximumEventAgeS: number | null;
  onSuccess: string | null;
  onFailure: string | null;
  lastModified: number;
}

/** What a Put (all of it: the rest unset) or an Update (only what it names) sets. */
export interface EventInvokeConfigPatch {
  maximumRetryAttempts?: number | null;
  maximumEventAgeS?: number | null;
  onSuccess?: string | null;
  onFailure?: string | null;
}

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

export const eventConfigNotFound = (name: string, qualifier: string) =>
  new NotFound(ErrorCode.FunctionEventConfigNotFound, `function ${name}:${qualifier} has no EventInvokeConfig`);

function checkRange(what: string, v: number | null | undefined, min: number, max: number): void {
  if (v === null || v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(`${what} must be an integer from ${min} to ${max}, not ${v}`);
}

/**
 * A destination as Hangar can deliver to: a Lambda function ARN of the caller's own account
 * (`accountId`). SQS, SNS, EventBridge and S3 destinations are refused, saying why: those
 * services do not exist in Hangar yet.
 */
export function checkDestination(which: 'OnSuccess' | 'OnFailure', arn: string, accountId: string): string {
  const service = /^arn:aws[a-zA-Z-]*:([a-z0-9-]+):/.exec(arn)?.[1];
  if (service === undefined) throw invalid(`${which} destination '${arn}' is not an ARN`);
  if (service !== 'lambda')
    throw invalid(
      `${which} destination '${arn}' is a ${service} ARN: Hangar delivers to Lambda functions only (SQS, SNS, EventBridge and S3 destinations do not exist in Hangar yet)`,
    );
  const ref = parseFunctionRef(arn);
  if (ref.accountId !== accountId) throw invalid(`${which} destination '${arn}' is not a function of your account (${accountId})`);
  return arn;
}

/** The configuration a Put (replace) or an Update leaves, checked. */
export function applyEventInvokePatch(
  current: EventInvokeConfig | null,
  key: { functionName: string; qualifier: string },
  patch: EventInvokeConfigPatch,
  replace: boolean,
  now: number,
): EventInvokeConfig {
  checkRange('MaximumRetryAttempts', patch.maximumRetryAttempts, 0, MAX_EVENT_RETRIES);
  checkRange('MaximumEventAgeInSeconds', patch.maximumEventAgeS, MIN_EVENT_AGE_S, MAX_EVENT_AGE_S);
  const base = replace || !current ? null : current;
  const pick = <K extends keyof EventInvokeConfigPatch>(k: K): EventInvokeConfig[K] =>
    (patch[k] !== undefined ? patch[k] : (base?.[k] ?? null)) as EventInvokeConfig[K];
  return {
    functionName: key.functionName,
    qualifier: key.qualifier,
    maximumRetryAttempts: pick('maximumRetryAttempts'),
    maximumEventAgeS: pick('maximumEventAgeS'),
    onSuccess: pick('onSuccess'),
    onFailure: pick('onFailure'),
    lastModified: now,
  };
}

/** The qualifier an invocation's configuration is kept under: $LATEST when none is named. */
export const eventConfigQualifier = (qualifier: string | undefined): string => qualifier ?? LATEST;

/** Where an event stands when an attempt of its task starts. */
export interface EventProgress {
  /** Runs of the function so far (Lambda's approximateInvokeCount before this one). */
  invokeCount: number;
  /** Waits for a concurrency slot so far (they are not retries). */
  throttles: number;
  /** Its age counts from here (ms): its acceptance, or the redrive that gave it a new life. */
  ageFrom: number;
  /** Set when the function is done and its destination is still to be given the record. */
  delivery?: EventDelivery;
}

/** An event whose function ran to its end (its condition) and whose destination could not
 *  take the record yet: the attempts after it deliver, they do not run the function again. */
export interface EventDelivery {
  condition: EventCondition;
  /** Deliveries tried so far, each failed transiently. */
  tries: number;
}

/** What an event attempt keeps in its task's summary (`event`), for the next attempt. */
export interface EventSummary extends EventProgress {
  /** This attempt ended the event (success, or its failure path). */
  final: boolean;
}

/**
 * The progress an attempt starts from, read from the task as its previous attempt left it
 * (summary.event). An attempt whose worker died (WORKER_LOST, LEASE_EXPIRED: the reaper's
 * failure, which keeps the summary before it) ran the function as far as anyone knows: it
 * counts as a run. A task whose last attempt ended the event and is leased again was redriven
 * from the dead-letter queue: it starts afresh, its age from now.
 */
export function eventProgress(task: Pick<Task, 'summary' | 'failure' | 'createdAt'>, now: number): EventProgress {
  const prev = task.summary?.event as Partial<EventSummary> | undefined;
  const lost = task.failure?.code === 'WORKER_LOST' || task.failure?.code === 'LEASE_EXPIRED';
  if (prev?.final) return { invokeCount: 0, throttles: 0, ageFrom: now };
  // An attempt that was only delivering ran no function, lost or not.
  const delivery = prev?.delivery;
  return {
    invokeCount: (prev?.invokeCount ?? 0) + (lost && !delivery ? 1 : 0),
    throttles: prev?.throttles ?? 0,
    ageFrom: prev?.ageFrom ?? task.createdAt,
    ...(delivery ? { delivery } : {}),
  };
}

/** The effective limits of a configuration (Lambda's defaults where it sets none). */
export function eventLimits(c: Pick<EventInvokeConfig, 'maximumRetryAttempts' | 'maximumEventAgeS'> | null): {
  retries: number;
  maxAgeMs: number;
} {
  return {
    retries: c?.maximumRetryAttempts ?? DEFAULT_EVENT_RETRIES,
    maxAgeMs: (c?.maximumEventAgeS ?? MAX_EVENT_AGE_S) * 1000,
  };
}

/** Whether an event may still run at `now`, or is past its maximum age (not run again). */
export function eventExpired(p: EventProgress, limits: { maxAgeMs: number }, now: number): boolean {
  return now - p.ageFrom > limits.maxAgeMs;
}

/** How an attempt of an event ended. */
export type EventAttemptEnd =
  | { kind: 'success' }
  | { kind: 'function-error' }
  /** No concurrency slot (reserved concurrency) or no function host here: not a run. */
  | { kind: 'throttled' };

/** What happens to the event next. */
export type EventNext =
  | { kind: 'done'; condition: EventCondition }
  | { kind: 'retry'; afterMs: number }
  | { kind: 'wait'; afterMs: number };

/**
 * What an attempt's end means. `p` is the progress the attempt started from. A function error
 * is retried up to the configured retries, after Lambda's waits (1 then 2 "minutes", scaled by
 * the retry policy's base), unless the retry would come after the event's maximum age; a
 * throttle waits (doubling from the base, capped), uncounted, for as long as the age allows.
 */
export function decideEventNext(
  p: EventProgress,
  end: EventAttemptEnd,
  limits: { retries: number; maxAgeMs: number },
  policy: RetryPolicy,
  now: number,
): EventNext {
  const tooOld = (afterMs: number) => now + afterMs - p.ageFrom > limits.maxAgeMs;
  switch (end.kind) {
    case 'success':
      return { kind: 'done', condition: EventCondition.Success };
    case 'function-error': {
      const runs = p.invokeCount + 1;
      if (runs > limits.retries) return { kind: 'done', condition: EventCondition.RetriesExhausted };
      const afterMs = Math.min(policy.maxMs, Math.round((EVENT_RETRY_STEP_MS * runs * policy.baseMs) / 1000));
      return tooOld(afterMs) ? { kind: 'done', condition: EventCondition.EventAgeExceeded } : { kind: 'retry', afterMs };
    }
    case 'throttled': {
      const afterMs = Math.min(policy.maxMs, Math.max(1, policy.baseMs) * 2 ** Math.min(p.throttles, 20));
      return tooOld(afterMs) ? { kind: 'done', condition: EventCondition.EventAgeExceeded } : { kind: 'wait', afterMs };
    }
    default: {
      const never: never = end;
      throw new Error(`unknown event attempt end ${JSON.stringify(never)}`);
    }
  }
}

/** Why a destination would not take a record for good: a refusal that another try gets too. */
export const destinationRefused = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/**
 * Whether handing an event's record to its destination failed for good or for now. An answer
 * about the destination (it does not exist, is not the account's, would close a loop of
 * destinations: a HangarError such as NotFound or InvalidInput) is permanent: the same try
 * gets the same answer. Unavailable (the database cannot be reached) and Throttled say to come
 * back later; any other error is not an answer at all but the store, the blob store or the
 * network failing on the way (a driver's error, a socket's), and is transient too.
 */
export function destinationFailure(err: unknown): 'permanent' | 'transient' {
  if (err instanceof Unavailable || err instanceof Throttled) return 'transient';
  return err instanceof HangarError ? 'permanent' : 'transient';
}

/**
 * What follows a delivery that failed transiently (`p` the progress its attempt started from):
 * tried again after a wait doubling from the retry policy's base (capped at its maximum), as
 * long as the event's maximum age allows, then given up (the record is not delivered: on the
 * failure path the event is a dead letter).
 */
export function decideDeliveryNext(
  p: EventProgress,
  limits: { maxAgeMs: number },
  policy: RetryPolicy,
  now: number,
): { kind: 'retry'; afterMs: number } | { kind: 'give-up' } {
  const tries = p.delivery?.tries ?? 0;
  const afterMs = Math.min(policy.maxMs, Math.max(1, policy.baseMs) * 2 ** Math.min(tries, 20));
  return now + afterMs - p.ageFrom > limits.maxAgeMs ? { kind: 'give-up' } : { kind: 'retry', afterMs };
}

/** What an event's record says about its last run (absent when it never ran). */
export interface EventResponse {
  executedVersion: string;
  functionError?: 'Unhandled';
  /** The function's response (or error document), as it sent it. */
  payload: Buffer;
}

/** A payload as JSON when it is JSON, else as the text it is. */
function jsonOrText(b: Buffer): unknown {
  const text = b.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Lambda's invocation record, what a destination function receives as its event. */
export function invocationRecord(r: {
  requestId: string;
  /** The function as invoked, qualified ($LATEST when unqualified, as Lambda writes it). */
  functionArn: string;
  condition: EventCondition;
  approximateInvokeCount: number;
  requestPayload: Buffer;
  response: EventResponse | null;
  now: number;
}): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: new Date(r.now).toISOString(),
    requestContext: {
      requestId: r.requestId,
      functionArn: r.functionArn,
      condition: r.condition,
      approximateInvokeCount: r.approximateInvokeCount,
    },
    requestPayload: jsonOrText(r.requestPayload),
    ...(r.response
      ? {
          responseContext: {
            statusCode: 200,
            executedVersion: r.response.executedVersion,
            ...(r.response.functionError ? { functionError: r.response.functionError } : {}),
          },
          responsePayload: jsonOrText(r.response.payload),
        }
      : {}),
  };
}
