/**
 * Response caching for a route. AWS's HTTP APIs have none (REST APIs do); the issue asks for it,
 * so Hangar follows REST API caching where it can: a TTL per route (0 to 3,600 s, 0 = off), a
 * key from the method, the path and only the headers and query parameters the route names.
 *
 * Choices, each to never serve one caller's answer to another or a stale error:
 * - only GET requests are answered from the cache (REST API's default: other methods change
 *   things or carry bodies the key does not see);
 * - only 200 answers are kept: a 4xx/5xx is often transient, a 201/204/206 belongs to one call;
 * - an answer with Set-Cookie or `Cache-Control: no-store`/`private` is not kept: it is
 *   meant for one client;
 * - on a route with auth the caller's principal is part of the key, since the function may
 *   answer per user; the cache is consulted only after auth passed.
 */
import { ErrorCode, InvalidInput } from '../errors.ts';

export interface CacheSettings {
  ttlS: number;
  /** Header names (lower-case) that select different answers. */
  keyHeaders: string[];
  /** Query parameter names that select different answers; the others are ignored. */
  keyQuery: string[];
}

export const CACHE_TTL_MAX_S = 3600;

export function checkCacheSettings(c: CacheSettings): CacheSettings {
  if (!Number.isInteger(c.ttlS) || c.ttlS < 0 || c.ttlS > CACHE_TTL_MAX_S) {
    throw new InvalidInput(ErrorCode.HttpApiInvalid, `cache TTL must be a whole number of seconds from 0 to ${CACHE_TTL_MAX_S}`);
  }
  return { ttlS: c.ttlS, keyHeaders: c.keyHeaders.map((h) => h.toLowerCase()), keyQuery: [...c.keyQuery] };
}

export interface CacheKeyInput {
  apiId: string;
  routeKey: string;
  method: string;
  rawPath: string;
  /** Request headers, names lower-case, a repeated one's values joined (as in the event). */
  headers: Record<string, string>;
  /** Query parameters as in the event (repeated values joined). */
  query: Record<string, string> | undefined;
  /** The authorized caller on a route with auth; undefined on an open route. */
  principal: string | undefined;
  /** The stage that served it, when the path does not say (a custom domain's mapping names it:
   *  the same path may reach `$default` by the API's address and a named stage by a domain). */
  stage?: string;
  /** The deployment that served it, for a stage that does not auto-deploy (a redeployment may
   *  send the same request elsewhere). */
  deploymentId?: string | undefined;
}

/** null: the request is not answered from the cache (caching off, or not a GET). */
export function cacheKey(settings: CacheSettings | undefined, r: CacheKeyInput): string | null {
  if (!settings || settings.ttlS === 0 || r.method.toUpperCase() !== 'GET') return null;
  // Names sorted and each part a JSON string, so no two different requests share a key
  // (`a=1&b=2` vs `a=1%26b%3D2` stay apart).
  const headers = [...settings.keyHeaders].sort().map((h) => [h, Object.hasOwn(r.headers, h) ? r.headers[h] : null]);
  const query = [...settings.keyQuery].sort().map((q) => [q, r.query && Object.hasOwn(r.query, q) ? r.query[q] : null]);
  return JSON.stringify([
    r.apiId,
    r.routeKey,
    'GET',
    r.rawPath,
    headers,
    query,
    r.principal ?? null,
    r.stage ?? null,
    ...(r.deploymentId ? [r.deploymentId] : []),
  ]);
}

/** Until when (ms since the epoch) an answer may be kept, or null when it may not be. */
export function cacheUntil(
  settings: CacheSettings,
  statusCode: number,
  headers: ReadonlyArray<readonly [string, string]>,
  now: number,
): number | null {
  if (settings.ttlS === 0 || statusCode !== 200) return null;
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    if (n === 'set-cookie') return null;
    if (n === 'cache-control' && /(^|,)\s*(no-store|private)\s*(,|$)/i.test(value)) return null;
  }
  return now + settings.ttlS * 1000;
}
