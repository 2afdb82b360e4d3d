/**
 * A function's asynchronous invocation settings on the native API (issue 23): retries, maximum
 * event age and destinations of its Event invocations, per qualifier. The use cases Lambda's
 * Put/Get/DeleteFunctionEventInvokeConfig call too (app/event-invoke-config.ts), so both
 * surfaces check and refuse alike. A destination is one of the owner's function names, or a
 * Lambda function ARN of theirs. Whose function: the key's user, or an admin's ?userId=.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deleteEventInvokeConfig,
  functionOwner,
  getEventInvokeConfig,
  listEventInvokeConfigs,
  putEventInvokeConfig,
} from '../../app/index.ts';
import { accountIdOf } from '../../aws/index.ts';
import type { EventInvokeConfig } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { NameParams, OwnerQuery, QualifiedQuery } from './functions.ts';

const Destination = z
  .string()
  .min(1)
  .max(256)
  .nullable()
  .optional()
  .describe("One of the owner's functions (a name, or its Lambda ARN); null or absent: none.");

const EventConfigView = z.object({
  name: z.string(),
  qualifier: z.string(),
  maximumRetryAttempts: z.number().nullable().describe('null: not set, 2 (Lambda’s default) applies.'),
  maximumEventAgeSeconds: z.number().nullable().describe('null: not set, 21,600 (6 h) applies.'),
  onSuccess: z.string().nullable(),
  onFailure: z.string().nullable(),
  lastModified: z.string(),
});

function view(c: EventInvokeConfig): z.infer<typeof EventConfigView> {
  return {
    name: c.functionName,
    qualifier: c.qualifier,
    maximumRetryAttempts: c.maximumRetryAttempts,
    maximumEventAgeSeconds: c.maximumEventAgeS,
    onSuccess: c.onSuccess,
    onFailure: c.onFailure,
    lastModified: new Date(c.lastModified).toISOString(),
  };
}

export function functionEventConfigRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['functions'];
  const path = '/functions/:name/event-config';

  r.get(
    '/functions/:name/event-configs',
    {
      schema: {
        summary: "The function's asynchronous invocation settings, one per qualifier that has them, by qualifier",
        tags,
        params: NameParams,
        querystring: OwnerQuery.extend({
          cursor: z.string().max(128).optional().describe('The nextCursor of the previous page.'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({ eventConfigs: z.array(EventConfigView), nextCursor: z.string().nullable() }),
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const page = await listEventInvokeConfigs(ctx, owner(req, req.query.userId), req.params.name, {
        after: req.query.cursor,
        limit: req.query.limit,
      });
      return { eventConfigs: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  r.get(
    path,
    {
      schema: {
        summary: "The function's asynchronous invocation settings (at a qualifier)",
        tags,
        params: NameParams,
        querystring: QualifiedQuery,
        response: { 200: EventConfigView, 403: Problem, 404: Problem },
      },
    },
    async (req) => view(await getEventInvokeConfig(ctx, owner(req, req.query.userId), req.params.name, req.query.qualifier)),
  );

  r.put(
    path,
    {
      schema: {
        summary: "Set the function's asynchronous invocation settings (at a qualifier): retries, maximum event age, destinations",
        description:
          'Replaces the whole configuration (what the body leaves out is unset), as Lambda’s PutFunctionEventInvokeConfig. ' +
          'Destinations receive Lambda’s invocation record as an Event invocation; a failure without onFailure stays in the dead-letter queue.',
        tags,
        params: NameParams,
        querystring: QualifiedQuery,
        body: z.strictObject({
          maximumRetryAttempts: z.int().nullable().optional().describe('0–2 retries after a function error (default 2).'),
          maximumEventAgeSeconds: z.int().nullable().optional().describe('60–21,600: older events are not run again (default 21,600).'),
          onSuccess: Destination,
          onFailure: Destination,
        }),
        response: { 200: EventConfigView, 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const accountId = accountIdOf(userId);
      const arn = (d: string | null | undefined) =>
        d === undefined || d === null || d.startsWith('arn:') ? d : `arn:aws:lambda:${ctx.config.awsRegion}:${accountId}:function:${d}`;
      const b = req.body;
      const c = await putEventInvokeConfig(
        ctx,
        userId,
        accountId,
        req.params.name,
        req.query.qualifier,
        {
          maximumRetryAttempts: b.maximumRetryAttempts,
          maximumEventAgeS: b.maximumEventAgeSeconds,
          onSuccess: arn(b.onSuccess),
          onFailure: arn(b.onFailure),
        },
        true,
      );
      req.auditTarget = `${userId}/${req.params.name}`;
      return view(c);
    },
  );

  r.delete(
    path,
    {
      schema: {
        summary: "Remove the function's asynchronous invocation settings (at a qualifier): Lambda's defaults apply again",
        tags,
        params: NameParams,
        querystring: QualifiedQuery,
        response: {
          200: z.object({ name: z.string(), qualifier: z.string(), deleted: z.literal(true) }),
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteEventInvokeConfig(ctx, userId, req.params.name, req.query.qualifier);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, qualifier: req.query.qualifier ?? '$LATEST', deleted: true as const };
    },
  );
}
