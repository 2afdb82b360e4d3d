/**
 * API Gateway v2's integrations and authorizers over an HTTP API's (app/http-apis.ts,
 * core/http-api/parts.ts): Lambda proxy integrations to the caller's functions, JWT
 * authorizers. UpdateIntegration retargets the routes made from it at once, UpdateAuthorizer
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
import { userOf } from '../lambda/context.ts';
import type { RestOperation } from '../rest-router.ts';
import type { ApiGatewayV2Context } from './context.ts';
import {
  AUTHORIZER_REFUSED,
  authorizerShape,
  checkIdentitySource,
  checkIntegrationConstants,
  field,
  integrationShape,
  integrationTargetOf,
  invalid,
  jsonBody,
  pageOf,
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
        const target = integrationTargetOf(call.caller, required(body, 'integrationUri'));
        const i = await createHttpIntegration(ctx, userOf(call.caller), params.apiId as string, target);
        return { status: 201, body: integrationShape(call.caller, i) };
      },
    },
    {
      name: 'GetIntegrations',
      method: 'GET',
      path: integrations,
      async run(call, params) {
        const a = await getHttpApi(ctx, userOf(call.caller), params.apiId as string);
        const page = pageOf(a.integrations, call.query);
        return { status: 200, body: { ...page, items: page.items.map((i) => integrationShape(call.caller, i)) } };
      },
    },
    {
      name: 'GetIntegration',
      method: 'GET',
      path: one,
      async run(call, params) {
        const i = await getHttpIntegration(ctx, userOf(call.caller), params.apiId as string, params.integrationId as string);
        return { status: 200, body: integrationShape(call.caller, i) };
      },
    },
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
        const target = uri === undefined ? before : integrationTargetOf(call.caller, uri);
        const i = await updateHttpIntegration(ctx, userId, apiId, integrationId, target);
        return { status: 200, body: integrationShape(call.caller, i) };
      },
    },
    {
      name: 'DeleteIntegration',
      method: 'DELETE',
      path: one,
      async run(call, params) {
        await deleteHttpIntegration(ctx, userOf(call.caller), params.apiId as string, params.integrationId as string);
        return { status: 204 };
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
        const type = required(body, 'authorizerType');
        if (type !== 'JWT') throw invalid(`authorizerType ${type.slice(0, 40)} is not supported by Hangar: JWT authorizers only`);
        refuse(body, AUTHORIZER_REFUSED);
        checkIdentitySource(body);
        const jwt = field.object(body, 'jwtConfiguration');
        if (!jwt) throw invalid('jwtConfiguration is required for a JWT authorizer: { "issuer", "audience" }');
        const a = await createHttpAuthorizer(ctx, userOf(call.caller), params.apiId as string, {
          name: required(body, 'name'),
          issuer: required(jwt, 'issuer'),
          audience: audienceOf(jwt) ?? [],
        });
        return { status: 201, body: authorizerShape(a) };
      },
    },
    {
      name: 'GetAuthorizers',
      method: 'GET',
      path: authorizers,
      async run(call, params) {
        const a = await getHttpApi(ctx, userOf(call.caller), params.apiId as string);
        const page = pageOf(a.authorizers, call.query);
        return { status: 200, body: { ...page, items: page.items.map(authorizerShape) } };
      },
    },
    {
      name: 'GetAuthorizer',
      method: 'GET',
      path: one,
      async run(call, params) {
        const a = await getHttpAuthorizer(ctx, userOf(call.caller), params.apiId as string, params.authorizerId as string);
        return { status: 200, body: authorizerShape(a) };
      },
    },
    {
      name: 'UpdateAuthorizer',
      method: 'PATCH',
      path: one,
      async run(call, params) {
        const body = jsonBody(call);
        const type = field.string(body, 'authorizerType');
        if (type !== undefined && type !== 'JWT')
          throw invalid(`authorizerType ${type.slice(0, 40)} is not supported by Hangar: JWT authorizers only`);
        refuse(body, AUTHORIZER_REFUSED);
        checkIdentitySource(body);
        const userId = userOf(call.caller);
        const [apiId, authorizerId] = [params.apiId as string, params.authorizerId as string];
        const before = await getHttpAuthorizer(ctx, userId, apiId, authorizerId);
        // Absent fields stay, as in every Update of API Gateway's.
        const jwt = field.object(body, 'jwtConfiguration') ?? {};
        const a = await updateHttpAuthorizer(ctx, userId, apiId, authorizerId, {
          name: body.name === undefined ? before.name : required(body, 'name'),
          issuer: jwt.issuer === undefined ? before.issuer : required(jwt, 'issuer'),
          audience: audienceOf(jwt) ?? before.audience,
          jwksUrl: before.jwksUrl,
        });
        return { status: 200, body: authorizerShape(a) };
      },
    },
    {
      name: 'DeleteAuthorizer',
      method: 'DELETE',
      path: one,
      async run(call, params) {
        await deleteHttpAuthorizer(ctx, userOf(call.caller), params.apiId as string, params.authorizerId as string);
        return { status: 204 };
      },
    },
  ];
}

/** jwtConfiguration.audience: a list of strings; undefined when not given. */
function audienceOf(jwt: Record<string, unknown>): string[] | undefined {
  const audience = field.list(jwt, 'audience');
  if (audience === undefined) return undefined;
  if (!audience.every((a) => typeof a === 'string')) throw invalid('jwtConfiguration.audience must be a list of strings');
  return audience as string[];
}
