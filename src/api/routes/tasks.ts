/** /tasks: submit, status, list, cancel, logs, history (seed 000's API plus Hangar's additions). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelTask, listScope, ownedTask, readLogs, readResults } from '../../app/index.ts';
import { ErrorCode, InvalidInput } from '../../core/errors.ts';
import { parseCursor } from '../../output/follow.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl, historyView, taskView } from '../present.ts';
import { answerBatch, answerSubmit } from '../submit.ts';
import { streamSse } from './live.ts';
import {
  BatchSubmitBody,
  BatchSubmitResponse,
  HistoryView,
  IdParams,
  ListQuery,
  LogsQuery,
  Problem,
  SubmitBody,
  SubmitResponse,
  TaskPage,
  TaskView,
} from '../schemas.ts';

export function taskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // 400, 401, 413, 415 and 429 are added to every route where they can happen (app.ts).

  r.post(
    '/tasks',
    {
      schema: {
        summary: 'Submit a task',
        tags: ['tasks'],
        body: SubmitBody,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(256).optional() }),
        response: { 201: SubmitResponse, 200: SubmitResponse, 403: Problem, 409: Problem },
      },
    },
    async (req, reply) => answerSubmit(ctx, req, reply, req.body, req.headers['idempotency-key']),
  );

  r.post(
    '/tasks/batch',
    {
      config: { batchOf: 'tasks' },
      schema: {
        summary: 'Submit up to 1,000 tasks at once, all or none',
        tags: ['tasks'],
        body: BatchSubmitBody,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(240).optional() }),
        response: { 201: BatchSubmitResponse, 200: BatchSubmitResponse, 403: Problem, 409: Problem },
      },
    },
    async (req, reply) => answerBatch(ctx, req, reply, req.body.tasks, req.headers['idempotency-key']),
  );

  r.get(
    '/tasks/:id',
    {
      schema: { summary: 'Task status and results', tags: ['tasks'], params: IdParams, response: { 200: TaskView, 404: Problem } },
    },
    async (req) => {
      const t = await ownedTask(ctx.store, principalOf(req), req.params.id);
      return taskView(t, baseUrl(ctx, req), ctx.clock.now(), await readResults(ctx, t));
    },
  );

  r.get(
    '/tasks',
    {
      schema: { summary: 'List tasks, newest first', tags: ['tasks'], querystring: ListQuery, response: { 200: TaskPage, 403: Problem } },
    },
    async (req) => {
      const q = req.query;
      const page = await ctx.store.list({
        status: q.status,
        userId: listScope(principalOf(req), q.userId),
        queue: q.queue,
        command: q.command,
        after: q.cursor,
        limit: q.limit,
      });
      const base = baseUrl(ctx, req);
      return { tasks: page.items.map((t) => taskView(t, base, ctx.clock.now())), nextCursor: page.nextCursor };
    },
  );

  r.post(
    '/tasks/:id/cancel',
    {
      schema: {
        summary: 'Cancel a task: a pending one never runs, a running one is killed',
        tags: ['tasks'],
        params: IdParams,
        response: {
          200: z.object({ taskId: z.string(), status: z.string(), effect: z.string(), message: z.string() }),
          404: Problem,
          409: Problem,
        },
      },
    },
    async (req) => cancelTask(ctx, principalOf(req), req.params.id),
  );

  r.get(
    '/tasks/:id/history',
    {
      schema: {
        summary: 'Every state transition of a task',
        tags: ['tasks'],
        params: IdParams,
        response: { 200: HistoryView, 404: Problem },
      },
    },
    async (req) => {
      await ownedTask(ctx.store, principalOf(req), req.params.id);
      return historyView(req.params.id, await ctx.store.history(req.params.id));
    },
  );

  r.get(
    '/tasks/:id/logs',
    {
      schema: {
        summary: "A task attempt's stdout and stderr (the latest attempt unless ?attempt=)",
        tags: ['tasks'],
        params: IdParams,
        querystring: LogsQuery,
        response: {
          200: z.union([
            z.object({
              taskId: z.string(),
              attempt: z.number(),
              stdout: z.string(),
              stderr: z.string(),
              stdoutTruncated: z.boolean(),
              stderrTruncated: z.boolean(),
            }),
            z.string(),
          ]),
          404: Problem,
          410: Problem,
        },
      },
    },
    async (req, reply) => {
      const t = await ownedTask(ctx.store, principalOf(req), req.params.id);
      const q = req.query;
      if (q.follow === 'true' || q.follow === '1' || (q.follow === undefined && (req.headers.accept ?? '').includes('text/event-stream'))) {
        const lastId = req.headers['last-event-id'];
        const after = parseCursor(q.after ?? (typeof lastId === 'string' ? lastId : undefined));
        if (!after) throw new InvalidInput(ErrorCode.ValidationFailed, 'Last-Event-ID must be an event id, "<attempt>.<seq>"');
        return streamSse(ctx, req, reply, t.id, after, q.encoding ?? 'utf8');
      }
      const logs = await readLogs(ctx, t, req.query.attempt, req.query.stream);
      if (req.query.stream) {
        return reply.type('text/plain; charset=utf-8').send((req.query.stream === 'stdout' ? logs.stdout : logs.stderr)?.toString() ?? '');
      }
      return {
        taskId: t.id,
        attempt: logs.attempt,
        stdout: logs.stdout?.toString() ?? '',
        stderr: logs.stderr?.toString() ?? '',
        stdoutTruncated: logs.stdoutTruncated,
        stderrTruncated: logs.stderrTruncated,
      };
    },
  );
}
