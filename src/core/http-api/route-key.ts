/**
 * Route keys of an HTTP API, as API Gateway's CreateRoute takes them: `$default`, or a method
 * and a path (`GET /pets/{id}`, `ANY /{proxy+}`). A path is literal segments and path
 * variables, each a whole segment; a greedy variable (`{name+}`) takes the rest of the path and
 * may only be the last segment. Parsing happens once, when a route is stored, so that matching
 * a request (match.ts) never meets a malformed key.
 */
import { ErrorCode, InvalidInput } from '../errors.ts';

/** The methods a route may name; ANY matches every method no route of the same path names. */
export const RouteMethods = ['ANY', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;
export type RouteMethod = (typeof RouteMethods)[number];

export const DEFAULT_ROUTE_KEY = '$default';

export type RouteSegment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

export type RouteKey =
  | { kind: 'default'; key: typeof DEFAULT_ROUTE_KEY }
  | { kind: 'path'; key: string; method: RouteMethod; path: string; segments: RouteSegment[] };

/** Longest route key Hangar keeps (AWS does not publish one; this bounds a stored row). */
export const ROUTE_KEY_MAX = 512;

/** A variable's name: what the function reads in pathParameters, so a plain identifier. */
const VARIABLE = /^\{([A-Za-z0-9_-]+)(\+?)\}$/;
/** A literal segment: any visible character but the braces, which only variables use. */
const LITERAL = /^[^{}\s/]+$/;

const invalid = (key: string, why: string) => new InvalidInput(ErrorCode.HttpRouteInvalid, `invalid route key '${key}': ${why}`);

export function parseRouteKey(key: string): RouteKey {
  if (key === DEFAULT_ROUTE_KEY) return { kind: 'default', key: DEFAULT_ROUTE_KEY };
  if (key.length === 0 || key.length > ROUTE_KEY_MAX)
    throw invalid(key, `give $default or 'METHOD /path' (1 to ${ROUTE_KEY_MAX} characters)`);
  if (key.startsWith('$')) throw invalid(key, 'the only special route key of an HTTP API is $default');
  const space = key.indexOf(' ');
  if (space < 0 || key.indexOf(' ', space + 1) >= 0) throw invalid(key, "give 'METHOD /path', one space between them");
  const method = key.slice(0, space);
  const path = key.slice(space + 1);
  if (!(RouteMethods as readonly string[]).includes(method)) throw invalid(key, `the method must be one of ${RouteMethods.join(', ')}`);
  if (!path.startsWith('/')) throw invalid(key, 'the path must start with /');
  return { kind: 'path', key, method: method as RouteMethod, path, segments: parsePath(key, path) };
}

function parsePath(key: string, path: string): RouteSegment[] {
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  const segments: RouteSegment[] = [];
  const names = new Set<string>();
  parts.forEach((part, i) => {
    if (part === '') throw invalid(key, i === parts.length - 1 ? 'the path must not end with /' : 'the path has an empty segment (//)');
    const variable = VARIABLE.exec(part);
    if (variable) {
      const name = variable[1] as string;
      if (names.has(name)) throw invalid(key, `the path variable {${name}} appears twice`);
      names.add(name);
      if (variable[2] === '+') {
        if (i !== parts.length - 1) throw invalid(key, `a greedy path variable ({${name}+}) must be the last segment`);
        segments.push({ kind: 'greedy', name });
      } else segments.push({ kind: 'param', name });
      return;
    }
    if (!LITERAL.test(part)) throw invalid(key, `segment '${part}': a path variable is a whole segment, {name} or {name+}`);
    segments.push({ kind: 'literal', value: part });
  });
  return segments;
}
