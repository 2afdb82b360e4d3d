/**
 * A function's versions, aliases and reserved concurrency on the native API (issue 23): the use
 * cases the Lambda-compatible API calls too (app/function-admin.ts), so both surfaces publish,
 * point and refuse alike. Whose function: the key's user, or an admin's ?userId= (functions.ts).
 *
 * A conditional change takes the revision GET gave as its ETag in If-Match, as HTTP has it,
 * where Lambda puts a RevisionId in the body; a stale one answers 412 (a revision sent any other
 * way stays the 409 the store's Conflict is).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deleteAlias,
  deleteConcurrency,
  deleteVersion,
  functionOwner,
  getAlias,
  getFunction,
  listAliases,
  listVersionPage,
  publishVersion,
  putAlias,
  putConcurrency,
} from '../../app/index.ts';
import { Conflict, ErrorCode, InvalidInput, type FunctionAlias, type FunctionSnapshot } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl } from '../present.ts';
import { problem, sendProblem } from '../problem.ts';
import { Problem } from '../schemas.ts';
import { FunctionView, functionView, NameParams, OwnerQuery } from './functions.ts';

const VERSION = /^[1-9]\d{0,9}$/;
const VersionParams = NameParams.extend({ n: z.string().regex(VERSION, 'a published version number').describe('1, 2, ...') });
const AliasParams = NameParams.extend({ alias: z.string().max(128) });
const IfMatch = z.object({
  'if-match': z.string().max(200).optional().describe("The function's (or alias's) ETag from GET: change it only if it is still that."),
});

const AliasView = z.object({
  name: z.string(),
  functionName: z.string(),
  userId: z.string(),
  version: z.string().describe('The published version it points at.'),
  description: z.string(),
  revisionId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

function aliasView(a: FunctionAlias): z.infer<typeof AliasView> {
  return {
    name: a.name,
    functionName: a.functionName,
    userId: a.userId,
    version: String(a.version),
    description: a.description,
    revisionId: a.revisionId,
    createdAt: new Date(a.createdAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
  };
}

/** The revision an If-Match names: one strong ETag as GET gives it; `*` (any) asks nothing. */
function ifMatchOf(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*"([^"]+)"\s*$/.exec(header);
  if (!m) throw new InvalidInput(ErrorCode.ValidationFailed, 'If-Match takes one ETag as GET gives it: "<revisionId>" (or *)');
  return m[1];
}

/** Runs a change conditional on `revision`; a stale one is 412 Precondition Failed. */
async function conditional<T>(reply: FastifyReply, revision: string | undefined, run: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await run();
  } catch (err) {
    if (revision !== undefined && err instanceof Conflict && err.code === ErrorCode.FunctionRevisionMismatch)
      return sendProblem(reply, problem(412, err.code, err.message));
    throw err;
  }
}

export function functionVersionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const view = (req: FastifyRequest, f: FunctionSnapshot) => functionView(baseUrl(ctx, req), f, principalOf(req).userId);
  const tags = ['functions'];

  r.post(
    '/functions/:name/versions',
    {
      schema: {
        summary: 'Publish $LATEST as the next version (or answer the last one if nothing that runs changed since)',
        description:
          'With If-Match, only if $LATEST is still at that revision (412 if not); with `codeSha256`, only if its code is that zip.',
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        headers: IfMatch,
        body: z
          .strictObject({
            description: z.string().max(256).optional(),
            codeSha256: z.string().max(64).optional().describe("Publish only if $LATEST's code has this SHA-256 (base64, as code.sha256)."),
          })
          .nullish()
          .describe('Optional: POST with no body publishes unconditionally.'),
        response: { 201: FunctionView, 403: Problem, 404: Problem, 409: Problem, 412: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const revisionId = ifMatchOf(req.headers['if-match']);
      return conditional(reply, revisionId, async () => {
        const v = await publishVersion(ctx, userId, req.params.name, { ...req.body, revisionId });
        req.auditTarget = `${userId}/${v.name}:${v.version}`;
        return reply.code(201).send(view(req, v));
      });
    },
  );

  r.get(
    '/functions/:name/versions',
    {
      schema: {
        summary: "A function's published versions, oldest first",
        tags,
        params: NameParams,
        querystring: OwnerQuery.extend({
          cursor: z.string().regex(VERSION).optional().describe('The nextCursor of the previous page.'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ versions: z.array(FunctionView), nextCursor: z.string().nullable() }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const after = req.query.cursor === undefined ? undefined : Number(req.query.cursor);
      const page = await listVersionPage(ctx, owner(req, req.query.userId), req.params.name, { after, limit: req.query.limit });
      return { versions: page.items.map((v) => view(req, v)), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/functions/:name/versions/:n',
    {
      schema: {
        summary: 'One published version: its configuration and code as published',
        tags,
        params: VersionParams,
        querystring: OwnerQuery,
        response: { 200: FunctionView, 403: Problem, 404: Problem },
      },
    },
    async (req) => view(req, await getFunction(ctx, owner(req, req.query.userId), req.params.name, req.params.n)),
  );

  r.delete(
    '/functions/:name/versions/:n',
    {
      schema: {
        summary: 'Delete a published version (409 while an alias points at it); its number is not used again',
        tags,
        params: VersionParams,
        querystring: OwnerQuery,
        response: {
          200: z.object({ name: z.string(), version: z.string(), deleted: z.literal(true) }),
          403: Problem,
          404: Problem,
          409: Problem,
        },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteVersion(ctx, userId, req.params.name, Number(req.params.n));
      req.auditTarget = `${userId}/${req.params.name}:${req.params.n}`;
      return { name: req.params.name, version: req.params.n, deleted: true as const };
    },
  );

  r.put(
    '/functions/:name/aliases/:alias',
    {
      schema: {
        summary: 'Point an alias at a published version: create it, or update it',
        description: "With If-Match (the alias's ETag), only an update of the alias at that revision (412 if it moved on).",
        tags,
        params: AliasParams,
        querystring: OwnerQuery,
        headers: IfMatch,
        body: z.strictObject({
          version: z.string().max(16).describe('A published version number.'),
          description: z.string().max(256).optional(),
        }),
        response: { 201: AliasView, 200: AliasView, 403: Problem, 404: Problem, 409: Problem, 412: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const revisionId = ifMatchOf(req.headers['if-match']);
      return conditional(reply, revisionId, async () => {
        const done = await putAlias(ctx, userId, req.params.name, req.params.alias, req.body, revisionId);
        req.auditTarget = `${userId}/${req.params.name}:${done.alias.name}`;
        return reply
          .code(done.created ? 201 : 200)
          .header('etag', `"${done.alias.revisionId}"`)
          .send(aliasView(done.alias));
      });
    },
  );

  r.get(
    '/functions/:name/aliases',
    {
      schema: {
        summary: "A function's aliases by name",
        tags,
        params: NameParams,
        querystring: OwnerQuery.extend({ version: z.string().max(16).optional().describe('Only those pointing at this version.') }),
        response: { 200: z.object({ aliases: z.array(AliasView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => ({
      aliases: (await listAliases(ctx, owner(req, req.query.userId), req.params.name, req.query.version)).map(aliasView),
    }),
  );

  r.get(
    '/functions/:name/aliases/:alias',
    {
      schema: {
        summary: 'An alias and the version it points at',
        description: 'The ETag is its revision, for If-Match on PUT.',
        tags,
        params: AliasParams,
        querystring: OwnerQuery,
        response: { 200: AliasView, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const a = await getAlias(ctx, owner(req, req.query.userId), req.params.name, req.params.alias);
      reply.header('etag', `"${a.revisionId}"`);
      return aliasView(a);
    },
  );

  r.delete(
    '/functions/:name/aliases/:alias',
    {
      schema: {
        summary: 'Delete an alias (deleting a missing one is done, as Lambda answers)',
        tags,
        params: AliasParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), alias: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteAlias(ctx, userId, req.params.name, req.params.alias);
      req.auditTarget = `${userId}/${req.params.name}:${req.params.alias}`;
      return { name: req.params.name, alias: req.params.alias, deleted: true as const };
    },
  );

  const Concurrency = z.object({ name: z.string(), reserved: z.number().nullable().describe('null: unreserved.') });

  r.put(
    '/functions/:name/concurrency',
    {
      schema: {
        summary: 'Reserve concurrency for the function (all its versions): at most this many instances at once',
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        body: z.strictObject({ reserved: z.int().describe('0 stops every invocation; at most 1,000,000.') }),
        response: { 200: Concurrency, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const reserved = await putConcurrency(ctx, userId, req.params.name, req.body.reserved);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, reserved };
    },
  );

  r.delete(
    '/functions/:name/concurrency',
    {
      schema: {
        summary: "Remove the function's reserved concurrency",
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        response: { 200: Concurrency, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteConcurrency(ctx, userId, req.params.name);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, reserved: null };
    },
  );
}
