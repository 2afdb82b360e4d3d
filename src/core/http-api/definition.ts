/**
 * An API's whole definition put in place at once, as API Gateway's ReimportApi puts an OpenAPI
 * document over an HTTP API (import.ts reads the document): its name and CORS, and its
 * integrations, authorizers and routes, all replaced. What belongs to its stage stays: the
 * default throttle and stage variables, and the route settings of every route whose key is in
 * the new definition too (a route's own throttle and cache TTL, which OpenAPI does not carry).
 * Deployments (records) stay. Decided here once; a backend writes the answer in one write.
 */
import { ErrorCode, InvalidInput } from '../errors.ts';
import { checkHttpApiInput, checkHttpRouteInput, type HttpApiFields } from './model.ts';
import { AUTHORIZERS_MAX, checkAuthorizerInput, checkIntegrationInput, INTEGRATIONS_MAX } from './parts.ts';
import type { CorsConfig } from './cors.ts';
import type { HttpApi, HttpAuthorizer, HttpAuthorizerInput, HttpIntegration, HttpIntegrationInput, HttpRoute, RouteAuth } from './types.ts';

export interface HttpApiDefinition {
  name: string;
  cors: CorsConfig | null;
  integrations: HttpIntegrationInput[];
  authorizers: HttpAuthorizerInput[];
  /** Each to one of `integrations` and at most one of `authorizers`, by index. */
  routes: Array<{ routeKey: string; integration: number; authorizer: number | null }>;
}

/** Routes one API may hold (API Gateway's quota). */
export const ROUTES_MAX = 300;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);

/**
 * The API after `def` is put over it: its fields, its parts (with the ids given, made before the
 * write), and its routes as stored. `checkAuth` is the route auth's check (model.ts checkAuth).
 */
export function applyDefinition(
  api: HttpApi,
  before: readonly HttpRoute[],
  def: HttpApiDefinition,
  ids: { integrations: string[]; authorizers: string[] },
  checkAuth: (auth: RouteAuth) => RouteAuth,
): {
  fields: HttpApiFields;
  integrations: HttpIntegration[];
  authorizers: HttpAuthorizer[];
  routes: Array<ReturnType<typeof checkHttpRouteInput>>;
} {
  if (def.integrations.length > INTEGRATIONS_MAX) throw invalid(`an HTTP API has at most ${INTEGRATIONS_MAX} integrations`);
  if (def.authorizers.length > AUTHORIZERS_MAX) throw invalid(`an HTTP API has at most ${AUTHORIZERS_MAX} authorizers`);
  if (def.routes.length > ROUTES_MAX) throw invalid(`an HTTP API has at most ${ROUTES_MAX} routes`);
  const fields = checkHttpApiInput({ name: def.name, cors: def.cors, throttle: api.throttle, stageVariables: api.stageVariables });
  const integrations = def.integrations.map((i, n) => ({ integrationId: idAt(ids.integrations, n), ...checkIntegrationInput(i) }));
  const authorizers = def.authorizers.map((a, n) => ({ authorizerId: idAt(ids.authorizers, n), ...checkAuthorizerInput(a, checkAuth) }));
  const next: HttpApi = { ...api, ...fields, integrations, authorizers };
  const kept = new Map(before.map((r) => [r.routeKey, r]));
  const seen = new Set<string>();
  const routes = def.routes.map((r) => {
    if (seen.has(r.routeKey)) throw invalid(`the route ${r.routeKey} is defined twice`);
    seen.add(r.routeKey);
    const integration = integrations[r.integration];
    if (!integration) throw new Error(`a definition's route names integration ${r.integration}, which it does not hold`);
    const authorizer = r.authorizer === null ? null : authorizers[r.authorizer];
    if (authorizer === undefined) throw new Error(`a definition's route names authorizer ${r.authorizer}, which it does not hold`);
    const had = kept.get(r.routeKey);
    return checkHttpRouteInput(next, {
      routeKey: r.routeKey,
      integrationId: integration.integrationId,
      ...(authorizer ? { authorizerId: authorizer.authorizerId } : { auth: { kind: 'none' } }),
      throttle: had?.throttle ?? null,
      cacheTtlS: had?.cacheTtlS ?? 0,
    });
  });
  return { fields, integrations, authorizers, routes };
}

function idAt(ids: string[], n: number): string {
  const id = ids[n];
  if (id === undefined) throw new Error(`no id made for part ${n} of a definition`);
  return id;
}
