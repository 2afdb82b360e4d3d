/**
 * The AWS Lambda Runtime API (version 2018-06-01) for ONE function instance, on a unix socket.
 *
 * The runtime inside the instance (our bootstraps, AWS's runtime interface clients, a `provided`
 * bootstrap written with curl) long-polls GET /runtime/invocation/next, runs the handler and
 * answers with POST /runtime/invocation/{id}/response or /error; a runtime that cannot start
 * posts /runtime/init/error. Each accepted answer is 202 {"status":"OK"}; refusals carry AWS's
 * {errorMessage, errorType} body: 400 for a request id that is not the current invocation's,
 * 403 for a second answer to one, 413 for an answer over Lambda's 6 MB synchronous limit (the
 * invocation then fails with Function.ResponseSizeTooLarge, as Lambda's does), 404 elsewhere.
 *
 * It turns one invocation into a promise: the result payload, a function error (the runtime's
 * own error document, passed through as Lambda passes it to the caller: FunctionError Unhandled),
 * or, before the first /next, an init error. One invocation at a time: the instance serialises.
 *
 * A streamed response (a handler wrapped in awslambda.streamifyResponse; over the frames
 * exchange, S and C frames) goes to the invocation's ResponseSink as it arrives, up to Lambda's
 * 20 MB (MAX_STREAMED_RESPONSE_BYTES); with no sink it is kept and answered as one payload under
 * the 6 MB limit, as Lambda answers a streaming function called with Invoke. Past either limit
 * the invocation fails with Function.ResponseSizeTooLarge. A sink that holds enough (its chunk()
 * answers a wait) is backpressure: the runtime's connection is not read until the wait settles,
 * so the runtime's writes stall (its socket's buffers fill) rather than Hangar buffering the
 * stream (stream-writer.ts).
 */
import { chmod, rm } from 'node:fs/promises';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeFrame, type Frame, FrameReader, FRAMES_PATH, FRAMES_PROTOCOL } from './runtime-frames.ts';
import { pauser } from './stream-writer.ts';

/** Lambda's synchronous response limit, in bytes, as its error message states it. */
export const MAX_RESPONSE_BYTES = 6_291_556;
/** Lambda's soft limit of a streamed response (InvokeWithResponseStream, RESPONSE_STREAM URLs). */
export const MAX_STREAMED_RESPONSE_BYTES = 20 * 1024 * 1024;
const PREFIX = '/2018-06-01/runtime';
/** A streamed response's type when the function sets none, as Lambda's Node runtime's. */
const DEFAULT_STREAM_TYPE = 'application/octet-stream';
const EMPTY = Buffer.alloc(0);
/** How many answered request ids an instance remembers (a late second answer comes right after
 *  the first, from the same runtime). */
const ANSWERED_KEPT = 64;

/** What a function's failure looks like to the caller: Lambda's Unhandled error document. */
export interface FunctionError {
  errorType: string;
  /** The error document as the caller gets it (the runtime's own JSON when it sent valid JSON). */
  payload: Buffer;
}

/** A result's contentType is set when the function streamed it (its response stream's type). */
export type InvocationOutcome = { kind: 'result'; payload: Buffer; contentType?: string } | { kind: 'error'; error: FunctionError };

/** Where a streamed response goes as the runtime writes it: start() once, before any chunk. The
 *  invocation's outcome still says how it ended (its result's payload is then empty). chunk()
 *  answers a wait when the sink holds as much as it should (stream-writer.ts): nothing more is
 *  read from the runtime until it settles. */
export interface ResponseSink {
  start(contentType: string): void;
  chunk(bytes: Buffer): Promise<void> | undefined;
}

export type InitOutcome = { kind: 'ready' } | { kind: 'error'; error: FunctionError };

/** What GET /next carries besides the event: Lambda's Lambda-Runtime-* headers. */
export interface InvocationMeta {
  requestId: string;
  /** Epoch milliseconds the invocation must finish by. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  /** JSON, as the Lambda-Runtime-Client-Context header carries it. */
  clientContext?: string;
  /** JSON, as the Lambda-Runtime-Cognito-Identity header carries it. */
  cognitoIdentity?: string;
}

/** An error document made here (not by the runtime), in the shape Lambda's runtimes send. */
export function errorDocument(errorType: string, errorMessage: string): FunctionError {
  return { errorType, payload: Buffer.from(JSON.stringify({ errorType, errorMessage })) };
}

interface Current {
  meta: InvocationMeta;
  event: Buffer;
  delivered: boolean;
  resolve(o: InvocationOutcome): void;
  sink: ResponseSink | null;
  /** Once the runtime has started a streamed response: its type, its size so far, and (no sink)
   *  its bytes. */
  stream: { contentType: string; bytes: number; kept: Buffer[] } | null;
}

/** A runtime waiting for its next invocation: a held GET /next, or a frames connection. */
interface Waiter {
  deliver(c: Current): void;
}

/** What the Runtime API answers a refused request, in AWS's shape. */
interface Refusal {
  status: 400 | 403 | 413;
  errorType: string;
  errorMessage: string;
}

/** The Runtime API server of one instance. listen() first; close() last. */
export class RuntimeApi {
  readonly socketPath: string;
  /** Settles at the runtime's first GET /next (ready) or its POST /init/error. */
  readonly ready: Promise<InitOutcome>;
  /** performance.now() of the first GET /next: the end of the init phase. */
  firstNextAt: number | null = null;
  private settleInit!: (o: InitOutcome) => void;
  private initSettled = false;
  private current: Current | null = null;
  /** The last ANSWERED_KEPT request ids answered: a second answer to one is 403, not 400. A warm
   *  instance serves millions of invocations; remembering every id would grow without end. */
  private readonly answered = new Set<string>();
  private waiting: Waiter | null = null;
  private readonly server: http.Server;
  /** Upgraded connections (runtime-frames.ts): the server's closeAllConnections() does not see them. */
  private readonly framed = new Set<Duplex>();
  private readonly maxBytes: number;

  constructor(socketPath: string, maxResponseBytes = MAX_RESPONSE_BYTES) {
    this.socketPath = socketPath;
    this.maxBytes = maxResponseBytes;
    this.ready = new Promise((resolve) => {
      this.settleInit = (o) => {
        if (this.initSettled) return;
        this.initSettled = true;
        resolve(o);
      };
    });
    this.server = http.createServer((req, res) => this.route(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    // One long poll may wait for minutes between invocations: no server-side timeouts.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.keepAliveTimeout = 0;
  }

  async listen(): Promise<void> {
    await rm(this.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
    // The instance's uid reaches it through the sandbox's forwarder, not as us.
    await chmod(this.socketPath, 0o666);
  }

  /** Whether an invocation is given and not yet answered. */
  get busy(): boolean {
    return this.current !== null;
  }

  /** Gives the runtime one invocation; settles with its answer, or with what fail() says. A
   *  streamed response goes to `sink` as it arrives (none: kept, and answered as the payload). */
  invoke(event: Buffer, meta: InvocationMeta, sink?: ResponseSink): Promise<InvocationOutcome> {
    if (this.current) throw new Error('runtime api: an invocation is already in flight');
    return new Promise((resolve) => {
      this.current = { meta, event, delivered: false, resolve, sink: sink ?? null, stream: null };
      if (this.waiting) this.deliver(this.waiting);
    });
  }

  /** Ends the init phase and the invocation in flight with `error` (the instance died or timed out). */
  fail(error: FunctionError): void {
    this.settleInit({ kind: 'error', error });
    this.finish({ kind: 'error', error });
  }

  async close(): Promise<void> {
    this.waiting = null;
    for (const s of this.framed) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.socketPath, { force: true });
  }

  private finish(o: InvocationOutcome): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.answered.add(c.meta.requestId);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.answered.size > ANSWERED_KEPT) this.answered.delete(this.answered.values().next().value!);
    c.resolve(o);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) this.nextOverHttp(res);
    else if (req.method === 'POST' && path === `${PREFIX}/init/error`) void this.initError(req, res);
    else if (req.method === 'POST' && m) void this.answer(req, res, safeDecode(m[1]), m[2] as 'response' | 'error');
    else {
      req.resume();
      reply(res, 404, { errorMessage: `no such Runtime API resource: ${req.method} ${path}`, errorType: 'NotFound' });
    }
  }

  /** GET /next: the response waits for an invocation. */
  private nextOverHttp(res: http.ServerResponse): void {
    const waiter: Waiter = { deliver: (c) => deliverOverHttp(res, c) };
    res.on('close', () => {
      if (this.waiting === waiter) this.waiting = null;
    });
    this.next(waiter);
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, id: string, kind: 'response' | 'error'): Promise<void> {
    const refused = this.refusal(id);
    if (refused) {
      req.resume();
      return replyRefusal(res, refused);
    }
    if (kind === 'response' && req.headers['lambda-runtime-function-response-mode'] === 'streaming')
      return this.answerStreaming(req, res, id);
    const c = this.current;
    const body = await readCapped(req, this.maxBytes);
    if (body === 'aborted') return; // The runtime hung up mid-answer: the invocation stays in flight.
    if (this.current !== c) return reply(res, 403, { errorMessage: `invocation ${id} has ended`, errorType: 'InvalidStateTransition' });
    const r = this.settle(kind, body, errorTypeHeader(req));
    if (r) replyRefusal(res, r);
    else reply(res, 202, { status: 'OK' });
  }

  /** A streamed response over HTTP: a chunked POST whose pieces are passed on as they arrive,
   *  an error after them in its Lambda-Runtime-Function-Error-Type and -Body (base64) trailers. */
  private async answerStreaming(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    const c = this.current;
    const type = req.headers['content-type'];
    this.streamStart(type ?? DEFAULT_STREAM_TYPE);
    let refused: Refusal | null = null;
    const pause = pauser(req);
    const ended = await new Promise<boolean>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        if (refused === null && this.current === c) refused = this.streamChunk(chunk, pause);
      });
      req.on('end', () => resolve(true));
      req.on('error', () => resolve(false));
      req.on('aborted', () => resolve(false));
    });
    if (refused) return replyRefusal(res, refused);
    if (!ended) return; // The runtime hung up mid-answer: the invocation stays in flight.
    if (this.current !== c) return reply(res, 403, { errorMessage: `invocation ${id} has ended`, errorType: 'InvalidStateTransition' });
    const trailer = (name: string) => {
      const v = req.trailers[name];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const errorType = trailer('lambda-runtime-function-error-type');
    if (errorType === undefined) this.settle('response', EMPTY, undefined);
    else this.settle('error', Buffer.from(trailer('lambda-runtime-function-error-body') ?? '', 'base64'), errorType);
    reply(res, 202, { status: 'OK' });
  }

  private async initError(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readCapped(req, this.maxBytes);
    if (body === 'aborted') return;
    const r = this.settleInitError(body, errorTypeHeader(req));
    if (r) replyRefusal(res, r);
    else reply(res, 202, { status: 'OK' });
  }

  private next(waiter: Waiter): void {
    if (this.firstNextAt === null) {
      this.firstNextAt = performance.now();
      this.settleInit({ kind: 'ready' });
    }
    this.waiting = waiter;
    // A /next while the given invocation is unanswered waits (it is not an answer): the
    // invocation stays in flight until answered or timed out, as Lambda's does.
    if (this.current && !this.current.delivered) this.deliver(waiter);
  }

  private deliver(waiter: Waiter): void {
    const c = this.current!;
    c.delivered = true;
    this.waiting = null;
    waiter.deliver(c);
  }

  /** Why an answer for `id` is refused now, or null when it answers the invocation in flight. */
  private refusal(id: string): Refusal | null {
    const c = this.current;
    if (c && c.meta.requestId === id && c.delivered) return null;
    if (this.answered.has(id))
      return { status: 403, errorMessage: `invocation ${id} has already been answered`, errorType: 'InvalidStateTransition' };
    return { status: 400, errorMessage: `invalid request id: ${id}`, errorType: 'InvalidRequestID' };
  }

  /** Ends the invocation in flight with the runtime's answer; a refusal when it is too large. A
   *  response after a streamed start ends the stream (its body the last bytes). */
  private settle(kind: 'response' | 'error', body: Buffer | 'too-large', errorTypeHeader: string | undefined): Refusal | null {
    if (body === 'too-large') return this.tooLarge(this.maxBytes);
    const stream = this.current?.stream;
    if (kind === 'error') this.finish({ kind: 'error', error: runtimeError(errorTypeHeader, body) });
    else if (!stream) this.finish({ kind: 'result', payload: body });
    else {
      const refused = body.length > 0 ? this.streamChunk(body) : null;
      if (refused) return refused;
      this.finish({ kind: 'result', payload: Buffer.concat(stream.kept), contentType: stream.contentType });
    }
    return null;
  }

  private tooLarge(limit: number): Refusal {
    const message = `Response payload size exceeded maximum allowed payload size (${limit} bytes).`;
    this.finish({ kind: 'error', error: errorDocument('Function.ResponseSizeTooLarge', message) });
    return { status: 413, errorMessage: message, errorType: 'RequestEntityTooLarge' };
  }

  /** The runtime starts a streamed response (once; a second start changes nothing). */
  private streamStart(contentType: string): void {
    const c = this.current!;
    if (c.stream) return;
    c.stream = { contentType, bytes: 0, kept: [] };
    c.sink?.start(contentType);
  }

  /** Bytes of the streamed response: to the sink (told to `pause` the runtime while the sink
   *  holds enough), or kept; a refusal past the limit. */
  private streamChunk(bytes: Buffer | 'too-large', pause?: (wait: Promise<void>) => void): Refusal | null {
    const c = this.current!;
    if (!c.stream) this.streamStart(DEFAULT_STREAM_TYPE);
    const stream = c.stream!;
    const limit = c.sink ? MAX_STREAMED_RESPONSE_BYTES : this.maxBytes;
    if (bytes === 'too-large' || stream.bytes + bytes.length > limit) return this.tooLarge(limit);
    stream.bytes += bytes.length;
    if (!c.sink) stream.kept.push(bytes);
    else {
      const wait = c.sink.chunk(bytes);
      if (wait) pause?.(wait);
    }
    return null;
  }

  /** The init error; a refusal when the init phase has ended or the document is too large. */
  private settleInitError(body: Buffer | 'too-large', errorTypeHeader: string | undefined): Refusal | null {
    if (this.initSettled) return { status: 403, errorMessage: 'the init phase has ended', errorType: 'InvalidStateTransition' };
    if (body === 'too-large') return { status: 413, errorMessage: 'init error document too large', errorType: 'RequestEntityTooLarge' };
    this.settleInit({ kind: 'error', error: runtimeError(errorTypeHeader, body) });
    return null;
  }

  /** The frames exchange (runtime-frames.ts), for Hangar's own runtimes. */
  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    if ((req.url ?? '').split('?')[0] !== FRAMES_PATH || req.headers.upgrade !== FRAMES_PROTOCOL) {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.framed.add(socket);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${FRAMES_PROTOCOL}\r\n\r\n`);
    const send = (parts: Buffer[]) => {
      socket.cork();
      for (const p of parts) socket.write(p);
      socket.uncork();
    };
    const waiter: Waiter = {
      deliver: (c) => {
        const m = c.meta;
        const head: Record<string, unknown> = {
          requestId: m.requestId,
          deadlineMs: m.deadlineMs,
          invokedFunctionArn: m.invokedFunctionArn,
        };
        if (m.traceId) head.traceId = m.traceId;
        if (m.clientContext) head.clientContext = m.clientContext;
        if (m.cognitoIdentity) head.cognitoIdentity = m.cognitoIdentity;
        send(encodeFrame('V', head, c.event));
      },
    };
    const refuse = (r: Refusal | null) => {
      if (r) send(encodeFrame('X', r));
    };
    const onFrame = (f: Frame) => {
      const errorType = typeof f.head.errorType === 'string' ? f.head.errorType : undefined;
      switch (f.type) {
        case 'N':
          return this.next(waiter);
        case 'R':
        case 'E': {
          const id = String(f.head.requestId ?? '');
          refuse(this.refusal(id) ?? this.settle(f.type === 'R' ? 'response' : 'error', f.body, errorType));
          // An answer is also the runtime's next /next.
          return this.next(waiter);
        }
        case 'S': {
          const r = this.refusal(String(f.head.requestId ?? ''));
          if (r) return refuse(r);
          return this.streamStart(typeof f.head.contentType === 'string' ? f.head.contentType : DEFAULT_STREAM_TYPE);
        }
        case 'C':
          return refuse(this.refusal(String(f.head.requestId ?? '')) ?? this.streamChunk(f.body, pause));
        case 'I':
          return refuse(this.settleInitError(f.body, errorType));
        default:
          // Not this protocol: nothing after it is read, not even the rest of this chunk.
          reader.stop();
          socket.destroy();
      }
    };
    const reader = new FrameReader(this.maxBytes, onFrame, () => socket.destroy());
    // Frames already read from a chunk still reach the sink: a socket read is at most 64 KB.
    const pause = pauser(socket);
    // The HTTP server's sockets allow half-open connections: a runtime's hang-up is only an 'end'
    // here, and without this its waiter would stay, and the next invocation go to a dead socket.
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      this.framed.delete(socket);
      if (this.waiting === waiter) this.waiting = null;
    });
    socket.on('data', (d: Buffer) => reader.push(d));
    if (head.length > 0) reader.push(head);
  }
}

/** The held GET /next answered with the invocation: its event and Lambda's headers. */
function deliverOverHttp(res: http.ServerResponse, c: Current): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': c.event.length,
    'lambda-runtime-aws-request-id': c.meta.requestId,
    'lambda-runtime-deadline-ms': String(c.meta.deadlineMs),
    'lambda-runtime-invoked-function-arn': c.meta.invokedFunctionArn,
    'lambda-runtime-trace-id': c.meta.traceId ?? '',
  };
  if (c.meta.clientContext) headers['lambda-runtime-client-context'] = c.meta.clientContext;
  if (c.meta.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = c.meta.cognitoIdentity;
  res.writeHead(200, headers).end(c.event);
}

/** The runtime's error type header. */
function errorTypeHeader(req: http.IncomingMessage): string | undefined {
  const header = req.headers['lambda-runtime-function-error-type'];
  return Array.isArray(header) ? header[0] : header;
}

/** The runtime's error document: its JSON as sent (errorType from the body, else the header),
 *  or, when the body is not a JSON object, one made from the header and the body's text. */
function runtimeError(header: string | undefined, body: Buffer): FunctionError {
  const headerType = header || 'Unknown';
  try {
    const doc = JSON.parse(body.toString('utf8')) as unknown;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const t = (doc as { errorType?: unknown }).errorType;
      return { errorType: typeof t === 'string' && t ? t : headerType, payload: body };
    }
  } catch {
    // Not JSON: described below.
  }
  return errorDocument(headerType, body.toString('utf8'));
}

/** The request's body; 'too-large' once it passes `max` bytes (the rest is drained, not kept). */
function readCapped(req: http.IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('aborted', () => resolve('aborted'));
  });
}

/** A path segment decoded, or as written when it is not valid percent-encoding (then no id matches). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function replyRefusal(res: http.ServerResponse, r: Refusal): void {
  reply(res, r.status, { errorMessage: r.errorMessage, errorType: r.errorType });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
