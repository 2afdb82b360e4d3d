/**
 * Hangar's Node.js runtime for functions: a Lambda Runtime API client, run by Hangar's pinned
 * Node inside the instance's sandbox. Plain JavaScript (no type stripping at each cold start).
 *
 *   AWS_LAMBDA_RUNTIME_API  host:port of the Runtime API (a path starting with '/' is taken as
 *                           a unix socket: Hangar's own, for running it outside a sandbox)
 *   _HANDLER                'file.export' (Lambda's form: the module is everything before the
 *                           first dot, relative to the task root; the export path may be nested)
 *   LAMBDA_TASK_ROOT        where the function's code is
 *
 * Loads the handler once (module state stays while the instance is warm), then loops:
 * GET /next -> handler(event, context[, callback]) -> POST /response or /error. Started by
 * Hangar (HANGAR_RUNTIME_API_SOCKET), it does the same over Hangar's frames exchange on that
 * socket instead (src/functions/runtime-frames.ts: one frame each way per invocation, where HTTP
 * takes two requests). A failure to
 * load goes to /init/error with Lambda's names (Runtime.ImportModuleError,
 * Runtime.HandlerNotFound, Runtime.UserCodeSyntaxError, Runtime.MalformedHandlerName).
 *
 * Response streaming, as Lambda's Node runtime offers it: the global `awslambda` with
 * streamifyResponse(handler) and HttpResponseStream.from(stream, {statusCode, headers, cookies}).
 * A streamified handler gets (event, responseStream, context), responseStream a Writable whose
 * bytes go to Hangar as they are written: over HTTP, a chunked POST /response with
 * Lambda-Runtime-Function-Response-Mode: streaming, an error after the first byte in its
 * Lambda-Runtime-Function-Error-Type and -Body trailers; over frames, S, C and R or E frames.
 */
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { format } from 'node:util';

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? '/var/task';
const handlerName = process.env._HANDLER ?? '';
// In Hangar's sandbox the Runtime API's unix socket is bound in, and this process offers it on
// AWS_LAMBDA_RUNTIME_API itself (for extensions and code that read the variable): a separate
// forwarder would be a second Node start in every cold start and ~40 MB of the function's memory.
const ownSocket = process.env.HANGAR_RUNTIME_API_SOCKET;
delete process.env.HANGAR_RUNTIME_API_SOCKET;
/** node:http, loaded only for the Runtime API's HTTP: loading it took ~11 ms of a cold start here,
 *  and Hangar's own exchange (frames, over node:net) does not need it. */
let http = null;
let agent = null;
const hostPort = { host: api.slice(0, api.lastIndexOf(':')), port: Number(api.slice(api.lastIndexOf(':') + 1)) };
const target = ownSocket ? { socketPath: ownSocket } : api.startsWith('/') ? { socketPath: api } : hostPort;

/** Listens on AWS_LAMBDA_RUNTIME_API and passes each connection to the socket; unref'd, so it
 *  never keeps the event loop alive (callbackWaitsForEmptyEventLoop). */
function offerRuntimeApi(socketPath) {
  const server = createServer((client) => {
    const up = connect(socketPath);
    client.pipe(up);
    up.pipe(client);
    for (const [a, b] of [
      [client, up],
      [up, client],
    ]) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(hostPort.port, hostPort.host, () => {
      server.unref();
      resolve();
    });
  });
}

async function loadHttp() {
  if (!http) {
    http = (await import('node:http')).default;
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }
}

/** One Runtime API request; resolves with status, headers and body. */
async function call(method, path, body, headers = {}) {
  await loadHttp();
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, agent, method, path: `/2018-06-01/runtime${path}`, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The Runtime API over HTTP, as AWS documents it. */
const httpExchange = {
  async next() {
    const r = await call('GET', '/invocation/next');
    if (r.status !== 200) throw new Error(`runtime api: GET /next answered ${r.status}`);
    const h = r.headers;
    return {
      requestId: h['lambda-runtime-aws-request-id'],
      deadlineMs: Number(h['lambda-runtime-deadline-ms']),
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      traceId: h['lambda-runtime-trace-id'],
      clientContext: h['lambda-runtime-client-context'],
      cognitoIdentity: h['lambda-runtime-cognito-identity'],
      body: r.body,
    };
  },
  async respond(id, body) {
    const r = await call('POST', `/invocation/${encodeURIComponent(id)}/response`, body, { 'content-type': 'application/json' });
    if (r.status === 413) process.stderr.write(`${new Date().toISOString()}\t${id}\tERROR\tresponse too large: ${r.body}\n`);
  },
  async fail(id, doc) {
    await postDoc(id === null ? '/init/error' : `/invocation/${encodeURIComponent(id)}/error`, doc);
  },
  /** A streamed response: one chunked POST /response, its error (if any) in its trailers. */
  openStream(id, contentType) {
    let settle;
    const answered = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    answered.catch(() => {});
    const req = loadHttp().then(() => {
      const r = http.request({
        ...target,
        agent,
        method: 'POST',
        path: `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
        headers: {
          'content-type': contentType,
          'lambda-runtime-function-response-mode': 'streaming',
          'transfer-encoding': 'chunked',
          trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
        },
      });
      r.on('response', (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          // A refusal (past the limit: the invocation has failed) goes to the log, as over frames.
          if (res.statusCode >= 400) {
            const why = parseJson(Buffer.concat(chunks).toString()) ?? {};
            process.stderr.write(`${new Date().toISOString()}\t${id}\tERROR\t${why.errorType}: ${why.errorMessage}\n`);
          }
          settle.resolve(res.statusCode);
        });
      });
      r.on('error', settle.reject);
      return r;
    });
    req.catch(settle.reject);
    const close = async (trailers) => {
      const r = await req;
      if (trailers) r.addTrailers(trailers);
      r.end();
      await answered;
    };
    return {
      write: async (bytes) => {
        const r = await req;
        await new Promise((resolve) => r.write(bytes, resolve));
      },
      end: () => close(null),
      fail: (doc) =>
        close({
          'Lambda-Runtime-Function-Error-Type': doc.errorType,
          'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(doc)).toString('base64'),
        }),
    };
  },
};

async function postDoc(path, doc) {
  await call('POST', path, JSON.stringify(doc), { 'content-type': 'application/json', 'lambda-runtime-function-error-type': doc.errorType });
}

/**
 * Hangar's frames exchange on its own socket (src/functions/runtime-frames.ts has the format): a
 * frame is its type, head and body lengths (4 bytes each, big-endian), a JSON head and the body.
 * The answer to an invocation also asks for the next one. Resolves once upgraded.
 */
function framesExchange(socketPath) {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write('GET /2018-06-01/runtime/hangar-frames HTTP/1.1\r\nhost: runtime\r\nconnection: Upgrade\r\nupgrade: hangar-runtime-frames/1\r\n\r\n'),
    );
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 16 * 1024) socket.destroy(new Error('the frames exchange answered no end of headers'));
        return;
      }
      // Handed over in this same turn: no data event comes between these two listeners.
      socket.off('data', onData);
      socket.off('error', reject);
      const status = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.1 101 /.test(status)) {
        socket.destroy();
        reject(new Error(`the frames exchange was refused (${status})`));
        return;
      }
      resolve(frames(socket, buf.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}

const EMPTY = Buffer.alloc(0);

function frames(socket, head) {
  let buf = head;
  let waiting = null;
  const queued = [];
  let asked = false;
  /** The last request answered, for a refusal that comes back after its answer. */
  let lastAnswered = null;
  /** The request whose response is streaming, and whether Hangar refused it (past its limit:
   *  the invocation has failed, the rest of the stream is not sent). */
  let streaming = null;
  let streamRefused = false;
  /** One write per frame (a string head: JSON). */
  const frameOf = (type, head, body) => {
    const headLen = Buffer.byteLength(head);
    const bodyLen = body === undefined ? 0 : Buffer.byteLength(body);
    const frame = Buffer.allocUnsafe(9 + headLen + bodyLen);
    frame[0] = type;
    frame.writeUInt32BE(headLen, 1);
    frame.writeUInt32BE(bodyLen, 5);
    frame.write(head, 9);
    if (typeof body === 'string') frame.write(body, 9 + headLen);
    else if (body) body.copy(frame, 9 + headLen);
    return frame;
  };
  /** Resolves once the frame is handed to the kernel (before the process may exit). */
  const send = (type, head, body) =>
    new Promise((resolve, reject) => socket.write(frameOf(type, head, body), (err) => (err ? reject(err) : resolve())));
  const onFrame = (type, h, body) => {
    if (type === 0x56 /* V */) {
      // The handler runs: this socket must not keep the event loop alive (a callback handler's
      // empty event loop, callbackWaitsForEmptyEventLoop).
      socket.unref();
      // The head has the invocation's fields by the names next() gives them.
      const inv = h;
      inv.body = body;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w.resolve(inv);
      } else queued.push(inv);
    } else if (type === 0x58 /* X */) {
      if (streaming !== null && streamRefused) return;
      if (streaming !== null) streamRefused = true;
      process.stderr.write(`${new Date().toISOString()}\t${streaming ?? lastAnswered}\tERROR\t${h.errorType}: ${h.errorMessage}\n`);
    }
  };
  socket.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 9) {
      const headLen = buf.readUInt32BE(1);
      const bodyLen = buf.readUInt32BE(5);
      if (buf.length < 9 + headLen + bodyLen) return;
      const h = JSON.parse(buf.toString('utf8', 9, 9 + headLen));
      const body = buf.subarray(9 + headLen, 9 + headLen + bodyLen);
      const type = buf[0];
      buf = bodyLen === 0 && buf.length === 9 + headLen ? EMPTY : buf.subarray(9 + headLen + bodyLen);
      onFrame(type, h, body);
    }
  });
  const gone = (err) => {
    if (waiting) waiting.reject(err);
    waiting = null;
  };
  socket.on('error', gone);
  socket.on('close', () => gone(new Error('runtime api: the frames connection closed')));
  const answered = (id) => {
    lastAnswered = id;
    socket.ref();
  };
  return {
    next() {
      if (!asked) {
        asked = true;
        void send(0x4e /* N */, '{}');
      }
      if (queued.length > 0) return Promise.resolve(queued.shift());
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    /** Not waited for: the next frame, or the socket's error, comes after it. */
    respond(id, body) {
      answered(id);
      socket.write(frameOf(0x52 /* R */, `{"requestId":${JSON.stringify(id)}}`, body));
    },
    fail(id, doc) {
      const body = JSON.stringify(doc);
      if (id === null) return send(0x49 /* I */, JSON.stringify({ errorType: doc.errorType }), body);
      answered(id);
      return send(0x45 /* E */, JSON.stringify({ requestId: id, errorType: doc.errorType }), body);
    },
    /** A streamed response: S, then a C per piece written (each resolves once handed to the
     *  kernel: the stream's backpressure), then R, or E with the error. */
    openStream(id, contentType) {
      const head = JSON.stringify({ requestId: id });
      streaming = id;
      streamRefused = false;
      void send(0x53 /* S */, JSON.stringify({ requestId: id, contentType }));
      const done = () => {
        const refused = streamRefused;
        streaming = null;
        streamRefused = false;
        return refused;
      };
      return {
        write: async (bytes) => {
          for (let at = 0; at < bytes.length && !streamRefused; at += MAX_CHUNK)
            await send(0x43 /* C */, head, bytes.subarray(at, at + MAX_CHUNK));
        },
        end: () => {
          answered(id);
          // Refused, the invocation has ended already: this still asks for the next one.
          if (done()) socket.write(frameOf(0x4e /* N */, '{}'));
          else socket.write(frameOf(0x52 /* R */, head));
        },
        fail: (doc) => {
          if (done()) {
            answered(id);
            return send(0x4e /* N */, '{}');
          }
          return this.fail(id, doc);
        },
      };
    },
  };
}

/** The most bytes one C frame carries: a large write goes as several. */
const MAX_CHUNK = 1024 * 1024;

/** How this runtime talks to Hangar (or to any Runtime API): set in main(). */
let exchange = httpExchange;

/** Lambda's error document for a thrown value: errorType is the error's name. */
function errorDoc(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    const trace = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    return { errorType: err.name || err.constructor?.name || 'Error', errorMessage: String(err.message), trace };
  }
  return { errorType: typeof err, errorMessage: typeof err === 'string' ? err : format('%o', err), trace: [] };
}

/** A named error, as Lambda's runtime raises for problems loading the handler. */
function named(name, message, cause) {
  const e = new Error(message, cause ? { cause } : undefined);
  e.name = name;
  if (cause?.stack) e.stack = `${name}: ${message}\n${String(cause.stack).split('\n').slice(1).join('\n')}`;
  return e;
}

/** Reports `err` as the invocation's error (id), or as the init error (id null). */
async function postError(id, err) {
  await exchange.fail(id, errorDoc(err));
}

/** The handler function `_HANDLER` names. */
async function loadHandler() {
  if (handlerName.includes('..'))
    throw named('Runtime.MalformedHandlerName', `'${handlerName}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  // The directory part may hold dots; the module is the last part up to its first dot.
  const slash = handlerName.lastIndexOf('/');
  const m = /^([^.]*)\.(.*)$/.exec(handlerName.slice(slash + 1));
  if (!m || !m[1] || !m[2]) throw named('Runtime.MalformedHandlerName', `Bad handler ${handlerName}`);
  const modulePath = handlerName.slice(0, slash + 1) + m[1];
  const exportPath = m[2];
  const base = join(taskRoot, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) throw named('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  let mod;
  try {
    // import() loads ES modules and CommonJS alike (a CommonJS module's exports are its default).
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err instanceof SyntaxError) throw named('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`, err);
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND')
      throw named('Runtime.ImportModuleError', `Error: ${err.message}`, err);
    throw err;
  }
  const find = (root) => exportPath.split('.').reduce((o, k) => (o == null ? undefined : o[k]), root);
  let fn = find(mod);
  if (fn === undefined && mod.default && typeof mod.default === 'object') fn = find(mod.default);
  if (fn === undefined) throw named('Runtime.HandlerNotFound', `${modulePath}.${exportPath} is undefined or not exported`);
  if (typeof fn !== 'function') throw named('Runtime.HandlerNotFound', `${modulePath}.${exportPath} is not a function`);
  return fn;
}

/** The request being handled, for console lines and for an uncaught error. */
let currentId = null;

// Lambda's console: each line carries the time, the request id and the level. With JSON logs
// (AWS_LAMBDA_LOG_FORMAT=JSON) each call is one JSON record, and calls below
// AWS_LAMBDA_LOG_LEVEL write nothing, as Lambda's Node runtime does.
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
const threshold = Math.max(0, LEVELS.indexOf(process.env.AWS_LAMBDA_LOG_LEVEL ?? 'INFO'));

/** An error as a JSON record shows it: its type, message and stack as lines (and its own fields). */
const errorFields = (err) => ({
  errorType: err?.constructor?.name ?? 'UnknownError',
  errorMessage: err.message,
  stackTrace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
});
const errorReplacer = (_key, value) => (value instanceof Error ? { ...errorFields(value), ...value } : value);

/** One console call as a JSON record: a lone argument is the message as it is (an object stays
 *  an object, an error its fields); several are formatted as one string, the first error's
 *  fields beside it. */
function jsonRecord(level, args) {
  const record = { timestamp: new Date().toISOString(), level, requestId: currentId ?? undefined };
  if (args.length === 1) {
    try {
      return JSON.stringify({ ...record, message: args[0] }, errorReplacer);
    } catch {
      return JSON.stringify({ ...record, message: format(args[0]) });
    }
  }
  const err = args.find((a) => a instanceof Error);
  return JSON.stringify({ ...record, message: format(...args), ...(err === undefined ? {} : errorFields(err)) });
}

for (const [method, level] of [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
  ['fatal', 'FATAL'],
]) {
  if (jsonLogs) {
    console[method] = LEVELS.indexOf(level) < threshold ? () => {} : (...args) => process.stdout.write(`${jsonRecord(level, args)}\n`);
  } else if (method !== 'fatal') {
    console[method] = (...args) => {
      process.stdout.write(`${new Date().toISOString()}\t${currentId ?? 'undefined'}\t${level}\t${format(...args).replace(/\n/g, '\r')}\n`);
    };
  }
}

/** An error the handler did not catch ends the process, as on Lambda: report it first. */
async function fatal(err) {
  try {
    await postError(currentId, err);
  } finally {
    process.stderr.write(`${JSON.stringify(errorDoc(err))}\n`);
    process.exit(129);
  }
}
process.on('uncaughtException', (err) => void fatal(err));
process.on('unhandledRejection', (reason) => {
  const err = reason instanceof Error ? reason : new Error(String(reason));
  const e = named('Runtime.UnhandledPromiseRejection', `${err.name}: ${err.message}`, err);
  void fatal(e);
});

/** The instance's own facts, the same for each invocation: read once (a process.env read is a
 *  call into C++ and a getenv, five of them per invocation otherwise). */
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
const functionVersion = process.env.AWS_LAMBDA_FUNCTION_VERSION;
const memoryLimitInMB = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
const logGroupName = process.env.AWS_LAMBDA_LOG_GROUP_NAME;
const logStreamName = process.env.AWS_LAMBDA_LOG_STREAM_NAME;

/** A JSON header's value (client context, Cognito identity), or undefined. */
function parseJson(h) {
  if (!h) return undefined;
  try {
    return JSON.parse(h);
  } catch {
    return undefined;
  }
}

/** Lambda's context for invocation `inv` (what next() gives). */
function makeContext(inv, finish) {
  const deadline = inv.deadlineMs;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: inv.requestId,
    invokedFunctionArn: inv.invokedFunctionArn,
    functionName,
    functionVersion,
    memoryLimitInMB,
    logGroupName,
    logStreamName,
    clientContext: parseJson(inv.clientContext),
    identity: parseJson(inv.cognitoIdentity),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The legacy completion methods Lambda's context still has.
    succeed: (result) => finish(null, result, false),
    fail: (err) => finish(err ?? new Error('handled'), undefined, false),
    done: (err, result) => finish(err, result, false),
  };
  return context;
}

/** Runs one invocation to its answer: the result, or the error's document. */
function runHandler(handler, event, inv) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (err, result, waitForLoop) => {
      if (done) return;
      done = true;
      const answer = err != null ? { err } : { result };
      // callback(): Lambda answers once the event loop is empty unless the handler said not to
      // wait. Only the runtime's idle keep-alive socket (unref'd) is left then: beforeExit fires.
      if (waitForLoop && context.callbackWaitsForEmptyEventLoop) process.once('beforeExit', () => resolve(answer));
      else resolve(answer);
    };
    const context = makeContext(inv, finish);
    try {
      const out = handler(event, context, (err, result) => finish(err, result, true));
      if (out && typeof out.then === 'function') out.then((r) => finish(null, r, false), (e) => finish(e ?? new Error('rejected'), undefined, false));
      // A handler that neither returns a promise nor takes a callback answers with what it returned.
      else if (handler.length < 3) finish(null, out, false);
    } catch (err) {
      finish(err, undefined, false);
    }
  });
}

// Lambda's Node runtime marks a streamified handler with this symbol (libraries test for it).
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const STREAM_RESPONSE = 'response';
/** What a function URL reads as a prelude (JSON, then 8 zero bytes) before the body. */
const HTTP_INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';
/** Bytes written before the stream's first: HttpResponseStream.from's prelude. */
const PRELUDE = Symbol('prelude');

class HttpResponseStream {
  /** The prelude {statusCode, headers, cookies} goes before the first bytes written. */
  static from(stream, prelude) {
    stream.setContentType(HTTP_INTEGRATION_TYPE);
    stream[PRELUDE] = Buffer.concat([Buffer.from(JSON.stringify(prelude ?? {})), Buffer.alloc(8)]);
    return stream;
  }
}

globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[HANDLER_STREAMING] = STREAM_RESPONSE;
    if (options?.highWaterMark !== undefined) handler.highWaterMark = options.highWaterMark;
    return handler;
  },
  HttpResponseStream,
};

/** The Writable a streamified handler writes to: opened (S, or the POST) at the first write or
 *  the end, so setContentType and HttpResponseStream.from count until then. Its pieces go out in
 *  order, one after another (settled(): once all have). */
function responseStream(id, highWaterMark) {
  let contentType = 'application/octet-stream';
  let out = null;
  let chain = Promise.resolve();
  const push = (bytes) => (chain = chain.then(() => out.write(bytes)));
  const open = () => {
    if (out) return;
    out = exchange.openStream(id, contentType);
    if (stream[PRELUDE]) push(stream[PRELUDE]);
  };
  const stream = new Writable({
    ...(highWaterMark === undefined ? {} : { highWaterMark }),
    write(chunk, _encoding, cb) {
      open();
      push(chunk).then(() => cb(), cb);
    },
    final(cb) {
      open();
      chain.then(() => cb(), cb);
    },
  });
  stream.setContentType = (type) => {
    contentType = String(type);
  };
  stream.opened = () => out;
  stream.settled = () => chain.catch(() => {});
  return stream;
}

/** Runs a streamified handler to its end: its stream ended (by it, or here once it returns). An
 *  error after the first write comes after the bytes written before it. */
async function runStreaming(handler, event, inv) {
  const stream = responseStream(inv.requestId, handler.highWaterMark);
  try {
    await handler(event, stream, makeContext(inv, () => {}));
    if (!stream.writableEnded) stream.end();
    await finished(stream);
    return { out: stream.opened() };
  } catch (err) {
    await stream.settled();
    stream.destroy();
    return { err: err ?? new Error('rejected'), out: stream.opened() };
  }
}

async function main() {
  let handler;
  try {
    if (ownSocket && !api.startsWith('/')) await offerRuntimeApi(ownSocket);
    if (ownSocket) exchange = await framesExchange(ownSocket);
    handler = await loadHandler();
  } catch (err) {
    process.stderr.write(`${JSON.stringify(errorDoc(err))}\n`);
    await postError(null, err);
    process.exit(1);
  }
  for (;;) {
    const next = await exchange.next();
    const id = next.requestId;
    currentId = id;
    if (next.traceId) process.env._X_AMZN_TRACE_ID = next.traceId;
    let event;
    try {
      event = JSON.parse(next.body.toString('utf8'));
    } catch (err) {
      await postError(id, named('Runtime.UnmarshalError', `Unable to parse input as json: ${err.message}`));
      currentId = null;
      continue;
    }
    if (handler[HANDLER_STREAMING] === STREAM_RESPONSE) {
      const { err, out } = await runStreaming(handler, event, next);
      if (err) process.stderr.write(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(errorDoc(err))}\n`);
      // An error after the first byte ends the stream with it; before, it is the invocation's error.
      if (err && out) await out.fail(errorDoc(err));
      else if (err) await postError(id, err);
      else await out.end();
      currentId = null;
      continue;
    }
    const answer = await runHandler(handler, event, next);
    if ('err' in answer) {
      process.stderr.write(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(errorDoc(answer.err))}\n`);
      await postError(id, answer.err);
    } else {
      let body;
      try {
        // undefined answers as null, as Lambda's runtime does.
        body = JSON.stringify(answer.result === undefined ? null : answer.result);
      } catch (err) {
        await postError(id, named('Runtime.MarshalError', `Unable to stringify response body: ${err.message}`));
        currentId = null;
        continue;
      }
      // The frames exchange does not wait for its write (HTTP's POST is waited for).
      const sent = exchange.respond(id, body);
      if (sent) await sent;
    }
    currentId = null;
  }
}

await main();
