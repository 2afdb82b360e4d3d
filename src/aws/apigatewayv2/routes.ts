/**
 * API Gateway v2's routes over Hangar's routes (app/http-apis.ts). A route is named by a routeId
 * made from its key (shapes.ts routeIdOf); its target is one of the API's integrations and its
 * auth NONE, one of the API's JWT authorizers (JWT) or one of its Lambda authorizers (CUSTOM). A route's key does not change (Hangar names
 * routes by key), and a route needs a target (the gateway has nothing to send it to otherwise).
 */
import { createHttpRoute, deleteHttpRoute, getHttpApi, getHttpAuthorizer, listHttpRoutes, updateHttpRoute } from '../../app/index.ts';
import { ErrorCode, type HttpRoute, type HttpRouteInput, NotFound } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { ApiGatewayV2Context } from './context.ts';
import {
  authorizerTypeOf,
  field,
  integrationIdOf,
  invalid,
  jsonBody,
  pageOf,
  refuse,
  required,
  ROUTE_REFUSED,
  routeIdOf,
  routeShape,
} from './shapes.ts';

/** authorizationType and authorizerId as a route's authorizer (undefined: not changed); the
 *  type must be the authorizer's (JWT for a JWT one, CUSTOM for a Lambda one), as API Gateway's. */
async function authOf(
  call: AwsCall,
  ctx: ApiGatewayV2Context,
  apiId: string,
  body: Record<string, unknown>,
  had: HttpRoute | null,
): Promise<Pick<HttpRouteInput, 'auth' | 'authorizerId'>> {
  const type = field.string(body, 'authorizationType');
  const authorizerId = field.string(body, 'authorizerId');
  switch (type) {
    case undefined:
      if (authorizerId === undefined) return {};
      // Another authorizer for a route that has one; otherwise the type must say JWT or CUSTOM.
      if (had?.authorizerId) return { authorizerId };
      throw invalid('authorizerId needs authorizationType JWT or CUSTOM');
    case 'NONE':
      if (authorizerId) throw invalid('authorizationType NONE takes no authorizerId');
      return { auth: { kind: 'none' }, authorizerId: null };
    case 'JWT':
    case 'CUSTOM': {
      const id = authorizerId ?? had?.authorizerId;
      const wants = type === 'JWT' ? 'JWT' : 'REQUEST';
      if (!id) throw invalid(`authorizationType ${type} needs the authorizerId of a ${wants} authorizer of the API`);
      const authorizer = await getHttpAuthorizer(ctx, userOf(call.caller), apiId, id);
      if (authorizerTypeOf(authorizer) !== wants)
        throw invalid(`authorizationType ${type} needs a ${wants} authorizer; ${id} is a ${authorizerTypeOf(authorizer)} one`);
      return { authorizerId: id };
    }
    case 'AWS_IAM':
      throw invalid(`authorizationType ${type} is not supported by Hangar: NONE, JWT or CUSTOM`);
    default:
      throw invalid(`authorizationType must be NONE, JWT or CUSTOM, not '${type.slice(0, 40)}'`);
  }
}

export function routeOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const routes = '/v2/apis/{apiId}/routes';
  /** The route a routeId names in the caller's API; NotFound for another user's API. */
  const routeOf = async (call: AwsCall, apiId: string, routeId: string): Promise<HttpRoute> => {
    const found = (await listHttpRoutes(ctx, userOf(call.caller), apiId)).find((r) => routeIdOf(apiId, r.routeKey) === routeId);
    if (!found) throw new NotFound(ErrorCode.HttpRouteNotFound, `HTTP API ${apiId} has no route ${routeId.slice(0, 64)}`);
    return found;
  };
  return [
    {
      name: 'CreateRoute',
      method: 'POST',
      path: routes,
      async run(call, params) {
        const body = jsonBody(call);
        refuse(body, ROUTE_REFUSED);
        const target = field.string(body, 'target');
        if (target === undefined)
          throw invalid('target is required on Hangar: integrations/{integrationId} (a route without one has nothing to serve)');
        const { auth, authorizerId } = await authOf(call, ctx, params.apiId as string, body, null);
        const route = await createHttpRoute(ctx, userOf(call.caller), params.apiId as string, {
          routeKey: required(body, 'routeKey'),
          integrationId: integrationIdOf(target),
          ...(authorizerId ? { authorizerId } : { auth }),
        });
        return { status: 201, body: routeShape(route) };
      },
    },
    {
      name: 'GetRoutes',
      method: 'GET',
      path: routes,
      async run(call, params) {
        const page = pageOf(await listHttpRoutes(ctx, userOf(call.caller), params.apiId as string), call.query);
        return { status: 200, body: { ...page, items: page.items.map(routeShape) } };
      },
    },
    {
      name: 'GetRoute',
      method: 'GET',
      path: `${routes}/{routeId}`,
      async run(call, params) {
        return { status: 200, body: routeShape(await routeOf(call, params.apiId as string, params.routeId as string)) };
      },
    },
    {
      name: 'UpdateRoute',
      method: 'PATCH',
      path: `${routes}/{routeId}`,
      async run(call, params) {
        const body = jsonBody(call);
        const apiId = params.apiId as string;
        const before = await routeOf(call, apiId, params.routeId as string);
        refuse(body, ROUTE_REFUSED);
        const routeKey = field.string(body, 'routeKey');
        if (routeKey !== undefined && routeKey !== before.routeKey)
          throw invalid("a route's key does not change on Hangar: delete the route and create one with the new key");
        const target = field.string(body, 'target');
        if (target === '') throw invalid('a route keeps a target on Hangar: give another integrations/{integrationId}');
        const patch: Partial<Omit<HttpRouteInput, 'routeKey'>> = {
          ...(target !== undefined ? { integrationId: integrationIdOf(target) } : {}),
          ...(await authOf(call, ctx, apiId, body, before)),
        };
        const route = await updateHttpRoute(ctx, userOf(call.caller), apiId, before.routeKey, patch);
        return { status: 200, body: routeShape(route) };
      },
    },
    {
      name: 'DeleteRoute',
      method: 'DELETE',
      path: `${routes}/{routeId}`,
      async run(call, params) {
        const apiId = params.apiId as string;
        await getHttpApi(ctx, userOf(call.caller), apiId);
        const route = await routeOf(call, apiId, params.routeId as string);
        await deleteHttpRoute(ctx, userOf(call.caller), apiId, route.routeKey);
        return { status: 204 };
      },
    },
  ];
}
