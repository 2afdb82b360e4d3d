/**
 * Live output and status (issue 6): Server-Sent Events on GET /tasks/{id}/logs?follow=true,
 * and one WebSocket per client on /ws carrying any number of subscriptions.
 *
 * WebSocket protocol, JSON text messages:
 *   client → server
 *     {"type":"auth","token":"hk_…"}        first, unless the upgrade request sent Authorization
 *     {"type":"subscribe","channel":"task:<id>","after":"<attempt>.<seq>","encoding":"utf8"|"base64"}
 *     {"type":"subscribe","channel":"terminal:<projectId>:<terminalId>","after":"<taskId>/<attempt>.<seq>"}
 *     {"type":"subscribe","channel":"user","after":"<id>"}   the caller's tasks' status changes
 *     {"type":"unsubscribe","channel":"task:<id>"}
 *     {"type":"ping","id":<any>}
 *   server → client
 *     {"type":"ready","userId":…,"scope":…}  authenticated
 *     {"type":"subscribed","channel":…}, {"type":"unsubscribed","channel":…}
 *     {"type":"status"|"output"|"end","channel":…,"id":"<attempt>.<seq>",…}  (bodies: src/output/wire.ts)
 *     {"type":"pong","id":…}
 *     {"type":"error","channel"?:…,"code":…,"message":…}
 * A subscription to a task the caller may not see gets the same TASK_NOT_FOUND as one that does
 * not exist. An unauthenticated socket is closed with code 4401 after its first other message
 * or AUTH_WAIT_MS. A subscription ends after its "end" message.
 *
 * Slow clients: each subscription sends only while the socket's unsent bytes are under
 * HIGH_WATER; past it, it waits (the task and other clients go on, src/output/follow.ts) and
 * resumes from the store when the client has read. A client that reads nothing for
 * STALL_CLOSE_MS while over the mark is closed (4408) and may reconnect with its last id.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Principal } from '../../auth/index.ts';
import { mayAccess, mayAccessProject, terminalLane } from '../../app/index.ts';
import { coerceError, ErrorCode, HangarError } from '../../core/errors.ts';
import { follow, followFeed, followLane, formatCursor, formatLaneCursor, parseCursor, parseLaneCursor } from '../../output/follow.ts';
import { EventEncoder, type OutputEncoding } from '../../output/wire.ts';
import type { OutputCursor } from '../../core/index.ts';
import { NO_AUTH } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';

/** Unsent bytes a socket may hold before its subscriptions wait. */
const HIGH_WATER = 1024 * 1024;
/** A socket over HIGH_WATER this long without reading is closed. */
const STALL_CLOSE_MS = 30_000;
const AUTH_WAIT_MS = 10_000;
const MAX_SUBSCRIPTIONS = 64;
/** Protocol-level ping interval; a socket that missed the previous pong is dropped. */
const PING_MS = 30_000;
/** An SSE comment this often keeps proxies from closing an idle stream. */
const SSE_KEEPALIVE_MS = 15_000;

const ClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(512) }),
  z.strictObject({
    type: z.literal('subscribe'),
    channel: z.string().min(1).max(256),
    after: z.string().max(160).optional(),
    encoding: z.enum(['utf8', 'base64']).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), channel: z.string().min(1).max(256) }),
  z.strictObject({ type: z.literal('ping'), id: z.unknown().optional() }),
]);
type ClientMessage = z.infer<typeof ClientMessage>;

/** Open SSE streams per API instance, ended when it closes (they would hold it open). */
const sseStreams = new WeakMap<ApiContext, Set<AbortController>>();

export async function liveRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  sseStreams.set(ctx, new Set());
  app.addHook('preClose', async () => {
    for (const ac of sseStreams.get(ctx) ?? []) ac.abort();
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.get('/ws', { websocket: true, config: { public: true }, schema: { hide: true } }, (socket, req) => {
    new LiveSocket(ctx, socket, req).start();
  });
}

/** Streams a task's events as SSE until it ends or the client goes; the caller checked access. */
export function streamSse(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  taskId: string,
  after: OutputCursor,
  encoding: OutputEncoding,
): Promise<void> {
  const enc = new EventEncoder(encoding);
  return sendEvents(ctx, req, reply, { taskId }, async function* (signal) {
    for await (const e of follow(ctx.store, taskId, { after, signal })) {
      yield { id: formatCursor(e.cursor), event: e.type, data: enc.body(e) };
    }
  });
}

/** One SSE event: its id (what a client resumes from), type and JSON body. */
export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

/**
 * Sends `events` as SSE until they end, the client goes or the API closes (which aborts the
 * signal handed to them); the caller checked access. A failure after the headers ends the
 * stream with an `error` event (logged with `about`).
 */
export async function sendEvents(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  about: Record<string, unknown>,
  events: (signal: AbortSignal) => AsyncIterable<SseEvent>,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  const ac = new AbortController();
  const open = sseStreams.get(ctx);
  open?.add(ac);
  res.on('close', () => ac.abort());
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  try {
    for await (const e of events(ac.signal)) {
      const frame = `id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
      if (!res.write(frame)) await drained(res, ac.signal);
      if (ac.signal.aborted) break;
    }
  } catch (err) {
    if (!ac.signal.aborted) {
      req.log.warn({ err: coerceError(err), ...about }, 'live stream failed');
      res.write(
        `event: error\ndata: ${JSON.stringify({ code: errorCode(err), message: 'the stream failed; reconnect with Last-Event-ID' })}\n\n`,
      );
    }
  } finally {
    clearInterval(keepalive);
    open?.delete(ac);
    res.end();
  }
}

function drained(res: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorCode(err: unknown): string {
  return err instanceof HangarError ? err.code : ErrorCode.Internal;
}

class LiveSocket {
  private readonly ctx: ApiContext;
  private readonly socket: WebSocket;
  private readonly req: FastifyRequest;
  private principal: Principal | null = null;
  /** An authentication in progress: messages that come meanwhile wait for it, in order. */
  private authenticating: Promise<void> | null = null;
  private readonly subs = new Map<string, AbortController>();
  private timers: NodeJS.Timeout[] = [];
  private alive = true;

  constructor(ctx: ApiContext, socket: WebSocket, req: FastifyRequest) {
    this.ctx = ctx;
    this.socket = socket;
    this.req = req;
  }

  start(): void {
    this.socket.on('message', (raw, isBinary) => void this.onMessage(raw.toString(), isBinary));
    this.socket.on('close', () => this.stop());
    this.socket.on('error', () => this.stop());
    this.socket.on('pong', () => (this.alive = true));
    this.timers.push(
      setInterval(() => {
        if (!this.alive) return this.socket.terminate();
        this.alive = false;
        this.socket.ping();
      }, PING_MS),
    );
    const header = this.req.headers.authorization;
    if (!this.ctx.auth) this.ready(NO_AUTH);
    else if (header) this.authenticating = this.authenticate(header);
    else this.timers.push(setTimeout(() => this.principal || this.refuse('no auth message within 10 s'), AUTH_WAIT_MS));
  }

  private stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    for (const ac of this.subs.values()) ac.abort();
    this.subs.clear();
  }

  private send(msg: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  private error(code: string, message: string, channel?: string): void {
    this.send({ type: 'error', ...(channel ? { channel } : {}), code, message });
  }

  private refuse(message: string): void {
    this.error(ErrorCode.Unauthorized, message);
    this.socket.close(4401, 'unauthorized');
  }

  private ready(p: Principal): void {
    this.principal = p;
    this.send({ type: 'ready', userId: p.userId, scope: p.scope });
  }

  private async authenticate(header: string): Promise<void> {
    try {
      this.ready(await this.ctx.auth!.authenticate(header));
    } catch (err) {
      this.refuse(err instanceof HangarError ? err.message : 'authentication failed');
    }
  }

  private async onMessage(raw: string, isBinary: boolean): Promise<void> {
    let msg: ClientMessage;
    try {
      if (isBinary) throw new Error('binary messages are not part of the protocol');
      const parsed = ClientMessage.safeParse(JSON.parse(raw));
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '));
      msg = parsed.data;
    } catch (err) {
      return this.error('BAD_MESSAGE', (err as Error).message);
    }
    if (this.authenticating) await this.authenticating;
    if (msg.type === 'auth') {
      if (this.principal) return this.error('BAD_MESSAGE', 'already authenticated');
      this.authenticating = this.authenticate(`Bearer ${msg.token}`);
      return this.authenticating;
    }
    if (!this.principal) return this.refuse('authenticate first: {"type":"auth","token":"<API key>"}');
    if (msg.type === 'ping') return this.send({ type: 'pong', id: msg.id ?? null });
    if (msg.type === 'unsubscribe') {
      const ac = this.subs.get(msg.channel);
      if (!ac) return this.error('NOT_SUBSCRIBED', `not subscribed to ${msg.channel}`, msg.channel);
      ac.abort();
      this.subs.delete(msg.channel);
      return this.send({ type: 'unsubscribed', channel: msg.channel });
    }
    await this.subscribe(this.principal, msg.channel, msg.after, msg.encoding ?? 'utf8');
  }

  private async subscribe(p: Principal, channel: string, afterText: string | undefined, encoding: OutputEncoding): Promise<void> {
    if (channel === 'user') return this.subscribeFeed(p, channel, afterText);
    const term = /^terminal:([A-Za-z0-9_-]{1,128}):([A-Za-z0-9_-]{1,64})$/.exec(channel);
    if (term) return this.subscribeTerminal(p, channel, term[1], term[2], afterText, encoding);
    const m = /^task:([A-Za-z0-9_-]{1,128})$/.exec(channel);
    if (!m)
      return this.error(
        'UNKNOWN_CHANNEL',
        `no channel ${JSON.stringify(channel)}: channels are task:<id>, terminal:<projectId>:<terminalId> and user`,
        channel,
      );
    const after = parseCursor(afterText);
    if (!after) return this.error('BAD_MESSAGE', 'after must be an event id, "<attempt>.<seq>"', channel);
    const ac = this.holdChannel(channel);
    if (!ac) return;
    const task = await this.readOrRelease(channel, ac, 'the task', () => this.ctx.store.get(m[1]));
    if (task === undefined) return;
    if (!task || !mayAccess(p, task)) return this.release(channel, ac, ErrorCode.TaskNotFound, `task ${m[1]} not found`);
    const enc = new EventEncoder(encoding);
    await this.pump(channel, ac, follow(this.ctx.store, task.id, { after, signal: ac.signal }), (e) => ({
      type: e.type,
      channel,
      id: formatCursor(e.cursor),
      ...enc.body(e),
    }));
  }

  /** The caller's own event feed: every status change of their tasks (with authentication
   *  off, of every task), from now on or after an id. Stays open. */
  private async subscribeFeed(p: Principal, channel: string, afterText: string | undefined): Promise<void> {
    if (afterText !== undefined && !/^\d{1,15}$/.test(afterText))
      return this.error('BAD_MESSAGE', 'after must be an event id of this channel (digits)', channel);
    const ac = this.holdChannel(channel);
    if (!ac) return;
    const whose = this.ctx.auth ? p.userId : undefined;
    const events = followFeed(this.ctx.store, whose, { after: afterText === undefined ? null : Number(afterText), signal: ac.signal });
    await this.pump(channel, ac, events, (e) => ({
      type: 'status',
      channel,
      id: String(e.id),
      taskId: e.taskId,
      status: e.status,
      attempt: e.attempt,
      at: new Date(e.at).toISOString(),
      reason: e.reason,
    }));
  }

  /** A terminal's commands, one after another, each as a task channel gives it; ids are
   *  "<taskId>/<attempt>.<seq>". Stays open for the commands to come. */
  private async subscribeTerminal(
    p: Principal,
    channel: string,
    projectId: string,
    terminalId: string,
    afterText: string | undefined,
    encoding: OutputEncoding,
  ): Promise<void> {
    const after = parseLaneCursor(afterText);
    if (!after) return this.error('BAD_MESSAGE', 'after must be an event id of this channel, "<taskId>/<attempt>.<seq>"', channel);
    const ac = this.holdChannel(channel);
    if (!ac) return;
    const project = await this.readOrRelease(channel, ac, 'the project', () => this.ctx.store.getProject(projectId));
    if (project === undefined) return;
    if (!project || !mayAccessProject(p, project))
      return this.release(channel, ac, ErrorCode.ProjectNotFound, `project ${projectId} not found`);
    const encoders = new Map<string, EventEncoder>();
    const events = followLane(this.ctx.store, terminalLane(project.id, terminalId), project.userId, { after, signal: ac.signal });
    await this.pump(channel, ac, events, (e) => {
      let enc = encoders.get(e.taskId);
      if (!enc) encoders.set(e.taskId, (enc = new EventEncoder(encoding)));
      if (e.type === 'end') encoders.delete(e.taskId);
      return { type: e.type, channel, id: formatLaneCursor(e.taskId, e.cursor), ...enc.body(e) };
    });
  }

  /** Takes the channel's place on this socket; null (the client told why) if it cannot. */
  private holdChannel(channel: string): AbortController | null {
    if (this.subs.has(channel)) return (this.error('ALREADY_SUBSCRIBED', `already subscribed to ${channel}`, channel), null);
    if (this.subs.size >= MAX_SUBSCRIPTIONS)
      return (this.error('TOO_MANY_SUBSCRIPTIONS', `at most ${MAX_SUBSCRIPTIONS} subscriptions per socket`, channel), null);
    const ac = new AbortController();
    this.subs.set(channel, ac);
    return ac;
  }

  /** Gives the channel's place back and tells the client why. */
  private release(channel: string, ac: AbortController, code: string, message: string): void {
    if (this.subs.get(channel) === ac) this.subs.delete(channel);
    this.error(code, message, channel);
  }

  /** Reads what a subscription needs; undefined (place released, client told) if the store fails. */
  private async readOrRelease<T>(channel: string, ac: AbortController, what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      this.release(channel, ac, errorCode(err), `${what} could not be read; try again`);
      return undefined;
    }
  }

  /** Confirms the subscription, then sends its events as the client takes them (room()), until
   *  they end, it is unsubscribed or the socket goes; then frees its place. */
  private async pump<E>(
    channel: string,
    ac: AbortController,
    events: AsyncIterable<E>,
    message: (e: E) => Record<string, unknown>,
  ): Promise<void> {
    this.send({ type: 'subscribed', channel });
    try {
      for await (const e of events) {
        await this.room(ac.signal);
        if (ac.signal.aborted) break;
        this.send(message(e));
      }
    } catch (err) {
      if (!ac.signal.aborted) this.error(errorCode(err), 'the subscription failed; subscribe again with the last id', channel);
    } finally {
      if (this.subs.get(channel) === ac) this.subs.delete(channel);
    }
  }

  /** Waits while the socket holds more unsent bytes than HIGH_WATER; closes a stalled one. */
  private async room(signal: AbortSignal): Promise<void> {
    const since = Date.now();
    while (this.socket.bufferedAmount > HIGH_WATER && !signal.aborted && this.socket.readyState === this.socket.OPEN) {
      if (Date.now() - since > STALL_CLOSE_MS) {
        this.socket.close(4408, 'client too slow: reconnect and resume with the last id');
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
