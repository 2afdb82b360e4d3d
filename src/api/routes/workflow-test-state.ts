/**
 * POST /state-machines/test-state: Step Functions' TestState natively (app/test-state.ts) — one
 * state run on its own, nothing stored. JSON values here where Step Functions passes JSON text
 * (input, variables, the mock's result, context; the answer's output and inspection steps).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { functionOwner, MAX_DEFINITION_BYTES, testState } from '../../app/index.ts';
import { INSPECTION_LEVELS, MOCK_VALIDATION_MODES, TEST_STATUSES } from '../../core/asl/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { OwnerQuery } from './workflows.ts';

const text = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));

const TestStateBody = z.strictObject({
  definition: z
    .union([z.string().max(MAX_DEFINITION_BYTES), z.record(z.string(), z.unknown())])
    .describe('One state (tested as "TestState"), or with stateName a whole state machine: the ASL JSON text or the object.'),
  stateName: z.string().min(1).max(80).optional().describe('The state of the machine in definition to test (at any depth).'),
  input: z.unknown().optional().describe("The state's input, any JSON value; default {}."),
  variables: z.record(z.string(), z.unknown()).optional().describe('Workflow variables the state sees, by name.'),
  inspectionLevel: z.enum(INSPECTION_LEVELS).optional().describe('INFO (default): the outcome; DEBUG and TRACE: each data-flow step too.'),
  revealSecrets: z.boolean().optional().describe('Taken as Step Functions takes it; Hangar states hold no connection secrets.'),
  mock: z
    .strictObject({
      result: z.unknown().optional().describe("The Task's, Map's or Parallel's result instead of running it."),
      errorOutput: z.strictObject({ error: z.string().max(256), cause: z.string().max(32_768).optional() }).optional(),
      fieldValidationMode: z
        .enum(MOCK_VALIDATION_MODES)
        .optional()
        .describe("STRICT (default) or PRESENT: a lambda:invoke result's fields are checked."),
    })
    .optional()
    .describe('Task, Map and Parallel states only; Map, Parallel, activities, .sync and .waitForTaskToken run only mocked.'),
  context: z.record(z.string(), z.unknown()).optional().describe('The context object ($$) the state sees; only with a mock.'),
  stateConfiguration: z
    .strictObject({
      retrierRetryCount: z.number().int().min(0).optional().describe('How often the matching retrier has fired already.'),
      errorCausedByState: z.string().min(1).max(80).optional(),
      mapIterationFailureCount: z.number().int().min(0).optional(),
      mapItemReaderData: z.string().max(262_144).optional().describe("What a Map's ItemReader would read, as its source holds it."),
    })
    .optional(),
});

const TestStateView = z.object({
  status: z.enum(TEST_STATUSES),
  output: z.unknown().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  nextState: z.string().optional().describe("The state that would run next (for CAUGHT_ERROR: the catcher's Next)."),
  inspectionData: z
    .record(z.string(), z.unknown())
    .describe(
      'input, afterInputPath, afterParameters or afterArguments, result, afterResultSelector, afterResultPath, variables… and errorDetails.',
    ),
});

export function testStateRoutes(app: FastifyInstance, ctx: ApiContext, accountOf: (userId: string) => string): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/state-machines/test-state',
    {
      bodyLimit: 2 * MAX_DEFINITION_BYTES + 64 * 1024,
      schema: {
        summary: 'Run one state on its own (Step Functions TestState): its output, next state, status and each data-flow step',
        tags: ['workflows'],
        querystring: OwnerQuery,
        body: TestStateBody,
        response: { 200: TestStateView, 403: Problem },
      },
    },
    async (req) => {
      const userId = functionOwner(principalOf(req), req.query.userId);
      const b = req.body;
      const o = await testState(ctx, userId, accountOf(userId), {
        definition: typeof b.definition === 'string' ? b.definition : JSON.stringify(b.definition),
        stateName: b.stateName,
        input: text(b.input),
        variables: text(b.variables),
        inspectionLevel: b.inspectionLevel,
        revealSecrets: b.revealSecrets,
        mock: b.mock && { ...b.mock, result: text(b.mock.result) },
        context: text(b.context),
        stateConfiguration: b.stateConfiguration,
      });
      const { inspection, ...outcome } = o;
      return { ...outcome, inspectionData: inspection as Record<string, unknown> };
    },
  );
}
