/**
 * /executions/{id}/map-runs, /map-runs/{id} and /map-runs/{id}/executions: the Map Runs of a
 * user's Distributed Map states (app/map-runs.ts) and their child executions
 * (app/map-run-children.ts), as DescribeMapRun, ListMapRuns, UpdateMapRun and ListExecutions
 * with mapRunArn give them on the Step Functions API. Natively a Map Run is named by its id
 * (the UUID at the end of its ARN).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type ChildExecution,
  describeMapRun,
  functionOwner,
  listMapRunExecutions,
  listMapRuns,
  type MapRunRecord,
  updateMapRun,
} from '../../app/index.ts';
import { asl, EXECUTION_STATUSES, type ExecutionStatus, pageOf, rowsForPage } from '../../core/index.ts';
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

const ChildExecutionView = z.object({
  name: z.string().describe("A UUID stable for the Map Run and the iteration's index (ResultWriter's files name it too)."),
  index: z.number().int().describe("The iteration's index (the batch's, with an ItemBatcher)."),
  itemCount: z.number().int().describe("The items it processes: its batch's with an ItemBatcher, else 1."),
  executionArn: z.string().describe('As AWS names a child execution: …:execution:MACHINE/LABEL:NAME.'),
  stateMachineArn: z.string(),
  mapRunArn: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
});
const ChildQuery = OwnerQuery.extend({
  status: z.enum(EXECUTION_STATUSES as [string, ...string[]]).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .describe("The previous page's nextCursor."),
  limit: Limit,
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

function childView(c: ChildExecution): z.infer<typeof ChildExecutionView> {
  return {
    name: c.name,
    index: c.index,
    itemCount: c.itemCount,
    executionArn: c.executionArn,
    stateMachineArn: c.stateMachineArn,
    mapRunArn: c.mapRun.arn,
    status: c.status,
    startedAt: iso(c.startedAt) as string,
    stoppedAt: iso(c.stoppedAt),
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

  r.get(
    '/map-runs/:id/executions',
    {
      schema: {
        summary:
          "A Map Run's child executions, one per started iteration (per batch with an ItemBatcher), newest first (ListExecutions with mapRunArn)",
        tags,
        params: MapRunParams,
        querystring: ChildQuery,
        response: {
          200: z.object({ executions: z.array(ChildExecutionView), nextCursor: z.string().nullable() }),
          400: Problem,
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const { limit, cursor, status } = req.query;
      const rows = await listMapRunExecutions(ctx, owner(req, req.query.userId), req.params.id, {
        status: status as ExecutionStatus | undefined,
        limit: rowsForPage(limit),
        after: cursor === undefined ? undefined : Number(cursor),
      });
      const page = pageOf(rows, limit, childView, (c) => String(c.index));
      return { executions: page.items, nextCursor: page.nextCursor };
    },
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
