/**
 * An HTTP API's integrations and authorizers, as API Gateway v2's management API makes them:
 * an integration names a function (and a version or alias) routes send their requests to; an
 * authorizer is a JWT or Lambda authorizer routes check their callers with. A route made through one
 * keeps its id (`integrationId`, `authorizerId`) beside the target and auth it copies from it,
 * which the gateway serves: changing an integration retargets every route that uses it, and
 * one a route still uses cannot be deleted (API Gateway's ConflictException); its payload
 * format version goes with its function. Routes made
 * natively name their function and auth themselves and use neither.
 */
import { ErrorCode, Conflict, InvalidInput, NotFound } from '../errors.ts';
import { checkFunctionName, parseQualifier } from '../function.ts';
import type {
  HttpApi,
  HttpAuthorizer,
  HttpAuthorizerFields,
  HttpAuthorizerInput,
  HttpDeployment,
  HttpIntegration,
  HttpIntegrationInput,
  HttpRoute,
  HttpRouteInput,
  RouteAuth,
} from './types.ts';
import { PayloadFormat } from './types.ts';

export type {
  HttpAuthorizer,
  HttpAuthorizerFields,
  HttpAuthorizerInput,
  JwtAuthorizer,
  LambdaAuth,
  LambdaAuthorizer,
  HttpDeployment,
  HttpIntegration,
  HttpIntegrationInput,
} from './types.ts';

/** Most of each an API holds (API Gateway's quotas: 300 routes and integrations, 10 authorizers). */
export const INTEGRATIONS_MAX = 300;
export const AUTHORIZERS_MAX = 10;
/** Most deployments an API keeps on Hangar (API Gateway has no such quota; each is listed in the
 *  API's row and keeps a snapshot: a tool that makes one per change deletes the old ones). */
export const DEPLOYMENTS_MAX = 100;
/** A deployment's description (API Gateway's limit). */
export const DEPLOYMENT_DESCRIPTION_MAX = 1024;

const AUTHORIZER_NAME = /^[A-Za-z0-9 ._-]{1,128}$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);

export const httpApiPartErrors = {
  integrationNotFound: (apiId: string, id: string) =>
    new NotFound(ErrorCode.HttpIntegrationNotFound, `HTTP API ${apiId} has no integration ${id}`),
  authorizerNotFound: (apiId: string, id: string) =>
    new NotFound(ErrorCode.HttpAuthorizerNotFound, `HTTP API ${apiId} has no authorizer ${id}`),
  deploymentNotFound: (apiId: string, id: string) =>
    new NotFound(ErrorCode.HttpDeploymentNotFound, `HTTP API ${apiId} has no deployment ${id}`),
  inUse: (what: 'Integration' | 'Authorizer', routeKeys: string[]) =>
    new Conflict(
      ErrorCode.HttpApiPartInUse,
      `Cannot delete ${what} because it is referenced by the following routes: ${routeKeys.map((k) => `'${k}'`).join(', ')}`,
    ),
};

export function checkIntegrationInput(input: HttpIntegrationInput): Omit<HttpIntegration, 'integrationId'> {
  checkFunctionName(input.functionName);
  const qualifier = input.qualifier ?? null;
  if (qualifier !== null) parseQualifier(qualifier);
  return {
    functionName: input.functionName,
    qualifier,
    payloadFormatVersion: checkPayloadFormat(input.payloadFormatVersion),
    ...(input.uriForm === 'invocation' ? { uriForm: input.uriForm } : {}),
  };
}

const FORMATS: readonly string[] = Object.values(PayloadFormat);

/** A payload format version as given (absent: 2.0, API Gateway's latest); anything else refused. */
export function checkPayloadFormat(given: unknown): PayloadFormat {
  if (given === undefined || given === null) return PayloadFormat.V2;
  if (typeof given !== 'string' || !FORMATS.includes(given))
    throw invalid(`payloadFormatVersion ${JSON.stringify(given)?.slice(0, 40)} is not one of ${FORMATS.join(', ')}`);
  return given as PayloadFormat;
}

/** `check` is the route auth's own check (model.ts), so an authorizer and a route's own auth
 *  take the same issuers, audiences and key URLs, or functions and identity sources. */
export function checkAuthorizerInput(input: HttpAuthorizerInput, check: (auth: RouteAuth) => RouteAuth): HttpAuthorizerFields {
  if (typeof input.name !== 'string' || !AUTHORIZER_NAME.test(input.name)) {
    throw invalid('an authorizer name is 1 to 128 letters, digits, spaces, dots, hyphens or underscores');
  }
  if (input.kind === 'lambda') {
    const auth = check(input);
    if (auth.kind !== 'lambda') throw new Error('a Lambda authorizer checked as another kind');
    return { name: input.name, ...auth };
  }
  const auth = check({ kind: 'jwt', issuer: input.issuer, audience: input.audience, jwksUrl: input.jwksUrl ?? null });
  if (auth.kind !== 'jwt') throw new Error('a JWT authorizer checked as another kind');
  return { name: input.name, issuer: auth.issuer, audience: auth.audience, jwksUrl: auth.jwksUrl ?? null };
}

export function addIntegration(api: HttpApi, integration: HttpIntegration): HttpIntegration[] {
  if (api.integrations.length >= INTEGRATIONS_MAX) throw invalid(`an HTTP API has at most ${INTEGRATIONS_MAX} integrations`);
  return [...api.integrations, integration];
}

export function addAuthorizer(api: HttpApi, authorizer: HttpAuthorizer): HttpAuthorizer[] {
  if (api.authorizers.length >= AUTHORIZERS_MAX) throw invalid(`an HTTP API has at most ${AUTHORIZERS_MAX} authorizers`);
  return [...api.authorizers, authorizer];
}

export function integrationOf(api: HttpApi, id: string): HttpIntegration {
  const found = api.integrations.find((i) => i.integrationId === id);
  if (!found) throw httpApiPartErrors.integrationNotFound(api.apiId, id);
  return found;
}

export function authorizerOf(api: HttpApi, id: string): HttpAuthorizer {
  const found = api.authorizers.find((a) => a.authorizerId === id);
  if (!found) throw httpApiPartErrors.authorizerNotFound(api.apiId, id);
  return found;
}

/** The API's integrations with `id`'s replaced by `next`. */
export function replaceIntegration(api: HttpApi, next: HttpIntegration): HttpIntegration[] {
  integrationOf(api, next.integrationId);
  return api.integrations.map((i) => (i.integrationId === next.integrationId ? next : i));
}

/** The API's authorizers with `next`'s replaced (the routes made from it take its auth: routeAuthOf). */
export function replaceAuthorizer(api: HttpApi, next: HttpAuthorizer): HttpAuthorizer[] {
  authorizerOf(api, next.authorizerId);
  return api.authorizers.map((a) => (a.authorizerId === next.authorizerId ? next : a));
}

/** The auth a route made from `a` checks its callers with. */
export function routeAuthOf(a: HttpAuthorizer): RouteAuth {
  if (a.kind === 'lambda') {
    const { authorizerId: _id, name: _name, ...auth } = a;
    return auth;
  }
  return { kind: 'jwt', issuer: a.issuer, audience: a.audience, jwksUrl: a.jwksUrl };
}

export function checkDeploymentDescription(description: unknown): string {
  if (description === undefined || description === null) return '';
  if (typeof description !== 'string' || [...description].length > DEPLOYMENT_DESCRIPTION_MAX)
    throw invalid(`a deployment's description is a string of at most ${DEPLOYMENT_DESCRIPTION_MAX} characters`);
  return description;
}

export function addDeployment(api: HttpApi, deployment: HttpDeployment): HttpDeployment[] {
  if (api.deployments.length >= DEPLOYMENTS_MAX)
    throw invalid(`an HTTP API keeps at most ${DEPLOYMENTS_MAX} deployments on Hangar: delete old ones first`);
  return [...api.deployments, deployment];
}

export function deploymentOf(api: HttpApi, id: string): HttpDeployment {
  const found = api.deployments.find((d) => d.deploymentId === id);
  if (!found) throw httpApiPartErrors.deploymentNotFound(api.apiId, id);
  return found;
}

/** The API's deployments with `id`'s description replaced (UpdateDeployment). */
export function redescribeDeployment(api: HttpApi, id: string, description: unknown): HttpDeployment[] {
  deploymentOf(api, id);
  const checked = checkDeploymentDescription(description);
  return api.deployments.map((d) => (d.deploymentId === id ? { ...d, description: checked } : d));
}

/** The API's deployments without `id`; one a stage reports or serves is refused, as API Gateway
 *  refuses deleting a deployment an active stage points to. */
export function removeDeployment(api: HttpApi, id: string): HttpDeployment[] {
  deploymentOf(api, id);
  const stages = stagesOfDeployment(api, id);
  if (stages.length > 0)
    throw invalid(`Active stages pointing to this deployment must be moved or deleted: ${stages.map((s) => `'${s}'`).join(', ')}`);
  return api.deployments.filter((d) => d.deploymentId !== id);
}

/** The names of the stages that report or serve `deploymentId` (deleting it is refused while any does). */
export function stagesOfDeployment(api: HttpApi, deploymentId: string): string[] {
  return [
    ...(api.deploymentId === deploymentId ? ['$default'] : []),
    ...api.stages.filter((s) => s.deploymentId === deploymentId).map((s) => s.name),
  ];
}

/** The API's integrations without `id`; Conflict while one of `routes` uses it. */
export function removeIntegration(api: HttpApi, routes: HttpRoute[], id: string): HttpIntegration[] {
  integrationOf(api, id);
  const users = routes.filter((r) => r.integrationId === id).map((r) => r.routeKey);
  if (users.length > 0) throw httpApiPartErrors.inUse('Integration', users);
  return api.integrations.filter((i) => i.integrationId !== id);
}

export function removeAuthorizer(api: HttpApi, routes: HttpRoute[], id: string): HttpAuthorizer[] {
  authorizerOf(api, id);
  const users = routes.filter((r) => r.authorizerId === id).map((r) => r.routeKey);
  if (users.length > 0) throw httpApiPartErrors.inUse('Authorizer', users);
  return api.authorizers.filter((a) => a.authorizerId !== id);
}

/**
 * A route's input with its integration and authorizer, if it names them, read from the API:
 * the function of the integration, the auth of the authorizer. Naming both an integration
 * and a function (or an authorizer and an auth) is refused: one of them would be ignored.
 */
export function resolveRouteParts(api: HttpApi, input: HttpRouteInput): HttpRouteInput & { functionName: string } {
  let { functionName, qualifier, auth, payloadFormatVersion } = input;
  if (input.integrationId) {
    if (functionName !== undefined) throw invalid('a route names its function or its integration, not both');
    const integration = integrationOf(api, input.integrationId);
    if (payloadFormatVersion !== undefined && payloadFormatVersion !== integration.payloadFormatVersion)
      throw invalid("a route made from an integration takes the integration's payloadFormatVersion");
    functionName = integration.functionName;
    qualifier = integration.qualifier;
    payloadFormatVersion = integration.payloadFormatVersion;
  }
  if (input.authorizerId) {
    if (auth !== undefined) throw invalid('a route names its auth or its authorizer, not both');
    auth = routeAuthOf(authorizerOf(api, input.authorizerId));
  }
  if (functionName === undefined) throw invalid('a route needs a target: a function (or an integration)');
  return { ...input, functionName, qualifier, auth, payloadFormatVersion };
}

/** A new integration's or authorizer's id: 7 lower-case letters and digits, as AWS's. */
export function partIdFrom(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  if (bytes.length < 7) throw new Error('partIdFrom needs 7 random bytes');
  return Array.from(bytes.subarray(0, 7), (b) => alphabet[b % 36]).join('');
}
