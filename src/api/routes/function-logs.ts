/**
 * A function's invocations and their logs (issue 23), newest first: `GET /functions/{name}/invocations`
 * (the records: status, duration, cold start, memory) and `GET /functions/{name}/logs` (the same
 * with each invocation's log: START, the function's output, END, REPORT, as CloudWatch shows a
 * Lambda function's). Records are written just after each invocation answers (in batches), so
 * one appears here a moment after its caller has its result. `GET /functions/{name}/logs/live`
 * sends them as Server-Sent Events as they are written (app/invocation-follow.ts): what
 * `hangar function logs --follow` reads.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { followInvocationLogs, functionOwner, invocationLogs, listInvocations, type InvocationQuery } from '../../app/index.ts';
import {
  checkFunctionName,
  decodeInvocationCursor,
  encodeInvocationCursor,
  ErrorCode,
  InvalidInput,
  type InvocationRecord,
} from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { NameParams, OwnerQuery } from './functions.ts';
import { sendEvents } from './live.ts';

/** A live follower on a store whose notices can be lost (across processes) reads again after
 *  this long without one, ms. */
const LIVE_POLL_MS = 2000;

const LiveQuery = OwnerQuery.extend({
  since: z.coerce.number().int().min(0).optional().describe('Epoch milliseconds: every invocation that ended at or after it first.'),
  limit: z.coerce.number().int().min(0).max(200).default(20).describe('Without `since`: how many of the latest first (0: only new ones).'),
  after: z.string().max(200).optional().describe('An event id: resume after that invocation (as the Last-Event-ID header).'),
});

const ListQuery = OwnerQuery.extend({
  requestId: z.string().max(64).optional().describe('Only this invocation.'),
  since: z.coerce.number().int().min(0).optional().describe('Epoch milliseconds: only invocations that ended at or after it.'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const InvocationView = z.object({
  requestId: z.string(),
  functionName: z.string(),
  userId: z.string(),
  executedVersion: z.string().describe('$LATEST or a published version number.'),
  invocationType: z.string().describe('RequestResponse, or Event.'),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number().describe('As REPORT Duration: the handler, without the init phase.'),
  initDurationMs: z.number().nullable().describe('A cold start: the init phase (REPORT Init Duration); null when warm.'),
  status: z.enum(['success', 'error', 'timeout']),
  errorType: z.string().nullable(),
  memoryMb: z.number(),
  maxMemoryUsedMb: z.number().nullable().describe("The instance's peak memory (REPORT Max Memory Used)."),
  logBytes: z.number(),
  callerAccountId: z
    .string()
    .nullable()
    .describe("The account that invoked it when not the owner's (another account the function's policy allows); null: the owner."),
});
const LogView = InvocationView.extend({
  log: z
    .string()
    .describe(
      'START, the output, END and REPORT (UTF-8); with JSON logs, one JSON record a line (platform.start, the output, platform.report).',
    ),
});
const logView = (i: InvocationRecord & { log: Buffer }): z.infer<typeof LogView> => ({ ...invocationView(i), log: i.log.toString('utf8') });

function invocationView(r: InvocationRecord): z.infer<typeof InvocationView> {
  return {
    requestId: r.requestId,
    functionName: r.functionName,
    userId: r.userId,
    executedVersion: r.executedVersion,
    invocationType: r.invocationType,
    startedAt: new Date(r.startedAt).toISOString(),
    endedAt: new Date(r.endedAt).toISOString(),
    durationMs: r.durationMs,
    initDurationMs: r.initDurationMs,
    status: r.status,
    errorType: r.errorType,
    memoryMb: r.memoryMb,
    maxMemoryUsedMb: r.maxMemoryBytes === null ? null : Math.ceil(r.maxMemoryBytes / (1024 * 1024)),
    logBytes: r.logBytes,
    callerAccountId: r.callerAccountId,
  };
}

export function functionLogRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const ask = (req: FastifyRequest, params: { name: string }, q: z.infer<typeof ListQuery>) => {
    const query: InvocationQuery = { requestId: q.requestId, since: q.since, after: q.cursor, limit: q.limit };
    return [functionOwner(principalOf(req), q.userId), checkFunctionName(params.name), query] as const;
  };

  r.get(
    '/functions/:name/invocations',
    {
      schema: {
        summary: "A function's recent invocations, newest first: status, duration, cold start, memory",
        description:
          'Kept for the retention period of finished tasks (HANGAR_RETENTION_HOURS). Throttled invocations are counted in /metrics, not kept.',
        tags: ['functions'],
        params: NameParams,
        querystring: ListQuery,
        response: {
          200: z.object({ invocations: z.array(InvocationView), nextCursor: z.string().nullable() }),
          400: Problem,
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const page = await listInvocations(ctx, ...ask(req, req.params, req.query));
      return { invocations: page.items.map(invocationView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/functions/:name/logs',
    {
      schema: {
        summary: "A function's recent invocations with their logs (START, output, END, REPORT), newest first",
        description: 'The output kept is the last 64 KiB of each invocation. `since` (epoch ms) and the request id narrow it.',
        tags: ['functions'],
        params: NameParams,
        querystring: ListQuery,
        response: {
          200: z.object({ logs: z.array(LogView), nextCursor: z.string().nullable() }),
          400: Problem,
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const page = await invocationLogs(ctx, ...ask(req, req.params, req.query));
      return { logs: page.items.map(logView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/functions/:name/logs/live',
    {
      schema: {
        summary: "A function's invocation logs as they are written (Server-Sent Events), oldest first",
        description:
          'One `invocation` event per invocation, its data as an item of GET /functions/{name}/logs, its id what `after` or Last-Event-ID resume from; first those since `since` (or the latest `limit`), then each new one, until the client goes.',
        tags: ['functions'],
        params: NameParams,
        querystring: LiveQuery,
        response: { 200: z.string().describe('text/event-stream'), 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const lastId = req.headers['last-event-id'];
      const resume = q.after ?? (typeof lastId === 'string' && lastId !== '' ? lastId : undefined);
      const after = resume === undefined ? null : decodeInvocationCursor(resume);
      if (resume !== undefined && !after)
        throw new InvalidInput(ErrorCode.InvalidCursor, 'after (or Last-Event-ID) must be an event id of this stream');
      const userId = functionOwner(principalOf(req), q.userId);
      const events = await followInvocationLogs(ctx, userId, checkFunctionName(req.params.name), {
        since: after?.endedAt ?? q.since,
        after: after ?? undefined,
        tail: q.limit,
        clock: ctx.clock,
        pollMs: ctx.store.capabilities.crossProcessWakeups ? LIVE_POLL_MS : null,
      });
      return sendEvents(ctx, req, reply, { functionName: req.params.name }, async function* (signal) {
        for await (const i of events.follow(signal)) yield { id: encodeInvocationCursor(i), event: 'invocation', data: logView(i) };
      });
    },
  );
}
