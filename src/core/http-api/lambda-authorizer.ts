/**
 * The pure half of an HTTP API's Lambda (REQUEST) authorizer, as API Gateway documents it
 * ("Working with AWS Lambda authorizers for HTTP APIs"): which identity sources a route needs (a
 * request missing one, or with one empty, is refused 401 before the function runs), the event
 * the authorizer function is given in its payload format — 2.0: the route's payload 2.0 event
 * with `type`, `routeArn` and the identity values as a list; 1.0: the route's payload 1.0 event
 * with `type`, `methodArn` and the identity values joined by commas in `identitySource` and
 * `authorizationToken`; both without a body —, and what its answer decides: `{isAuthorized,
 * context}` with simple responses (2.0 only), else an IAM policy whose statements allow or deny
 * `execute-api:Invoke` on the route's ARN (`*` and `?` wildcards; an explicit Deny wins; no match
 * is a deny). An answer of neither shape is the gateway's 500. The gateway
 * (app/http-lambda-authorizer.ts) runs the function and keeps answers for the TTL.
 */
import { wildcardMatches } from '../wildcard.ts';
import { ErrorCode, InvalidInput } from '../errors.ts';
import { checkFunctionName, parseQualifier } from '../function.ts';
import type { HttpApiEventV2 } from './event.ts';
import type { HttpApiEventV1 } from './event-v1.ts';
import { checkPayloadFormat } from './parts.ts';
import { type LambdaAuth, PayloadFormat } from './types.ts';

/** API Gateway's longest authorizer result TTL (1 hour). */
export const AUTHORIZER_TTL_MAX_S = 3600;
/** Identity sources one authorizer names at most (API Gateway documents none; a bound for the
 *  cache key). */
export const IDENTITY_SOURCES_MAX = 10;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);

const SOURCE = /^\$(request\.header|request\.querystring|context|stageVariables)\.([A-Za-z0-9._~!#$%&'*+^`|-]{1,128})$/;

/** `$context.x` variables an identity source can name: where each is in the event's requestContext. */
const CONTEXT_VARIABLES: Record<string, (c: HttpApiEventV2['requestContext']) => string> = {
  accountId: (c) => c.accountId,
  apiId: (c) => c.apiId,
  domainName: (c) => c.domainName,
  domainPrefix: (c) => c.domainPrefix,
  httpMethod: (c) => c.http.method,
  'identity.sourceIp': (c) => c.http.sourceIp,
  'identity.userAgent': (c) => c.http.userAgent,
  path: (c) => c.http.path,
  protocol: (c) => c.http.protocol,
  requestId: (c) => c.requestId,
  requestTime: (c) => c.time,
  requestTimeEpoch: (c) => String(c.timeEpoch),
  routeKey: (c) => c.routeKey,
  stage: (c) => c.stage,
};

/** A Lambda authorizer's settings, checked as API Gateway checks them. */
export function checkLambdaAuth(auth: LambdaAuth): LambdaAuth {
  checkFunctionName(auth.functionName);
  const qualifier = auth.qualifier ?? null;
  if (qualifier !== null) parseQualifier(qualifier);
  const sources = auth.identitySource ?? [];
  if (!Array.isArray(sources) || sources.length > IDENTITY_SOURCES_MAX)
    throw invalid(`a Lambda authorizer's identity sources are a list of at most ${IDENTITY_SOURCES_MAX}`);
  for (const s of sources) {
    const m = typeof s === 'string' ? SOURCE.exec(s) : null;
    if (!m)
      throw invalid(
        `identity source ${JSON.stringify(s).slice(0, 160)} must be $request.header.<name>, $request.querystring.<name>, $context.<variable> or $stageVariables.<name>`,
      );
    if (m[1] === 'context' && !Object.hasOwn(CONTEXT_VARIABLES, m[2] as string))
      throw invalid(
        `identity source ${s}: $context.${m[2]} is not a context variable Hangar has (${Object.keys(CONTEXT_VARIABLES).join(', ')})`,
      );
  }
  const ttl = auth.resultTtlS ?? 0;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > AUTHORIZER_TTL_MAX_S)
    throw invalid(`an authorizer's result TTL is a whole number of seconds from 0 to ${AUTHORIZER_TTL_MAX_S}`);
  // The identity is what a kept answer is kept for: without one, every caller would get it.
  if (ttl > 0 && sources.length === 0) throw invalid('an authorizer whose results are cached (TTL over 0) needs identity sources');
  if (typeof (auth.simpleResponses ?? false) !== 'boolean') throw invalid('simpleResponses is true or false');
  const format = checkPayloadFormat(auth.payloadFormatVersion);
  // A 1.0 authorizer answers an IAM policy only; API Gateway refuses the pair with these words.
  if (format === PayloadFormat.V1 && auth.simpleResponses)
    throw invalid('EnableSimpleResponses (simpleResponses) can only be set for AuthorizerPayloadFormatVersion "2.0".');
  return {
    kind: 'lambda',
    functionName: auth.functionName,
    qualifier,
    identitySource: [...sources],
    simpleResponses: auth.simpleResponses ?? false,
    resultTtlS: ttl,
    payloadFormatVersion: format,
  };
}

/** The values of `sources` in the request's event, in order; null when one is missing or empty
 *  (the request is refused 401 without running the authorizer). Header names are not case
 *  sensitive; a Cookie header is the event's cookies joined again. */
export function identityValues(sources: readonly string[], event: HttpApiEventV2): string[] | null {
  const values: string[] = [];
  for (const source of sources) {
    const m = SOURCE.exec(source);
    if (!m) return null;
    const name = m[2] as string;
    let value: string | undefined;
    switch (m[1]) {
      case 'request.header': {
        const lower = name.toLowerCase();
        value = lower === 'cookie' ? event.cookies?.join('; ') : Object.hasOwn(event.headers, lower) ? event.headers[lower] : undefined;
        break;
      }
      case 'request.querystring':
        value =
          event.queryStringParameters && Object.hasOwn(event.queryStringParameters, name) ? event.queryStringParameters[name] : undefined;
        break;
      case 'stageVariables':
        value = event.stageVariables && Object.hasOwn(event.stageVariables, name) ? event.stageVariables[name] : undefined;
        break;
      default:
        value = Object.hasOwn(CONTEXT_VARIABLES, name) ? CONTEXT_VARIABLES[name]?.(event.requestContext) : undefined;
    }
    if (value === undefined || value === '') return null;
    values.push(value);
  }
  return values;
}

/** Where an authorizer's kept answer for one identity is found: per API, per authorizer (`scope`). */
export const authorizerCacheKey = (apiId: string, scope: string, identity: readonly string[]): string =>
  JSON.stringify([apiId, scope, ...identity]);

/**
 * Until when an answer the authorizer just gave (at `now`, ms) is kept; null: not kept. Only
 * under a TTL, and only an answer that decides (an allow or a deny: API Gateway caches the
 * policy, whatever it says); one of neither shape runs the authorizer again next time. A kept
 * answer is used, never kept again: its time runs from when the authorizer gave it.
 */
export function answerKeptUntil(ttlS: number, decision: AuthorizerDecision, now: number): number | null {
  return ttlS > 0 && decision.kind !== 'invalid' ? now + ttlS * 1000 : null;
}

/** The ARN of the route a request is for: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}{path}`,
 *  the path without the stage's name. */
export function routeArnOf(at: { region: string; accountId: string; apiId: string; stage: string; method: string; path: string }): string {
  return `arn:aws:execute-api:${at.region}:${at.accountId}:${at.apiId}/${at.stage}/${at.method.toUpperCase()}${at.path}`;
}

export type LambdaAuthorizerEventV2 = Omit<HttpApiEventV2, 'body' | 'isBase64Encoded'> & {
  type: 'REQUEST';
  routeArn: string;
  identitySource: string[];
};

/** The authorizer's event: the route's payload 2.0 event (built once, event.ts) without its body,
 *  with what the authorizer is asked about. */
export function authorizerEventV2(event: HttpApiEventV2, routeArn: string, identity: string[]): LambdaAuthorizerEventV2 {
  const { body: _body, isBase64Encoded: _b64, version, ...rest } = event;
  return { version, type: 'REQUEST', routeArn, identitySource: identity, ...rest };
}

export type LambdaAuthorizerEventV1 = Omit<HttpApiEventV1, 'body' | 'isBase64Encoded'> & {
  type: 'REQUEST';
  methodArn: string;
  identitySource: string;
  authorizationToken: string;
};

/** A 1.0 authorizer's event: the route's payload 1.0 event (built once, event-v1.ts) without its
 *  body, with the route's ARN as `methodArn` and the identity values joined by commas, as
 *  `identitySource` and again as `authorizationToken` (AWS's example: `"user1,123"` in both). */
export function authorizerEventV1(event: HttpApiEventV1, methodArn: string, identity: string[]): LambdaAuthorizerEventV1 {
  const { body: _body, isBase64Encoded: _b64, version, ...rest } = event;
  const joined = identity.join(',');
  return { version, type: 'REQUEST', methodArn, identitySource: joined, authorizationToken: joined, ...rest };
}

/** What an authorizer's answer decides for one route. `invalid`: neither shape (the gateway's
 *  500). An allow's `context` is null when the answer has none (AWS then sends the route's
 *  function `"lambda": null`). */
export type AuthorizerDecision =
  | { kind: 'allow'; context: Record<string, unknown> | null }
  | { kind: 'deny' }
  | { kind: 'invalid'; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The decision of `answer` (the function's parsed payload) for the route `routeArn`. */
export function decideAuthorizerAnswer(answer: unknown, simpleResponses: boolean, routeArn: string): AuthorizerDecision {
  if (!isObject(answer)) return { kind: 'invalid', reason: 'the answer is not a JSON object' };
  const context = answer.context ?? null;
  if (context !== null && !isObject(context)) return { kind: 'invalid', reason: 'context is not an object' };
  if (simpleResponses) {
    if (typeof answer.isAuthorized !== 'boolean') return { kind: 'invalid', reason: 'isAuthorized is not true or false' };
    return answer.isAuthorized ? { kind: 'allow', context } : { kind: 'deny' };
  }
  const policy = answer.policyDocument;
  if (!isObject(policy)) return { kind: 'invalid', reason: 'policyDocument is not an object' };
  const statements = Array.isArray(policy.Statement) ? policy.Statement : isObject(policy.Statement) ? [policy.Statement] : null;
  if (!statements) return { kind: 'invalid', reason: 'policyDocument.Statement is not a list' };
  let allowed = false;
  for (const st of statements) {
    if (!isObject(st) || (st.Effect !== 'Allow' && st.Effect !== 'Deny'))
      return { kind: 'invalid', reason: 'a statement has no Effect Allow or Deny' };
    const actions = listOf(st.Action);
    const resources = listOf(st.Resource);
    if (!actions || !resources) return { kind: 'invalid', reason: 'a statement has no Action or Resource' };
    const applies =
      actions.some((a) => wildcardMatches(a.toLowerCase(), 'execute-api:invoke')) && resources.some((r) => wildcardMatches(r, routeArn));
    if (!applies) continue;
    if (st.Effect === 'Deny') return { kind: 'deny' };
    allowed = true;
  }
  return allowed ? { kind: 'allow', context } : { kind: 'deny' };
}

function listOf(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? v : null;
}
