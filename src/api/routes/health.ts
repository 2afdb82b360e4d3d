/** /health (seed 000's shape, with real checks) and /metrics (Prometheus). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkHealth } from '../../app/index.ts';
import type { ApiContext } from '../context.ts';

const HealthResponse = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  checks: z.object({ database: z.boolean(), storage: z.boolean(), compute: z.boolean() }),
  metrics: z.object({
    activeTasks: z.number(),
    queuedTasks: z.number(),
    failedTasks: z.number(),
    completedTasks: z.number(),
    workers: z.number(),
    slots: z.number(),
  }),
  warnings: z.array(z.string()),
  timestamp: z.string(),
});

export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'Health of database, storage and compute (no key needed)',
        tags: ['operations'],
        security: [],
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_req, reply) => {
      const body = await checkHealth(ctx);
      return reply.code(body.status === 'unhealthy' ? 503 : 200).send(body);
    },
  );

  r.get(
    '/health/live',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness of this API process only (for load balancers; no dependency checked)',
        tags: ['operations'],
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  const Alert = z.object({
    name: z.string(),
    threshold: z.number(),
    state: z.enum(['ok', 'firing', 'unknown']).describe('unknown: not evaluated yet'),
    since: z.string().nullable(),
    value: z.number().nullable(),
    message: z.string(),
  });
  r.get(
    '/alerts',
    {
      config: { admin: true },
      schema: {
        summary: 'Alert rules and their states (admin)',
        tags: ['operations'],
        response: { 200: z.object({ alerts: z.array(Alert), webhook: z.boolean() }) },
      },
    },
    async () => {
      const states = new Map((await ctx.store.alertStates()).map((a) => [a.name, a]));
      const alerts = (ctx.alerts?.ruleList ?? []).map((rule) => {
        const s = states.get(rule.name);
        return {
          name: rule.name,
          threshold: rule.threshold,
          state: s?.state ?? ('unknown' as const),
          since: s ? new Date(s.since).toISOString() : null,
          value: s?.value ?? null,
          message: s?.message ?? '',
        };
      });
      return { alerts, webhook: Boolean(ctx.config.alertWebhookUrl) };
    },
  );

  r.get(
    '/metrics',
    {
      config: { admin: true },
      schema: {
        summary: 'Prometheus metrics in the text exposition format (admin)',
        tags: ['operations'],
        response: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } } },
      },
    },
    async (_req, reply) => {
      const text = await ctx.metrics.text();
      return reply.type(ctx.metrics.contentType).send(text);
    },
  );
}
