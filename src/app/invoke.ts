/**
 * Synchronous invocation (issue 23): the user's function at a qualifier runs on a warm instance
 * of its version, and the caller gets its payload or its error document, the version that ran
 * and its log as CloudWatch would show it. The Lambda API (Invoke) and the native API
 * (POST /functions/{name}/invoke) both call this. Where it runs: on this process's own
 * FunctionHost when it has one (embedded, no hop), else on a worker host chosen by the
 * dispatcher (scale-out API nodes, app/dispatch.ts); both run it through runOnHost.
 *
 * Event (asynchronous) invocations are stored and run by a worker later: invoke-async.ts, which
 * runs them through runOnWarmInstance below, the one path to a warm instance.
 */
import { join } from 'node:path';
import { type FunctionFleet, uuidv7 } from '../store/index.ts';
import type { Logger } from '../log/index.ts';
import {
  BreakerOutcome,
  ErrorCode,
  imageProcess,
  InvalidInput,
  LATEST,
  Throttled,
  TooLarge,
  Unavailable,
  Internal,
  measuredQualifiers,
  parseFunctionRef,
  type FunctionCode,
  type FunctionRef,
  type FunctionSnapshot,
} from '../core/index.ts';
import {
  BadZip,
  endLine,
  type FunctionHost,
  type FunctionVersionConfig,
  layersKey,
  logTail,
  platformRecords,
  reportLine,
  type ResponseSink,
  startLine,
  warmKey,
} from '../functions/index.ts';
import type { BlobStore } from '../blobs/index.ts';
import type { CircuitBreakers } from './circuit-breakers.ts';
import { admitLocally, admitShared } from './function-admission.ts';
import { getFunction, type FunctionsApp } from './functions.ts';
import type { InvocationObserver, RanInvocation } from './invocation-recorder.ts';

/** Where an API node without a function host of its own sends invocations (app/dispatch.ts). */
export interface RemoteInvoker {
  /** Takes a reserved-concurrency slot of the function (`reserved`: its reserved concurrency as
   *  read with it), shared by every API node (Throttled when all are taken); answers the release,
   *  a no-op for a function without reserved concurrency. */
  admit(userId: string, f: FunctionSnapshot, reserved: number | null): Promise<() => Promise<void>>;
  /** Runs the invocation on a worker host and answers its result; a response the function
   *  streams goes to `sink` as it arrives over the hop, with the hop's backpressure. */
  invoke(inv: HostInvocation, sink?: ResponseSink): Promise<InvokeResult>;
}

/** Lambda's synchronous payload limit, each way: 6 MB. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's limit for the base64 ClientContext. */
export const MAX_CLIENT_CONTEXT_BYTES = 3583;
/** How much of an invocation's own output is kept for its log (the tail: LogType Tail returns
 *  the last 4 KB; full logs with `hangar function logs` come later). */
const KEPT_OUTPUT_BYTES = 64 * 1024;

export const InvocationType = { RequestResponse: 'RequestResponse', Event: 'Event', DryRun: 'DryRun' } as const;
export type InvocationType = (typeof InvocationType)[keyof typeof InvocationType];

export interface InvokeApp extends FunctionsApp {
  /** This process's function host, once its sandboxing workers exist (null: none here). */
  functionHost: { current: FunctionHost | null };
  /** Scale-out: sends invocations to worker hosts and counts reserved concurrency in the store
   *  (app/dispatch.ts). Absent on the embedded shape, whose invocations all run in-process. */
  functionDispatch?: RemoteInvoker | null;
  config: { awsRegion: string };
  /** Told of each invocation once: its record and metrics (invocation-recorder.ts). */
  invocations: InvocationObserver;
  /** This process's circuit breakers' states (app/circuit-breakers.ts). */
  breakers: CircuitBreakers;
}

export interface InvokeInput {
  /** A name, `name:qualifier`, or an ARN (its account already checked by the caller). */
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  type?: InvocationType;
  logType?: 'None' | 'Tail';
  /** Base64 JSON, as Lambda's X-Amz-Client-Context. */
  clientContext?: string;
  /** The function owner's 12-digit account id (the ARN the function sees as invokedFunctionArn). */
  accountId: string;
  /** Another account invoking the owner's function, its policy allowing (app/cross-account.ts):
   *  kept in the invocation's record. Absent: the owner's own call. */
  callerAccountId?: string;
  /** The payload is JSON Hangar wrote itself (an HTTP front's event): not parsed again to check. */
  payloadIsOwnJson?: true;
}

export interface InvokeResult {
  /** 'dry-run': the function exists and the caller may invoke it; nothing ran. */
  kind: 'ran' | 'dry-run';
  requestId: string;
  executedVersion: string;
  /** The function's result, or its error document when functionError is set. A streamed
   *  response given to a sink is not here (empty). */
  payload: Buffer;
  /** Set when the function streamed its response (awslambda.streamifyResponse): the stream's
   *  content type. */
  contentType?: string;
  /** Lambda's X-Amz-Function-Error: the function failed (threw, timed out, crashed). */
  functionError?: 'Unhandled';
  /** The log's last 4 KB, base64 (LogType Tail). */
  logTail?: string;
  /** START, the function's output (its tail), END and REPORT. */
  log: Buffer;
  durationMs: number;
  /** On a cold start only. */
  initDurationMs: number | null;
  /** The function error's type (Lambda's errorType) when functionError is set. */
  errorType?: string;
  /** The instance's peak memory (its cgroup's), when known: the REPORT line's Max Memory Used. */
  maxMemoryBytes?: number | null;
}

/** Where a streamed response goes (the functions' ResponseSink), told first which version runs. */
export interface InvokeSink extends ResponseSink {
  version?(executedVersion: string): void;
}

/** Checks an invocation type as sent (none: RequestResponse). */
export function invocationTypeOf(type: string | undefined): InvocationType {
  if (type === undefined || type === InvocationType.RequestResponse) return InvocationType.RequestResponse;
  if (type === InvocationType.DryRun || type === InvocationType.Event) return type;
  throw new InvalidInput(ErrorCode.FunctionInvalid, `InvocationType must be RequestResponse, Event or DryRun, not '${type}'`);
}

/** The ClientContext as the runtime receives it (decoded JSON), checked. */
function clientContextOf(b64: string | undefined): string | undefined {
  if (b64 === undefined || b64 === '') return undefined;
  if (b64.length > MAX_CLIENT_CONTEXT_BYTES)
    throw new InvalidInput(ErrorCode.FunctionInvalid, `ClientContext is ${b64.length} bytes; at most ${MAX_CLIENT_CONTEXT_BYTES}`);
  const text = Buffer.from(b64, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new InvalidInput(ErrorCode.FunctionInvalid, 'ClientContext must be base64-encoded JSON');
  }
  return text;
}

/** The ARN the function sees as invokedFunctionArn: qualified as the caller qualified it. */
function invokedArn(region: string, accountId: string, ref: FunctionRef, explicitLatest: boolean): string {
  const q = ref.qualifier;
  const suffix = q.kind === 'version' ? `:${q.version}` : q.kind === 'alias' ? `:${q.alias}` : explicitLatest ? `:${LATEST}` : '';
  return `arn:aws:lambda:${region}:${accountId}:function:${ref.name}${suffix}`;
}

const versionOf = (f: FunctionSnapshot): string => (f.version === LATEST ? LATEST : String(f.version));

/** Keeps the last `max` bytes written. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max) this.size -= this.chunks.shift()!.length;
  }
  bytes(): Buffer {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max));
  }
}

/** An invocation's event as the function gets it, checked with its LogType: at most `maxBytes`,
 *  JSON; no payload is the empty object, as on Lambda. */
export function checkedPayload(
  input: Pick<InvokeInput, 'payload' | 'logType' | 'payloadIsOwnJson'>,
  maxBytes: number,
  kind: string,
): Buffer {
  if (input.logType !== undefined && input.logType !== 'None' && input.logType !== 'Tail')
    throw new InvalidInput(ErrorCode.FunctionInvalid, `LogType must be None or Tail, not '${input.logType}'`);
  if (input.payload.length > maxBytes)
    throw new TooLarge(`the request payload is ${input.payload.length} bytes; at most ${maxBytes} for ${kind} invocation`);
  const payload = input.payload.length === 0 ? Buffer.from('{}') : input.payload;
  if (input.payloadIsOwnJson) return payload;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch {
    throw new InvalidInput(ErrorCode.FunctionPayloadInvalid, 'Could not parse request body into json: the payload must be JSON');
  }
  return payload;
}

/** Runs the user's function once, synchronously (or checks it could: DryRun). A response the
 *  function streams goes to `sink` as it arrives when one is given (InvokeWithResponseStream, a
 *  RESPONSE_STREAM function URL), else it is answered as the payload, as Lambda answers Invoke.
 *  Run on another host (a scale-out API node's), the stream crosses the hop as it is written. */
export async function invokeFunction(app: InvokeApp, userId: string, input: InvokeInput, sink?: InvokeSink): Promise<InvokeResult> {
  const type = invocationTypeOf(input.type);
  // Event invocations are stored, not run here: the surfaces send them to invokeEvent.
  if (type === InvocationType.Event) throw new Error('an Event invocation goes to invokeEvent (invoke-async.ts)');
  const payload = checkedPayload(input, MAX_PAYLOAD_BYTES, 'a synchronous');
  const clientContext = clientContextOf(input.clientContext);
  // The function's reserved concurrency and circuit breaker are read beside it, at once: one
  // round trip's wait, not three, on PostgreSQL (and from memory mostly: store/cached-functions.ts).
  const name = parseFunctionRef(input.functionName, input.qualifier).name;
  const reservedRead = type === InvocationType.DryRun ? null : app.functions.getConcurrency(userId, name);
  const breakerRead = type === InvocationType.DryRun ? null : app.functions.getCircuitBreaker(userId, name);
  // Not left unhandled when the function is not there: getFunction says so first.
  reservedRead?.catch(() => {});
  breakerRead?.catch(() => {});
  const f = await getFunction(app, userId, input.functionName, input.qualifier);
  // Time-ordered (UUIDv7, store/ids.ts): the invocation records' (user, request id) index takes
  // appends, not a random page per invocation.
  const requestId = uuidv7();
  const executedVersion = versionOf(f);
  sink?.version?.(executedVersion);
  if (type === InvocationType.DryRun)
    return {
      kind: 'dry-run',
      requestId,
      executedVersion,
      payload: Buffer.alloc(0),
      log: Buffer.alloc(0),
      durationMs: 0,
      initDurationMs: null,
    };

  const inv: HostInvocation = {
    owner: userId,
    accountId: input.accountId,
    f,
    requestId,
    invokedFunctionArn: invokedArn(
      app.config.awsRegion,
      input.accountId,
      parseFunctionRef(input.functionName, input.qualifier),
      input.qualifier === LATEST || input.functionName.endsWith(`:${LATEST}`),
    ),
    ...(clientContext === undefined ? {} : { clientContext }),
    payload,
    logType: input.logType === 'Tail' ? 'Tail' : 'None',
  };
  // This process's own host when it has one (embedded: no hop); else a worker host's, through
  // the dispatcher (scale-out API nodes).
  const host = app.functionHost.current;
  const remote = app.functionDispatch ?? null;
  if (!host && !remote)
    throw new Unavailable(
      ErrorCode.FunctionsUnavailable,
      'no sandboxing worker in this process runs functions (start Hangar with workers and the sandbox executor)',
      5,
    );
  // An open breaker fails the invocation fast, before it takes a concurrency slot (CircuitOpen).
  const ticket = app.breakers.enter(userId, f.name, (await breakerRead) ?? null);
  let release: () => Promise<void>;
  try {
    const reserved = await reservedRead;
    release = remote ? await remote.admit(userId, f, reserved ?? null) : admitLocally(host!, userId, f.name, reserved ?? null);
  } catch (err) {
    // Not admitted, nothing ran: not the function's failure (a probe's place is free again).
    app.breakers.settle(ticket, BreakerOutcome.Neither);
    if (err instanceof Throttled) app.invocations.throttled(userId, f.name);
    throw err;
  }
  // Neither, unless the function ran: a host that could not be reached is not its failure.
  let outcome: BreakerOutcome = BreakerOutcome.Neither;
  try {
    const r = host ? await runOnHost(host, app.blobs, inv, sink) : await remote!.invoke(inv, sink);
    outcome = r.functionError ? BreakerOutcome.Failure : BreakerOutcome.Success;
    app.invocations.ran(ranOf(userId, f, type, r, input.callerAccountId));
    return r;
  } finally {
    // Before the slot is released: the invocation that takes it sees this one's outcome.
    app.breakers.settle(ticket, outcome);
    await release();
  }
}

/** What the invocation recorder is told of a run (app/invocation-recorder.ts). */
function ranOf(userId: string, f: FunctionSnapshot, type: InvocationType, r: InvokeResult, callerAccountId?: string): RanInvocation {
  return {
    requestId: r.requestId,
    userId,
    functionName: f.name,
    executedVersion: r.executedVersion,
    invocationType: type,
    runtime: f.runtimeFamily,
    durationMs: r.durationMs,
    initDurationMs: r.initDurationMs,
    errorType: r.errorType ?? null,
    memoryMb: f.memoryMb,
    maxMemoryBytes: r.maxMemoryBytes ?? null,
    log: r.log,
    ...(callerAccountId === undefined ? {} : { callerAccountId }),
  };
}

/** One synchronous invocation, all decided but where it runs: what a FunctionHost needs to run
 *  it, in this process or (sent by an API node, app/dispatch.ts) on a worker host. */
export interface HostInvocation {
  /** The Hangar user whose function it is. */
  owner: string;
  accountId: string;
  /** The version to run, resolved from the caller's qualifier. */
  f: FunctionSnapshot;
  requestId: string;
  invokedFunctionArn: string;
  /** The decoded ClientContext JSON. */
  clientContext?: string;
  /** The event, checked JSON. */
  payload: Buffer;
  logType: 'None' | 'Tail';
}

/** A code's SHA-256 in hex (Lambda's is base64): how its unpacked directory is named. */
const codeHexOf = (code: FunctionCode): string => Buffer.from(code.sha256, 'base64').toString('hex');

/** The warm key of `f`'s instances owned by `owner` (FunctionHost.warmKeyOf of what
 *  versionConfigOn makes of it): how an API node finds a host that holds one. */
export function warmKeyOfSnapshot(owner: string, f: FunctionSnapshot): string {
  const layers = f.layers.length > 0 ? layersKey(f.layers.map((l) => codeHexOf(l.code))) : null;
  return warmKey(owner, f.name, versionOf(f), codeHexOf(f.code), layers);
}

/** What a host's pool runs `f` as (its instances' key): its code unpacked here (once per code)
 *  and its configuration. Also what provisioned instances are kept of (app/provisioned.ts). */
export async function versionConfigOn(host: FunctionHost, blobs: BlobStore, f: FunctionSnapshot): Promise<FunctionVersionConfig> {
  const loader = (code: FunctionCode, what: string) => async () => {
    const zip = await blobs.get(code.blobKey);
    if (!zip) throw new Internal(`the code of ${what} (${code.blobKey}) is missing from the blob store`);
    return zip;
  };
  if (f.code.image) return imageVersionConfigOn(host, f, f.code.image.name);
  let codeDir: string;
  let optDir: string | null;
  try {
    codeDir = await host.code.dir(codeHexOf(f.code), loader(f.code, `function ${f.name}`));
    // The layers' content as the function's snapshot keeps it: a version deleted since still runs.
    optDir = await host.opt.dir(
      f.layers.map((l) => ({ sha256Hex: codeHexOf(l.code), load: loader(l.code, `layer ${l.name}:${l.version}`) })),
    );
  } catch (err) {
    if (err instanceof BadZip)
      throw new InvalidInput(ErrorCode.FunctionInvalid, `the function's code or a layer's cannot be unpacked: ${err.message}`);
    throw err;
  }
  return { ...runningConfig(f), handler: f.handler ?? '', codeDir, ...(optDir === null ? {} : { optDir }) };
}

/** The shared part of what a host runs `f` as, whatever its package. */
const runningConfig = (f: FunctionSnapshot) => ({
  name: f.name,
  version: versionOf(f),
  runtime: f.runtimeFamily,
  memoryMb: f.memoryMb,
  timeoutS: f.timeoutS,
  environment: f.environment,
  secrets: f.secrets,
  network: f.network,
  ...(f.logging === undefined
    ? {}
    : { logging: { applicationLogLevel: f.logging.applicationLogLevel, systemLogLevel: f.logging.systemLogLevel } }),
});

/** A function packaged as an image: the image imported on this host, run as its config and the
 *  function's ImageConfig say. A host without the image answers so at once (each worker host
 *  keeps its own images: `hangar image import` on every one). */
async function imageVersionConfigOn(host: FunctionHost, f: FunctionSnapshot, image: string): Promise<FunctionVersionConfig> {
  const imported = await host.imageFor(image);
  if (!imported)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      `function ${f.name} runs the image '${image}', which is not imported on the host that ran this invocation (hangar image import ${image} <OCI tarball>, on every worker host)`,
    );
  const { info, importId } = imported;
  const run = imageProcess(info.config ?? { entrypoint: [], cmd: [], workingDir: '' }, f.imageConfig ?? {});
  if (run.argv.length === 0)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      `the image '${image}' names no ENTRYPOINT or CMD (a directory import, or one made before Hangar kept image configs): set ImageConfig.EntryPoint, or re-import it from its OCI tarball`,
    );
  const imageEnv = Object.fromEntries(
    (info.config?.env ?? []).filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  return {
    ...runningConfig(f),
    handler: run.handler,
    // No code directory: the image's rootfs is the root. Named by the code's digest, as a zip's
    // directory is, so the warm key (warmKeyOfSnapshot) is the same either way.
    codeDir: join(host.code.root, codeHexOf(f.code)),
    image: { name: image, importId, argv: run.argv, cwd: run.cwd, env: imageEnv },
  };
}

/**
 * Runs an invocation on a host: its code unpacked (once per code), a warm instance of its version
 * (or a cold one), and the outcome as Lambda reports it with its log. The one path every
 * synchronous invocation takes, embedded or on a worker host.
 */
export async function runOnHost(host: FunctionHost, blobs: BlobStore, inv: HostInvocation, sink?: ResponseSink): Promise<InvokeResult> {
  const { f, requestId } = inv;
  const executedVersion = versionOf(f);
  const config = await versionConfigOn(host, blobs, f);
  const output = new Tail(KEPT_OUTPUT_BYTES);
  const done = host.run(inv.owner, f.name, measuredQualifiers(inv.invokedFunctionArn, executedVersion));
  const outcome = await host.pool
    .invoke({ owner: inv.owner, accountId: inv.accountId }, config, inv.payload, {
      requestId,
      invokedFunctionArn: inv.invokedFunctionArn,
      clientContext: inv.clientContext,
      onOutput: (chunk) => output.push(chunk),
      ...(sink === undefined ? {} : { sink }),
    })
    .finally(done);
  const failed = outcome.kind === 'error';
  const timedOut = failed && outcome.error.errorType === 'Sandbox.Timedout';
  const facts = {
    requestId,
    durationMs: outcome.durationMs,
    memoryMb: f.memoryMb,
    maxMemoryBytes: outcome.maxMemoryBytes,
    initDurationMs: outcome.initDurationMs,
  };
  let log: Buffer;
  if (f.logging === undefined) {
    log = Buffer.concat([
      Buffer.from(startLine(requestId, executedVersion)),
      output.bytes(),
      // Lambda writes the timeout into the log too, where the function's output stopped.
      Buffer.from(timedOut ? `${new Date().toISOString()} ${requestId} Task timed out after ${f.timeoutS.toFixed(2)} seconds\n` : ''),
      Buffer.from(endLine(requestId)),
      Buffer.from(reportLine(facts)),
    ]);
  } else {
    // JSON: the platform's records in place of the lines; a timeout is the report's status.
    const status = timedOut ? 'timeout' : failed ? 'error' : 'success';
    const records = platformRecords(
      { ...facts, version: executedVersion, status, ...(failed ? { errorType: outcome.error.errorType } : {}) },
      f.logging.systemLogLevel,
    );
    log = Buffer.concat([Buffer.from(records.start), output.bytes(), Buffer.from(records.end), Buffer.from(records.report)]);
  }
  return {
    kind: 'ran',
    requestId,
    executedVersion,
    payload: outcome.kind === 'result' ? outcome.payload : outcome.error.payload,
    ...(outcome.kind === 'result' && outcome.contentType !== undefined ? { contentType: outcome.contentType } : {}),
    ...(failed ? { functionError: 'Unhandled' as const } : {}),
    ...(inv.logType === 'Tail' ? { logTail: logTail(log) } : {}),
    log,
    durationMs: outcome.durationMs,
    initDurationMs: outcome.initDurationMs,
    ...(failed ? { errorType: outcome.error.errorType } : {}),
    maxMemoryBytes: outcome.maxMemoryBytes,
  };
}

/** One run of a function on a warm instance of its version, as it ended. */
export interface WarmRun {
  /** The function's result, or its error document when functionError is set. */
  payload: Buffer;
  functionError?: 'Unhandled';
  /** START, the function's output (its tail), END and REPORT. */
  log: Buffer;
  durationMs: number;
  initDurationMs: number | null;
}

/**
 * Runs the user's function `f` once on this process's host, within its reserved concurrency
 * counted here (Throttled, FUNCTION_THROTTLED, when every slot is taken): how a worker runs an
 * Event invocation (invoke-async.ts), through the same runOnHost as a synchronous invoke.
 */
export async function runOnWarmInstance(
  app: Pick<InvokeApp, 'functions' | 'blobs'> & {
    invocations?: InvocationObserver;
    /** Scale-out: reserved concurrency leased in the store, shared with every process (function-admission.ts). */
    functionFleet?: FunctionFleet | null;
    log?: Pick<Logger, 'warn'>;
  },
  host: FunctionHost,
  userId: string,
  f: FunctionSnapshot,
  payload: Buffer,
  meta: { requestId: string; accountId: string; invokedFunctionArn: string; clientContext?: string; callerAccountId?: string },
): Promise<WarmRun> {
  let release: () => Promise<void>;
  try {
    const reserved = await app.functions.getConcurrency(userId, f.name);
    const fleet = app.functionFleet;
    release = fleet
      ? await admitShared(fleet, userId, f, reserved, (err, leaseId) => app.log?.warn({ err, leaseId }, 'lease not released'))
      : admitLocally(host, userId, f.name, reserved);
  } catch (err) {
    if (err instanceof Throttled) app.invocations?.throttled(userId, f.name);
    throw err;
  }
  try {
    const r = await runOnHost(host, app.blobs, {
      owner: userId,
      accountId: meta.accountId,
      f,
      requestId: meta.requestId,
      invokedFunctionArn: meta.invokedFunctionArn,
      ...(meta.clientContext === undefined ? {} : { clientContext: meta.clientContext }),
      payload,
      logType: 'None',
    });
    // Recorded and counted as a synchronous invocation is (app/invocation-recorder.ts).
    app.invocations?.ran(ranOf(userId, f, InvocationType.Event, r, meta.callerAccountId));
    return {
      payload: r.payload,
      ...(r.functionError ? { functionError: r.functionError } : {}),
      log: r.log,
      durationMs: r.durationMs,
      initDurationMs: r.initDurationMs,
    };
  } finally {
    await release();
  }
}
