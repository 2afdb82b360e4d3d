/**
 * The API Gateway v2 adapter: API Gateway's management API for HTTP APIs (restJson1, the AWS
 * SDK's ApiGatewayV2Client) over Hangar's HTTP APIs (app/http-apis.ts), which the gateway
 * serves (docs/http-routes.md). Signed for the service `apigateway`; its operations live under
 * `/v2/`, which no native route uses. Errors are API Gateway's: BadRequestException for what is
 * not valid or not modelled, NotFoundException, ConflictException.
 */
import { ErrorCode } from '../../core/index.ts';
import { RestRouter } from '../rest-router.ts';
import { type AwsService, Protocol } from '../service.ts';
import { apiOperations } from './apis.ts';
import type { ApiGatewayV2Context } from './context.ts';
import { deploymentOperations, exportOperations } from './deployments.ts';
import { domainNameOperations } from './domain-names.ts';
import { authorizerOperations, integrationOperations } from './parts.ts';
import { routeOperations } from './routes.ts';
import { tagOperations } from './tags.ts';

export type { ApiGatewayV2Context } from './context.ts';

const notFound = (resourceType: string) => ({ type: 'NotFoundException', status: 404, fields: { resourceType } });

export function apiGatewayV2Service(ctx: ApiGatewayV2Context): AwsService {
  const router = new RestRouter([
    ...apiOperations(ctx),
    ...routeOperations(ctx),
    ...integrationOperations(ctx),
    ...authorizerOperations(ctx),
    ...deploymentOperations(ctx),
    ...exportOperations(ctx),
    ...tagOperations(ctx),
    ...domainNameOperations(ctx),
  ]);
  return {
    signingName: 'apigateway',
    protocol: Protocol.RestJson1,
    pathPrefixes: ['/v2/'],
    domainErrors: {
      invalid: { type: 'BadRequestException', status: 400 },
      'not-found': { type: 'NotFoundException', status: 404 },
      conflict: { type: 'ConflictException', status: 409 },
      forbidden: { type: 'AccessDeniedException', status: 403 },
      throttled: { type: 'TooManyRequestsException', status: 429 },
    },
    errorCodes: {
      [ErrorCode.HttpApiNotFound]: notFound('Api'),
      [ErrorCode.HttpRouteNotFound]: notFound('Route'),
      [ErrorCode.HttpIntegrationNotFound]: notFound('Integration'),
      [ErrorCode.HttpAuthorizerNotFound]: notFound('Authorizer'),
      [ErrorCode.HttpDeploymentNotFound]: notFound('Deployment'),
      [ErrorCode.HttpStageNotFound]: notFound('Stage'),
      [ErrorCode.HttpDomainNameNotFound]: notFound('DomainName'),
      [ErrorCode.HttpApiMappingNotFound]: notFound('ApiMapping'),
      // A function an integration names that is not there: the request is bad, as API Gateway
      // answers an integrationUri it cannot use.
      [ErrorCode.FunctionNotFound]: { type: 'BadRequestException', status: 400 },
      // DeleteApi while a custom domain's mapping names the API: API Gateway's 400 (a 409 natively).
      [ErrorCode.HttpApiMapped]: { type: 'BadRequestException', status: 400 },
    },
    handle: (call) => router.handle(call),
  };
}
