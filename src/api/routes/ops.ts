/**
 * Operations views for the dashboard and for scripts: task counts and the throughput and
 * latency of the last hour (a user key: of its own tasks), and for admin keys the live workers
 * with what they run and the autoscaler's decisions. Everything is read from the store, so every API node answers alike.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listScope } from '../../app/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem, UserId } from '../schemas.ts';

const Counts = z.object({
  PENDING: z.number(),
  RUNNING: z.number(),
  SUCCESS: z.number(),
  FAILED: z.number(),
  TIMEOUT: z.number(),
  CANCELLED: z.number(),
  deadLettered: z.number(),
});
const Bucket = z.object({
  at: z.string().describe('Start of the bucket (ISO 8601)'),
  finished: z.number(),
  failed: z.number().describe('FAILED or TIMEOUT'),
  avgWaitMs: z.number().nullable().describe('Mean time from submit to start of the tasks finished in the bucket'),
  avgRunMs: z.number().nullable(),
});
const Worker = z.object({
  workerId: z.string(),
  host: z.string(),
  pid: z.number(),
  slots: z.number(),
  running: z.number(),
  state: z.enum(['busy', 'idle']),
  startedAt: z.string(),
  lastSeen: z.string(),
});
const Decision = z.object({
  id: z.number(),
  at: z.string(),
  action: z.enum(['launch', 'retire', 'hold']),
  depth: z.number(),
  current: z.number(),
  desired: z.number(),
  workers: z.array(z.string()),
  reason: z.string(),
  autoscaler: z
    .string()
    .nullable()
    .describe('Which autoscaler decided (its id, host-pid-random; several may run, one leads); null for older decisions'),
});

export function opsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const iso = (ms: number) => new Date(ms).toISOString();

  r.get(
    '/stats',
    {
      schema: {
        summary: "Task counts, and completions, failures, wait and run time over time (a user key: its user's own tasks)",
        tags: ['operations'],
        querystring: z.strictObject({
          userId: UserId.optional().describe("One user's tasks (admins; a user key always reads its own)"),
          windowMs: z.coerce
            .number()
            .int()
            .min(60_000)
            .max(7 * 86_400_000)
            .default(3_600_000)
            .describe('How far back (default: the last hour)'),
          bucketMs: z.coerce.number().int().min(1000).max(86_400_000).default(60_000).describe('Bucket width (default: one minute)'),
        }),
        response: { 200: z.object({ counts: Counts, since: z.string(), bucketMs: z.number(), timeline: z.array(Bucket) }), 403: Problem },
      },
    },
    async (req) => {
      const { windowMs, bucketMs } = req.query;
      const since = Math.floor((ctx.clock.now() - windowMs) / bucketMs) * bucketMs;
      // Everyone's counts are shared between callers (ctx.counts); one user's are read each time.
      const userId = listScope(principalOf(req), req.query.userId);
      const [counts, timeline] = await Promise.all([
        userId === undefined ? ctx.counts() : ctx.store.counts(userId),
        ctx.store.timeline(since, bucketMs, userId),
      ]);
      return { counts, since: iso(since), bucketMs, timeline: timeline.map((b) => ({ ...b, at: iso(b.at) })) };
    },
  );

  r.get(
    '/workers',
    {
      config: { admin: true },
      schema: {
        summary: 'Live workers and how many tasks each runs (admin)',
        tags: ['operations'],
        response: { 200: z.object({ workers: z.array(Worker) }) },
      },
    },
    async () => {
      const [workers, loads] = await Promise.all([ctx.store.liveWorkers(ctx.config.workerStaleMs), ctx.store.workerLoads()]);
      const running = new Map(loads.map((l) => [l.workerId, l.running]));
      return {
        workers: workers.map((w) => {
          const n = running.get(w.id) ?? 0;
          return {
            workerId: w.id,
            host: w.host,
            pid: w.pid,
            slots: w.concurrency,
            running: n,
            state: n > 0 ? ('busy' as const) : ('idle' as const),
            startedAt: iso(w.startedAt),
            lastSeen: iso(w.lastSeen),
          };
        }),
      };
    },
  );

  r.get(
    '/autoscaler',
    {
      config: { admin: true },
      schema: {
        summary: "The autoscaler's latest desired count and decisions, newest first (admin)",
        tags: ['operations'],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.object({ desired: z.number().nullable(), decisions: z.array(Decision) }) },
      },
    },
    async (req) => {
      const events = await ctx.store.scalingEvents({ limit: req.query.limit });
      return { desired: events[0]?.desired ?? null, decisions: events.map((e) => ({ ...e, at: iso(e.at) })) };
    },
  );
}
