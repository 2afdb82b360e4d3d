/**
 * /activities: Step Functions activities natively (app/activities.ts), as CreateActivity,
 * DescribeActivity, ListActivities, DeleteActivity and GetActivityTask give them on the Step
 * Functions API. A worker polls POST /activities/{name}/poll and answers the task it took at
 * /task-tokens/success, /failure or /heartbeat (workflows.ts), as SendTask* does. Its tags are
 * at /activities/{name}/tags (tags.ts), as TagResource of its ARN sets them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type ActivitiesApp,
  createTaggedActivity,
  deleteActivity,
  functionOwner,
  getActivity,
  getActivityTask,
  listActivities,
} from '../../app/index.ts';
import { type Activity, activityErrors, pageOf, rowsForPage } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { Limit, OwnerQuery } from './workflows.ts';

const Tag = z.strictObject({ key: z.string().min(1).max(128), value: z.string().max(256).default('') });
const ActivityView = z.object({
  userId: z.string(),
  name: z.string(),
  arn: z.string().describe('Its ARN on the Step Functions API, for a Task state’s Resource.'),
  createdAt: z.string(),
});
const ActivityParams = z.strictObject({ name: z.string().max(80) });
const TaskView = z.object({
  task: z
    .object({ token: z.string(), input: z.unknown().describe("The Task state's effective input.") })
    .nullable()
    .describe('null: none was scheduled within the wait (HANGAR_ACTIVITY_POLL_MS).'),
});

export function activityRoutes(app: FastifyInstance, ctx: ApiContext & ActivitiesApp, accountOf: (userId: string) => string): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['workflows'];
  // A poll in flight ends when the server closes, not up to 60 s later.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const view = (a: Activity): z.infer<typeof ActivityView> => ({
    userId: a.userId,
    name: a.name,
    arn: `arn:aws:states:${ctx.config.awsRegion}:${accountOf(a.userId)}:activity:${a.name}`,
    createdAt: new Date(a.createdAt).toISOString(),
  });

  r.post(
    '/activities',
    {
      schema: {
        summary:
          'Create an activity; the same name again answers the existing one, its tags unchanged (CreateActivity). Its tags: /activities/{name}/tags',
        tags,
        querystring: OwnerQuery,
        body: z.strictObject({ name: z.string(), tags: z.array(Tag).max(50).optional() }),
        response: { 200: ActivityView, 201: ActivityView, 400: Problem, 403: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const tagged = req.body.tags && Object.fromEntries(req.body.tags.map((t) => [t.key, t.value]));
      const { activity, created } = await createTaggedActivity(ctx, userId, { name: req.body.name, tags: tagged });
      req.auditTarget = `${userId}/${activity.name}`;
      return reply.code(created ? 201 : 200).send(view(activity));
    },
  );

  r.get(
    '/activities',
    {
      schema: {
        summary: "A user's activities by name (a user key: its own)",
        tags,
        querystring: OwnerQuery.extend({ cursor: z.string().max(200).optional(), limit: Limit }),
        response: { 200: z.object({ activities: z.array(ActivityView), nextCursor: z.string().nullable() }), 403: Problem },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await listActivities(ctx, owner(req, req.query.userId), { limit: rowsForPage(limit), after: cursor });
      const page = pageOf(rows, limit, view, (a) => a.name);
      return { activities: page.items, nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/activities/:name',
    {
      schema: {
        summary: 'An activity (DescribeActivity)',
        tags,
        params: ActivityParams,
        querystring: OwnerQuery,
        response: { 200: ActivityView, 403: Problem, 404: Problem },
      },
    },
    async (req) => view(await getActivity(ctx, owner(req, req.query.userId), req.params.name)),
  );

  r.delete(
    '/activities/:name',
    {
      schema: {
        summary: 'Delete an activity (tasks already scheduled on it wait with their executions until their timeouts)',
        tags,
        params: ActivityParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      if (!(await deleteActivity(ctx, userId, req.params.name))) throw activityErrors.notFound(req.params.name);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, deleted: true as const };
    },
  );

  r.post(
    '/activities/:name/poll',
    {
      schema: {
        summary:
          'Take the oldest task scheduled on the activity, waiting for one up to 60 s (GetActivityTask); answer it at /task-tokens/success, /failure or /heartbeat',
        tags,
        params: ActivityParams,
        querystring: OwnerQuery.extend({ workerName: z.string().min(1).max(80).optional() }),
        response: { 200: TaskView, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const gone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      const { userId, workerName } = req.query;
      const signal = AbortSignal.any([gone.signal, closing.signal]);
      const task = await getActivityTask(ctx, owner(req, userId), req.params.name, workerName ?? null, signal);
      // Ended by the server's close: the connection goes too (aws/routes.ts says why).
      if (closing.signal.aborted) reply.header('connection', 'close');
      return { task: task ? { token: task.token, input: JSON.parse(task.input) as unknown } : null };
    },
  );
}
