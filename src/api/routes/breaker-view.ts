/** A function's circuit breaker as the native API shows it: on its own route
 *  (function-circuit-breaker.ts) and in GET /functions/{name} (functions.ts). */
import { z } from 'zod';
import type { CircuitBreakerView } from '../../app/index.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const BreakerView = z.object({
  name: z.string(),
  failureThreshold: z.number(),
  windowSeconds: z.number(),
  cooldownSeconds: z.number(),
  probes: z.number(),
  state: z
    .enum(['closed', 'open', 'half-open'])
    .describe(
      'closed: invocations run; open: they fail fast (503 FUNCTION_CIRCUIT_OPEN); half-open: the cooldown is over, the next invocations (up to `probes`) run as probes. ' +
        'As the API process that answers knows it: its own count of failures, and the openings and closings every process shares.',
    ),
  failuresInWindow: z.number().describe('Failures (errors, timeouts, crashes) counted in the window now, while closed.'),
  openedAt: z.string().nullable().describe('When it last opened (null while closed).'),
  nextProbeAt: z.string().nullable().describe('When a probe may run, while open.'),
  updatedAt: z.string(),
});

export const breakerView = (v: CircuitBreakerView): z.infer<typeof BreakerView> => ({
  name: v.functionName,
  failureThreshold: v.failureThreshold,
  windowSeconds: v.windowSeconds,
  cooldownSeconds: v.cooldownSeconds,
  probes: v.probes,
  state: v.state,
  failuresInWindow: v.failuresInWindow,
  openedAt: iso(v.openedAt),
  nextProbeAt: iso(v.nextProbeAt),
  updatedAt: new Date(v.updatedAt).toISOString(),
});
