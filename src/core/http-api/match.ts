/**
 * Which route of an HTTP API a request goes to, as API Gateway picks it: the most specific path
 * first (a route without a greedy variable before one with it; at the first segment where two
 * paths differ, a literal before a {param} before a {greedy+}, so a longer greedy prefix wins),
 * then a route naming the method before ANY, then `$default`. Path variables take one whole,
 * non-empty segment; a greedy one takes the rest of the path (at least one character), so
 * `ANY /{proxy+}` does not match `/` — AWS needs a route for the root or `$default` there too.
 * Paths compare case-sensitively, segment by segment, percent-decoded.
 */
import type { RouteKey, RouteSegment } from './route-key.ts';

export interface RouteMatch<R> {
  route: R;
  /** Absent when the route has no path variables, as in the event AWS sends. */
  pathParameters: Record<string, string> | undefined;
}

type PathKey = Extract<RouteKey, { kind: 'path' }>;

export function matchRoute<R extends { routeKey: RouteKey }>(routes: readonly R[], method: string, rawPath: string): RouteMatch<R> | null {
  const requestSegments = splitPath(rawPath);
  const upper = method.toUpperCase();
  let best: { route: R; key: PathKey; params: Record<string, string> } | null = null;
  let fallback: R | null = null;
  for (const route of routes) {
    const key = route.routeKey;
    if (key.kind === 'default') {
      fallback = route;
      continue;
    }
    if (key.method !== 'ANY' && key.method !== upper) continue;
    const params = bind(key.segments, requestSegments);
    if (params === null) continue;
    if (best === null || compareSpecificity(key, best.key) < 0) best = { route, key, params };
  }
  if (best) return { route: best.route, pathParameters: Object.keys(best.params).length > 0 ? best.params : undefined };
  return fallback ? { route: fallback, pathParameters: undefined } : null;
}

/** Negative when `a` is more specific than `b`. Equal shapes (`/a/{x}` and `/a/{y}`) fall back
 *  to the key's text, so the choice never depends on the order routes were listed in. */
export function compareSpecificity(a: PathKey, b: PathKey): number {
  const greedyA = a.segments.at(-1)?.kind === 'greedy';
  const greedyB = b.segments.at(-1)?.kind === 'greedy';
  if (greedyA !== greedyB) return greedyA ? 1 : -1;
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const diff = rank(b.segments[i] as RouteSegment) - rank(a.segments[i] as RouteSegment);
    if (diff !== 0) return diff;
  }
  const anyA = a.method === 'ANY';
  const anyB = b.method === 'ANY';
  if (anyA !== anyB) return anyA ? 1 : -1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function rank(s: RouteSegment): number {
  return s.kind === 'literal' ? 2 : s.kind === 'param' ? 1 : 0;
}

function bind(segments: RouteSegment[], request: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as RouteSegment;
    if (s.kind === 'greedy') {
      const rest = request.slice(i).join('/');
      if (rest === '') return null;
      params[s.name] = rest;
      return params;
    }
    const value = request[i];
    if (value === undefined || value === '') return null;
    if (s.kind === 'literal') {
      if (value !== s.value) return null;
    } else params[s.name] = value;
  }
  return segments.length === request.length ? params : null;
}

/** `/a/b%20c` → ['a', 'b c']; `/` → []. A malformed escape stays as sent rather than failing
 *  the request: it can still match a greedy variable or `$default`. */
export function splitPath(rawPath: string): string[] {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (path === '') return [];
  return path.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}
