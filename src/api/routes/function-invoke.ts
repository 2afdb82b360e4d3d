/**
 * POST /functions/{name}/invoke: runs the user's function synchronously (app/invoke.ts, as
 * Lambda's Invoke). The body is the event (JSON); the answer is the function's result as the
 * function returned it.
 *
 * How a function error is signalled: as Lambda does, 200 with the function's error document
 * ({errorType, errorMessage, trace}) as the body and `X-Hangar-Function-Error: Unhandled`. The
 * request was served; it is the user's code that failed, and a status would confuse the two (a
 * 5xx would say Hangar failed and invite a retry of something that may have had effects).
 * Refusals of the request itself (no such function, throttled, bad payload) are problem+json.
 *
 * type=Event stores the event and answers 202 at once (app/invoke-async.ts): a worker runs it,
 * with Lambda's retries, maximum event age and destinations. Its task (queue hangar.functions,
 * X-Hangar-Task-Id) shows how it went, and a failed one is in the dead-letter queue.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { functionOwner, invokeEvent, invokeFunction, MAX_PAYLOAD_BYTES } from '../../app/index.ts';
import { accountIdOf } from '../../aws/index.ts';
import { checkFunctionName } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem, UserId } from '../schemas.ts';

const Params = z.strictObject({ name: z.string().max(256) });
const Query = z.strictObject({
  userId: UserId.optional().describe("Admin keys only: whose function (default: the key's user)."),
  qualifier: z.string().max(256).optional().describe('$LATEST (default), a published version number or an alias.'),
  type: z
    .enum(['RequestResponse', 'DryRun', 'Event'])
    .optional()
    .describe(
      'RequestResponse (default) runs it; DryRun only checks it could (204); Event stores it for a worker to run (202, payload up to 1 MB).',
    ),
  log: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: the last 4 KB of the invocation log (START, output, END, REPORT), base64, in X-Hangar-Log-Result.'),
});

export function functionInvokeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // The body is the event as sent and the answer the function's bytes: no typed serializer.
  app.post<{ Params: z.infer<typeof Params>; Querystring: z.infer<typeof Query>; Body: unknown }>(
    '/functions/:name/invoke',
    {
      // The payload limit is Lambda's 6 MB, more than the API's default body limit.
      bodyLimit: MAX_PAYLOAD_BYTES + 1,
      // An invocation is recorded as one (app/invocation-recorder.ts), not audited.
      config: { audited: false },
      schema: {
        summary: 'Invoke a function synchronously, as Lambda Invoke',
        description:
          'The body is the event (JSON; none is {}). 200 with the result; a function that failed (threw, timed out, crashed) ' +
          "also answers 200, with Lambda's error document {errorType, errorMessage, trace} and X-Hangar-Function-Error: Unhandled. " +
          'X-Hangar-Executed-Version names the version that ran. 429 over the reserved concurrency. ' +
          "503 FUNCTION_CIRCUIT_OPEN, with Retry-After, while the function's circuit breaker is open: nothing ran (PUT /functions/{name}/circuit-breaker). " +
          'type=Event: 202 once the event is stored, X-Hangar-Request-Id and X-Hangar-Task-Id name it (its task is in queue hangar.functions).',
        tags: ['functions'],
        params: Params,
        querystring: Query,
        body: z.unknown().optional().describe('The event.'),
        response: {
          200: {
            description: "The function's result, or its error document (X-Hangar-Function-Error: Unhandled)",
            content: { 'application/json': { schema: z.unknown() } },
          },
          202: z.null().describe('Event: stored; a worker runs it'),
          204: z.null().describe('DryRun: the function exists and the caller may invoke it'),
          400: Problem,
          403: Problem,
          404: Problem,
          413: Problem,
          429: Problem,
          503: Problem,
        },
      },
    },
    async (req, reply) => {
      const userId = functionOwner(principalOf(req), req.query.userId);
      const name = checkFunctionName(req.params.name);
      const input = {
        functionName: name,
        qualifier: req.query.qualifier,
        // No body (no content type) is the empty event; a JSON `null` is an event too.
        payload: req.headers['content-type'] === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(req.body)),
        // Fastify parsed the body and it was written back with JSON.stringify: JSON already, not
        // to be parsed a third time (checkedPayload).
        payloadIsOwnJson: true as const,
        type: req.query.type,
        logType: req.query.log === 'true' ? ('Tail' as const) : ('None' as const),
        accountId: accountIdOf(userId),
      };
      req.auditTarget = `${userId}/${name}`;
      if (input.type === 'Event') {
        const queued = await invokeEvent(ctx, userId, input);
        reply.header('x-hangar-request-id', queued.requestId).header('x-hangar-task-id', queued.taskId);
        return reply.code(202).send();
      }
      const r = await invokeFunction(ctx, userId, input);
      reply.header('x-hangar-executed-version', r.executedVersion);
      if (r.kind === 'dry-run') return reply.code(204).send();
      if (r.functionError) reply.header('x-hangar-function-error', r.functionError);
      if (r.logTail !== undefined) reply.header('x-hangar-log-result', r.logTail);
      // A streamed response (awslambda.streamifyResponse) is answered whole, with its own type.
      return reply
        .code(200)
        .type(r.contentType ?? 'application/json')
        .send(r.payload);
    },
  );
}
