/**
 * Throttling as API Gateway describes it: a token bucket per route, holding at most `burst`
 * requests and refilled at `rate` requests a second; a request that finds it empty is refused
 * with 429. A route's own limit replaces the API's default. Pure: the caller keeps the bucket
 * and passes the time, so tests never sleep and the same decision holds on every node.
 */
import { ErrorCode, InvalidInput } from '../errors.ts';

export interface ThrottleLimit {
  /** Steady requests per second (may be fractional; 0: only the burst, never refilled). */
  rate: number;
  /** Bucket size: how many requests may arrive at once. 0 refuses every request, as in AWS. */
  burst: number;
}

export interface Bucket {
  tokens: number;
  /** ms since the epoch of the last refill. */
  at: number;
}

export type ThrottleDecision =
  | { allowed: true; bucket: Bucket }
  /** retryAfterMs: when a token will be there again; undefined when it never will (rate 0). */
  | { allowed: false; bucket: Bucket; retryAfterMs: number | undefined };

/** AWS's account-level ceilings for an HTTP API (per Region, by default). */
export const THROTTLE_MAX = { rate: 10_000, burst: 5_000 } as const;

export function checkThrottleLimit(l: ThrottleLimit): ThrottleLimit {
  if (!Number.isFinite(l.rate) || l.rate < 0 || l.rate > THROTTLE_MAX.rate) {
    throw new InvalidInput(ErrorCode.HttpApiInvalid, `throttle rate must be from 0 to ${THROTTLE_MAX.rate} requests a second`);
  }
  if (!Number.isInteger(l.burst) || l.burst < 0 || l.burst > THROTTLE_MAX.burst) {
    throw new InvalidInput(ErrorCode.HttpApiInvalid, `throttle burst must be a whole number from 0 to ${THROTTLE_MAX.burst}`);
  }
  return l;
}

/** The limit a route runs under: its own, else the API's default, else none. */
export function effectiveLimit(apiDefault: ThrottleLimit | undefined, route: ThrottleLimit | undefined): ThrottleLimit | undefined {
  return route ?? apiDefault;
}

/** Take one token for a request arriving at `now`. A new bucket starts full. A clock that went
 *  back (another node's time, a step) refills nothing rather than taking tokens away. */
export function takeToken(limit: ThrottleLimit, bucket: Bucket | undefined, now: number): ThrottleDecision {
  const start = bucket ?? { tokens: limit.burst, at: now };
  const elapsedS = Math.max(0, now - start.at) / 1000;
  const tokens = Math.min(limit.burst, start.tokens + elapsedS * limit.rate);
  const at = Math.max(now, start.at);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at } };
  const retryAfterMs = limit.rate > 0 && limit.burst >= 1 ? Math.ceil(((1 - tokens) / limit.rate) * 1000) : undefined;
  return { allowed: false, bucket: { tokens, at }, retryAfterMs };
}
