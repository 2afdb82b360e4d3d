/**
 * A function's provisioned concurrency on the native API (issue 23): instances of a published
 * version (named by its number or an alias) kept started and warm. The use cases Lambda's
 * Put/Get/Delete/ListProvisionedConcurrencyConfigs call too (app/provisioned.ts), so both
 * surfaces check and refuse alike. Whose function: the key's user, or an admin's ?userId=.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deleteProvisionedConfig,
  functionOwner,
  listProvisionedConfigs,
  putProvisionedConfig,
  type ProvisionedView,
} from '../../app/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { NameParams, OwnerQuery } from './functions.ts';

const ProvisionedConfigView = z.object({
  name: z.string(),
  qualifier: z.string(),
  requested: z.number(),
  allocated: z.number().describe('Instances started and ready (on this host, or as the worker hosts advertise them).'),
  status: z.enum(['IN_PROGRESS', 'READY', 'FAILED']),
  statusReason: z.string().nullable().describe('Why it is FAILED: the init error that kept an instance from starting (null otherwise).'),
  lastModified: z.string(),
});

const view = (v: ProvisionedView): z.infer<typeof ProvisionedConfigView> => ({
  name: v.functionName,
  qualifier: v.qualifier,
  requested: v.requested,
  allocated: v.allocated,
  status: v.status,
  statusReason: v.statusReason,
  lastModified: new Date(v.lastModified).toISOString(),
});

const QualifierQuery = OwnerQuery.extend({
  qualifier: z.string().max(256).optional().describe('A published version number or an alias (never $LATEST). Required.'),
});

export function functionProvisionedRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['functions'];
  const path = '/functions/:name/provisioned-concurrency';

  r.get(
    path,
    {
      schema: {
        summary: "The function's provisioned concurrency configurations, by qualifier",
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ configs: z.array(ProvisionedConfigView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => ({ configs: (await listProvisionedConfigs(ctx, owner(req, req.query.userId), req.params.name)).map(view) }),
  );

  r.put(
    path,
    {
      schema: {
        summary: 'Keep instances of a published version (or an alias) started and warm',
        description:
          'As Lambda’s PutProvisionedConcurrencyConfig: 1–100 instances per configuration, within the function’s reserved concurrency. ' +
          'READY once every instance is started; their invocations are no cold start. ' +
          'FAILED, with a statusReason, while instances are missing because their init failed (tried again every few seconds).',
        tags,
        params: NameParams,
        querystring: QualifierQuery,
        body: z.strictObject({ instances: z.int().describe('1–100.') }),
        response: { 200: ProvisionedConfigView, 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const v = await putProvisionedConfig(ctx, userId, req.params.name, req.query.qualifier, req.body.instances);
      req.auditTarget = `${userId}/${req.params.name}`;
      return view(v);
    },
  );

  r.delete(
    path,
    {
      schema: {
        summary: 'Remove a provisioned concurrency configuration: its instances are reaped once idle',
        tags,
        params: NameParams,
        querystring: QualifierQuery,
        response: {
          200: z.object({ name: z.string(), qualifier: z.string(), deleted: z.literal(true) }),
          400: Problem,
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteProvisionedConfig(ctx, userId, req.params.name, req.query.qualifier);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, qualifier: req.query.qualifier ?? '', deleted: true as const };
    },
  );
}
