/**
 * The HTTP side of submitting (POST /tasks, POST /tasks/batch, a terminal's command): the
 * request's span, the use case (app/submit.ts), the answer. Traced when OpenTelemetry is on: a
 * server span (continuing the caller's `traceparent`, if any) whose context the tasks keep, so
 * their attempts join the trace.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { submitBatch, submitTask, type TaskRequest, type Trace } from '../app/index.ts';
import { SpanKind } from '../trace/index.ts';
import { principalOf } from './authenticate.ts';
import type { ApiContext } from './context.ts';
import { baseUrl, submittedView } from './present.ts';

export async function answerSubmit(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  b: TaskRequest,
  headerKey: string | undefined,
) {
  return traced(ctx, req, reply, 'task.submit', { 'hangar.queue': b.queue, 'hangar.priority': b.priority }, async (tr) => {
    const { task, created, start } = await submitTask(ctx, principalOf(req), b, headerKey, tr, ({ task, created, handedOff }) => {
      req.auditTarget = task.id;
      req.log.info(
        { taskId: task.id, userId: task.userId, queue: task.queue, priority: task.priority, created, handedOff },
        'task submitted',
      );
    });
    if (!created) reply.header('idempotent-replayed', 'true');
    return reply.code(created ? 201 : 200).send(submittedView(task, created, baseUrl(ctx, req), start));
  });
}

export async function answerBatch(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  bodies: TaskRequest[],
  headerKey: string | undefined,
) {
  return traced(ctx, req, reply, 'task.submit_batch', { 'hangar.count': bodies.length }, async (tr) => {
    const { tasks, created } = await submitBatch(ctx, principalOf(req), bodies, headerKey, tr, ({ tasks, created, users }) => {
      req.auditTarget = tasks.length === 1 ? tasks[0].id : `${tasks[0].id} +${tasks.length - 1}`;
      req.log.info({ count: tasks.length, created, first: tasks[0].id, users }, 'task batch submitted');
    });
    const base = baseUrl(ctx, req);
    if (created === 0) reply.header('idempotent-replayed', 'true');
    return reply.code(created > 0 ? 201 : 200).send({
      success: true as const,
      count: tasks.length,
      created,
      tasks: tasks.map((t) => submittedView(t.task, t.created, base, t.start)),
    });
  });
}

async function traced<T>(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  attrs: Record<string, string | number>,
  fn: (tr: Trace) => Promise<T>,
): Promise<T> {
  if (!ctx.tracing.enabled) return fn(null);
  const header = (k: string) => (typeof req.headers[k] === 'string' ? (req.headers[k] as string) : null);
  const all = { 'http.request.method': req.method, 'http.route': req.routeOptions.url ?? '', ...attrs };
  return ctx.tracing.span(
    name,
    ctx.tracing.extract(header('traceparent'), header('tracestate')),
    all,
    async (span, c) => {
      const r = await fn({ span, ctx: c });
      span.setAttribute('http.response.status_code', reply.statusCode);
      return r;
    },
    SpanKind.SERVER,
  );
}
