/**
 * A function's circuit breaker on the native API (issue 24): its configuration, and its state as
 * this API process knows it (app/circuit-breakers.ts: failures counted per process, transitions
 * shared through the store). Whose function: the key's
 * user, or an admin's ?userId= (functions.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deleteCircuitBreaker, functionOwner, getCircuitBreaker, putCircuitBreaker } from '../../app/index.ts';
import { BREAKER_LIMITS, DEFAULT_BREAKER_PROBES } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem } from '../schemas.ts';
import { BreakerView, breakerView as view } from './breaker-view.ts';
import { NameParams, OwnerQuery } from './functions.ts';

const { failureThreshold: ft, windowSeconds: ws, cooldownSeconds: cs, probes: pr } = BREAKER_LIMITS;
const BreakerBody = z.strictObject({
  failureThreshold: z.int().describe(`Failures within the window that open the breaker: ${ft.min}–${ft.max}.`),
  windowSeconds: z.int().describe(`The sliding window failures are counted in, seconds: ${ws.min}–${ws.max}.`),
  cooldownSeconds: z.int().describe(`How long it stays open before a probe, seconds: ${cs.min}–${cs.max}.`),
  probes: z
    .int()
    .optional()
    .describe(`Invocations let through at once as probes while half-open: ${pr.min}–${pr.max} (default ${DEFAULT_BREAKER_PROBES}).`),
});

export function functionCircuitBreakerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const tags = ['functions'];
  const path = '/functions/:name/circuit-breaker';

  r.get(
    path,
    {
      schema: {
        summary: "The function's circuit breaker: its configuration and state",
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        response: { 200: BreakerView, 403: Problem, 404: Problem },
      },
    },
    async (req) => view(await getCircuitBreaker(ctx, owner(req, req.query.userId), req.params.name)),
  );

  r.put(
    path,
    {
      schema: {
        summary: 'Put a circuit breaker on the function (all its versions)',
        description:
          '`failureThreshold` failures (the function threw, crashed or timed out; throttles are not failures) within `windowSeconds` open it: ' +
          'invocations then fail fast without running — 503 FUNCTION_CIRCUIT_OPEN with Retry-After (Lambda: ServiceException, Reason CircuitBreakerOpen; ' +
          'workflows: the error Hangar.CircuitOpen) — until `cooldownSeconds` have passed; then up to `probes` invocations run: ' +
          "a probe's success closes it, its failure opens it again. A put replaces the configuration and starts the breaker closed.",
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        body: BreakerBody,
        response: { 200: BreakerView, 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const v = await putCircuitBreaker(ctx, userId, req.params.name, req.body);
      req.auditTarget = `${userId}/${req.params.name}`;
      return view(v);
    },
  );

  r.delete(
    path,
    {
      schema: {
        summary: "Remove the function's circuit breaker: its invocations never fail fast",
        tags,
        params: NameParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteCircuitBreaker(ctx, userId, req.params.name);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, deleted: true as const };
    },
  );
}
