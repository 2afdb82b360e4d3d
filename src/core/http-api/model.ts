/**
 * HTTP APIs and their routes as stored: an API (per user, named, with an optional CORS
 * configuration and a default throttle) holds routes, each a route key sending its requests to
 * a function (a name and an optional version or alias), with its own auth, throttle and cache
 * TTL. Everything is checked here once, so the store only persists what is valid.
 */
import { ErrorCode, InvalidInput, NotFound, Conflict } from '../errors.ts';
import { checkFunctionName, parseQualifier } from '../function.ts';
import { CACHE_TTL_MAX_S } from './cache.ts';
import { checkCorsConfig } from './cors.ts';
import { checkLambdaAuth } from './lambda-authorizer.ts';
import { checkPayloadFormat, resolveRouteParts } from './parts.ts';
import type { HttpApi, HttpApiInput, HttpRoute, HttpRouteInput, RouteAuth } from './types.ts';
import { parseRouteKey } from './route-key.ts';
import { checkStageVariables } from './stage.ts';
import { checkThrottleLimit } from './throttle.ts';

export type { HttpApi, HttpApiInput, HttpRoute, HttpRouteInput, RouteAuth } from './types.ts';
export { PayloadFormat } from './types.ts';

const API_NAME = /^[A-Za-z0-9 ._-]{1,128}$/;
/** AWS's API ids are 10 lower-case letters and digits. */
export const API_ID = /^[a-z0-9]{10}$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);

export const httpApiErrors = {
  apiNotFound: (apiId: string) => new NotFound(ErrorCode.HttpApiNotFound, `HTTP API ${apiId} not found`),
  routeNotFound: (apiId: string, routeKey: string) =>
    new NotFound(ErrorCode.HttpRouteNotFound, `HTTP API ${apiId} has no route '${routeKey}'`),
  routeExists: (apiId: string, routeKey: string) =>
    new Conflict(ErrorCode.HttpRouteExists, `HTTP API ${apiId} already has a route '${routeKey}'`),
  /** DeleteApi while mappings name the API: API Gateway's sentence (BadRequestException there),
   *  then the mappings, `domain/key` (`domain/` the root), so none is lost unseen. */
  mapped: (apiId: string, mappings: ReadonlyArray<{ domainName: string; apiMappingKey: string }>) =>
    new Conflict(
      ErrorCode.HttpApiMapped,
      `Deleting API ${apiId} failed. Please remove all API mappings for the API from your custom domain names: ${mappings
        .map((m) => `${m.domainName}/${m.apiMappingKey}`)
        .join(', ')}`,
    ),
};

/** An API's own fields, as stored. */
export type HttpApiFields = Pick<HttpApi, 'name' | 'cors' | 'throttle' | 'stageVariables'>;

export function checkHttpApiInput(input: HttpApiInput): HttpApiFields {
  if (typeof input.name !== 'string' || !API_NAME.test(input.name)) {
    throw invalid('an HTTP API name is 1 to 128 letters, digits, spaces, dots, hyphens or underscores');
  }
  return {
    name: input.name,
    cors: input.cors ? checkCorsConfig(input.cors) : null,
    throttle: input.throttle ? checkThrottleLimit(input.throttle) : null,
    stageVariables: input.stageVariables ? checkStageVariables(input.stageVariables) : {},
  };
}

/** A route as stored, from its input with its integration and authorizer resolved against
 *  `api` (parts.ts). */
export function checkHttpRouteInput(api: HttpApi, given: HttpRouteInput): Omit<HttpRoute, 'userId' | 'apiId' | 'createdAt' | 'updatedAt'> {
  const input = resolveRouteParts(api, given);
  parseRouteKey(input.routeKey);
  checkFunctionName(input.functionName);
  const qualifier = input.qualifier ?? null;
  if (qualifier !== null) parseQualifier(qualifier);
  const cacheTtlS = input.cacheTtlS ?? 0;
  if (!Number.isInteger(cacheTtlS) || cacheTtlS < 0 || cacheTtlS > CACHE_TTL_MAX_S) {
    throw invalid(`cache TTL must be a whole number of seconds from 0 to ${CACHE_TTL_MAX_S}`);
  }
  return {
    routeKey: input.routeKey,
    functionName: input.functionName,
    qualifier,
    auth: checkAuth(input.auth ?? { kind: 'none' }),
    throttle: input.throttle ? checkThrottleLimit(input.throttle) : null,
    cacheTtlS,
    payloadFormatVersion: checkPayloadFormat(input.payloadFormatVersion),
    integrationId: input.integrationId || null,
    authorizerId: input.authorizerId || null,
  };
}

export function checkAuth(auth: RouteAuth): RouteAuth {
  switch (auth.kind) {
    case 'none':
    case 'key':
      return { kind: auth.kind };
    case 'jwt': {
      if (typeof auth.issuer !== 'string' || !isIssuerUrl(auth.issuer))
        throw invalid('a JWT authorizer needs an issuer URL (https://..., or http:// on a loopback address)');
      const jwksUrl = auth.jwksUrl ?? null;
      if (jwksUrl !== null && !isIssuerUrl(jwksUrl))
        throw invalid("a JWKS URL is https://..., or http:// on a loopback address (none: the issuer's OpenID configuration names it)");
      if (!Array.isArray(auth.audience) || auth.audience.length === 0 || !auth.audience.every((a) => typeof a === 'string' && a !== '')) {
        throw invalid('a JWT authorizer needs at least one audience');
      }
      return { kind: 'jwt', issuer: auth.issuer, audience: [...auth.audience], jwksUrl };
    }
    case 'lambda':
      return checkLambdaAuth(auth);
    default: {
      const unknown: never = auth;
      throw invalid(`unknown auth kind ${JSON.stringify((unknown as { kind?: unknown }).kind)}: none, key, jwt or lambda`);
    }
  }
}

/**
 * https, as AWS requires: keys fetched in clear could be swapped on the way. Plain http only to a
 * loopback address (an identity provider on the same machine, as in development and tests),
 * where nothing travels over a network. Which hosts may actually be fetched is the operator's
 * decision, made at fetch time on the resolved address (HANGAR_JWKS_ALLOW, auth/jwks.ts): a
 * name's address can change after the API is made.
 */
function isIssuerUrl(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    const url = new URL(s);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An API's fields after a patch, checked again as a whole. */
export function applyApiPatch(api: HttpApi, patch: Partial<HttpApiInput>): HttpApiFields {
  return checkHttpApiInput({
    name: patch.name ?? api.name,
    cors: patch.cors === undefined ? api.cors : patch.cors,
    throttle: patch.throttle === undefined ? api.throttle : patch.throttle,
    stageVariables: patch.stageVariables === undefined ? api.stageVariables : patch.stageVariables,
  });
}

/**
 * A route's fields after a patch (its key stays), checked again as a whole against its API. A
 * route that is given its own function leaves its integration, one given its own auth its
 * authorizer; one that keeps them reads them again (they may have changed since).
 */
export function applyRoutePatch(api: HttpApi, route: HttpRoute, patch: Partial<Omit<HttpRouteInput, 'routeKey'>>) {
  const ownTarget = patch.functionName !== undefined || patch.qualifier !== undefined;
  const integrationId = patch.integrationId !== undefined ? patch.integrationId : ownTarget ? null : route.integrationId;
  const authorizerId = patch.authorizerId !== undefined ? patch.authorizerId : patch.auth !== undefined ? null : route.authorizerId;
  return checkHttpRouteInput(api, {
    routeKey: route.routeKey,
    ...(integrationId
      ? { integrationId }
      : {
          functionName: patch.functionName ?? route.functionName,
          qualifier: patch.qualifier === undefined ? route.qualifier : patch.qualifier,
          payloadFormatVersion: patch.payloadFormatVersion ?? route.payloadFormatVersion,
        }),
    ...(integrationId && patch.payloadFormatVersion !== undefined ? { payloadFormatVersion: patch.payloadFormatVersion } : {}),
    ...(authorizerId ? { authorizerId } : { auth: patch.auth ?? (route.authorizerId ? { kind: 'none' } : route.auth) }),
    throttle: patch.throttle === undefined ? route.throttle : patch.throttle,
    cacheTtlS: patch.cacheTtlS ?? route.cacheTtlS,
  });
}

/** A new API id from 10 random bytes: AWS's shape, 36^10 ≈ 3.7e15 ids per user. */
export function apiIdFrom(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  if (bytes.length < 10) throw new Error('apiIdFrom needs 10 random bytes');
  return Array.from(bytes.subarray(0, 10), (b) => alphabet[b % 36]).join('');
}
