/**
 * CORS as an HTTP API does it when the API has a CORS configuration: the gateway itself answers
 * preflight requests (OPTIONS with Origin and Access-Control-Request-Method), whether or not a
 * route would match, and on every other answer it sets the CORS headers itself, ignoring any the
 * function returned — so one configuration decides, not each handler.
 *
 * Only the origin gates: a preflight from an origin not allowed gets 204 without CORS headers
 * (the browser then refuses the call); for an allowed one the configured methods and headers are
 * advertised and the browser checks the actual request against them.
 */
import { ErrorCode, InvalidInput } from '../errors.ts';
import { RouteMethods } from './route-key.ts';

export interface CorsConfig {
  /** Exact origins (`https://app.example.com`) or `*`. */
  allowOrigins: string[];
  /** Methods or `*`. */
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  /** Seconds a browser may keep a preflight's answer; undefined: no header. */
  maxAgeS?: number | undefined;
  allowCredentials: boolean;
}

/** AWS caps Access-Control-Max-Age at a day. */
export const CORS_MAX_AGE_MAX_S = 86_400;

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\s*]+$/i;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, `cors: ${message}`);

export function checkCorsConfig(c: CorsConfig): CorsConfig {
  for (const o of c.allowOrigins) if (o !== '*' && !ORIGIN.test(o)) throw invalid(`allowOrigins: '${o}' is not * nor scheme://host[:port]`);
  for (const m of c.allowMethods) {
    if (m !== '*' && !(RouteMethods as readonly string[]).includes(m.toUpperCase()))
      throw invalid(`allowMethods: '${m}' is not an HTTP method nor *`);
  }
  for (const h of [...c.allowHeaders, ...c.exposeHeaders]) if (!TOKEN.test(h)) throw invalid(`'${h}' is not a header name`);
  if (c.maxAgeS !== undefined && (!Number.isInteger(c.maxAgeS) || c.maxAgeS < 0 || c.maxAgeS > CORS_MAX_AGE_MAX_S)) {
    throw invalid(`maxAge must be a whole number of seconds from 0 to ${CORS_MAX_AGE_MAX_S}`);
  }
  // Browsers refuse credentials with a wildcard origin; AWS refuses the configuration up front.
  if (c.allowCredentials && c.allowOrigins.includes('*')) throw invalid('allowCredentials cannot be used with the origin *');
  return c;
}

export interface CorsRequest {
  method: string;
  /** Request headers, names lower-case. */
  header(name: string): string | undefined;
}

/** The gateway's own answer to a preflight, or null when the request is not one. */
export function preflight(config: CorsConfig | undefined, req: CorsRequest): { statusCode: 204; headers: Array<[string, string]> } | null {
  if (!config || req.method.toUpperCase() !== 'OPTIONS') return null;
  const origin = req.header('origin');
  if (origin === undefined || req.header('access-control-request-method') === undefined) return null;
  const allowed = allowOriginValue(config, origin);
  if (allowed === null) return { statusCode: 204, headers: [] };
  const headers: Array<[string, string]> = [['access-control-allow-origin', allowed]];
  if (allowed !== '*') headers.push(['vary', 'origin']);
  if (config.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  if (config.allowMethods.length > 0) headers.push(['access-control-allow-methods', config.allowMethods.join(',')]);
  if (config.allowHeaders.length > 0) headers.push(['access-control-allow-headers', config.allowHeaders.join(',')]);
  if (config.maxAgeS !== undefined) headers.push(['access-control-max-age', String(config.maxAgeS)]);
  return { statusCode: 204, headers };
}

/** The headers of an ordinary answer: the function's access-control-* headers dropped, the
 *  configuration's added when the request's origin is allowed. */
export function withCorsHeaders(
  config: CorsConfig | undefined,
  origin: string | undefined,
  headers: Array<[string, string]>,
): Array<[string, string]> {
  if (!config) return headers;
  const out = headers.filter(([name]) => !name.toLowerCase().startsWith('access-control-'));
  const allowed = origin === undefined ? null : allowOriginValue(config, origin);
  if (allowed === null) return out;
  out.push(['access-control-allow-origin', allowed]);
  if (allowed !== '*') out.push(['vary', 'origin']);
  if (config.allowCredentials) out.push(['access-control-allow-credentials', 'true']);
  if (config.exposeHeaders.length > 0) out.push(['access-control-expose-headers', config.exposeHeaders.join(',')]);
  return out;
}

/** `*` when any origin is allowed (never with credentials: see checkCorsConfig), the origin
 *  itself when listed (scheme and host compare case-insensitively), else null. */
function allowOriginValue(config: CorsConfig, origin: string): string | null {
  if (config.allowOrigins.includes('*')) return '*';
  const wanted = origin.toLowerCase();
  return config.allowOrigins.some((o) => o.toLowerCase() === wanted) ? origin : null;
}
