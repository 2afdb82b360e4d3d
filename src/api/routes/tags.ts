/**
 * /functions/{name}/tags, /state-machines/{name}/tags, /activities/{name}/tags and
 * /http-apis/{apiId}/tags: a function's, state machine's, activity's or HTTP API's tags, the
 * same ones Lambda's, Step Functions' and API Gateway's TagResource set (app/tags.ts: the same rules, the
 * same refusals by code). Read them, add or overwrite some (POST, as TagResource), remove some by
 * key (DELETE ?key=…, as UntagResource). Whose: the key's user, or an admin's ?userId=.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  functionOwner,
  type HttpApisApp,
  listTags,
  type Taggable,
  taggableActivity,
  taggableFunction,
  taggableHttpApi,
  taggableStateMachine,
  tagResource,
  untagResource,
} from '../../app/index.ts';
import { checkFunctionName } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { OwnerQuery } from './functions.ts';

const TagMap = z.record(z.string(), z.string()).describe('Tag keys to values.');
const TagsView = z.object({ tags: TagMap });
const RULES =
  'At most 50 tags; keys 1-128 characters, values up to 256; the `aws:` prefix is reserved. ' +
  'State machines, activities and HTTP APIs take only letters, digits, white space and `_ . : / = + - @`. ' +
  'Refused (400 TAG_INVALID, TAG_LIMIT_EXCEEDED): nothing is set.';

export function tagRoutes(app: FastifyInstance, ctx: ApiContext & HttpApisApp): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const resources: { path: string; what: string; group: string; of: (userId: string, name: string) => Taggable }[] = [
    {
      path: '/functions/:name/tags',
      what: 'function',
      group: 'functions',
      of: (userId, name) => taggableFunction(ctx, userId, checkFunctionName(name)),
    },
    {
      path: '/state-machines/:name/tags',
      what: 'state machine',
      group: 'workflows',
      of: (userId, name) => taggableStateMachine(ctx, userId, name),
    },
    {
      path: '/activities/:name/tags',
      what: 'activity',
      group: 'workflows',
      of: (userId, name) => taggableActivity(ctx, userId, name),
    },
    {
      path: '/http-apis/:apiId/tags',
      what: 'HTTP API',
      group: 'http-apis',
      of: (userId, apiId) => taggableHttpApi(ctx, userId, apiId),
    },
  ];
  for (const { path, what, group, of } of resources) {
    // The resource's name in the path: {name}, or an HTTP API's {apiId}.
    const param = /:(\w+)\/tags$/.exec(path)?.[1] ?? 'name';
    const Params = z.strictObject({ [param]: z.string().max(256) });
    const tags = [group];
    /** Whose resource (the key's user, or an admin's ?userId=) and which. */
    const target = (req: FastifyRequest, name: string, asked: string | undefined) => {
      const userId = functionOwner(principalOf(req), asked);
      req.auditTarget = `${userId}/${name}`;
      return { userId, t: of(userId, name) };
    };

    r.get(
      path,
      {
        schema: {
          summary: `The ${what}'s tags`,
          tags,
          params: Params,
          querystring: OwnerQuery,
          response: { 200: TagsView, 403: Problem, 404: Problem },
        },
      },
      async (req) => {
        const { userId, t } = target(req, req.params[param] as string, req.query.userId);
        return { tags: await listTags(ctx, userId, t) };
      },
    );

    r.post(
      path,
      {
        schema: {
          summary: `Add tags to the ${what}, or give the keys it has new values`,
          description: RULES,
          tags,
          params: Params,
          querystring: OwnerQuery,
          body: z.strictObject({ tags: TagMap }),
          response: { 200: TagsView, 400: Problem, 403: Problem, 404: Problem },
        },
      },
      async (req) => {
        const { userId, t } = target(req, req.params[param] as string, req.query.userId);
        return { tags: await tagResource(ctx, userId, t, req.body.tags) };
      },
    );

    r.delete(
      path,
      {
        schema: {
          summary: `Remove the ${what}'s tags of the keys given (?key=a&key=b; keys it does not have are no matter)`,
          tags,
          params: Params,
          querystring: OwnerQuery.extend({ key: z.union([z.string(), z.array(z.string())]).describe('A tag key; repeat it for more.') }),
          response: { 200: TagsView, 400: Problem, 403: Problem, 404: Problem },
        },
      },
      async (req) => {
        const { userId, t } = target(req, req.params[param] as string, req.query.userId);
        const keys = typeof req.query.key === 'string' ? [req.query.key] : req.query.key;
        return { tags: await untagResource(ctx, userId, t, keys) };
      },
    );
  }
}
