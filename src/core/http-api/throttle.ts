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
  const { tokens, at } = refill(limit, bucket ?? { tokens: limit.burst, at: now }, now);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at } };
  const retryAfterMs = limit.rate > 0 && limit.burst >= 1 ? Math.ceil(((1 - tokens) / limit.rate) * 1000) : undefined;
  return { allowed: false, bucket: { tokens, at }, retryAfterMs };
}

/** The bucket as of `now`: refilled at the rate since its last refill, up to the burst. */
function refill(limit: ThrottleLimit, bucket: Bucket, now: number): Bucket {
  const elapsedS = Math.max(0, now - bucket.at) / 1000;
  return { tokens: Math.min(limit.burst, bucket.tokens + elapsedS * limit.rate), at: Math.max(now, bucket.at) };
}

/*
 * Across API nodes (scale-out) each node keeps its own copy of a route's one bucket: it refills
 * at the route's rate, takes this node's requests at once, and the other nodes' when it hears of
 * them — every node adds the requests it let through to a shared count per route and reads back
 * the total (a few tens of ms apart). So the nodes together let through about the route's rate,
 * not n times it; what one node cannot see is what the others took since its last read.
 */

/** What a node last read of a route's shared count: the count's window (the store starts one
 *  again now and then, which drops the total) and how much of its total was this node's. */
export interface SharedCountSeen {
  windowAt: number;
  mine: number;
  others: number;
}

/** The shared count of a route as read back (`startedAt`, `n`: its window and total), `added`
 *  of them this node's, just added in the same statement: how many requests the other nodes
 *  took since the last read, and what to remember. A first read (nothing seen) only learns
 *  where the count stands: what the others took before it is not held against this node. A new
 *  window counts from nothing, so all of its total but this node's is new. */
export function othersTook(
  seen: SharedCountSeen | undefined,
  read: { startedAt: number; n: number },
  added: number,
): { seen: SharedCountSeen; taken: number } {
  const sameWindow = seen !== undefined && seen.windowAt === read.startedAt;
  const mine = (sameWindow ? seen.mine : 0) + added;
  const others = Math.max(0, read.n - mine);
  const taken = seen === undefined ? 0 : Math.max(0, others - (sameWindow ? seen.others : 0));
  return { seen: { windowAt: read.startedAt, mine, others }, taken };
}

/** How long a debt a node's copy of a bucket may run, in seconds of the route's rate (or one
 *  burst, if more): requests the other nodes let through before they heard of this node's are
 *  paid back, so the rate holds on average; past this, forgiven, so that a stretch without the
 *  shared counts (the database away) does not shut the route for long once they are back. */
const DEBT_S = 1;

/** Tokens the other API nodes took from a route's bucket, as this node hears of them: the
 *  bucket refills to `now` (as takeToken would), then loses them, down to a debt of DEBT_S. */
export function takeTokensElsewhere(limit: ThrottleLimit, bucket: Bucket, taken: number, now: number): Bucket {
  const { tokens, at } = refill(limit, bucket, now);
  const floor = -Math.max(limit.burst, limit.rate * DEBT_S);
  return { tokens: Math.max(floor, tokens - taken), at };
}
