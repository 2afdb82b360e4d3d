/**
 * API Gateway v2's request and response shapes over Hangar's HTTP API model. Its wire names are
 * lower camel case (`apiId`, `corsConfiguration`), times ISO 8601. Hangar models what an HTTP
 * API with Lambda proxy integrations and JWT or Lambda authorizers needs; every other setting is refused
 * with a BadRequestException that names it (never dropped): `refuse` lists them per shape.
 */
import { createHash } from 'node:crypto';
import {
  type CorsConfig,
  DEFAULT_STAGE,
  ErrorCode,
  type HttpApi,
  type HttpAuthorizer,
  type HttpDeployment,
  type HttpIntegration,
  type HttpIntegrationInput,
  PayloadFormat,
  type HttpRoute,
  InvalidInput,
  type NamedStage,
  namedStageOf,
  stageDeploymentOf,
  THROTTLE_MAX,
  type TagMap,
  type ThrottleLimit,
} from '../../core/index.ts';
import type { ServedHttpApi } from '../../store/index.ts';
import { corsFromAws, corsToAws } from '../cors.ts';
import { functionArn } from '../identity.ts';
import { field, functionRefOf } from '../lambda/shapes.ts';
import type { AwsCaller } from '../service.ts';

export { field, jsonBody } from '../lambda/shapes.ts';

export const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);

const iso = (ms: number) => new Date(ms).toISOString();

/** The one route selection expression of an HTTP API as API Gateway reports it (and Terraform's
 *  provider sends it by default), and its API key selection expression. */
const ROUTE_SELECTION = '$request.method $request.path';
/** The same, as API Gateway's reference spells it for CreateApi: taken too. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's selection expression, literally
const ROUTE_SELECTION_BRACED = '${request.method} ${request.path}';
const API_KEY_SELECTION = '$request.header.x-api-key';
/** Where Hangar's JWT auth reads the token (API Gateway's default identity source). */
const IDENTITY_SOURCE = '$request.header.Authorization';
export { DEFAULT_STAGE };

/**
 * Refuses every member of `body` in `names` that is set to something other than its "off"
 * value (absent, null, false, 0, an empty list or map, an empty string): Hangar cannot do it.
 * Tools send the off values unasked (Terraform's provider sends `description: ""` when one is
 * removed, `apiKeyRequired: false`, `detailedMetricsEnabled: false` on every route setting).
 */
export function refuse(body: Record<string, unknown>, names: Record<string, string>): void {
  for (const [name, why] of Object.entries(names)) {
    const v = body[name];
    const off =
      v === undefined ||
      v === null ||
      v === false ||
      v === 0 ||
      v === '' ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
    if (!off) throw invalid(`${name} is not supported by Hangar: ${why}`);
  }
}

/** A setting Hangar has one value of: absent or that value. */
export function only(body: Record<string, unknown>, name: string, value: string | number | boolean, why: string): void {
  const v = body[name];
  if (v !== undefined && v !== null && v !== value) throw invalid(`${name} must be ${JSON.stringify(value)} on Hangar: ${why}`);
}

export function required(body: Record<string, unknown>, name: string): string {
  const v = field.string(body, name);
  if (v === undefined || v === '') throw invalid(`${name} is required`);
  return v;
}

/** A route's id: API Gateway's shape (7 lower-case letters and digits), made from its API and
 *  key, since Hangar names routes by key and a route's key does not change. */
export function routeIdOf(apiId: string, routeKey: string): string {
  const digest = createHash('sha256').update(`${apiId}\n${routeKey}`).digest();
  return Array.from(digest.subarray(0, 7), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

// ---- APIs

export function apiShape(a: HttpApi, endpoint: string, tags: TagMap): Record<string, unknown> {
  return {
    apiId: a.apiId,
    name: a.name,
    protocolType: 'HTTP',
    apiEndpoint: endpoint,
    apiKeySelectionExpression: API_KEY_SELECTION,
    routeSelectionExpression: ROUTE_SELECTION,
    disableExecuteApiEndpoint: false,
    ipAddressType: 'ipv4',
    createdDate: iso(a.createdAt),
    ...(a.cors ? { corsConfiguration: corsToAws(a.cors, 'camel') } : {}),
    tags,
  };
}

/** corsConfiguration as API Gateway takes it; absent: undefined. */
export const corsOf = (body: Record<string, unknown>): CorsConfig | undefined =>
  corsFromAws(body, 'corsConfiguration', 'camel', ErrorCode.HttpApiInvalid);

/** What CreateApi and UpdateApi may not set. */
export const API_REFUSED = {
  credentialsArn: 'Hangar invokes functions as their owner (no IAM roles)',
  description: 'HTTP APIs have no description on Hangar',
  disableSchemaValidation: 'a WebSocket API setting',
  disableExecuteApiEndpoint: 'an API is always served at its own address (custom domains are not modelled)',
  version: 'HTTP APIs have no version on Hangar',
};

export function checkApiConstants(body: Record<string, unknown>): void {
  if (body.routeSelectionExpression !== ROUTE_SELECTION_BRACED)
    only(body, 'routeSelectionExpression', ROUTE_SELECTION, 'an HTTP API routes by method and path');
  only(body, 'apiKeySelectionExpression', API_KEY_SELECTION, 'API keys are not modelled');
  only(body, 'ipAddressType', 'ipv4', 'dual-stack endpoints are not modelled');
}

// ---- Integrations

const INVOCATION_URI = /^arn:aws:apigateway:[^:]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

/** An integration's function from its integrationUri, and the form it was named in, which
 *  GetIntegration answers as given: Terraform's integration_uri is the function's `invoke_arn`,
 *  and an answer of its ARN would be a change on every plan. */
export function integrationInputOf(caller: AwsCaller, uri: string): HttpIntegrationInput {
  return { ...integrationTargetOf(caller, uri), ...(INVOCATION_URI.test(uri) ? { uriForm: 'invocation' as const } : {}) };
}

/**
 * The function an integrationUri names: a Lambda function's ARN (with a version or alias), or
 * its invocation URI (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`);
 * another account's is not found.
 */
export function integrationTargetOf(
  caller: AwsCaller,
  uri: string,
  name = 'integrationUri',
): { functionName: string; qualifier: string | null } {
  const invocation = INVOCATION_URI.exec(uri);
  const arn = invocation ? (invocation[1] as string) : uri;
  if (!arn.startsWith('arn:aws:lambda:'))
    throw invalid(`${name} '${uri.slice(0, 200)}' is not a Lambda function's ARN: Hangar runs its own functions`);
  const ref = functionRefOf(caller, arn);
  return {
    functionName: ref.name,
    qualifier:
      ref.qualifier.kind === 'latest' ? null : ref.qualifier.kind === 'version' ? String(ref.qualifier.version) : ref.qualifier.alias,
  };
}

export const INTEGRATION_REFUSED = {
  connectionId: 'VPC links are not modelled',
  credentialsArn: 'Hangar invokes functions as their owner (no IAM roles)',
  description: 'integrations have no description on Hangar',
  integrationSubtype: 'AWS service integrations are not modelled',
  requestParameters: 'parameter mapping is not modelled',
  requestTemplates: 'a REST and WebSocket API setting',
  responseParameters: 'parameter mapping is not modelled',
  templateSelectionExpression: 'a WebSocket API setting',
  tlsConfig: 'private integrations are not modelled',
  contentHandlingStrategy: 'a WebSocket API setting',
};

/** The settings every Hangar integration has: a Lambda proxy, 30 s (its payload format version,
 *  1.0 or 2.0, is its own: payloadFormatOf). */
export function checkIntegrationConstants(body: Record<string, unknown>): void {
  refuse(body, INTEGRATION_REFUSED);
  const type = field.string(body, 'integrationType');
  if (type !== undefined && type !== 'AWS_PROXY')
    throw invalid(`integrationType ${type} is not supported by Hangar: integrations are AWS_PROXY to a Lambda function of Hangar's`);
  // WHEN_NO_MATCH is what Terraform's provider sends unasked; an HTTP API ignores it (it is a
  // REST and WebSocket API setting), as API Gateway does, and reports none.
  only(body, 'passthroughBehavior', 'WHEN_NO_MATCH', 'a REST and WebSocket API setting (an HTTP API passes every request through)');
  only(body, 'integrationMethod', 'POST', 'a Lambda proxy integration is a POST');
  only(body, 'connectionType', 'INTERNET', 'VPC links are not modelled');
  only(body, 'timeoutInMillis', INTEGRATION_TIMEOUT_MS, "the gateway waits for the function's own timeout");
}

const INTEGRATION_TIMEOUT_MS = 30_000;

/** PayloadFormatVersion as given, 1.0 or 2.0; undefined when absent. */
export function payloadFormatOf(body: Record<string, unknown>): PayloadFormat | undefined {
  const payload = field.string(body, 'payloadFormatVersion');
  if (payload === undefined) return undefined;
  if (payload !== PayloadFormat.V1 && payload !== PayloadFormat.V2)
    throw invalid(`payloadFormatVersion ${payload.slice(0, 40)} is not supported: 1.0 or 2.0`);
  return payload;
}

export function integrationShape(caller: AwsCaller, i: HttpIntegration): Record<string, unknown> {
  return {
    integrationId: i.integrationId,
    integrationType: 'AWS_PROXY',
    integrationUri:
      i.uriForm === 'invocation'
        ? lambdaInvocationUri(caller, i.functionName, i.qualifier)
        : functionArn(caller.region, caller.accountId, i.functionName, i.qualifier ?? undefined),
    integrationMethod: 'POST',
    connectionType: 'INTERNET',
    payloadFormatVersion: i.payloadFormatVersion,
    timeoutInMillis: INTEGRATION_TIMEOUT_MS,
    apiGatewayManaged: false,
  };
}

// ---- Authorizers

export const AUTHORIZER_REFUSED = {
  authorizerCredentialsArn: 'Hangar runs an authorizer function as its owner (no IAM roles)',
  identityValidationExpression: 'a REST API setting',
};

/** A Lambda (REQUEST) authorizer's settings, refused on a JWT one. */
export const LAMBDA_AUTHORIZER_ONLY = {
  authorizerPayloadFormatVersion: 'a Lambda (REQUEST) authorizer setting',
  authorizerResultTtlInSeconds: 'a Lambda (REQUEST) authorizer setting',
  authorizerUri: 'a Lambda (REQUEST) authorizer setting',
  enableSimpleResponses: 'a Lambda (REQUEST) authorizer setting',
};

export function checkIdentitySource(body: Record<string, unknown>): void {
  const sources = field.list(body, 'identitySource');
  if (sources === undefined) return;
  if (sources.length !== 1 || typeof sources[0] !== 'string' || sources[0].toLowerCase() !== IDENTITY_SOURCE.toLowerCase())
    throw invalid(`identitySource must be ["${IDENTITY_SOURCE}"] on Hangar: its JWT authorizers read the token there`);
}

/** The wire's authorizationType of an authorizer or route auth kind. */
export const authorizerTypeOf = (a: HttpAuthorizer): 'JWT' | 'REQUEST' => (a.kind === 'lambda' ? 'REQUEST' : 'JWT');

export function authorizerShape(caller: AwsCaller, a: HttpAuthorizer): Record<string, unknown> {
  if (a.kind === 'lambda')
    return {
      authorizerId: a.authorizerId,
      authorizerType: 'REQUEST',
      name: a.name,
      identitySource: a.identitySource,
      authorizerUri: lambdaInvocationUri(caller, a.functionName, a.qualifier),
      authorizerPayloadFormatVersion: a.payloadFormatVersion ?? '2.0',
      authorizerResultTtlInSeconds: a.resultTtlS,
      enableSimpleResponses: a.simpleResponses,
    };
  return {
    authorizerId: a.authorizerId,
    authorizerType: 'JWT',
    name: a.name,
    identitySource: [IDENTITY_SOURCE],
    jwtConfiguration: { audience: a.audience, issuer: a.issuer },
  };
}

/** A function's invocation URI, as API Gateway writes an authorizerUri. */
export const lambdaInvocationUri = (caller: AwsCaller, name: string, qualifier: string | null): string =>
  `arn:aws:apigateway:${caller.region}:lambda:path/2015-03-31/functions/${functionArn(caller.region, caller.accountId, name, qualifier ?? undefined)}/invocations`;

// ---- Routes

export const ROUTE_REFUSED = {
  apiKeyRequired: 'API keys are not modelled',
  authorizationScopes: 'route authorization scopes are not modelled',
  modelSelectionExpression: 'a WebSocket API setting',
  operationName: 'routes have no operation name on Hangar',
  requestModels: 'a WebSocket API setting',
  requestParameters: 'a WebSocket API setting',
  routeResponseSelectionExpression: 'a WebSocket API setting',
};

const TARGET = /^integrations\/([a-z0-9]+)$/;

/** `integrations/{id}`'s id. */
export function integrationIdOf(target: string): string {
  const m = TARGET.exec(target);
  if (!m) throw invalid(`target '${target.slice(0, 200)}' must be integrations/{integrationId}`);
  return m[1] as string;
}

/** How a route is authorized, as API Gateway names it. A route made natively with Hangar's key
 *  auth says CUSTOM (Hangar's own check, no authorizer of the API's). */
export function routeShape(r: HttpRoute): Record<string, unknown> {
  const authorizationType = r.auth.kind === 'jwt' ? 'JWT' : r.auth.kind === 'key' || r.auth.kind === 'lambda' ? 'CUSTOM' : 'NONE';
  return {
    routeId: routeIdOf(r.apiId, r.routeKey),
    routeKey: r.routeKey,
    ...(r.integrationId ? { target: `integrations/${r.integrationId}` } : {}),
    authorizationType,
    ...(r.authorizerId ? { authorizerId: r.authorizerId } : {}),
    apiKeyRequired: false,
    apiGatewayManaged: false,
  };
}

// ---- Stages

export const STAGE_REFUSED = {
  accessLogSettings: 'access logs are not modelled',
  clientCertificateId: 'a REST API setting',
  description: 'stages have no description on Hangar',
};

/** A RouteSettings' throttle (`where` names it in refusals); one limit alone leaves the other at
 *  AWS's account default (10,000 a second, bursts of 5,000: Hangar's highest). null: none. */
function settingsThrottle(s: Record<string, unknown>, where: string): ThrottleLimit | null {
  refuse(s, { detailedMetricsEnabled: 'per-route metrics are not modelled', dataTraceEnabled: 'a WebSocket API setting' });
  only(s, 'loggingLevel', 'OFF', 'a WebSocket API setting');
  const rate = s.throttlingRateLimit;
  const burst = field.integer(s, 'throttlingBurstLimit');
  if (rate !== undefined && rate !== null && typeof rate !== 'number') throw invalid(`${where}.throttlingRateLimit must be a number`);
  if ((rate === undefined || rate === null) && burst === undefined) return null;
  return { rate: typeof rate === 'number' ? rate : THROTTLE_MAX.rate, burst: burst ?? THROTTLE_MAX.burst };
}

/** defaultRouteSettings' throttle: the API's default. undefined: none given. */
export function throttleOf(body: Record<string, unknown>): ThrottleLimit | null | undefined {
  const s = field.object(body, 'defaultRouteSettings');
  return s ? settingsThrottle(s, 'defaultRouteSettings') : undefined;
}

/** routeSettings: each route's own throttle by route key (one with no throttle loses its own).
 *  undefined: none given. */
export function routeSettingsOf(body: Record<string, unknown>): Record<string, ThrottleLimit | null> | undefined {
  const all = field.object(body, 'routeSettings');
  if (!all) return undefined;
  const out = new Map<string, ThrottleLimit | null>();
  for (const key of Object.keys(all)) {
    const where = `routeSettings['${key.slice(0, 128)}']`;
    const s = field.object(all, key);
    if (!s) throw invalid(`${where} must be an object`);
    out.set(key, settingsThrottle(s, where));
  }
  return Object.fromEntries(out);
}

/** stageVariables: names to strings (core/http-api/stage.ts checks them); undefined: none given. */
export function stageVariablesOf(body: Record<string, unknown>): Record<string, string> | undefined {
  const vars = field.object(body, 'stageVariables');
  if (!vars) return undefined;
  for (const [name, value] of Object.entries(vars))
    if (typeof value !== 'string') throw invalid(`stageVariables.${name.slice(0, 64)} must be a string`);
  return vars as Record<string, string>;
}

/** The stage a call names: null for $default, else one of the API's named stages (not there:
 *  NotFoundException, as API Gateway answers it). */
export function stageThere(api: HttpApi, name: string): NamedStage | null {
  return name === DEFAULT_STAGE ? null : namedStageOf(api, name);
}

/** A route's throttle as API Gateway reports a RouteSettings. */
const routeSettingsShape = (t: ThrottleLimit | null) => ({
  detailedMetricsEnabled: false,
  ...(t ? { throttlingBurstLimit: t.burst, throttlingRateLimit: t.rate } : {}),
});

/** A stage: $default (`stage` null) or a named one, which serves the same routes under its name
 *  with its own variables and throttles. $default's route settings are the throttles the routes
 *  have of their own, its default route settings the API's default throttle. It reports the
 *  deployment it serves or, auto-deploying, the latest made for it, if any. */
export function stageShape({ api: a, routes }: ServedHttpApi, stage: NamedStage | null, tags: TagMap): Record<string, unknown> {
  const { autoDeploy, deploymentId: reported } = stageDeploymentOf(a, stage);
  const routeSettings = stage
    ? Object.entries(stage.routeThrottles ?? {})
    : routes.filter((r) => r.throttle !== null).map((r) => [r.routeKey, r.throttle] as const);
  return {
    stageName: stage?.name ?? DEFAULT_STAGE,
    autoDeploy,
    ...(reported
      ? { deploymentId: reported, lastDeploymentStatusMessage: `Successfully deployed stage with deployment ID '${reported}'` }
      : {}),
    createdDate: iso(stage?.createdAt ?? a.createdAt),
    lastUpdatedDate: iso(stage?.updatedAt ?? a.updatedAt),
    defaultRouteSettings: routeSettingsShape(stage ? (stage.throttle ?? null) : a.throttle),
    routeSettings: Object.fromEntries(routeSettings.map(([key, t]) => [key, routeSettingsShape(t)])),
    stageVariables: stage?.variables ?? a.stageVariables,
    tags,
    apiGatewayManaged: false,
  };
}

// ---- Deployments

/** A deployment: DEPLOYED at once (its snapshot is kept before it is listed). Every one is made
 *  by CreateDeployment (an auto-deploying stage serves the API as it is without making one), so
 *  none is autoDeployed. */
export function deploymentShape(d: HttpDeployment): Record<string, unknown> {
  return {
    deploymentId: d.deploymentId,
    deploymentStatus: 'DEPLOYED',
    createdDate: iso(d.createdAt),
    autoDeployed: false,
    ...(d.description ? { description: d.description } : {}),
  };
}

// ---- Lists

/** A page of a list: `maxResults` (a string on the wire) and the `nextToken` this API gave. */
export function pageOf<T>(items: T[], query: URLSearchParams): { items: T[]; nextToken?: string } {
  const token = query.get('nextToken');
  const start = token === null ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw invalid(`nextToken '${String(token).slice(0, 60)}' is not one this API gave`);
  const rawMax = query.get('maxResults');
  const max = rawMax === null ? 100 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 500) throw invalid('maxResults must be a whole number from 1 to 500');
  const page = items.slice(start, start + max);
  return { items: page, ...(start + max < items.length ? { nextToken: String(start + max) } : {}) };
}
