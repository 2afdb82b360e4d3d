/**
 * The event an HTTP API sends a function under payload format 1.0: the REST API's shape, kept by
 * HTTP APIs for the handlers written for it (aws-serverless-express, serverless-http, …). The
 * same request and context as the 2.0 event (event.ts), differently laid out:
 *
 * - header names as the client sent them (1.0 does not lower-case them); `headers` holds each
 *   header's last value, `multiValueHeaders` all of them in order; the Cookie header stays a
 *   header (1.0 has no `cookies`);
 * - query parameters decoded, the last value of each in `queryStringParameters`, all of them in
 *   `multiValueQueryStringParameters`; both null when there is none, as are `pathParameters`,
 *   `stageVariables` and `body` with nothing to say (1.0 sends its fields, null, where 2.0 leaves
 *   them out);
 * - `resource` and `requestContext.resourcePath` the route key's path, `resourceId` the route key;
 * - `requestContext.identity` with the source address and user agent, and the fields of a REST
 *   API's IAM and Cognito callers null (an HTTP API has none);
 * - a JWT authorizer's claims and scopes directly under `requestContext.authorizer` (2.0 nests
 *   them under `jwt`): what real HTTP APIs send under 1.0, and the shape of AWS's example.
 */
import {
  bodyText,
  clfTime,
  decodePath,
  type EventContext,
  type GatewayRequest,
  isTextContentType,
  type RequestContextCommon,
} from './event.ts';
import { DEFAULT_ROUTE_KEY } from './route-key.ts';

export interface HttpApiEventV1 {
  version: '1.0';
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  requestContext: RequestContextCommon & {
    extendedRequestId: string;
    httpMethod: string;
    identity: Record<CallerField, null> & { sourceIp: string; userAgent: string };
    path: string;
    protocol: string;
    requestTime: string;
    requestTimeEpoch: number;
    resourceId: string;
    resourcePath: string;
  };
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  body: string | null;
  isBase64Encoded: boolean;
}

/** The REST API's fields of an IAM or Cognito caller: an HTTP API has none, so null in every
 *  1.0 event, as AWS sends them. */
const CALLER_FIELDS = [
  'accessKey',
  'accountId',
  'caller',
  'cognitoAuthenticationProvider',
  'cognitoAuthenticationType',
  'cognitoIdentityId',
  'cognitoIdentityPoolId',
  'principalOrgId',
  'user',
  'userArn',
] as const;
type CallerField = (typeof CALLER_FIELDS)[number];
const NO_CALLER = Object.freeze(Object.fromEntries(CALLER_FIELDS.map((f) => [f, null])) as Record<CallerField, null>);

export function buildEventV1(req: GatewayRequest, ctx: EventContext): HttpApiEventV1 {
  const multi = new Map<string, string[]>();
  let contentType: string | undefined;
  let userAgent = '';
  for (const [name, value] of req.headers) {
    appendValue(multi, name, value);
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = value;
    else if (lower === 'user-agent') userAgent = value;
  }
  const query = new Map<string, string[]>();
  if (req.rawQueryString !== '') for (const [name, value] of new URLSearchParams(req.rawQueryString)) appendValue(query, name, value);
  const hasBody = req.body !== null && req.body.length > 0;
  const binary = hasBody && !isTextContentType(contentType);
  const resource = ctx.routeKey === DEFAULT_ROUTE_KEY ? DEFAULT_ROUTE_KEY : ctx.routeKey.slice(ctx.routeKey.indexOf(' ') + 1);
  const path = decodePath(req.rawPath);
  const method = req.method.toUpperCase();
  // fromEntries defines own properties, so a header named __proto__ is only data.
  return {
    version: '1.0',
    resource,
    path,
    httpMethod: method,
    headers: lastValues(multi),
    multiValueHeaders: Object.fromEntries(multi),
    queryStringParameters: query.size > 0 ? lastValues(query) : null,
    multiValueQueryStringParameters: query.size > 0 ? Object.fromEntries(query) : null,
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      ...(ctx.authorizer ? { authorizer: authorizerV1(ctx.authorizer) } : {}),
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split('.')[0] as string,
      extendedRequestId: req.requestId,
      httpMethod: method,
      identity: { ...NO_CALLER, sourceIp: req.sourceIp, userAgent },
      path,
      protocol: req.protocol,
      requestId: req.requestId,
      requestTime: clfTime(req.timeEpoch),
      requestTimeEpoch: req.timeEpoch,
      resourceId: ctx.routeKey,
      resourcePath: resource,
      stage: ctx.stage,
    },
    pathParameters: ctx.pathParameters && Object.keys(ctx.pathParameters).length > 0 ? ctx.pathParameters : null,
    stageVariables: ctx.stageVariables && Object.keys(ctx.stageVariables).length > 0 ? ctx.stageVariables : null,
    body: hasBody ? bodyText(req.body as Uint8Array, binary) : null,
    isBase64Encoded: binary,
  };
}

/** A JWT authorizer's `{ jwt: { claims, scopes } }` (2.0's place) as 1.0 has it: `{ claims, scopes }`. */
function authorizerV1(authorizer: Record<string, unknown>): Record<string, unknown> {
  const jwt = authorizer.jwt;
  return typeof jwt === 'object' && jwt !== null && Object.keys(authorizer).length === 1 ? (jwt as Record<string, unknown>) : authorizer;
}

function appendValue(into: Map<string, string[]>, name: string, value: string): void {
  const values = into.get(name);
  if (values) values.push(value);
  else into.set(name, [value]);
}

function lastValues(multi: Map<string, string[]>): Record<string, string> {
  return Object.fromEntries(Array.from(multi, ([name, values]) => [name, values[values.length - 1] as string]));
}
