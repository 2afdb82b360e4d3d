/**
 * A function's URL and resource-based policy on the native API (issue 23): the use cases the
 * Lambda-compatible API calls too (app/function-access.ts), so both surfaces configure, refuse
 * and serve alike. Whose function: the key's user, or an admin's ?userId= (functions.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addPermission,
  createFunctionUrl,
  deleteFunctionUrl,
  functionOwner,
  functionUrlAddress,
  getFunctionUrl,
  getPolicy,
  removePermission,
  updateFunctionUrl,
} from '../../app/index.ts';
import { accountIdOf, functionArn } from '../../aws/index.ts';
import { Conflict, ErrorCode, policyDocument, statementDocument, type FunctionUrlConfig } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl } from '../present.ts';
import { Problem } from '../schemas.ts';
import { NameParams, OwnerQuery } from './functions.ts';

const UrlQuery = OwnerQuery.extend({
  qualifier: z.string().max(128).optional().describe('An alias (none or $LATEST: the function itself).'),
});
const PolicyQuery = OwnerQuery.extend({
  qualifier: z.string().max(128).optional().describe("A version number or an alias (none: the function's own policy)."),
});

const Cors = z.strictObject({
  allowOrigins: z.array(z.string().max(253)).max(100).default([]).describe('`*` or scheme://host[:port] origins.'),
  allowMethods: z.array(z.string().max(16)).max(8).default([]),
  allowHeaders: z.array(z.string().max(100)).max(100).default([]),
  exposeHeaders: z.array(z.string().max(100)).max(100).default([]),
  maxAgeS: z.number().int().min(0).max(86_400).optional(),
  allowCredentials: z.boolean().default(false),
});

const FunctionUrlView = z.object({
  url: z.string().describe('Where it is served: by path on the API (or by host name with HANGAR_FUNCTION_URL_DOMAIN).'),
  urlId: z.string(),
  functionName: z.string(),
  qualifier: z.string().nullable(),
  userId: z.string(),
  authType: z.enum(['NONE', 'AWS_IAM']),
  cors: Cors.nullable(),
  invokeMode: z.enum(['BUFFERED', 'RESPONSE_STREAM']),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const UrlBody = z.strictObject({
  authType: z.enum(['NONE', 'AWS_IAM']).describe('NONE: public, if the policy allows it (see /policy). AWS_IAM: SigV4-signed by a key.'),
  cors: Cors.nullish().describe('Replaces the CORS configuration; null removes it.'),
  invokeMode: z
    .enum(['BUFFERED', 'RESPONSE_STREAM'])
    .optional()
    .describe('BUFFERED (the default): answered once the function returns. RESPONSE_STREAM: answered as a streaming function writes.'),
});

const PolicyView = z.object({
  policy: z.record(z.string(), z.unknown()).describe('The policy document as AWS writes it (Version, Id, Statement).'),
  revisionId: z.string(),
});

const StatementParams = NameParams.extend({ sid: z.string().max(100) });
const StatementBody = z.strictObject({
  action: z.string().max(64).describe('lambda:InvokeFunction, lambda:InvokeFunctionUrl, lambda:GetFunction, lambda:*...'),
  principal: z.string().max(256).describe('*, a 12-digit account id, or a service (events.amazonaws.com).'),
  sourceArn: z.string().max(1024).optional(),
  sourceAccount: z.string().max(12).optional(),
  functionUrlAuthType: z.enum(['NONE', 'AWS_IAM']).optional(),
  invokedViaFunctionUrl: z.boolean().optional(),
  revisionId: z.string().max(64).optional().describe('Only if the policy is still at this revision (409 if not).'),
});

export function functionAccessRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['functions'];
  const urlView = (req: FastifyRequest, c: FunctionUrlConfig): z.infer<typeof FunctionUrlView> => ({
    url: functionUrlAddress(baseUrl(ctx, req), c.urlId, ctx.config.awsRegion, ctx.config.functionUrlDomain),
    urlId: c.urlId,
    functionName: c.functionName,
    qualifier: c.qualifier || null,
    userId: c.userId,
    authType: c.authType,
    cors: c.cors ? { ...c.cors } : null,
    invokeMode: c.invokeMode,
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  });
  const resource = (userId: string, name: string, qualifier: string) =>
    functionArn(ctx.config.awsRegion, accountIdOf(userId), name, qualifier || undefined);

  r.get(
    '/functions/:name/url',
    {
      schema: {
        summary: "The function's URL (or an alias's): where it is served and how",
        tags,
        params: NameParams,
        querystring: UrlQuery,
        response: { 200: FunctionUrlView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const target = { functionName: req.params.name, qualifier: req.query.qualifier };
      return urlView(req, await getFunctionUrl(ctx, owner(req, req.query.userId), target));
    },
  );

  r.put(
    '/functions/:name/url',
    {
      schema: {
        summary: 'Give the function (or an alias) a URL, or change its auth type and CORS',
        description:
          'A NONE URL answers 403 until the policy allows both lambda:InvokeFunctionUrl and lambda:InvokeFunction to * (PUT /functions/{name}/policy/{sid}).',
        tags,
        params: NameParams,
        querystring: UrlQuery,
        body: UrlBody,
        response: { 201: FunctionUrlView, 200: FunctionUrlView, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const target = { functionName: req.params.name, qualifier: req.query.qualifier };
      req.auditTarget = `${userId}/${req.params.name}${req.query.qualifier ? `:${req.query.qualifier}` : ''}`;
      try {
        return reply.code(201).send(urlView(req, await createFunctionUrl(ctx, userId, target, req.body)));
      } catch (err) {
        if (!(err instanceof Conflict && err.code === ErrorCode.FunctionUrlExists)) throw err;
      }
      return reply.code(200).send(urlView(req, await updateFunctionUrl(ctx, userId, target, req.body)));
    },
  );

  r.delete(
    '/functions/:name/url',
    {
      schema: {
        summary: "Delete the function's URL (or an alias's): it is served no more",
        tags,
        params: NameParams,
        querystring: UrlQuery,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteFunctionUrl(ctx, userId, { functionName: req.params.name, qualifier: req.query.qualifier });
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, deleted: true as const };
    },
  );

  r.get(
    '/functions/:name/policy',
    {
      schema: {
        summary: "The function's resource-based policy (or a version's or an alias's)",
        tags,
        params: NameParams,
        querystring: PolicyQuery,
        response: { 200: PolicyView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const p = await getPolicy(ctx, userId, { functionName: req.params.name, qualifier: req.query.qualifier });
      return { policy: policyDocument(p.statements, resource(userId, p.functionName, p.qualifier)), revisionId: p.revisionId };
    },
  );

  r.put(
    '/functions/:name/policy/:sid',
    {
      schema: {
        summary: 'Add a statement to the policy (409 if the Sid is taken)',
        tags,
        params: StatementParams,
        querystring: PolicyQuery,
        body: StatementBody,
        response: {
          201: z.object({ statement: z.record(z.string(), z.unknown()), revisionId: z.string() }),
          403: Problem,
          404: Problem,
          409: Problem,
        },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const { statement, policy } = await addPermission(
        ctx,
        userId,
        { functionName: req.params.name, qualifier: req.query.qualifier },
        { ...req.body, sid: req.params.sid },
      );
      req.auditTarget = `${userId}/${req.params.name}`;
      const doc = statementDocument(statement, resource(userId, policy.functionName, policy.qualifier));
      return reply.code(201).send({ statement: doc, revisionId: policy.revisionId });
    },
  );

  r.delete(
    '/functions/:name/policy/:sid',
    {
      schema: {
        summary: 'Remove a statement from the policy',
        tags,
        params: StatementParams,
        querystring: PolicyQuery.extend({ revisionId: z.string().max(64).optional() }),
        response: { 200: z.object({ sid: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const target = { functionName: req.params.name, qualifier: req.query.qualifier };
      await removePermission(ctx, userId, target, req.params.sid, req.query.revisionId);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { sid: req.params.sid, deleted: true as const };
    },
  );
}
