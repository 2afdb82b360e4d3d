/**
 * /domain-names: a user's custom domain names of HTTP APIs and their API mappings, over the use
 * cases in app/domain-names.ts (API Gateway v2's DomainName and ApiMapping, natively). A request
 * whose Host is the name is served by the mapping whose key is the longest prefix of its path
 * (routes/http-gateway.ts); TLS is a reverse proxy's in front of Hangar.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createApiMapping,
  createDomainName,
  deleteApiMapping,
  deleteDomainName,
  type DomainNamesApp,
  functionOwner,
  getApiMapping,
  getDomainName,
  listApiMappings,
  listDomainNames,
  listHttpApiMappings,
  updateApiMapping,
  updateDomainName,
} from '../../app/index.ts';
import type { ApiMapping, DomainName } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem, UserId } from '../schemas.ts';

// Types only: names, keys and stages are checked once in core, so a refusal carries the same
// code on every surface.
const ConfigFields = {
  certificateArn: z
    .string()
    .max(2048)
    .nullable()
    .optional()
    .describe('Kept and reported; the reverse proxy in front holds the certificate.'),
  certificateName: z.string().max(2048).nullable().optional(),
  endpointType: z.string().max(32).optional().describe('REGIONAL (the default; the only one).'),
  securityPolicy: z.string().max(32).optional().describe('TLS_1_2 (the default; the only one).'),
};
const DomainBody = z.strictObject({
  domainName: z.string().max(260).describe("A host name (api.example.com), anyone's only once; not where Hangar's own API is reached."),
  ...ConfigFields,
  tags: z.record(z.string().max(128), z.string().max(256)).optional(),
});
const DomainPatch = z.strictObject(ConfigFields);
const MappingBody = z.strictObject({
  apiId: z.string().max(64).describe('An HTTP API of the same user.'),
  stage: z.string().max(128).default('$default').describe('$default or a named stage of the API.'),
  apiMappingKey: z.string().max(256).default('').describe("'' (the domain's root) or a path: v1, v1/orders."),
});
const MappingPatch = z.strictObject({
  apiId: z.string().max(64).optional(),
  stage: z.string().max(128).optional(),
  apiMappingKey: z.string().max(256).optional(),
});

const DomainView = z.object({
  domainName: z.string(),
  userId: z.string(),
  certificateArn: z.string().nullable(),
  certificateName: z.string().nullable(),
  endpointType: z.string(),
  securityPolicy: z.string(),
  tags: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const MappingView = z.object({
  domainName: z.string(),
  apiMappingId: z.string(),
  apiId: z.string(),
  stage: z.string(),
  apiMappingKey: z.string(),
  createdAt: z.string(),
});

const DomainParams = z.strictObject({ domainName: z.string().max(260) });
const MappingParams = DomainParams.extend({ apiMappingId: z.string().max(64) });
const OwnerQuery = z.strictObject({ userId: UserId.optional().describe("Admin keys only: whose domain name (default: the key's user).") });

const iso = (ms: number) => new Date(ms).toISOString();

const domainView = (d: DomainName): z.infer<typeof DomainView> => ({
  domainName: d.domainName,
  userId: d.userId,
  ...d.config,
  tags: d.tags,
  createdAt: iso(d.createdAt),
  updatedAt: iso(d.updatedAt),
});

const mappingView = (m: ApiMapping): z.infer<typeof MappingView> => ({
  domainName: m.domainName,
  apiMappingId: m.apiMappingId,
  apiId: m.apiId,
  stage: m.stage,
  apiMappingKey: m.apiMappingKey,
  createdAt: iso(m.createdAt),
});

export function domainNameRoutes(app: FastifyInstance, ctx: ApiContext & DomainNamesApp): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['domain-names'];
  const one = '/domain-names/:domainName';
  const mappings = `${one}/mappings`;

  r.post(
    '/domain-names',
    {
      schema: {
        summary: "Create a custom domain name: a host name of the user's that serves stages of their HTTP APIs",
        tags,
        querystring: OwnerQuery,
        body: DomainBody,
        response: { 201: DomainView, 403: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const d = await createDomainName(ctx, userId, req.body, req.headers.host);
      req.auditTarget = `${userId}/${d.domainName}`;
      return reply.code(201).send(domainView(d));
    },
  );

  r.get(
    '/domain-names',
    {
      schema: {
        summary: "A user's custom domain names, by name",
        tags,
        querystring: OwnerQuery,
        response: { 200: z.object({ domainNames: z.array(DomainView) }), 403: Problem },
      },
    },
    async (req) => ({ domainNames: (await listDomainNames(ctx, owner(req, req.query.userId))).map(domainView) }),
  );

  r.get(
    one,
    {
      schema: {
        summary: 'A custom domain name',
        tags,
        params: DomainParams,
        querystring: OwnerQuery,
        response: { 200: DomainView, 403: Problem, 404: Problem },
      },
    },
    async (req) => domainView(await getDomainName(ctx, owner(req, req.query.userId), req.params.domainName)),
  );

  r.patch(
    one,
    {
      schema: {
        summary: "Change a custom domain name's endpoint configuration (absent fields stay)",
        tags,
        params: DomainParams,
        querystring: OwnerQuery,
        body: DomainPatch,
        response: { 200: DomainView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.domainName}`;
      return domainView(await updateDomainName(ctx, userId, req.params.domainName, req.body));
    },
  );

  r.delete(
    one,
    {
      schema: {
        summary: 'Delete a custom domain name with its API mappings',
        tags,
        params: DomainParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ domainName: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteDomainName(ctx, userId, req.params.domainName);
      req.auditTarget = `${userId}/${req.params.domainName}`;
      return { domainName: req.params.domainName.toLowerCase(), deleted: true as const };
    },
  );

  r.post(
    mappings,
    {
      schema: {
        summary: "Map a stage of one of the user's HTTP APIs to a path of the domain (its key; '' the root)",
        tags,
        params: DomainParams,
        querystring: OwnerQuery,
        body: MappingBody,
        response: { 201: MappingView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const m = await createApiMapping(ctx, userId, req.params.domainName, req.body);
      req.auditTarget = `${userId}/${m.domainName}/${m.apiMappingId}`;
      return reply.code(201).send(mappingView(m));
    },
  );

  r.get(
    mappings,
    {
      schema: {
        summary: "A custom domain name's API mappings, by key",
        tags,
        params: DomainParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ mappings: z.array(MappingView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => ({ mappings: (await listApiMappings(ctx, owner(req, req.query.userId), req.params.domainName)).map(mappingView) }),
  );

  // Beside the API's other parts (/http-apis/{apiId}/routes, /deployments, /tags) rather than a
  // field of its view: the view is one read of the API, answered by every change too.
  r.get(
    '/http-apis/:apiId/domain-mappings',
    {
      schema: {
        summary: "The mappings of the user's custom domain names that serve a stage of this HTTP API, by domain name then key",
        tags: ['http-apis'],
        params: z.strictObject({ apiId: z.string().max(64) }),
        querystring: OwnerQuery,
        response: { 200: z.object({ mappings: z.array(MappingView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => ({ mappings: (await listHttpApiMappings(ctx, owner(req, req.query.userId), req.params.apiId)).map(mappingView) }),
  );

  r.get(
    `${mappings}/:apiMappingId`,
    {
      schema: {
        summary: 'An API mapping',
        tags,
        params: MappingParams,
        querystring: OwnerQuery,
        response: { 200: MappingView, 403: Problem, 404: Problem },
      },
    },
    async (req) => mappingView(await getApiMapping(ctx, owner(req, req.query.userId), req.params.domainName, req.params.apiMappingId)),
  );

  r.patch(
    `${mappings}/:apiMappingId`,
    {
      schema: {
        summary: "Change an API mapping's API, stage or key (absent fields stay)",
        tags,
        params: MappingParams,
        querystring: OwnerQuery,
        body: MappingPatch,
        response: { 200: MappingView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.domainName}/${req.params.apiMappingId}`;
      return mappingView(await updateApiMapping(ctx, userId, req.params.domainName, req.params.apiMappingId, req.body));
    },
  );

  r.delete(
    `${mappings}/:apiMappingId`,
    {
      schema: {
        summary: 'Delete an API mapping',
        tags,
        params: MappingParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ apiMappingId: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteApiMapping(ctx, userId, req.params.domainName, req.params.apiMappingId);
      req.auditTarget = `${userId}/${req.params.domainName}/${req.params.apiMappingId}`;
      return { apiMappingId: req.params.apiMappingId, deleted: true as const };
    },
  );
}
