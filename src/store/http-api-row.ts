/**
 * Rows of http_apis and http_routes to the model and back, shared by both backends. JSON comes
 * as text from both (postgres/db.ts parses none), so one mapping serves both.
 */
import type {
  CorsConfig,
  HttpApi,
  HttpAuthorizer,
  HttpDeployment,
  HttpIntegration,
  HttpRoute,
  NamedStage,
  PayloadFormat,
  RouteAuth,
  ThrottleLimit,
} from '../core/index.ts';
import type { Row } from './row.ts';

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parsed = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as T));

/** name, cors, throttle, stage_variables (NULL: none): the columns an API's update writes. */
export function apiValues(a: Pick<HttpApi, 'name' | 'cors' | 'throttle' | 'stageVariables'>): Array<string | number | null> {
  return [a.name, json(a.cors), json(a.throttle), Object.keys(a.stageVariables).length > 0 ? json(a.stageVariables) : null];
}

export function apiFromRow(r: Row): HttpApi {
  return {
    userId: String(r.user_id),
    apiId: String(r.api_id),
    name: String(r.name),
    cors: parsed<CorsConfig>(r.cors),
    throttle: parsed<ThrottleLimit>(r.throttle),
    stageVariables: parsed<Record<string, string>>(r.stage_variables) ?? {},
    stages: parsed<NamedStage[]>(r.stages) ?? [],
    // One stored before integrations had a payload format version sends 2.0, all there was.
    integrations: (parsed<HttpIntegration[]>(r.integrations) ?? []).map((i) => ({
      ...i,
      payloadFormatVersion: i.payloadFormatVersion ?? '2.0',
    })),
    authorizers: parsed<HttpAuthorizer[]>(r.authorizers) ?? [],
    deployments: parsed<HttpDeployment[]>(r.deployments) ?? [],
    deploymentId: r.deployment_id === null || r.deployment_id === undefined ? null : String(r.deployment_id),
    // 1/0 from SQLite, a boolean from PostgreSQL.
    autoDeploy: r.auto_deploy === null || r.auto_deploy === undefined ? true : Boolean(Number(r.auto_deploy)),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** integrations, authorizers: the columns a change of an API's parts writes. */
/** ROUTE_COUNTS' rows (api_id, n; n a bigint string on PostgreSQL) by API id. */
export const routeCountsOf = (rows: Row[]): Map<string, number> => new Map(rows.map((r) => [String(r.api_id), Number(r.n)]));

export function partValues(a: Pick<HttpApi, 'integrations' | 'authorizers'>): Array<string | null> {
  return [json(a.integrations), json(a.authorizers)];
}

/** stages (NULL: none besides $default): the column a named stage's change writes. */
export const stagesValue = (stages: NamedStage[]): string | null => (stages.length > 0 ? json(stages) : null);

/** deployments, deployment_id, stages: the columns a deployment's create or delete writes (a
 *  stage may be pointed at a new one). */
export function deploymentValues(a: Pick<HttpApi, 'deployments' | 'deploymentId' | 'stages'>): Array<string | null> {
  return [json(a.deployments), a.deploymentId, stagesValue(a.stages)];
}

/** function_name, qualifier, auth, throttle, cache_ttl_s, integration_id, authorizer_id,
 *  payload_format_version: the columns a route's update writes. */
export function routeValues(
  r: Pick<
    HttpRoute,
    'functionName' | 'qualifier' | 'auth' | 'throttle' | 'cacheTtlS' | 'integrationId' | 'authorizerId' | 'payloadFormatVersion'
  >,
): Array<string | number | null> {
  return [
    r.functionName,
    r.qualifier,
    json(r.auth),
    json(r.throttle),
    r.cacheTtlS,
    r.integrationId,
    r.authorizerId,
    r.payloadFormatVersion,
  ];
}

export function routeFromRow(r: Row): HttpRoute {
  return {
    userId: String(r.user_id),
    apiId: String(r.api_id),
    routeKey: String(r.route_key),
    functionName: String(r.function_name),
    qualifier: r.qualifier === null || r.qualifier === undefined ? null : String(r.qualifier),
    auth: parsed<RouteAuth>(r.auth) ?? { kind: 'none' },
    throttle: parsed<ThrottleLimit>(r.throttle),
    cacheTtlS: Number(r.cache_ttl_s),
    payloadFormatVersion: String(r.payload_format_version ?? '2.0') as PayloadFormat,
    integrationId: r.integration_id === null || r.integration_id === undefined ? null : String(r.integration_id),
    authorizerId: r.authorizer_id === null || r.authorizer_id === undefined ? null : String(r.authorizer_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
