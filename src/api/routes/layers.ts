/**
 * /layers: a user's Lambda layers and their versions, over the use cases the Lambda-compatible
 * API calls too (app/layers.ts). Publishing is one JSON request with the zip in base64, as a
 * function's deploy is (and as Lambda's PublishLayerVersion takes Content.ZipFile); a function
 * names layer versions in its deploy's `layers`. A version's policy (/policy, as a function's)
 * shares it with other accounts, whose keys may then read it and its content (?userId=owner).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addLayerVersionPermission,
  deleteLayerVersion,
  functionOwner,
  getLayerVersion,
  getLayerVersionPolicy,
  layerContent,
  layerContentUrl,
  layerReaderOf,
  listLayers,
  listLayerVersions,
  presignedLayerContent,
  publishLayerVersion,
  removeLayerVersionPermission,
} from '../../app/index.ts';
import { accountIdOf, layerArn } from '../../aws/index.ts';
import {
  checkLayerVersionNumber,
  LAYER_ACTION,
  LAYER_LIMITS,
  layerErrors,
  layerMatches,
  policyDocument,
  statementDocument,
  type LayerVersion,
} from '../../core/index.ts';
import { presignedRequest, principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl } from '../present.ts';
import { Problem } from '../schemas.ts';
import { CodeView, DEPLOY_BODY_LIMIT, KEY_OR_SIGNATURE, OwnerQuery, PresignedParams, sendZip, ZIP_RESPONSE } from './functions.ts';

// Types only: names, runtimes, architectures and sizes are checked once in core and app.
const PublishBody = z.strictObject({
  zip: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the zip must be base64')
    .describe("The layer's content: a zip, base64."),
  description: z.string().max(LAYER_LIMITS.descriptionMax).optional(),
  compatibleRuntimes: z.array(z.string().max(64)).max(LAYER_LIMITS.compatibleRuntimesMax).optional(),
  compatibleArchitectures: z.array(z.string().max(16)).max(LAYER_LIMITS.compatibleArchitecturesMax).optional(),
  licenseInfo: z.string().max(LAYER_LIMITS.licenseInfoMax).optional(),
});
const LayerVersionView = z.object({
  name: z.string(),
  userId: z.string(),
  version: z.number(),
  description: z.string(),
  compatibleRuntimes: z.array(z.string()),
  compatibleArchitectures: z.array(z.string()),
  licenseInfo: z.string().nullable(),
  createdAt: z.string(),
  code: CodeView,
});
const LayerParams = z.strictObject({ name: z.string().max(256) });
const VersionParams = LayerParams.extend({ n: z.string().max(20) });
const ContentQuery = OwnerQuery.extend(PresignedParams);
const StatementParams = VersionParams.extend({ sid: z.string().max(100) });
const StatementBody = z.strictObject({
  principal: z.string().max(64).describe('*: every account; or a 12-digit account id (or arn:aws:iam::<account>:root).'),
  action: z.literal(LAYER_ACTION).optional().describe('The one action a layer version grants (the default).'),
  revisionId: z.string().max(64).optional().describe('Only if the policy is still at this revision (409 if not).'),
});
const PolicyView = z.object({
  policy: z.record(z.string(), z.unknown()).describe('The policy document as AWS writes it (Version, Id, Statement).'),
  revisionId: z.string(),
});
const FilterQuery = OwnerQuery.extend({
  compatibleRuntime: z.string().max(64).optional(),
  compatibleArchitecture: z.string().max(16).optional(),
});

function layerVersionView(base: string, v: LayerVersion, callerUserId: string | null): z.infer<typeof LayerVersionView> {
  return {
    name: v.name,
    userId: v.userId,
    version: v.version,
    description: v.description,
    compatibleRuntimes: v.compatibleRuntimes,
    compatibleArchitectures: v.compatibleArchitectures,
    licenseInfo: v.licenseInfo,
    createdAt: new Date(v.createdAt).toISOString(),
    code: { sha256: v.code.sha256, size: v.code.size, url: layerContentUrl(base, v, callerUserId) },
  };
}

export function layerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const view = (req: FastifyRequest, v: LayerVersion) => layerVersionView(baseUrl(ctx, req), v, principalOf(req).userId);
  // Reads of one version: the owner's, or a grantee's naming the owner (?userId=).
  const reader = (req: FastifyRequest, asked: string | undefined, name: string, n: number) =>
    layerReaderOf(ctx, principalOf(req), asked, name, n, accountIdOf);
  const resource = (userId: string, name: string, n: number) => layerArn(ctx.config.awsRegion, accountIdOf(userId), name, n);
  const filterOf = (q: z.infer<typeof FilterQuery>) => ({
    compatibleRuntime: q.compatibleRuntime,
    compatibleArchitecture: q.compatibleArchitecture,
  });

  r.post(
    '/layers/:name/versions',
    {
      bodyLimit: DEPLOY_BODY_LIMIT,
      schema: {
        summary: "Publish a layer's next version (1 for a new layer; a deleted number is never given again)",
        tags: ['layers'],
        params: LayerParams,
        querystring: OwnerQuery,
        body: PublishBody,
        response: { 201: LayerVersionView, 400: Problem, 403: Problem, 413: Problem },
      },
    },
    async (req, reply) => {
      const { zip, ...settings } = req.body;
      const userId = owner(req, req.query.userId);
      const v = await publishLayerVersion(ctx, userId, { name: req.params.name, zip: Buffer.from(zip, 'base64'), ...settings });
      req.auditTarget = `${userId}/${v.name}:${v.version}`;
      return reply.code(201).send(view(req, v));
    },
  );

  r.get(
    '/layers',
    {
      schema: {
        summary: "A user's layers, each at its latest version (matching the filters), by name",
        tags: ['layers'],
        querystring: FilterQuery,
        response: { 200: z.object({ layers: z.array(LayerVersionView) }), 403: Problem },
      },
    },
    async (req) => ({
      layers: (await listLayers(ctx, owner(req, req.query.userId), filterOf(req.query))).map((v) => view(req, v)),
    }),
  );

  r.get(
    '/layers/:name/versions',
    {
      schema: {
        summary: "A layer's versions (matching the filters), newest first; 404 for a layer without any",
        tags: ['layers'],
        params: LayerParams,
        querystring: FilterQuery,
        response: { 200: z.object({ versions: z.array(LayerVersionView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      // A layer without versions is one the user does not have (404, as for a version), not an
      // empty list: the filters then narrow what is there.
      const all = await listLayerVersions(ctx, owner(req, req.query.userId), req.params.name);
      if (all.length === 0) throw layerErrors.notFound(req.params.name);
      return { versions: all.filter((v) => layerMatches(v, filterOf(req.query))).map((v) => view(req, v)) };
    },
  );

  r.get(
    '/layers/:name/versions/:n',
    {
      schema: {
        summary: 'A layer version',
        tags: ['layers'],
        params: VersionParams,
        querystring: OwnerQuery,
        response: { 200: LayerVersionView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const n = checkLayerVersionNumber(req.params.n);
      return view(req, await getLayerVersion(ctx, await reader(req, req.query.userId, req.params.name, n), req.params.name, n));
    },
  );

  // The body is a zip, not JSON: registered without the typed provider's serializer.
  app.get<{ Params: z.infer<typeof VersionParams>; Querystring: z.infer<typeof ContentQuery> }>(
    '/layers/:name/versions/:n/content',
    {
      config: { presigned: true },
      schema: {
        summary: "A layer version's content, the zip as published",
        description:
          "With a key, or without one by the presigned URL (`expires`, `signature`) that Lambda's GetLayerVersion gives as Content.Location.",
        tags: ['layers'],
        params: VersionParams,
        querystring: ContentQuery,
        security: KEY_OR_SIGNATURE,
        response: ZIP_RESPONSE,
      },
    },
    async (req, reply) => {
      const n = checkLayerVersionNumber(req.params.n);
      const { version: v, zip } = presignedRequest(req)
        ? await presignedLayerContent(ctx, req.params.name, n, req.query)
        : await layerContent(ctx, await reader(req, req.query.userId, req.params.name, n), req.params.name, n);
      return sendZip(reply, `${v.name}-${v.version}.zip`, v.code.sha256, zip);
    },
  );

  r.delete(
    '/layers/:name/versions/:n',
    {
      schema: {
        summary: 'Delete a layer version: functions that use it keep running with it; it can no longer be added to one',
        tags: ['layers'],
        params: VersionParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), version: z.number(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const version = checkLayerVersionNumber(req.params.n);
      if (!(await deleteLayerVersion(ctx, userId, req.params.name, version))) throw layerErrors.notFound(req.params.name, version);
      req.auditTarget = `${userId}/${req.params.name}:${version}`;
      return { name: req.params.name, version, deleted: true as const };
    },
  );

  r.get(
    '/layers/:name/versions/:n/policy',
    {
      schema: {
        summary: "A layer version's resource-based policy: the accounts it is shared with (404 when none)",
        tags: ['layers'],
        params: VersionParams,
        querystring: OwnerQuery,
        response: { 200: PolicyView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const n = checkLayerVersionNumber(req.params.n);
      const p = await getLayerVersionPolicy(ctx, userId, req.params.name, n);
      return { policy: policyDocument(p.statements, resource(userId, p.layerName, n)), revisionId: p.revisionId };
    },
  );

  r.put(
    '/layers/:name/versions/:n/policy/:sid',
    {
      schema: {
        summary: 'Share a layer version: add a statement granting an account (or *) lambda:GetLayerVersion (409 if the Sid is taken)',
        tags: ['layers'],
        params: StatementParams,
        querystring: OwnerQuery,
        body: StatementBody,
        response: {
          201: z.object({ statement: z.record(z.string(), z.unknown()), revisionId: z.string() }),
          400: Problem,
          403: Problem,
          404: Problem,
          409: Problem,
        },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const n = checkLayerVersionNumber(req.params.n);
      const { statement, policy } = await addLayerVersionPermission(ctx, userId, req.params.name, n, {
        sid: req.params.sid,
        action: req.body.action ?? LAYER_ACTION,
        principal: req.body.principal,
        revisionId: req.body.revisionId,
      });
      req.auditTarget = `${userId}/${req.params.name}:${n}`;
      return reply
        .code(201)
        .send({ statement: statementDocument(statement, resource(userId, policy.layerName, n)), revisionId: policy.revisionId });
    },
  );

  r.delete(
    '/layers/:name/versions/:n/policy/:sid',
    {
      schema: {
        summary: "Stop sharing: remove a statement from a layer version's policy (functions already using it keep it)",
        tags: ['layers'],
        params: StatementParams,
        querystring: OwnerQuery.extend({ revisionId: z.string().max(64).optional() }),
        response: { 200: z.object({ sid: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const n = checkLayerVersionNumber(req.params.n);
      await removeLayerVersionPermission(ctx, userId, req.params.name, n, req.params.sid, req.query.revisionId);
      req.auditTarget = `${userId}/${req.params.name}:${n}`;
      return { sid: req.params.sid, deleted: true as const };
    },
  );
}
