/**
 * /state-machines/{name}/versions and /state-machines/{name}/aliases: a state machine's published
 * versions and its aliases (app/state-machine-versions.ts), as the Step Functions API's
 * PublishStateMachineVersion, …StateMachineAlias operations give them. Natively a version is named
 * by its number and an alias by its name under the machine; a start names either in its body
 * (POST /state-machines/{name}/executions, workflows.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createStateMachineAlias,
  deleteStateMachineAlias,
  deleteStateMachineVersion,
  functionOwner,
  getStateMachineAlias,
  getStateMachineVersion,
  listStateMachineAliases,
  listStateMachineVersions,
  publishStateMachineVersion,
  updateStateMachineAlias,
} from '../../app/index.ts';
import { pageOf, rowsForPage, type StateMachineAlias, type StateMachineVersion } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { Limit, MachineParams, OwnerQuery } from './workflows.ts';

const iso = (ms: number) => new Date(ms).toISOString();

const VersionView = z.object({
  stateMachineName: z.string(),
  version: z.number().int().describe('1, 2, 3… per state machine; a number is never handed out twice.'),
  type: z.enum(['STANDARD', 'EXPRESS']),
  definition: z.string().describe('The ASL text of the revision it snapshots.'),
  roleArn: z.string(),
  revisionId: z.string(),
  description: z.string(),
  createdAt: z.string(),
});
const Route = z.object({
  version: z.number().int().min(1),
  weight: z.number().int().min(0).max(100).describe('The percentage of starts through the alias that run this version.'),
});
const AliasView = z.object({
  stateMachineName: z.string(),
  name: z.string(),
  description: z.string(),
  routing: z.array(Route),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const VersionParams = MachineParams.extend({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1),
});
const AliasParams = MachineParams.extend({ alias: z.string().max(80) });
const PublishBody = z.strictObject({
  revisionId: z.string().max(256).optional().describe("Publish only while this is the machine's current revision (409 otherwise)."),
  description: z.string().max(256).optional(),
});
// Types only: names and routings are checked once in the use cases.
const AliasBody = z.strictObject({
  name: z.string().max(80).describe("1-80 letters, digits, '-', '_' or '.'; not a number (a number names a version)."),
  description: z.string().max(256).optional(),
  routing: z.array(Route).describe('One or two versions of the machine, weights summing to 100.'),
});
const AliasPatch = AliasBody.pick({ description: true, routing: true }).partial();

function versionView(v: StateMachineVersion): z.infer<typeof VersionView> {
  return {
    stateMachineName: v.machineName,
    version: v.version,
    type: v.type,
    definition: v.definition,
    roleArn: v.roleArn,
    revisionId: v.revisionId,
    description: v.description,
    createdAt: iso(v.createdAt),
  };
}

function aliasView(a: StateMachineAlias): z.infer<typeof AliasView> {
  return {
    stateMachineName: a.machineName,
    name: a.name,
    description: a.description,
    routing: a.routing,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export function stateMachineVersionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['workflows'];

  r.post(
    '/state-machines/:name/versions',
    {
      schema: {
        summary: "Publish the state machine's current revision as a version; the same revision again answers the same version",
        tags,
        params: MachineParams,
        querystring: OwnerQuery,
        body: PublishBody,
        response: { 200: VersionView, 201: VersionView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const { version, created } = await publishStateMachineVersion(ctx, userId, req.params.name, req.body);
      req.auditTarget = `${userId}/${req.params.name}:${version.version}`;
      return reply.code(created ? 201 : 200).send(versionView(version));
    },
  );

  r.get(
    '/state-machines/:name/versions',
    {
      schema: {
        summary: "A state machine's versions, newest first",
        tags,
        params: MachineParams,
        querystring: OwnerQuery.extend({
          cursor: z
            .string()
            .regex(/^\d{1,10}$/, 'a version number')
            .optional(),
          limit: Limit,
        }),
        response: { 200: z.object({ versions: z.array(VersionView), nextCursor: z.string().nullable() }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await listStateMachineVersions(ctx, owner(req, req.query.userId), req.params.name, {
        limit: rowsForPage(limit),
        before: cursor === undefined ? undefined : Number(cursor),
      });
      const page = pageOf(rows, limit, versionView, (v) => String(v.version));
      return { versions: page.items, nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/state-machines/:name/versions/:version',
    {
      schema: {
        summary: 'A version of a state machine, with its own definition',
        tags,
        params: VersionParams,
        querystring: OwnerQuery,
        response: { 200: VersionView, 403: Problem, 404: Problem },
      },
    },
    async (req) => versionView(await getStateMachineVersion(ctx, owner(req, req.query.userId), req.params.name, req.params.version)),
  );

  r.delete(
    '/state-machines/:name/versions/:version',
    {
      schema: {
        summary: 'Delete a version (refused while an alias routes to it; its executions run on)',
        tags,
        params: VersionParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ version: z.number(), deleted: z.literal(true) }), 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteStateMachineVersion(ctx, userId, req.params.name, req.params.version);
      req.auditTarget = `${userId}/${req.params.name}:${req.params.version}`;
      return { version: req.params.version, deleted: true as const };
    },
  );

  r.post(
    '/state-machines/:name/aliases',
    {
      schema: {
        summary: 'Create an alias routing starts to one or two versions by weight; the same request again answers the same alias',
        tags,
        params: MachineParams,
        querystring: OwnerQuery,
        body: AliasBody,
        response: { 200: AliasView, 201: AliasView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const { alias, created } = await createStateMachineAlias(ctx, userId, req.params.name, req.body);
      req.auditTarget = `${userId}/${req.params.name}:${alias.name}`;
      return reply.code(created ? 201 : 200).send(aliasView(alias));
    },
  );

  r.get(
    '/state-machines/:name/aliases',
    {
      schema: {
        summary: "A state machine's aliases by name (with version: those routing to it)",
        tags,
        params: MachineParams,
        querystring: OwnerQuery.extend({
          version: z.coerce.number().int().min(1).optional().describe('Only the aliases that route to this version.'),
          cursor: z.string().max(80).optional(),
          limit: Limit,
        }),
        response: { 200: z.object({ aliases: z.array(AliasView), nextCursor: z.string().nullable() }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const { limit, cursor, version } = req.query;
      const rows = await listStateMachineAliases(ctx, owner(req, req.query.userId), req.params.name, {
        limit: rowsForPage(limit),
        after: cursor,
        version,
      });
      const page = pageOf(rows, limit, aliasView, (a) => a.name);
      return { aliases: page.items, nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/state-machines/:name/aliases/:alias',
    {
      schema: {
        summary: 'An alias of a state machine',
        tags,
        params: AliasParams,
        querystring: OwnerQuery,
        response: { 200: AliasView, 403: Problem, 404: Problem },
      },
    },
    async (req) => aliasView(await getStateMachineAlias(ctx, owner(req, req.query.userId), req.params.name, req.params.alias)),
  );

  r.patch(
    '/state-machines/:name/aliases/:alias',
    {
      schema: {
        summary: "Change an alias's description or routing",
        tags,
        params: AliasParams,
        querystring: OwnerQuery,
        body: AliasPatch,
        response: { 200: AliasView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.name}:${req.params.alias}`;
      return aliasView(await updateStateMachineAlias(ctx, userId, req.params.name, req.params.alias, req.body));
    },
  );

  r.delete(
    '/state-machines/:name/aliases/:alias',
    {
      schema: {
        summary: 'Delete an alias (the versions it routed to stay)',
        tags,
        params: AliasParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteStateMachineAlias(ctx, userId, req.params.name, req.params.alias);
      req.auditTarget = `${userId}/${req.params.name}:${req.params.alias}`;
      return { name: req.params.alias, deleted: true as const };
    },
  );
}
