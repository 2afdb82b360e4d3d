/**
 * API Gateway v2's integrations and authorizers over an HTTP API's (app/http-apis.ts,
 * core/http-api/parts.ts): Lambda proxy integrations to the caller's functions, JWT
 * authorizers and Lambda (REQUEST, payload 2.0) authorizers of the caller's functions. UpdateIntegration retargets the routes made from it at once, UpdateAuthorizer
 * changes how they check their callers at once.
 */
import {
  createHttpAuthorizer,
  createHttpIntegration,
  deleteHttpAuthorizer,
  deleteHttpIntegration,
  getHttpApi,
  getHttpAuthorizer,
  getHttpIntegration,
  updateHttpAuthorizer,
  updateHttpIntegration,
} from '../../app/index.ts';
import type { HttpApi, HttpAuthorizer, HttpAuthorizerInput, LambdaAuthorizer } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCaller } from '../service.ts';
import type { ApiGatewayV2Context } from './context.ts';
import {
  AUTHORIZER_REFUSED,
  authorizerShape,
  authorizerTypeOf,
  checkIdentitySource,
  checkIntegrationConstants,
  field,
  integrationInputOf,
  integrationShape,
  integrationTargetOf,
  invalid,
  jsonBody,
  LAMBDA_AUTHORIZER_ONLY,
  pageOf,
  payloadFormatOf,
  refuse,
  required,
} from './shapes.ts';

export function integrationOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const integrations = '/v2/apis/{apiId}/integrations';
  const one = `${integrations}/{integrationId}`;
  return [
    {
      name: 'CreateIntegration',
      method: 'POST',
      path: integrations,
      async run(call, params) {
        const body = jsonBody(call);
        required(body, 'integrationType');
        checkIntegrationConstants(body);
        const target = integrationInputOf(call.caller, required(body, 'integrationUri'));
        const payloadFormatVersion = payloadFormatOf(body);
        const i = await createHttpIntegration(ctx, userOf(call.caller), params.apiId as string, {
          ...target,
          ...(payloadFormatVersion ? { payloadFormatVersion } : {}),
        });
        return { status: 201, body: integrationShape(call.caller, i) };
      },
    },
    ...partReads(ctx, 'integrations', getHttpIntegration, deleteHttpIntegration, integrationShape),
    {
      name: 'UpdateIntegration',
      method: 'PATCH',
      path: one,
      async run(call, params) {
        const body = jsonBody(call);
        checkIntegrationConstants(body);
        const userId = userOf(call.caller);
        const [apiId, integrationId] = [params.apiId as string, params.integrationId as string];
        const before = await getHttpIntegration(ctx, userId, apiId, integrationId);
        const uri = field.string(body, 'integrationUri');
        const target = uri === undefined ? before : integrationInputOf(call.caller, uri);
        // Absent: it stays, as every field of an Update of API Gateway's.
        const payloadFormatVersion = payloadFormatOf(body) ?? before.payloadFormatVersion;
        const i = await updateHttpIntegration(ctx, userId, apiId, integrationId, { ...target, payloadFormatVersion });
        return { status: 200, body: integrationShape(call.caller, i) };
      },
    },
  ];
}

export function authorizerOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const authorizers = '/v2/apis/{apiId}/authorizers';
  const one = `${authorizers}/{authorizerId}`;
  return [
    {
      name: 'CreateAuthorizer',
      method: 'POST',
      path: authorizers,
      async run(call, params) {
        const body = jsonBody(call);
        const input = authorizerInputOf(call.caller, body, typeOf(required(body, 'authorizerType')), null);
        const a = await createHttpAuthorizer(ctx, userOf(call.caller), params.apiId as string, input);
        return { status: 201, body: authorizerShape(call.caller, a) };
      },
    },
    ...partReads(ctx, 'authorizers', getHttpAuthorizer, deleteHttpAuthorizer, authorizerShape),
    {
      name: 'UpdateAuthorizer',
      method: 'PATCH',
      path: one,
      async run(call, params) {
        const body = jsonBody(call);
        const userId = userOf(call.caller);
        const [apiId, authorizerId] = [params.apiId as string, params.authorizerId as string];
        const before = await getHttpAuthorizer(ctx, userId, apiId, authorizerId);
        const type = body.authorizerType === undefined ? authorizerTypeOf(before) : typeOf(required(body, 'authorizerType'));
        const input = authorizerInputOf(call.caller, body, type, before);
        const a = await updateHttpAuthorizer(ctx, userId, apiId, authorizerId, input);
        return { status: 200, body: authorizerShape(call.caller, a) };
      },
    },
  ];
}

function typeOf(type: string): 'JWT' | 'REQUEST' {
  if (type !== 'JWT' && type !== 'REQUEST') throw invalid(`authorizerType must be JWT or REQUEST, not '${type.slice(0, 40)}'`);
  return type;
}

/**
 * An authorizer's input from a Create or Update body; `before`: the authorizer updated (absent
 * fields stay, as in every Update of API Gateway's), null on Create. An update that changes its
 * type must say everything the new type needs but the name.
 */
function authorizerInputOf(
  caller: AwsCaller,
  body: Record<string, unknown>,
  type: 'JWT' | 'REQUEST',
  before: HttpAuthorizer | null,
): HttpAuthorizerInput {
  refuse(body, AUTHORIZER_REFUSED);
  const name = body.name === undefined && before ? before.name : required(body, 'name');
  if (type === 'JWT') {
    refuse(body, LAMBDA_AUTHORIZER_ONLY);
    checkIdentitySource(body);
    const had = before?.kind === 'lambda' ? null : before;
    const jwt = field.object(body, 'jwtConfiguration') ?? (had ? {} : undefined);
    if (!jwt) throw invalid('jwtConfiguration is required for a JWT authorizer: { "issuer", "audience" }');
    return {
      name,
      issuer: jwt.issuer === undefined && had ? had.issuer : required(jwt, 'issuer'),
      audience: audienceOf(jwt) ?? had?.audience ?? [],
      jwksUrl: had?.jwksUrl ?? null,
    };
  }
  if (field.object(body, 'jwtConfiguration')) throw invalid('jwtConfiguration is a JWT authorizer setting, not a REQUEST one');
  const had = before?.kind === 'lambda' ? before : null;
  const version = field.string(body, 'authorizerPayloadFormatVersion') ?? (had ? (had.payloadFormatVersion ?? '2.0') : undefined);
  if (version === undefined) throw invalid('authorizerPayloadFormatVersion is required for a REQUEST authorizer: 1.0 or 2.0');
  if (version !== '1.0' && version !== '2.0')
    throw invalid(`authorizerPayloadFormatVersion ${version.slice(0, 40)} is not supported: 1.0 or 2.0`);
  const uri = field.string(body, 'authorizerUri');
  if (uri === undefined && !had) throw invalid("authorizerUri is required for a REQUEST authorizer: the function's invocation URI or ARN");
  const target = uri === undefined ? (had as LambdaAuthorizer) : integrationTargetOf(caller, uri, 'authorizerUri');
  const sources = field.list(body, 'identitySource');
  if (sources !== undefined && !sources.every((s) => typeof s === 'string')) throw invalid('identitySource must be a list of strings');
  const ttl = field.integer(body, 'authorizerResultTtlInSeconds');
  const simple = field.boolean(body, 'enableSimpleResponses');
  return {
    kind: 'lambda',
    name,
    functionName: target.functionName,
    qualifier: target.qualifier,
    identitySource: (sources as string[] | undefined) ?? had?.identitySource ?? [],
    simpleResponses: simple ?? had?.simpleResponses ?? false,
    resultTtlS: ttl ?? had?.resultTtlS ?? 0,
    payloadFormatVersion: version,
  };
}

/** jwtConfiguration.audience: a list of strings; undefined when not given. */
function audienceOf(jwt: Record<string, unknown>): string[] | undefined {
  const audience = field.list(jwt, 'audience');
  if (audience === undefined) return undefined;
  if (!audience.every((a) => typeof a === 'string')) throw invalid('jwtConfiguration.audience must be a list of strings');
  return audience as string[];
}

/** The kinds of an API's parts read and deleted alike. */
type PartKind = 'integrations' | 'authorizers' | 'deployments';
type Part<K extends PartKind> = HttpApi[K][number];

/**
 * Get{Part}s, Get{Part} and Delete{Part} of one kind of an API's parts (its integrations,
 * authorizers, deployments), at `/v2/apis/{apiId}/{kind}` and `.../{partId}`: a page of them as
 * `shape` answers each, one, and its delete (204). Another user's API is not found for each.
 */
export function partReads<K extends PartKind>(
  ctx: ApiGatewayV2Context,
  kind: K,
  get: (app: ApiGatewayV2Context, userId: string, apiId: string, id: string) => Promise<Part<K>>,
  remove: (app: ApiGatewayV2Context, userId: string, apiId: string, id: string) => Promise<void>,
  shape: (caller: AwsCaller, item: Part<K>) => Record<string, unknown>,
): RestOperation[] {
  const part = `${kind[0]?.toUpperCase()}${kind.slice(1, -1)}`;
  const idParam = `${kind.slice(0, -1)}Id`;
  const path = `/v2/apis/{apiId}/${kind}`;
  const one = `${path}/{${idParam}}`;
  return [
    {
      name: `Get${part}s`,
      method: 'GET',
      path,
      async run(call, params) {
        const api = await getHttpApi(ctx, userOf(call.caller), params.apiId as string);
        const page = pageOf(api[kind] as Part<K>[], call.query);
        return { status: 200, body: { ...page, items: page.items.map((x) => shape(call.caller, x)) } };
      },
    },
    {
      name: `Get${part}`,
      method: 'GET',
      path: one,
      async run(call, params) {
        const x = await get(ctx, userOf(call.caller), params.apiId as string, params[idParam] as string);
        return { status: 200, body: shape(call.caller, x) };
      },
    },
    {
      name: `Delete${part}`,
      method: 'DELETE',
      path: one,
      async run(call, params) {
        await remove(ctx, userOf(call.caller), params.apiId as string, params[idParam] as string);
        return { status: 204 };
      },
    },
  ];
}
