/**
 * /state-machines, /executions, /task-tokens (issue 24): a user's workflows — state machines
 * in the Amazon States Language and their executions — over the use cases the Step Functions
 * API calls too (app/workflows.ts), so both surfaces agree on what is valid and what exists.
 * Natively an execution is named by its id (the Step Functions API names it by ARN); inputs and
 * outputs are JSON values here, where Step Functions passes JSON text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  answerTask,
  awaitExecution,
  createTaggedStateMachine,
  deleteStateMachine,
  describeExecution,
  executionHistory,
  type ExpressResult,
  functionOwner,
  getStateMachine,
  listExecutions,
  listStateMachines,
  MAX_DEFINITION_BYTES,
  redriveExecution,
  type Started,
  startExecution,
  startSyncExecution,
  stopExecution,
  updateStateMachine,
} from '../../app/index.ts';
import {
  ErrorCode,
  EXECUTION_STATUSES,
  type Execution,
  type HistoryEventRecord,
  InvalidInput,
  type MachineQualifier,
  pageOf,
  redrivability,
  rowsForPage,
  type StateMachine,
} from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem, UserId } from '../schemas.ts';

/** A definition of up to 1 MiB (AWS's limit), as a JSON string (escaped: longer) or an object,
 *  beside the other fields: more than the API's default body limit (1 MiB). */
const DEFINITION_BODY_LIMIT = 2 * MAX_DEFINITION_BYTES + 64 * 1024;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

// Types only: names, definitions, roles and inputs are checked once in the use cases, so a
// refusal carries the same code on every surface.
const Definition = z
  .union([z.string().max(1_048_576), z.record(z.string(), z.unknown())])
  .describe('Amazon States Language: the JSON text, or the object (kept as JSON text).');
const MachineBody = z.strictObject({
  name: z.string().max(80).describe('1-80 characters, no whitespace, brackets, wildcards or special characters.'),
  definition: Definition,
  type: z.enum(['STANDARD', 'EXPRESS']).optional().describe('STANDARD (default): durable, stored; EXPRESS: in memory, not stored.'),
  roleArn: z.string().max(256).optional().describe('Kept and shown as Step Functions does; Hangar has no IAM.'),
  description: z.string().max(256).optional(),
  tags: z
    .record(z.string(), z.string())
    .optional()
    .describe('Tags to put on a new machine (GET /state-machines/{name}/tags reads them; an idempotent repeat sets them on it).'),
});
const MachinePatch = MachineBody.pick({ definition: true, roleArn: true, description: true }).partial();
const StartBody = z.strictObject({
  name: z
    .string()
    .max(80)
    .optional()
    .describe('Unique per state machine; default: a UUID. A start repeated while it runs with the same input is answered with it.'),
  input: z.unknown().optional().describe('Any JSON value; default {}.'),
  version: z.number().int().min(1).optional().describe('Run this version of the machine (default: its current revision).'),
  alias: z.string().max(80).optional().describe('Run the version this alias picks by weight.'),
});
const RedriveBody = z
  .strictObject({
    clientToken: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('The same token again within 15 minutes is answered with the redrive it made, not a second one.'),
  })
  .default({});
const StopBody = z.strictObject({ error: z.string().max(256).optional(), cause: z.string().max(32_768).optional() });
const Token = z.string().min(1).max(2048).describe('The task token the Task was given ($$.Task.Token).');

const MachineView = z.object({
  name: z.string(),
  userId: z.string(),
  type: z.enum(['STANDARD', 'EXPRESS']),
  definition: z.string().describe('The ASL text as sent.'),
  roleArn: z.string(),
  description: z.string(),
  revisionId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const ExecutionView = z.object({
  id: z.string(),
  stateMachineName: z.string(),
  name: z.string(),
  userId: z.string(),
  status: z.enum(EXECUTION_STATUSES as [string, ...string[]]),
  input: z.unknown(),
  output: z.unknown().describe('Null until it SUCCEEDED.'),
  error: z.string().nullable(),
  cause: z.string().nullable(),
  revisionId: z.string().describe("The state machine's revision it runs."),
  parentId: z.string().nullable().describe('The execution that started this one, if one did.'),
  version: z.number().nullable().describe('The version it runs, when started through a version or an alias.'),
  alias: z.string().nullable().describe('The alias it was started through, if one.'),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  redriveCount: z.number().describe('How many times it was redriven (POST /executions/{id}/redrive).'),
  redriveDate: z.string().nullable().describe('When it was last redriven.'),
});
// Not in lists (a definition may be 1 MB): the dashboard draws an execution on the definition it
// runs, which is not the machine's after an update, nor there after a delete.
const ExecutionDetailView = ExecutionView.extend({
  definition: z.string().describe("The ASL text this execution runs: the state machine's when it started."),
  redriveStatus: z
    .enum(['REDRIVABLE', 'NOT_REDRIVABLE'])
    .describe("Whether POST /executions/{id}/redrive may redrive it now (AWS's DescribeExecution redriveStatus)."),
  redriveStatusReason: z.string().nullable().describe('Why not, as a refused redrive says it; null when REDRIVABLE.'),
});
const ExpressView = z.object({
  type: z.literal('EXPRESS'),
  stateMachineName: z.string(),
  name: z.string(),
  expressId: z.string().describe('EXPRESS executions are not stored: this names it in logs only.'),
  startedAt: z.string(),
  status: z.string().describe('RUNNING when started asynchronously; else how it ended.'),
  stoppedAt: z.string().nullable(),
  output: z.unknown(),
  error: z.string().nullable(),
  cause: z.string().nullable(),
});
const StartedView = z.union([ExecutionView.extend({ type: z.literal('STANDARD'), started: z.boolean() }), ExpressView]);
const EventView = z.object({
  id: z.number(),
  previousEventId: z.number(),
  type: z.string().describe('ExecutionStarted, PassStateEntered, TaskScheduled... as Step Functions names them.'),
  timestamp: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const OwnerQuery = z.strictObject({
  userId: UserId.optional().describe("Admin keys only: whose workflows (default: the key's user)."),
});
export const MachineParams = z.strictObject({ name: z.string().max(80) });
export const ExecutionParams = z.strictObject({ id: z.string().max(64) });
export const Limit = z.coerce.number().int().min(1).max(500).default(100);

function machineView(m: StateMachine): z.infer<typeof MachineView> {
  return {
    name: m.name,
    userId: m.userId,
    type: m.type,
    definition: m.definition,
    roleArn: m.roleArn,
    description: m.description,
    revisionId: m.revisionId,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  };
}

function executionView(e: Execution): z.infer<typeof ExecutionView> {
  return {
    id: e.id,
    stateMachineName: e.stateMachineName,
    name: e.name,
    userId: e.userId,
    status: e.status,
    input: parsed(e.input),
    output: parsed(e.output),
    error: e.error,
    cause: e.cause,
    revisionId: e.revisionId,
    parentId: e.parentId,
    version: e.stateMachineVersion,
    alias: e.stateMachineAlias,
    startedAt: iso(e.startedAt),
    stoppedAt: isoOrNull(e.stoppedAt),
    redriveCount: e.redriveCount,
    redriveDate: isoOrNull(e.redriveDate),
  };
}

function startedView(s: Started): z.infer<typeof StartedView> {
  if (s.type === 'STANDARD') return { type: 'STANDARD', started: s.started, ...executionView(s.execution) };
  return {
    type: 'EXPRESS',
    stateMachineName: s.machine.name,
    name: s.name,
    expressId: s.expressId,
    startedAt: iso(s.startedAt),
    status: 'RUNNING',
    stoppedAt: null,
    output: null,
    error: null,
    cause: null,
  };
}

function expressView(r: ExpressResult): z.infer<typeof ExpressView> {
  return {
    type: 'EXPRESS',
    stateMachineName: r.machine.name,
    name: r.name,
    expressId: r.expressId,
    startedAt: iso(r.startedAt),
    status: r.status,
    stoppedAt: iso(r.stoppedAt),
    output: parsed(r.output),
    error: r.error,
    cause: r.cause,
  };
}

function eventView(e: HistoryEventRecord): z.infer<typeof EventView> {
  return {
    id: e.id,
    previousEventId: e.previousEventId,
    type: e.type,
    timestamp: iso(e.timestamp),
    details: parsed(e.details) as Record<string, unknown> | null,
  };
}

const qualifierFor = (version: number | undefined, alias: string | undefined): MachineQualifier =>
  version !== undefined ? { kind: 'version', version } : alias !== undefined ? { kind: 'alias', alias } : { kind: 'latest' };

const definitionText = (d: z.infer<typeof Definition> | undefined) => (d === undefined || typeof d === 'string' ? d : JSON.stringify(d));

export function workflowRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['workflows'];

  r.post(
    '/state-machines',
    {
      bodyLimit: DEFINITION_BODY_LIMIT,
      schema: {
        summary: 'Create a state machine (Amazon States Language); the same request again answers the same machine',
        tags,
        querystring: OwnerQuery,
        body: MachineBody,
        response: { 200: MachineView, 201: MachineView, 403: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const { machine, created } = await createTaggedStateMachine(ctx, userId, {
        ...req.body,
        definition: definitionText(req.body.definition) as string,
      });
      req.auditTarget = `${userId}/${machine.name}`;
      return reply.code(created ? 201 : 200).send(machineView(machine));
    },
  );

  r.get(
    '/state-machines',
    {
      schema: {
        summary: "A user's state machines by name (a user key: its own)",
        tags,
        querystring: OwnerQuery.extend({ cursor: z.string().max(200).optional(), limit: Limit }),
        response: { 200: z.object({ stateMachines: z.array(MachineView), nextCursor: z.string().nullable() }), 403: Problem },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await listStateMachines(ctx, owner(req, req.query.userId), { limit: rowsForPage(limit), after: cursor });
      const page = pageOf(rows, limit, machineView, (m) => m.name);
      return { stateMachines: page.items, nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/state-machines/:name',
    {
      schema: {
        summary: 'A state machine',
        tags,
        params: MachineParams,
        querystring: OwnerQuery,
        response: { 200: MachineView, 403: Problem, 404: Problem },
      },
    },
    async (req) => machineView(await getStateMachine(ctx, owner(req, req.query.userId), req.params.name)),
  );

  r.patch(
    '/state-machines/:name',
    {
      bodyLimit: DEFINITION_BODY_LIMIT,
      schema: {
        summary: "Change a state machine's definition, role or description (running executions keep theirs)",
        tags,
        params: MachineParams,
        querystring: OwnerQuery,
        body: MachinePatch,
        response: { 200: MachineView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.name}`;
      const { definition, ...rest } = req.body;
      const { machine } = await updateStateMachine(ctx, userId, req.params.name, { ...rest, definition: definitionText(definition) });
      return machineView(machine);
    },
  );

  r.delete(
    '/state-machines/:name',
    {
      schema: {
        summary: 'Delete a state machine (its executions stay readable; running ones run to their end)',
        tags,
        params: MachineParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteStateMachine(ctx, userId, req.params.name);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, deleted: true as const };
    },
  );

  r.post(
    '/state-machines/:name/executions',
    {
      schema: {
        summary:
          'Start an execution; with sync=true, run an EXPRESS one to its end and answer how it ended; with wait, await a STANDARD one',
        tags,
        params: MachineParams,
        querystring: OwnerQuery.extend({
          sync: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true')
            .describe('EXPRESS machines only: wait for the end (StartSyncExecution).'),
          wait: z.coerce
            .number()
            .int()
            .min(0)
            .max(60)
            .optional()
            .describe('STANDARD machines: answer once the execution has ended, or after this many seconds (RUNNING then).'),
        }),
        body: StartBody,
        response: { 200: StartedView, 201: StartedView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const { version, alias } = req.body;
      if (version !== undefined && alias !== undefined)
        throw new InvalidInput(ErrorCode.ValidationFailed, 'a start names a version or an alias, not both');
      const input = {
        name: req.body.name,
        input: req.body.input === undefined ? undefined : JSON.stringify(req.body.input),
        qualifier: qualifierFor(version, alias),
      };
      if (req.query.sync) return reply.code(200).send(expressView(await startSyncExecution(ctx, userId, req.params.name, input)));
      const started = await startExecution(ctx, userId, req.params.name, input);
      const code = started.type === 'STANDARD' && !started.started ? 200 : 201;
      if (started.type === 'STANDARD' && req.query.wait !== undefined) {
        const execution = await awaitExecution(ctx, userId, started.execution.id, req.query.wait * 1000);
        return reply.code(code).send(startedView({ ...started, execution }));
      }
      return reply.code(code).send(startedView(started));
    },
  );

  r.get(
    '/executions',
    {
      schema: {
        summary: "A user's STANDARD executions, newest first (a user key: its own)",
        tags,
        querystring: OwnerQuery.extend({
          stateMachine: z.string().max(80).optional().describe("One state machine's only."),
          version: z.coerce.number().int().min(1).optional().describe("With stateMachine: that version's only."),
          alias: z.string().max(80).optional().describe('With stateMachine: those started through that alias only.'),
          status: z.enum(EXECUTION_STATUSES as [string, ...string[]]).optional(),
          redriven: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => (v === undefined ? undefined : v === 'true'))
            .describe('Only those redriven at least once (true) or never (false).'),
          cursor: z.string().max(200).optional(),
          limit: Limit,
        }),
        response: { 200: z.object({ executions: z.array(ExecutionView), nextCursor: z.string().nullable() }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const { limit, cursor, stateMachine, status, version, alias } = req.query;
      if ((version !== undefined || alias !== undefined) && stateMachine === undefined)
        throw new InvalidInput(
          ErrorCode.ValidationFailed,
          'version and alias filter one state machine’s executions: name it (stateMachine)',
        );
      if (version !== undefined && alias !== undefined)
        throw new InvalidInput(ErrorCode.ValidationFailed, 'filter by a version or an alias, not both');
      const rows = await listExecutions(ctx, owner(req, req.query.userId), {
        stateMachineName: stateMachine,
        qualifier: qualifierFor(version, alias),
        status: status as Execution['status'] | undefined,
        redriven: req.query.redriven,
        limit: rowsForPage(limit),
        after: cursor,
      });
      const page = pageOf(rows, limit, executionView, (e) => e.id);
      return { executions: page.items, nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/executions/:id',
    {
      schema: {
        summary: 'An execution, with the definition it runs',
        tags,
        params: ExecutionParams,
        querystring: OwnerQuery,
        response: { 200: ExecutionDetailView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const e = await describeExecution(ctx, owner(req, req.query.userId), req.params.id);
      const r = redrivability(e, ctx.clock.now());
      return {
        ...executionView(e),
        definition: e.definition,
        redriveStatus: r.status,
        redriveStatusReason: r.status === 'NOT_REDRIVABLE' ? r.reason : null,
      };
    },
  );

  r.get(
    '/executions/:id/history',
    {
      schema: {
        summary: "An execution's history: its events as Step Functions names them, oldest first unless reverse",
        tags,
        params: ExecutionParams,
        querystring: OwnerQuery.extend({
          reverse: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
          cursor: z
            .string()
            .regex(/^\d{1,12}$/, 'an event id')
            .optional(),
          limit: Limit,
        }),
        response: { 200: z.object({ events: z.array(EventView), nextCursor: z.string().nullable() }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const { limit, cursor, reverse } = req.query;
      const rows = await executionHistory(ctx, owner(req, req.query.userId), req.params.id, {
        limit: rowsForPage(limit),
        reverse,
        after: cursor === undefined ? undefined : Number(cursor),
      });
      const page = pageOf(rows, limit, eventView, (e) => String(e.id));
      return { events: page.items, nextCursor: page.nextCursor };
    },
  );

  r.post(
    '/executions/:id/stop',
    {
      schema: {
        summary: 'Stop an execution: ABORTED now, with an error and cause if given (one that has ended is answered as it is)',
        tags,
        params: ExecutionParams,
        querystring: OwnerQuery,
        body: StopBody,
        response: { 200: ExecutionView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.id}`;
      return executionView(await stopExecution(ctx, userId, req.params.id, req.body));
    },
  );

  r.post(
    '/executions/:id/redrive',
    {
      schema: {
        summary:
          'Redrive a FAILED, TIMED_OUT or ABORTED execution (within 14 days of its stop): it runs again from the states that did not succeed (RedriveExecution)',
        tags,
        params: ExecutionParams,
        querystring: OwnerQuery,
        body: RedriveBody,
        response: { 200: ExecutionView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.id}`;
      return executionView(await redriveExecution(ctx, userId, req.params.id, req.body?.clientToken));
    },
  );

  const answered = z.object({ answered: z.literal(true) });
  const answer = (path: string, summary: string, body: z.ZodObject, toAnswer: (b: never) => Parameters<typeof answerTask>[3]) =>
    r.post(
      `/task-tokens/${path}`,
      {
        schema: { summary, tags, querystring: OwnerQuery, body, response: { 200: answered, 403: Problem, 404: Problem } },
      },
      async (req) => {
        const b = req.body as { token: string };
        await answerTask(ctx, owner(req, req.query.userId), b.token, toAnswer(b as never));
        return { answered: true as const };
      },
    );
  answer(
    'success',
    'Complete the Task waiting on a task token with this output (SendTaskSuccess)',
    z.strictObject({ token: Token, output: z.unknown().describe('Any JSON value: the Task’s result.') }),
    (b: { output: unknown }) => ({ kind: 'success', output: JSON.stringify(b.output ?? null) }),
  );
  answer(
    'failure',
    'Fail the Task waiting on a task token (SendTaskFailure); its Retry and Catch see the error',
    z.strictObject({ token: Token, error: z.string().max(256).optional(), cause: z.string().max(32_768).optional() }),
    (b: { error?: string; cause?: string }) => ({ kind: 'failure', error: b.error ?? null, cause: b.cause ?? null }),
  );
  answer(
    'heartbeat',
    'Tell the Task waiting on a task token that its work goes on (SendTaskHeartbeat)',
    z.strictObject({ token: Token }),
    () => ({ kind: 'heartbeat' }),
  );
}
