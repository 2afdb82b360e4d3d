/**
 * Synchronous invocations on the scale-out shape (issue 23): an invocation that reaches any API
 * node runs on a warm instance on any worker host.
 *
 * How Lambda does it: a stateless frontend authenticates the Invoke, checks the function's
 * concurrency against a counter shared by every frontend, asks a placement service for an idle
 * sandbox of that exact version (or has one cold-started on a worker with room), and relays the
 * request to it over a connection it keeps; when that worker dies the frontend answers the caller
 * at once. Hangar's parts, the same in kind:
 *  - Worker hosts that run functions (a FunctionHost: sandboxed workers) listen on an internal
 *    HTTP port (HANGAR_FUNCTION_PORT, HANGAR_FUNCTION_ADDRESS) and advertise it through the store
 *    (function_hosts) with their capacity, their load and their idle warm instances by warm key
 *    (functions/warm-key.ts): every heartbeat, and within ~20 ms whenever the set of warm versions
 *    changes. Each advert also carries the most invocations of each function's alias or version
 *    the host ran at once since its previous one: the measure of provisioned concurrency scaling,
 *    whose loop may run on any node (app/scaling.ts). The store is what every node already
 *    shares, as push dispatch's worker_offers (store/postgres/push.ts) advertise free task slots
 *    to submits in other processes; unlike a task, an invocation is not stored, so the API node
 *    calls the host directly instead of writing a row the host is notified of (a NOTIFY round
 *    trip and two writes per invoke would not fit "p50 ≤ floor + 3 ms").
 *  - An API node keeps the adverts (read again at most every REFRESH_MS, in the background) and
 *    chooses a host (core/function-placement.ts: one holding an idle warm instance of the
 *    version, else the least loaded), correcting the adverts with what it knows better: its own
 *    invocations in flight, and the hosts where it just ran the version (they hold it warm now,
 *    before their next advert says so). It sends the invocation over a keep-alive HTTP
 *    connection, signed with an HMAC whose key is derived from the secrets master key that every
 *    scale-out node shares (HANGAR_SECRETS_KEY): no new secret to distribute, and a request
 *    from anything that does not hold it is refused. The worker host runs it through the same
 *    function as an embedded invocation (runOnHost, app/invoke.ts) and answers the result.
 *  - The answer is a sequence of frames (functions/runtime-frames.ts's framing: type, head
 *    length, body length, a JSON head, the body): for a function that streams its response to a
 *    caller that streams (InvokeWithResponseStream, a RESPONSE_STREAM function URL), S
 *    {contentType} and a C + bytes per piece as the runtime writes it, then always one A
 *    {ok, result | error} + payload + log, the end. So the caller's time to first byte is the
 *    function's, not its whole run's; and a caller that reads slowly slows the function: the API
 *    node stops reading the hop while its caller's stream holds enough, the host's writes then
 *    wait, and the host stops reading the runtime (functions/stream-writer.ts). A stream whose
 *    host is lost before its A ends with an error (below), never quietly as if complete.
 *  - The host answers the response headers as soon as it has accepted the invocation, before it
 *    runs it. A failure before them (refused connection, a reset keep-alive connection) means the
 *    invocation did not start: the API node tries another host, and leaves the failed one out
 *    until it advertises itself again. A failure after them means the host died while running it
 *    (SIGKILL, a crash): the caller gets Lambda's ServiceException (500) at once, Lambda's
 *    answer to a transient fault of its own ("invoking Lambda results in a 500 error, such as
 *    ServiceException", AWS's Step Functions guide, "Handle Lambda service exceptions"), and not a
 *    function error — "Runtime.ExitError" is Lambda's word for the function's own process
 *    exiting, which the host does report as such when it is alive to. The SDKs retry a 500, and the retry runs on a host that is alive. A
 *    caller already streaming has its stream cut short with that error instead (an event stream
 *    or chunked body that does not end properly). A host that stops answering without closing
 *    the connection (or a hop its caller has not read from) is given up once the invocation's
 *    timeout (plus the init and transfer allowance) has passed.
 *  - The hop has a protocol version (HOP_VERSION), so that during a rolling upgrade an API node
 *    and a host of different versions never misread each other: an API node sends it in a
 *    header and sends only to hosts that advertise the same (an advert without one is a host
 *    from before versions, 1), warning once of each host it leaves out for it; a host refuses a
 *    request of another version (or none) before it runs anything, answering its own, which is a
 *    refusal as above (not started: another host may take it) and a warning naming both. Which
 *    to upgrade first: docs/scale-out.md, "Upgrading".
 *  - Reserved concurrency is counted in the store, one lease row per invocation in flight, taken
 *    under the function row's lock, so the limit holds across API nodes. Only functions with
 *    reserved concurrency pay for it (the take and the release; whether a function has it is
 *    read beside the function itself, as on the embedded shape). A lease lasts as long as its invocation could run, so one whose API node
 *    died frees its slot by itself.
 * The embedded shape never comes here: its invocations run on its own FunctionHost, with no hop.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { BlobStore } from '../blobs/index.ts';
import {
  advertisedFunctionAddress,
  chooseHost,
  ErrorCode,
  HangarError,
  Internal,
  InvalidInput,
  isLoopbackAddress,
  Misconfigured,
  NotFound,
  TooLarge,
  Unavailable,
  Throttled,
  type Clock,
  type FunctionSnapshot,
} from '../core/index.ts';
import { encodeFrame, FrameReader, FunctionHost, pauser, type ResponseSink, writeStreamed } from '../functions/index.ts';
import type { Logger } from '../log/index.ts';
import type { FunctionFleet, FunctionHostEntry } from '../store/index.ts';
import { admitShared, holdMsOf } from './function-admission.ts';
import { MAX_PAYLOAD_BYTES, runOnHost, warmKeyOfSnapshot, type HostInvocation, type InvokeResult, type RemoteInvoker } from './invoke.ts';

/** The path a worker host takes invocations on. */
const INVOKE_PATH = '/invocations';
/** The hop protocol's version: 1, before versions (one answer, not frames); 2, the answer in
 *  frames. Raised whenever the request or the answer changes in a way the other side misreads. */
export const HOP_VERSION = 2;
/** The request's header, and the host's answer's, that carry it. */
export const HOP_HEADER = 'x-hangar-hop';
/** What the dispatch key is derived for (SecretBox.derive). */
export const DISPATCH_KEY_PURPOSE = 'hangar function dispatch v1';
/** How far a request's signed time may be from the host's clock, ms. */
const MAX_SKEW_MS = 5 * 60_000;
/** How stale an API node's copy of the adverts may get before it reads them again (in the
 *  background: the invocation does not wait), ms. */
const REFRESH_MS = 250;
/** Older than this, the copy is read again before choosing (after a quiet spell, the hosts and
 *  their warm instances may have changed much), ms. */
const MAX_STALE_MS = 1000;
/** How long an API node counts a version as warm on a host where it just ran, before the
 *  host's advert says so, ms. */
const RECENT_MS = 10_000;
/** The largest request a host takes: the payload and its metadata. */
const MAX_REQUEST_BYTES = MAX_PAYLOAD_BYTES + 1024 * 1024;
/** The largest frame body of an answer: a result (a streamed one kept whole is up to the
 *  Runtime API's 6 MB) and its log (a 64 KB tail and the platform's lines). */
const MAX_ANSWER_FRAME_BYTES = MAX_PAYLOAD_BYTES + 1024 * 1024;
/** A worker host's advert lives this many heartbeats unless written again. */
const ADVERT_HEARTBEATS = 3;
/** A change of the warm set is advertised this soon (changes in a burst make one write), ms. */
const ADVERT_DEBOUNCE_MS = 20;

const warmKeyOf = (inv: HostInvocation): string => warmKeyOfSnapshot(inv.owner, inv.f);

// The wire: a request's body is [u32 length of the JSON metadata][metadata][bytes...]; the
// answer's, frames (above).

function frame(meta: unknown, ...parts: Buffer[]): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(json.length);
  return Buffer.concat([head, json, ...parts]);
}

function unframe<T>(body: Buffer): { meta: T; rest: Buffer } {
  if (body.length < 4) throw new Error('short frame');
  const n = body.readUInt32BE(0);
  if (4 + n > body.length) throw new Error('short frame');
  return { meta: JSON.parse(body.subarray(4, 4 + n).toString('utf8')) as T, rest: body.subarray(4 + n) };
}

function signature(key: KeyObject, time: string, body: Buffer): string {
  return createHmac('sha256', key).update(`${time}\n`).update(body).digest('base64url');
}

/** `stream`: the caller takes a streamed response as it is written (S and C frames). */
type InvocationMeta = Omit<HostInvocation, 'payload'> & { stream?: true };
type ResultMeta = Omit<InvokeResult, 'payload' | 'log'> & { payloadLength: number };
type Answer =
  | { ok: true; result: ResultMeta }
  | { ok: false; error: { name: string; code: ErrorCode; message: string; retryAfter?: number } };

/** A host's refusal as the API node's own error (the same class, so the caller's protocol maps it
 *  as if it had been made here). */
function errorOf(e: Extract<Answer, { ok: false }>['error']): HangarError {
  switch (e.name) {
    case 'InvalidInput':
      return new InvalidInput(e.code, e.message);
    case 'NotFound':
      return new NotFound(e.code, e.message);
    case 'TooLarge':
      return new TooLarge(e.message);
    case 'Throttled':
      return new Throttled(e.code, e.message, e.retryAfter ?? 1);
    case 'Unavailable':
      return new Unavailable(e.code, e.message, e.retryAfter ?? 1);
    default:
      return new Internal(`the worker host failed the invocation: ${e.message}`);
  }
}

/** The invocation did not reach a host that accepted it: another host may take it. */
class NotAccepted extends Error {}

async function readBody(stream: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface DispatcherDeps {
  fleet: FunctionFleet;
  /** The store's clock (adverts' times are in it). */
  clock: Clock;
  /** The dispatch key (SecretBox.derive(DISPATCH_KEY_PURPOSE)). */
  key: Buffer;
  log: Logger;
  random?: () => number;
}

/** An API node's side: chooses a worker host for each invocation and sends it there. */
export class FunctionDispatcher implements RemoteInvoker {
  private readonly deps: DispatcherDeps;
  private readonly random: () => number;
  private readonly agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000, scheduling: 'lifo' });
  private hosts: FunctionHostEntry[] = [];
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;
  /** Invocations this node has in flight, by host id and by `hostId warmKey`. */
  private readonly inflight = new Map<string, number>();
  /** When this node last saw a version's invocation end well on a host (`hostId warmKey`). */
  private readonly recent = new Map<string, number>();
  /** Hosts that failed to take an invocation, with when (the store's clock): left out until
   *  they advertise themselves after it. */
  private readonly failed = new Map<string, number>();
  /** Hosts advertising another hop version, already warned of (left out while they do). */
  private readonly otherHop = new Set<string>();

  /** The dispatch key as a KeyObject, made once (a Buffer key is imported again by every HMAC). */
  private readonly key: KeyObject;

  constructor(deps: DispatcherDeps) {
    this.deps = deps;
    this.key = createSecretKey(deps.key);
    this.random = deps.random ?? Math.random;
  }

  admit(userId: string, f: FunctionSnapshot, reserved: number | null): Promise<() => Promise<void>> {
    return admitShared(this.deps.fleet, userId, f, reserved, (err, leaseId) => this.deps.log.warn({ err, leaseId }, 'lease not released'));
  }

  async invoke(inv: HostInvocation, sink?: ResponseSink): Promise<InvokeResult> {
    const key = warmKeyOf(inv);
    const tried = new Set<string>();
    for (;;) {
      const host = chooseHost(await this.candidates(key, tried), this.random);
      if (!host) {
        const others = [...new Set(this.hosts.filter((h) => h.hop !== HOP_VERSION).map((h) => h.hop))];
        throw new Unavailable(
          ErrorCode.FunctionsUnavailable,
          tried.size
            ? 'no worker host took the invocation: those advertised are not answering'
            : others.length > 0
              ? `no worker host takes this API node's hop version ${HOP_VERSION} (those advertised take ${others.join(', ')}): finish the rolling upgrade (docs/scale-out.md, "Upgrading")`
              : 'no worker host runs functions now: start `hangar worker` processes with the sandbox executor (they advertise themselves through the database)',
          5,
        );
      }
      tried.add(host.hostId);
      try {
        return await this.send(host.entry, key, inv, sink);
      } catch (err) {
        if (!(err instanceof NotAccepted)) throw err;
        this.failed.set(host.hostId, this.deps.clock.now());
        this.deps.log.warn(
          { host: host.hostId, address: host.entry.address, err: err.message },
          'worker host did not take an invocation; trying another',
        );
      }
    }
  }

  close(): void {
    this.agent.destroy();
  }

  /** The hosts that may take an invocation of `key`, as the chooser sees them. */
  private async candidates(key: string, tried: Set<string>) {
    const view = () =>
      this.hosts
        .filter(
          (h) => h.hop === HOP_VERSION && !tried.has(h.hostId) && (this.failed.get(h.hostId) ?? Number.NEGATIVE_INFINITY) < h.updatedAt,
        )
        .map((h) => {
          const both = `${h.hostId} ${key}`;
          const mine = this.inflight.get(both) ?? 0;
          const justRan = (this.recent.get(both) ?? Number.NEGATIVE_INFINITY) > Date.now() - RECENT_MS ? 1 : 0;
          return {
            hostId: h.hostId,
            capacity: h.capacity,
            busy: h.busy + (this.inflight.get(h.hostId) ?? 0),
            warm: Math.max(h.warm[key] ?? 0, justRan) - mine,
            entry: h,
          };
        });
    const age = Date.now() - this.readAt;
    let out = view();
    if (out.length === 0 || age > MAX_STALE_MS) {
      // None to choose from, or a copy too old to choose by: read before choosing.
      await this.refresh();
      out = view();
    } else if (age > REFRESH_MS) void this.refresh().catch(() => {});
    return out;
  }

  private refresh(): Promise<void> {
    this.reading ??= this.deps.fleet
      .listHosts()
      .then((hosts) => {
        this.hosts = hosts;
        this.readAt = Date.now();
        for (const id of this.failed.keys()) if (!hosts.some((h) => h.hostId === id)) this.failed.delete(id);
        for (const id of this.otherHop) if (!hosts.some((h) => h.hostId === id && h.hop !== HOP_VERSION)) this.otherHop.delete(id);
        for (const h of hosts) {
          if (h.hop === HOP_VERSION || this.otherHop.has(h.hostId)) continue;
          this.otherHop.add(h.hostId);
          this.deps.log.warn(
            { host: h.hostId, address: h.address, hostHop: h.hop, hop: HOP_VERSION },
            `worker host takes hop version ${h.hop}, this API node sends ${HOP_VERSION}: it is sent no invocations (finish the rolling upgrade: docs/scale-out.md)`,
          );
        }
      })
      .finally(() => (this.reading = null));
    return this.reading;
  }

  private count(map: Map<string, number>, k: string, d: number): void {
    const n = (map.get(k) ?? 0) + d;
    if (n > 0) map.set(k, n);
    else map.delete(k);
  }

  private async send(host: FunctionHostEntry, key: string, inv: HostInvocation, sink?: ResponseSink): Promise<InvokeResult> {
    const { payload, ...rest } = inv;
    const meta: InvocationMeta = sink ? { ...rest, stream: true } : rest;
    const body = frame(meta, payload);
    const time = String(this.deps.clock.now());
    const both = `${host.hostId} ${key}`;
    this.count(this.inflight, host.hostId, 1);
    this.count(this.inflight, both, 1);
    try {
      const answer = await new Promise<{ a: Answer; body: Buffer }>((resolve, reject) => {
        let accepted = false;
        const req = request(`${host.address}${INVOKE_PATH}`, {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': body.length,
            'x-hangar-time': time,
            'x-hangar-signature': signature(this.key, time, body),
            [HOP_HEADER]: String(HOP_VERSION),
          },
        });
        // Nothing heard for as long as the invocation may take: the host is gone without a word.
        req.setTimeout(holdMsOf(inv.f), () => req.destroy(new Error('the worker host stopped answering')));
        req.on('error', (err) => {
          if (accepted) return;
          reject(new NotAccepted(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim()));
        });
        req.on('response', (res) => {
          accepted = true;
          if (res.statusCode !== 200) {
            res.resume();
            // Refused before it ran (a bad signature, a host shutting down, another hop version):
            // not this invocation's fault.
            const theirs = res.headers[HOP_HEADER];
            if (theirs !== undefined && theirs !== String(HOP_VERSION)) {
              this.deps.log.warn(
                { host: host.hostId, address: host.address, hostHop: theirs, hop: HOP_VERSION },
                `worker host refused this API node's hop version ${HOP_VERSION}: it takes version ${theirs} (finish the rolling upgrade: docs/scale-out.md)`,
              );
              reject(new NotAccepted(`status ${res.statusCode}: hop version ${theirs}, this node's ${HOP_VERSION}`));
            } else reject(new NotAccepted(`status ${res.statusCode}`));
            return;
          }
          let answered = false;
          // The caller's stream holds enough: the hop is not read (the host's writes wait).
          const pause = pauser(res);
          const reader = new FrameReader(
            MAX_ANSWER_FRAME_BYTES,
            (f) => {
              if (f.type === 'S') sink?.start(String(f.head.contentType));
              else if (f.type === 'C' && f.body !== 'too-large') {
                const wait = sink?.chunk(f.body);
                if (wait) pause(wait);
              } else if (f.type === 'A' && f.body !== 'too-large') {
                answered = true;
                resolve({ a: f.head as Answer, body: f.body });
              } else res.destroy(new Error(`the worker host answered a frame this node does not take (${f.type})`));
            },
            (message) => res.destroy(new Error(message)),
          );
          res.on('data', (c: Buffer) => reader.push(c));
          res.on('error', () => {});
          res.on('close', () => {
            if (!answered)
              reject(
                new Internal(
                  `the worker host ${host.hostId} (${host.address}) running invocation ${inv.requestId} was lost before it answered`,
                ),
              );
          });
        });
        req.end(body);
      });
      const { a, body: out } = answer;
      if (!a.ok) throw errorOf(a.error);
      const { payloadLength, ...result } = a.result;
      this.recent.set(both, Date.now());
      if (this.recent.size > 10_000) this.recent.clear();
      return { ...result, payload: out.subarray(0, payloadLength), log: out.subarray(payloadLength) };
    } finally {
      this.count(this.inflight, host.hostId, -1);
      this.count(this.inflight, both, -1);
    }
  }
}

export interface FunctionServerOptions {
  host: FunctionHost;
  /** The store's clock: the API nodes sign with the same (the database's) time. */
  clock: Clock;
  blobs: BlobStore;
  fleet: FunctionFleet;
  /** The dispatch keys of every key of the secrets keyring (SecretBox.deriveAll): a request
   *  signed with any of them is taken, so that while the master key is rotated, node by node, a
   *  host takes invocations from API nodes that sign with the old key and from those that sign
   *  with the new one (docs/scale-out.md, "Rotating the secrets master key"). */
  keys: readonly Buffer[];
  /** Unique per process: the worker id. */
  hostId: string;
  /** Where to listen (HANGAR_HOST, HANGAR_FUNCTION_PORT; 0: any free port). */
  bindHost: string;
  port: number;
  /** Where API nodes reach it (HANGAR_FUNCTION_ADDRESS: a base URL, or a host with an optional
   *  port); default from the bind (core/function-address.ts). */
  address?: string;
  /** Invocations it runs at once before it counts as loaded. */
  capacity: number;
  heartbeatMs: number;
  log: Logger;
}

/**
 * A worker host's side: listens for invocations from API nodes, runs them on this process's
 * FunctionHost, and advertises itself in the store until closed.
 */
export class FunctionServer {
  readonly address: string;
  private readonly o: FunctionServerOptions;
  private readonly server: Server;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private unwatch: () => void = () => {};
  /** The warm keys of the last advert written. */
  private advertised = new Set<string>();
  /** Request ids taken lately, with when (oldest first). */
  private readonly seen = new Map<string, number>();

  private readonly keys: readonly KeyObject[];

  private constructor(o: FunctionServerOptions, server: Server, address: string) {
    this.o = o;
    this.keys = o.keys.map((k) => createSecretKey(k));
    this.server = server;
    this.address = address;
  }

  static async start(o: FunctionServerOptions): Promise<FunctionServer> {
    const server = createServer({ keepAliveTimeout: 65_000 });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.port, o.bindHost, () => resolve())).catch(
      (err: Error) => {
        throw new Misconfigured(`cannot take invocations on ${o.bindHost}:${o.port} (HANGAR_HOST, HANGAR_FUNCTION_PORT): ${err.message}`, {
          cause: err,
        });
      },
    );
    const port = (server.address() as { port: number }).port;
    const s = new FunctionServer(o, server, advertisedFunctionAddress(o.address, o.bindHost, port, hostname()));
    server.on('request', (req, res) =>
      s.handle(req, res).catch((err: unknown) => {
        o.log.error({ err }, 'invocation request failed');
        res.destroy();
      }),
    );
    s.unwatch = o.host.pool.watchIdle((owner, config) => {
      // Advertised at once if the version is new to the advert (an instance going back to idle
      // after each invocation changes nothing API nodes need to know before the next heartbeat).
      if (!s.advertised.has(FunctionHost.warmKeyOf(owner, config))) s.advertiseSoon();
    });
    await s.advertise();
    s.timer = setInterval(() => s.advertiseSoon(), o.heartbeatMs);
    s.timer.unref();
    o.log.info({ address: s.address, hostId: o.hostId }, 'functions listening for API nodes');
    // Only the scale-out shape starts a FunctionServer (a shared store): API nodes elsewhere would
    // be told an address that is their own machine.
    if (isLoopbackAddress(s.address))
      o.log.warn(
        { address: s.address, hostId: o.hostId },
        'functions advertised at a loopback address: API nodes on other machines cannot reach it; set HANGAR_FUNCTION_ADDRESS to an address they can (or HANGAR_HOST to one this host listens on)',
      );
    return s;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== INVOKE_PATH) return void res.writeHead(404).end();
    if (this.closed) return void res.writeHead(503).end();
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (!body) return void res.writeHead(413).end();
    const time = String(req.headers['x-hangar-time'] ?? '');
    const given = Buffer.from(String(req.headers['x-hangar-signature'] ?? ''));
    const signed = this.keys.some((key) => {
      const want = Buffer.from(signature(key, time, body));
      return given.length === want.length && timingSafeEqual(given, want);
    });
    const now = this.o.clock.now();
    if (!signed || !(Math.abs(now - Number(time)) <= MAX_SKEW_MS)) {
      this.o.log.warn(
        { from: req.socket.remoteAddress },
        'refused an invocation without a valid signature (does it share HANGAR_SECRETS_KEY?)',
      );
      return void res.writeHead(401).end();
    }
    // Another version's request (none: from before versions) is not read: refused, not started.
    // After the signature: whoever does not hold the key learns nothing, and fills no log.
    const hop = String(req.headers[HOP_HEADER] ?? '1');
    if (hop !== String(HOP_VERSION)) {
      this.o.log.warn(
        { from: req.socket.remoteAddress, requestHop: hop, hop: HOP_VERSION },
        `refused an invocation of hop version ${hop}: this worker host takes ${HOP_VERSION} (finish the rolling upgrade: docs/scale-out.md)`,
      );
      return void res
        .writeHead(400, { [HOP_HEADER]: String(HOP_VERSION), 'content-type': 'text/plain; charset=utf-8' })
        .end(`this worker host takes hop version ${HOP_VERSION}, not ${hop}\n`);
    }
    const { meta, rest } = unframe<InvocationMeta>(body);
    // A signed request seen before is a replay: every invocation has a request id of its own.
    if (this.seen.has(meta.requestId)) return void res.writeHead(409).end();
    this.remember(meta.requestId, now);
    // Accepted: from here on, a lost connection tells the API node the invocation may have run.
    res.writeHead(200, { 'content-type': 'application/octet-stream', [HOP_HEADER]: String(HOP_VERSION) });
    res.flushHeaders();
    const { stream, ...inv } = meta;
    // The stream as the runtime writes it; while the API node does not take it (its caller reads
    // slowly), the runtime is not read (functions/stream-writer.ts).
    const sink: ResponseSink | undefined = stream
      ? {
          start: (contentType) => void writeStreamed(res, encodeFrame('S', { contentType })),
          chunk: (bytes) => writeStreamed(res, encodeFrame('C', {}, bytes)),
        }
      : undefined;
    let answer: Buffer[];
    try {
      const { payload: out, log, ...result } = await runOnHost(this.o.host, this.o.blobs, { ...inv, payload: rest }, sink);
      answer = encodeFrame('A', { ok: true, result: { ...result, payloadLength: out.length } } satisfies Answer, Buffer.concat([out, log]));
    } catch (err) {
      const e = err instanceof HangarError ? err : new Internal((err as Error).message);
      if (!(err instanceof HangarError) || e instanceof Internal) this.o.log.error({ err }, 'invocation failed on this host');
      const retryAfter = (e as { retryAfter?: number }).retryAfter;
      answer = encodeFrame('A', {
        ok: false,
        error: { name: e.name, code: e.code, message: e.message, ...(retryAfter ? { retryAfter } : {}) },
      } satisfies Answer);
    }
    // One write: a ServerResponse corked at end() sends its last chunk before the corked ones.
    if (!res.destroyed) res.end(Buffer.concat(answer));
  }

  /** Remembers a request id for as long as its signature is valid, forgetting older ones. */
  private remember(requestId: string, now: number): void {
    this.seen.set(requestId, now);
    if (this.seen.size % 1024 !== 0) return;
    for (const [id, at] of this.seen) {
      if (at > now - 2 * MAX_SKEW_MS) break;
      this.seen.delete(id);
    }
  }

  /** Writes the advert soon, once (writes never overlap; a change meanwhile writes again). */
  private advertiseSoon(): void {
    if (this.closed || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.advertise();
    }, ADVERT_DEBOUNCE_MS);
    this.soon.unref();
  }

  private async advertise(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    const { host, hostId, capacity, heartbeatMs } = this.o;
    const warm = host.warm();
    this.advertised = new Set(Object.keys(warm));
    // Provisioned concurrency scaling's measure, from this host's in-memory counts: whichever node
    // runs the scaling loop sums the hosts' peaks (app/scaling.ts).
    const peaks = host.takePeaks();
    this.writing = this.o.fleet
      .advertiseHost(
        { hostId, address: this.address, capacity, busy: host.pool.stats().busy, warm, hop: HOP_VERSION },
        heartbeatMs * ADVERT_HEARTBEATS,
        peaks,
      )
      .catch((err: unknown) => {
        host.restorePeaks(peaks);
        this.o.log.warn({ err }, 'function host advert not written');
      })
      .finally(() => {
        this.writing = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.advertiseSoon();
        }
      });
    return this.writing;
  }

  /** Stops being chosen (the advert withdrawn), then lets the invocations under way finish, for
   *  graceMs at most. */
  async close(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.writing;
    await this.o.fleet.withdrawHost(this.o.hostId).catch((err: unknown) => this.o.log.warn({ err }, 'function host advert not withdrawn'));
    const grace = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    clearTimeout(grace);
  }
}
