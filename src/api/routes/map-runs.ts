/**
 * /executions/{id}/map-runs and /map-runs/{id}: the Map Runs of a user's Distributed Map states
 * (app/map-runs.ts), as DescribeMapRun, ListMapRuns and UpdateMapRun give them on the Step
 * Functions API. Natively a Map Run is named by its id (the UUID at the end of its ARN).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeMapRun, functionOwner, listMapRuns, type MapRunRecord, updateMapRun } from '../../app/index.ts';
import { asl, pageOf, rowsForPage } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { ExecutionParams, Limit, OwnerQuery } from './workflows.ts';

const Count = z.number().int();
const Counts = z
  .object({
    pending: Count,
    running: Count,
    succeeded: Count,
    failed: Count,
    timedOut: Count,
    aborted: Count,
    total: Count,
    resultsWritten: Count,
    failuresNotRedrivable: Count,
    pendingRedrive: Count,
  })
  .describe("The Map Run's items by status; its iterations are branches of the execution, so AWS's executionCounts are the same.");
const MapRunView = z.object({
  id: z.string().describe('The UUID at the end of its ARN.'),
  arn: z.string(),
  executionId: z.string(),
  stateMachineArn: z.string().describe('Of its child executions, as AWS names it: …:stateMachine:MACHINE/LABEL.'),
  status: z.enum(asl.MAP_RUN_STATUSES),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  maxConcurrency: z.number().int().describe('0: no limit.'),
  toleratedFailureCount: z.number().int(),
  toleratedFailurePercentage: z.number(),
  counts: Counts,
});
const MapRunParams = z.strictObject({ id: z.string().max(64) });
const MapRunPatch = z.strictObject({
  maxConcurrency: z.number().int().min(0).optional(),
  toleratedFailureCount: z.number().int().min(0).optional(),
  toleratedFailurePercentage: z.number().min(0).max(100).optional(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function mapRunView(m: MapRunRecord): z.infer<typeof MapRunView> {
  return {
    id: m.id,
    arn: m.arn,
    executionId: m.executionId,
    stateMachineArn: m.stateMachineArn,
    status: m.status,
    startedAt: iso(m.startedAt) as string,
    stoppedAt: iso(m.stoppedAt),
    maxConcurrency: m.maxConcurrency,
    toleratedFailureCount: m.toleratedFailureCount,
    toleratedFailurePercentage: m.toleratedFailurePercentage,
    counts: m.counts,
  };
}

export function mapRunRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['workflows'];

  r.get(
    '/executions/:id/map-runs',
    {
      schema: {
        summary: "An execution's Map Runs (one per Distributed Map state entered), by id",
        tags,
        params: ExecutionParams,
        querystring: OwnerQuery.extend({ cursor: z.string().max(64).optional(), limit: Limit }),
        response: { 200: z.object({ mapRuns: z.array(MapRunView), nextCursor: z.string().nullable() }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await listMapRuns(ctx, owner(req, req.query.userId), req.params.id, { limit: rowsForPage(limit), after: cursor });
      const page = pageOf(rows, limit, mapRunView, (m) => m.id);
      return { mapRuns: page.items, nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/map-runs/:id',
    {
      schema: {
        summary: 'A Map Run: its status, configuration and item counts (DescribeMapRun)',
        tags,
        params: MapRunParams,
        querystring: OwnerQuery,
        response: { 200: MapRunView, 403: Problem, 404: Problem },
      },
    },
    async (req) => mapRunView(await describeMapRun(ctx, owner(req, req.query.userId), req.params.id)),
  );

  r.patch(
    '/map-runs/:id',
    {
      schema: {
        summary: "Change a running Map Run's MaxConcurrency or tolerated failures; it goes on under them at once (UpdateMapRun)",
        tags,
        params: MapRunParams,
        querystring: OwnerQuery,
        body: MapRunPatch,
        response: { 200: MapRunView, 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.id}`;
      return mapRunView(await updateMapRun(ctx, userId, req.params.id, req.body));
    },
  );
}
