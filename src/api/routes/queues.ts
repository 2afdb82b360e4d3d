/** /queues (depth per queue and priority) and the dead-letter queue with redrive. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listScope, ownedTask } from '../../app/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl, taskView } from '../present.ts';
import { IdParams, Problem, TaskPage, TaskView } from '../schemas.ts';

const Depth = z.object({
  queue: z.string(),
  priority: z.number(),
  queueType: z.string(),
  pending: z.number(),
  running: z.number(),
});

export function queueRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/queues',
    {
      schema: {
        summary: "Queue depth per queue and priority (a user key: its user's own tasks)",
        tags: ['queues'],
        response: {
          200: z.object({
            queues: z.array(z.object({ queue: z.string(), pending: z.number(), running: z.number(), byPriority: z.array(Depth) })),
            deadLettered: z.number(),
          }),
        },
      },
    },
    async (req) => {
      // A user sees their own tasks only, as in every listing (access.ts).
      const userId = listScope(principalOf(req), undefined);
      const depths = await ctx.store.queueDepths(userId);
      const byQueue = new Map<string, { queue: string; pending: number; running: number; byPriority: typeof depths }>();
      for (const d of depths) {
        const q = byQueue.get(d.queue) ?? { queue: d.queue, pending: 0, running: 0, byPriority: [] };
        q.pending += d.pending;
        q.running += d.running;
        q.byPriority.push(d);
        byQueue.set(d.queue, q);
      }
      return { queues: [...byQueue.values()], deadLettered: await ctx.store.deadLetterCount(userId) };
    },
  );

  r.get(
    '/dlq',
    {
      schema: {
        summary: 'Dead-letter queue: tasks whose last attempt failed or timed out',
        tags: ['queues'],
        querystring: z.strictObject({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: TaskPage },
      },
    },
    async (req) => {
      const page = await ctx.store.list({
        deadLettered: true,
        userId: listScope(principalOf(req), undefined),
        after: req.query.cursor,
        limit: req.query.limit,
      });
      const base = baseUrl(ctx, req);
      return { tasks: page.items.map((t) => taskView(t, base, ctx.clock.now())), nextCursor: page.nextCursor };
    },
  );

  for (const url of ['/dlq/:id/redrive', '/tasks/:id/redrive']) {
    r.post(
      url,
      {
        schema: {
          summary: 'Put a dead-lettered task back in its queue (same id, fresh attempts)',
          tags: ['queues'],
          params: IdParams,
          response: { 200: TaskView, 404: Problem, 409: Problem },
        },
      },
      async (req) => {
        await ownedTask(ctx.store, principalOf(req), req.params.id);
        return taskView(await ctx.store.redrive(req.params.id), baseUrl(ctx, req), ctx.clock.now());
      },
    );
  }
}
