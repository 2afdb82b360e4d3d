/** /tasks: submit, status, list, cancel, logs, history (seed 000's API plus Hangar's additions). */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { logKey } from '../../blobs/index.ts';
import { ErrorCode, HangarError } from '../../errors/index.ts';
import { uuidv7, type NewTask, type OutputStream, type Task } from '../../store/index.ts';
import { listScope, mustGetOwned, principalOf } from '../access.ts';
import type { ApiContext } from '../context.ts';
import { historyView, taskView } from '../present.ts';
import { problem } from '../problem.ts';
import { parseCursor } from '../../output/follow.ts';
import { streamSse } from './live.ts';
import { SpanKind, type Context, type Span } from '../../trace/index.ts';
import { BatchSubmitBody, BatchSubmitResponse, HistoryView, IdParams, ListQuery, LogsQuery, Problem, SubmitBody, SubmitResponse, TaskPage, TaskView } from '../schemas.ts';

export function baseUrl(ctx: ApiContext, req: FastifyRequest): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/$/, '');
  return `${req.protocol}://${req.host}`;
}

/** Canonical JSON (sorted keys) so that the same body hashes the same whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}


export async function readResults(ctx: ApiContext, t: Task): Promise<Record<string, unknown> | null> {
  if (t.resultJson !== null) return JSON.parse(t.resultJson) as Record<string, unknown>;
  if (!t.resultKey) return null;
  const raw = await ctx.blobs.get(t.resultKey);
  return raw ? (JSON.parse(raw.toString()) as Record<string, unknown>) : null;
}

export function taskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // 400, 401, 413, 415 and 429 are added to every route where they can happen (app.ts).

  r.post('/tasks', {
    schema: {
      summary: 'Submit a task',
      tags: ['tasks'],
      body: SubmitBody,
      headers: z.object({ 'idempotency-key': z.string().min(1).max(256).optional() }),
      response: { 201: SubmitResponse, 200: SubmitResponse, 403: Problem, 409: Problem },
    },
  }, async (req, reply) => submitTask(ctx, req, reply, req.body, req.headers['idempotency-key']));

  r.post('/tasks/batch', {
    config: { batchOf: 'tasks' },
    schema: {
      summary: 'Submit up to 1,000 tasks at once, all or none',
      tags: ['tasks'],
      body: BatchSubmitBody,
      headers: z.object({ 'idempotency-key': z.string().min(1).max(240).optional() }),
      response: { 201: BatchSubmitResponse, 200: BatchSubmitResponse, 403: Problem, 409: Problem },
    },
  }, async (req, reply) => {
    const bodies = req.body.tasks;
    return traced(ctx, req, reply, 'task.submit_batch', { 'hangar.count': bodies.length }, (tr) => submitBatch(ctx, req, reply, bodies, req.headers['idempotency-key'], tr));
  });

  r.get('/tasks/:id', {
    schema: { summary: 'Task status and results', tags: ['tasks'], params: IdParams, response: { 200: TaskView, 404: Problem } },
  }, async (req) => {
    const t = await mustGetOwned(ctx, req, req.params.id);
    return taskView(t, baseUrl(ctx, req), ctx.clock.now(), await readResults(ctx, t));
  });

  r.get('/tasks', {
    schema: { summary: 'List tasks, newest first', tags: ['tasks'], querystring: ListQuery, response: { 200: TaskPage, 403: Problem } },
  }, async (req) => {
    const q = req.query;
    const page = await ctx.store.list({ status: q.status, userId: listScope(req, q.userId), queue: q.queue, command: q.command, after: q.cursor, limit: q.limit });
    const base = baseUrl(ctx, req);
    return { tasks: page.items.map((t) => taskView(t, base, ctx.clock.now())), nextCursor: page.nextCursor };
  });

  r.post('/tasks/:id/cancel', {
    schema: {
      summary: 'Cancel a task: a pending one never runs, a running one is killed',
      tags: ['tasks'],
      params: IdParams,
      response: { 200: z.object({ taskId: z.string(), status: z.string(), effect: z.string(), message: z.string() }), 404: Problem, 409: Problem },
    },
  }, async (req) => {
    await mustGetOwned(ctx, req, req.params.id);
    const res = await ctx.store.cancel(req.params.id);
    if (!res) throw new HangarError(ErrorCode.TaskNotFound, `task ${req.params.id} not found`, 404);
    if (res.effect === 'requested') ctx.cancelLocal(res.task.id);
    if (res.effect === 'already-final' && res.task.status !== 'CANCELLED') {
      throw new HangarError(ErrorCode.TaskNotCancellable, `task ${res.task.id} already finished with ${res.task.status}`, 409);
    }
    const message = {
      cancelled: 'Task cancelled before it ran',
      requested: 'Cancellation requested; the running attempt is being killed',
      'already-final': 'Task was already cancelled',
    }[res.effect];
    return { taskId: res.task.id, status: res.task.status, effect: res.effect, message };
  });

  r.get('/tasks/:id/history', {
    schema: { summary: 'Every state transition of a task', tags: ['tasks'], params: IdParams, response: { 200: HistoryView, 404: Problem } },
  }, async (req) => {
    await mustGetOwned(ctx, req, req.params.id);
    return historyView(req.params.id, await ctx.store.history(req.params.id));
  });

  r.get('/tasks/:id/logs', {
    schema: {
      summary: "A task attempt's stdout and stderr (the latest attempt unless ?attempt=)",
      tags: ['tasks'],
      params: IdParams,
      querystring: LogsQuery,
      response: {
        200: z.union([
          z.object({ taskId: z.string(), attempt: z.number(), stdout: z.string(), stderr: z.string(), stdoutTruncated: z.boolean(), stderrTruncated: z.boolean() }),
          z.string(),
        ]),
        404: Problem,
        410: Problem,
      },
    },
  }, async (req, reply) => {
    const t = await mustGetOwned(ctx, req, req.params.id);
    const q = req.query;
    if (q.follow === 'true' || q.follow === '1' || (q.follow === undefined && (req.headers.accept ?? '').includes('text/event-stream'))) {
      const lastId = req.headers['last-event-id'];
      const after = parseCursor(q.after ?? (typeof lastId === 'string' ? lastId : undefined));
      if (!after) throw new HangarError(ErrorCode.ValidationFailed, 'Last-Event-ID must be an event id, "<attempt>.<seq>"', 400);
      return streamSse(ctx, req, reply, t.id, after, q.encoding ?? 'utf8');
    }
    const attempt = req.query.attempt ?? t.attempt;
    if (attempt < 1 || attempt > t.attempt) {
      return reply.code(404).type('application/problem+json').send(JSON.stringify(problem(404, ErrorCode.LogNotFound, `task ${t.id} has no attempt ${attempt} yet`)));
    }
    const summary = attempt === t.attempt ? t.summary : null;
    // A log the blob store did not take when the attempt ended (it was down): what the live
    // output kept of it instead.
    const unstored = Array.isArray(summary?.unstored) ? (summary.unstored as unknown[]) : [];
    const read = (stream: OutputStream) => (unstored.includes(stream) ? liveLog(ctx, t.id, attempt, stream) : ctx.blobs.get(logKey(t.id, attempt, stream)));
    const [stdout, stderr] = await Promise.all([read('stdout'), read('stderr')]);
    // A log that was stored and is gone (deleted from the bucket, lost with a disk) must not
    // read as a task that printed nothing.
    const missing: OutputStream[] = [];
    for (const [stream, data] of [['stdout', stdout], ['stderr', stderr]] as const) {
      if (data === null && !unstored.includes(stream) && (await logWasStored(ctx, t, attempt, stream))) missing.push(stream);
    }
    const wanted = req.query.stream ? missing.filter((m) => m === req.query.stream) : missing;
    if (wanted.length > 0) {
      const other = req.query.stream ? [] : (['stdout', 'stderr'] as const).filter((m) => !missing.includes(m));
      const detail =
        `the ${wanted.join(' and ')} log of attempt ${attempt} of task ${t.id} was stored but is no longer in the blob store ` +
        `(deleted or lost), so it cannot be shown` + (other.length > 0 ? `; ${other[0]} is available with ?stream=${other[0]}` : '');
      return reply.code(410).type('application/problem+json').send(JSON.stringify(problem(410, ErrorCode.LogUnavailable, detail)));
    }
    if (req.query.stream) {
      return reply.type('text/plain; charset=utf-8').send((req.query.stream === 'stdout' ? stdout : stderr)?.toString() ?? '');
    }
    return {
      taskId: t.id,
      attempt,
      stdout: stdout?.toString() ?? '',
      stderr: stderr?.toString() ?? '',
      stdoutTruncated: summary?.stdoutTruncated === true,
      stderrTruncated: summary?.stderrTruncated === true,
    };
  });
}

/** Whether an attempt's stream went to the blob store when it ended (a stream that printed
 *  nothing is never stored). The task row keeps the keys of its last finished attempt; of an
 *  earlier one, the live output the store keeps says whether it printed anything. */
async function logWasStored(ctx: ApiContext, t: Task, attempt: number, stream: OutputStream): Promise<boolean> {
  const key = logKey(t.id, attempt, stream);
  if ((stream === 'stdout' ? t.stdoutKey : t.stderrKey) === key) return true;
  if (attempt >= t.attempt) return false; // running, or finished without output
  return (await liveLog(ctx, t.id, attempt, stream)).length > 0;
}

/** One stream of an attempt as its live output stored it, chunk by chunk (best effort: a
 *  flush the store refused is missing). */
async function liveLog(ctx: ApiContext, taskId: string, attempt: number, stream: OutputStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  const page = 500;
  for (let cursor = { attempt, seq: 0 }; ; ) {
    const chunks = await ctx.store.readOutput(taskId, cursor, page);
    for (const c of chunks) {
      if (c.attempt !== attempt) return Buffer.concat(parts);
      if (c.stream === stream) parts.push(c.data);
      cursor = { attempt, seq: c.seq };
    }
    if (chunks.length < page) return Buffer.concat(parts);
  }
}

/** Submits a task described as POST /tasks's body (also a terminal's command, routes/projects.ts).
 *  Traced when OpenTelemetry is on: a server span (continuing the caller's `traceparent`, if
 *  any) whose context the task keeps, so its attempts join the trace. */
export async function submitTask(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, b: z.infer<typeof SubmitBody>, headerKey: string | undefined) {
  return traced(ctx, req, reply, 'task.submit', { 'hangar.queue': b.queue, 'hangar.priority': b.priority }, (tr) => submitIn(ctx, req, reply, b, headerKey, tr));
}

type Traced = { span: Span; ctx: Context } | null;

async function traced<T>(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, name: string, attrs: Record<string, string | number>, fn: (tr: Traced) => Promise<T>): Promise<T> {
  if (!ctx.tracing.enabled) return fn(null);
  const header = (k: string) => (typeof req.headers[k] === 'string' ? (req.headers[k] as string) : null);
  const all = { 'http.request.method': req.method, 'http.route': req.routeOptions.url ?? '', ...attrs };
  return ctx.tracing.span(name, ctx.tracing.extract(header('traceparent'), header('tracestate')), all, async (span, c) => {
    const r = await fn({ span, ctx: c });
    span.setAttribute('http.response.status_code', reply.statusCode);
    return r;
  }, SpanKind.SERVER);
}

async function submitIn(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, b: z.infer<typeof SubmitBody>, headerKey: string | undefined, tr: Traced) {
  const userId = ownerOf(req, b.userId);
  await admit(ctx, userId, [b]);
  const t = newTask(ctx, b, userId, b.idempotencyKey ?? headerKey ?? null, tr);
  await checkProjects(ctx, [t]);
  // Capacity as it was before this task: a worker that leases it at once must not count it busy.
  const snap = await ctx.estimator.snapshot();
  const { task, created, handedOff } = tr
    ? await ctx.tracing.span('store.submit', tr.ctx, { 'hangar.task_id': t.id }, () => ctx.store.submit(t))
    : await ctx.store.submit(t);
  tr?.span.setAttributes({ 'hangar.task_id': task.id, 'hangar.user_id': task.userId ?? '', 'hangar.created': created });
  req.auditTarget = task.id;
  if (created) ctx.metrics.submitted.inc({ queue: task.queue });
  req.log.info({ taskId: task.id, userId: task.userId, queue: task.queue, priority: task.priority, created, handedOff }, 'task submitted');
  const start = handedOff ? task.createdAt : task.status === 'PENDING' ? await ctx.estimator.estimate(task, snap) : task.startedAt ?? task.createdAt;
  if (!created) reply.header('idempotent-replayed', 'true');
  return reply.code(created ? 201 : 200).send(submitted(task, created, baseUrl(ctx, req), start));
}

/**
 * POST /tasks/batch: every entry as POST /tasks, queued in one transaction (Store.submitMany),
 * all or none. An entry without an idempotency key of its own gets the Idempotency-Key header's
 * with `:<index>` appended, so a retried batch replays entry by entry.
 */
async function submitBatch(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, bodies: z.infer<typeof SubmitBody>[], headerKey: string | undefined, tr: Traced) {
  const owners = bodies.map((b, index) => atIndex(index, () => ownerOf(req, b.userId)));
  const byOwner = new Map<string | null, z.infer<typeof SubmitBody>[]>();
  bodies.forEach((b, i) => byOwner.set(owners[i], [...(byOwner.get(owners[i]) ?? []), b]));
  for (const [userId, theirs] of byOwner) await admit(ctx, userId, theirs, bodies);
  const tasks = bodies.map((b, i) => newTask(ctx, b, owners[i], b.idempotencyKey ?? (headerKey ? `${headerKey}:${i}` : null), tr));
  await checkProjects(ctx, tasks);
  const snap = await ctx.estimator.snapshot(); // before the batch, as in submitIn
  const results = tr
    ? await ctx.tracing.span('store.submit_many', tr.ctx, { 'hangar.count': tasks.length }, () => ctx.store.submitMany(tasks))
    : await ctx.store.submitMany(tasks);
  const created = results.filter((r) => r.created).length;
  tr?.span.setAttributes({ 'hangar.count': results.length, 'hangar.created': created });
  req.auditTarget = results.length === 1 ? results[0].task.id : `${results[0].task.id} +${results.length - 1}`;
  for (const r of results) if (r.created) ctx.metrics.submitted.inc({ queue: r.task.queue });
  req.log.info({ count: results.length, created, first: results[0].task.id, users: [...byOwner.keys()] }, 'task batch submitted');
  const starts = await ctx.estimator.estimateMany(results.map((r) => r.task), snap);
  const base = baseUrl(ctx, req);
  if (created === 0) reply.header('idempotent-replayed', 'true');
  return reply.code(created > 0 ? 201 : 200).send({
    success: true as const,
    count: results.length,
    created,
    tasks: results.map((r, i) => submitted(r.task, r.created, base, starts[i])),
  });
}

/** Runs `fn`; a client error it throws names the batch entry it is about. */
function atIndex<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof HangarError)) throw err;
    throw new HangarError(err.code, err.message, err.status, { cause: err.cause, details: { ...(err.details as object | undefined), index } });
  }
}

/** The stored form of a submit's body, owned by `userId`. */
function newTask(ctx: ApiContext, b: z.infer<typeof SubmitBody>, userId: string | null, idempotencyKey: string | null, tr: Traced): NewTask {
  const { idempotencyKey: _ignored, ...hashed } = b;
  return {
    id: uuidv7(),
    command: b.command ?? (b.args ? b.args.join(' ') : (b.shell ?? '')).slice(0, 256),
    args: b.args ?? null,
    shell: b.shell ?? null,
    queue: b.queue,
    priority: b.priority,
    userId,
    timeout: b.timeout ?? ctx.config.defaultTimeout,
    visibilityTimeout: b.visibilityTimeout ?? ctx.config.visibilityTimeout,
    maxAttempts: b.maxAttempts ?? defaultAttempts(ctx, b),
    idempotencyKey,
    requestHash: idempotencyKey ? createHash('sha256').update(canonical(hashed)).digest('base64url') : null,
    resources: { cpu: b.resources?.cpu ?? 256, memory: b.resources?.memory ?? 512 },
    env: b.env ?? {},
    metadata: b.metadata ?? {},
    // The seed's network-test makes real requests: it gets egress unless told otherwise.
    network: b.network ?? (b.command === 'network-test' && !b.args && !b.shell ? 'egress' : 'none'),
    image: b.image ?? null,
    secrets: b.secrets ?? [],
    projectId: b.project ?? null,
    lane: b.group ?? null,
    traceParent: tr ? ctx.tracing.traceparent(tr.span) : null,
  };
}

/** Attempts when the request names none. A user's own program (`args`, `shell`, a terminal's
 *  command) runs once, as AWS Batch: a non-zero exit is its answer, and running it again would
 *  repeat its side effects (a line appended three times). Built-in workloads keep seed 000's
 *  retries (HANGAR_MAX_ATTEMPTS). Either way a worker lost mid-attempt costs no user a run: the
 *  attempt runs again (store/transitions.ts, decideExpiry). */
function defaultAttempts(ctx: ApiContext, b: z.infer<typeof SubmitBody>): number {
  return b.args !== undefined || b.shell !== undefined ? 1 : ctx.config.maxAttempts;
}

/** Every project named must be its task owner's (else 400, naming the batch entry). */
async function checkProjects(ctx: ApiContext, tasks: NewTask[]): Promise<void> {
  const checked = new Map<string, boolean>();
  for (const [index, t] of tasks.entries()) {
    if (t.projectId === null) continue;
    const key = `${t.userId ?? ''}\0${t.projectId}`;
    let ok = checked.get(key);
    if (ok === undefined) {
      const proj = await ctx.store.getProject(t.projectId);
      checked.set(key, (ok = proj !== null && proj.userId === t.userId));
    }
    if (!ok) {
      throw new HangarError(ErrorCode.ProjectNotFound, `no project ${t.projectId} of ${t.userId === null ? 'this caller' : `user '${t.userId}'`} (POST /projects first)`, 400, {
        details: tasks.length > 1 ? { index } : undefined,
      });
    }
  }
}

/** One entry of a submit's answer (seed 000's shape). */
function submitted(task: Task, created: boolean, base: string, start: number) {
  return {
    success: true as const,
    taskId: task.id,
    status: task.status,
    priority: task.priority,
    queueType: task.queueType,
    queue: task.queue,
    message: created ? 'Task queued for processing' : 'Task already submitted with this idempotency key',
    statusUrl: `${base}/tasks/${task.id}`,
    estimatedStartTime: new Date(start).toISOString(),
  };
}

/** Whose task this is: a user key submits for its own user (another userId in the body →
 *  403); an admin key for anyone (its own user by default). */
function ownerOf(req: FastifyRequest, asked: string | undefined): string | null {
  const p = principalOf(req);
  if (p.scope !== 'admin' && asked !== undefined && asked !== p.userId) {
    throw new HangarError(ErrorCode.Forbidden, `this key belongs to user '${p.userId}'; it cannot submit for '${asked}'`, 403);
  }
  return p.scope === 'admin' ? (asked ?? p.userId) : p.userId;
}

/**
 * May `userId` queue these tasks? Its queued tasks plus these must stay within
 * HANGAR_MAX_QUEUED_PER_USER (else 429), and every secret they name must exist (else 400, not
 * a failure at run time; in a batch, `all` gives the entry's index).
 */
async function admit(ctx: ApiContext, userId: string | null, bodies: z.infer<typeof SubmitBody>[], all?: z.infer<typeof SubmitBody>[]): Promise<void> {
  const max = ctx.config.maxQueuedPerUser;
  if (userId !== null && max > 0) {
    const pending = (await ctx.store.userLoad(userId, max)).pending;
    if (pending + bodies.length > max) {
      const what = bodies.length === 1 ? '' : ` (this batch has ${bodies.length} of theirs)`;
      throw new HangarError(ErrorCode.QuotaExceeded, `user '${userId}' already has ${pending} of ${max} tasks queued${what} (HANGAR_MAX_QUEUED_PER_USER)`, 429, { details: { retryAfter: 5 } });
    }
  }
  const named = [...new Set(bodies.flatMap((b) => b.secrets ?? []))];
  if (named.length === 0) return;
  const first = bodies.find((b) => (b.secrets ?? []).length > 0) as z.infer<typeof SubmitBody>;
  const at = all && all.length > 1 ? { index: all.indexOf(first) } : undefined;
  if (userId === null) throw new HangarError(ErrorCode.ValidationFailed, 'secrets belong to a user: this task has none', 400, { details: at });
  const found = new Set((await ctx.store.secretsOf(userId, named)).map((s) => s.name));
  const missing = named.filter((n) => !found.has(n));
  if (missing.length > 0) {
    const b = bodies.find((x) => (x.secrets ?? []).some((n) => !found.has(n))) as z.infer<typeof SubmitBody>;
    throw new HangarError(ErrorCode.SecretNotFound, `no secret named ${missing.join(', ')} (PUT /secrets/{name} first)`, 400, {
      details: all && all.length > 1 ? { index: all.indexOf(b) } : undefined,
    });
  }
}
