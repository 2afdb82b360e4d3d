/**
 * API Gateway v2 as Terraform's (and OpenTofu's, and Pulumi's) AWS provider drives it, replayed
 * with the real SDK client: for aws_apigatewayv2_api, _integration, _authorizer, _route, _stage
 * and _deployment, the calls the provider makes on apply (create, its waiters, the read after),
 * on plan (the read), on update and on destroy, with the request shapes it sends — its defaults
 * included (the route's `apiKeyRequired: false`, the integration's `passthroughBehavior:
 * WHEN_NO_MATCH` and `payloadFormatVersion: 1.0`, a route setting's `detailedMetricsEnabled:
 * false` and zero throttles, an emptied `description`) — and each answer holding what the provider's read takes from it; a
 * stage with auto_deploy = false serving the aws_apigatewayv2_deployment its deployment_id names. What Hangar
 * cannot honour that the provider sends by default is refused naming the Terraform setting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteAuthorizerCommand,
  DeleteCorsConfigurationCommand,
  DeleteDeploymentCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  DeleteRouteSettingsCommand,
  DeleteStageCommand,
  GetApiCommand,
  GetAuthorizerCommand,
  GetDeploymentCommand,
  GetIntegrationCommand,
  GetRouteCommand,
  GetStageCommand,
  ReimportApiCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApiCommand,
  UpdateAuthorizerCommand,
  UpdateDeploymentCommand,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { accountIdOf } from '../../src/aws/index.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy } from '../helpers/sfn.ts';

let p: TestPlatform;
let alice: ApiGatewayV2Client;

const fn = (name: string) => `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:${name}`;
const apiArn = (apiId: string) => `arn:aws:apigateway:${REGION}::/apis/${apiId}`;

/** A refusal's status, error name and message. */
async function refused(command: object): Promise<[number, string, string]> {
  const { status, name, message } = await refusedBy(alice.send(command as never));
  return [status, name, message];
}

/** What the provider's delete and its read after a destroy see: NotFoundException, which it
 *  takes as gone. */
async function gone(command: object): Promise<void> {
  assert.deepEqual((await refused(command)).slice(0, 2), [404, 'NotFoundException']);
}

/** The request aws_apigatewayv2_api's create sends for `name`: its defaults included. */
const createApi = (Name: string, over: Record<string, unknown> = {}) =>
  new CreateApiCommand({
    Name,
    ProtocolType: 'HTTP',
    ApiKeySelectionExpression: '$request.header.x-api-key',
    RouteSelectionExpression: '$request.method $request.path',
    ...over,
  });

/** aws_apigatewayv2_integration's create for a Lambda proxy, as the provider sends it without
 *  payload_format_version: its default, 1.0. */
const createIntegration = (ApiId: string, over: Record<string, unknown> = {}) =>
  new CreateIntegrationCommand({
    ApiId,
    IntegrationType: 'AWS_PROXY',
    ConnectionType: 'INTERNET',
    IntegrationMethod: 'POST',
    IntegrationUri: fn('tf-a'),
    PassthroughBehavior: 'WHEN_NO_MATCH',
    PayloadFormatVersion: '1.0',
    ...over,
  });

before(async () => {
  p = await testPlatform();
  const aliceKey = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  alice = new ApiGatewayV2Client({
    endpoint: p.url!,
    region: REGION,
    credentials: { accessKeyId: aliceKey.keyId, secretAccessKey: aliceKey.key },
    maxAttempts: 1,
  });
  const lambda = lambdaClient(p.url!, aliceKey);
  await createNodeFunction(lambda, 'tf-a');
  await createNodeFunction(lambda, 'tf-b');
  lambda.destroy();
});
after(async () => {
  alice?.destroy();
  await p?.close();
});

describe('API Gateway v2 as the Terraform AWS provider drives it', () => {
  it('aws_apigatewayv2_api: create and read, update (CORS, name, an OpenAPI body and the UpdateApi after it, tags), destroy', async () => {
    // apply: CreateApi with the provider's defaults and its tags, then the read (GetApi).
    const made = await alice.send(createApi('tf-api', { Tags: { env: 'test' } }));
    const ApiId = made.ApiId!;
    const read = await alice.send(new GetApiCommand({ ApiId }));
    assert.deepEqual(
      {
        endpoint: read.ApiEndpoint,
        keys: read.ApiKeySelectionExpression,
        routes: read.RouteSelectionExpression,
        disabled: read.DisableExecuteApiEndpoint,
        ip: read.IpAddressType,
        name: read.Name,
        protocol: read.ProtocolType,
        cors: read.CorsConfiguration,
        description: read.Description,
        version: read.Version,
        tags: read.Tags,
      },
      {
        endpoint: `${p.url}/http/${ApiId}`,
        keys: '$request.header.x-api-key',
        routes: '$request.method $request.path',
        disabled: false,
        ip: 'ipv4',
        name: 'tf-api',
        protocol: 'HTTP',
        cors: undefined,
        description: undefined,
        version: undefined,
        tags: { env: 'test' },
      },
    );

    // update: a cors_configuration block and a new name (only what changed is sent)...
    await alice.send(new UpdateApiCommand({ ApiId, Name: 'tf-api-2', CorsConfiguration: { AllowOrigins: ['https://app.example.com'] } }));
    const updated = await alice.send(new GetApiCommand({ ApiId }));
    assert.deepEqual([updated.Name, updated.CorsConfiguration?.AllowOrigins], ['tf-api-2', ['https://app.example.com']]);
    // ...the block removed: DeleteCorsConfiguration; a description and version emptied: "".
    await alice.send(new DeleteCorsConfigurationCommand({ ApiId }));
    await alice.send(new UpdateApiCommand({ ApiId, Description: '', Version: '', DisableExecuteApiEndpoint: false }));
    assert.equal((await alice.send(new GetApiCommand({ ApiId }))).CorsConfiguration, undefined);

    // `body`: ReimportApi, then the UpdateApi the provider always sends after it.
    const body = JSON.stringify({
      openapi: '3.0.1',
      info: { title: 'tf-api-2', version: '1' },
      paths: {
        '/items': {
          get: {
            'x-amazon-apigateway-integration': {
              type: 'aws_proxy',
              httpMethod: 'POST',
              uri: fn('tf-a'),
              payloadFormatVersion: '2.0',
              connectionType: 'INTERNET',
            },
          },
        },
      },
    });
    await alice.send(new ReimportApiCommand({ ApiId, Body: body, FailOnWarnings: false }));
    await alice.send(new UpdateApiCommand({ ApiId, Name: 'tf-api-2', Description: '', Version: '' }));
    assert.equal((await alice.send(new GetApiCommand({ ApiId }))).Name, 'tf-api-2');

    // tags: TagResource and UntagResource of the API's ARN; the read takes them from GetApi.
    await alice.send(new TagResourceCommand({ ResourceArn: apiArn(ApiId), Tags: { team: 'core' } }));
    await alice.send(new UntagResourceCommand({ ResourceArn: apiArn(ApiId), TagKeys: ['env'] }));
    assert.deepEqual((await alice.send(new GetApiCommand({ ApiId }))).Tags, { team: 'core' });

    // what the provider sends for what Hangar has not: refused, naming it.
    const [status, name, message] = await refused(createApi('x', { IpAddressType: 'dualstack' }));
    assert.deepEqual([status, name], [400, 'BadRequestException']);
    assert.match(message, /ipAddressType/);

    // destroy: DeleteApi; a second one (or a plan's read after it) is NotFoundException.
    await alice.send(new DeleteApiCommand({ ApiId }));
    await gone(new DeleteApiCommand({ ApiId }));
    await gone(new GetApiCommand({ ApiId }));
  });

  it('aws_apigatewayv2_integration, _authorizer and _route: create and read, update, destroy', async () => {
    const { ApiId } = await alice.send(createApi('tf-parts'));

    // integration: the provider's defaults (WHEN_NO_MATCH, INTERNET, payload_format_version 1.0) are taken...
    const { IntegrationId } = await alice.send(createIntegration(ApiId!));
    const integration = await alice.send(new GetIntegrationCommand({ ApiId, IntegrationId }));
    assert.deepEqual(
      {
        type: integration.IntegrationType,
        uri: integration.IntegrationUri,
        method: integration.IntegrationMethod,
        connection: integration.ConnectionType,
        payload: integration.PayloadFormatVersion,
        timeout: integration.TimeoutInMillis,
        passthrough: integration.PassthroughBehavior,
        parameters: integration.RequestParameters,
        templates: integration.RequestTemplates,
        tls: integration.TlsConfig,
        description: integration.Description,
      },
      {
        type: 'AWS_PROXY',
        uri: fn('tf-a'),
        method: 'POST',
        connection: 'INTERNET',
        payload: '1.0',
        timeout: 30_000,
        passthrough: undefined,
        parameters: undefined,
        templates: undefined,
        tls: undefined,
        description: undefined,
      },
    );
    // ...and payload_format_version = "2.0" where it is configured. integration_uri is usually
    // the function's invoke_arn, its invocation URI: answered as given (its ARN instead would be
    // a change on every plan), an update that leaves it out included.
    const invokeArn = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fn('tf-a')}/invocations`;
    const v2 = await alice.send(createIntegration(ApiId!, { PayloadFormatVersion: '2.0', IntegrationUri: invokeArn }));
    assert.equal(v2.IntegrationUri, invokeArn);
    const readV2 = await alice.send(new GetIntegrationCommand({ ApiId, IntegrationId: v2.IntegrationId }));
    assert.deepEqual([readV2.PayloadFormatVersion, readV2.IntegrationUri], ['2.0', invokeArn]);
    await alice.send(
      new UpdateIntegrationCommand({ ApiId, IntegrationId: v2.IntegrationId, IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '1.0' }),
    );
    assert.equal((await alice.send(new GetIntegrationCommand({ ApiId, IntegrationId: v2.IntegrationId }))).IntegrationUri, invokeArn);
    await alice.send(new DeleteIntegrationCommand({ ApiId, IntegrationId: v2.IntegrationId }));
    // update: integrationType always, and what changed (the format the plan shows unchanged stays).
    await alice.send(new UpdateIntegrationCommand({ ApiId, IntegrationId, IntegrationType: 'AWS_PROXY', IntegrationUri: fn('tf-b') }));
    const updated = await alice.send(new GetIntegrationCommand({ ApiId, IntegrationId }));
    assert.deepEqual([updated.IntegrationUri, updated.PayloadFormatVersion], [fn('tf-b'), '1.0']);

    // authorizer (JWT): identity sources, issuer and audience.
    const { AuthorizerId } = await alice.send(
      new CreateAuthorizerCommand({
        ApiId,
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        Name: 'idp',
        JwtConfiguration: { Audience: ['shop'], Issuer: 'https://idp.example.com' },
      }),
    );
    const authorizer = await alice.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }));
    assert.deepEqual(
      [authorizer.AuthorizerType, authorizer.IdentitySource, authorizer.JwtConfiguration, authorizer.Name, authorizer.AuthorizerUri],
      ['JWT', ['$request.header.Authorization'], { Audience: ['shop'], Issuer: 'https://idp.example.com' }, 'idp', undefined],
    );
    await alice.send(
      new UpdateAuthorizerCommand({ ApiId, AuthorizerId, Name: 'idp-2', JwtConfiguration: { Audience: ['shop', 'admin'] } }),
    );
    const changed = await alice.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }));
    assert.deepEqual([changed.Name, changed.JwtConfiguration?.Audience], ['idp-2', ['shop', 'admin']]);

    // route: apiKeyRequired false and authorizationType NONE are always sent.
    const Target = `integrations/${IntegrationId}`;
    const { RouteId } = await alice.send(
      new CreateRouteCommand({ ApiId, ApiKeyRequired: false, AuthorizationType: 'NONE', RouteKey: 'GET /items', Target }),
    );
    const route = await alice.send(new GetRouteCommand({ ApiId, RouteId }));
    assert.deepEqual(
      [route.ApiKeyRequired, route.AuthorizationType, route.AuthorizerId, route.RouteKey, route.Target, route.AuthorizationScopes],
      [false, 'NONE', undefined, 'GET /items', Target, undefined],
    );
    // update: an authorizer_id sends the authorization type with it; removing it sends "".
    await alice.send(new UpdateRouteCommand({ ApiId, RouteId, AuthorizerId, AuthorizationType: 'JWT' }));
    const guarded = await alice.send(new GetRouteCommand({ ApiId, RouteId }));
    assert.deepEqual([guarded.AuthorizationType, guarded.AuthorizerId], ['JWT', AuthorizerId]);
    await alice.send(new UpdateRouteCommand({ ApiId, RouteId, AuthorizerId: '', AuthorizationType: 'NONE' }));
    const open = await alice.send(new GetRouteCommand({ ApiId, RouteId }));
    assert.deepEqual([open.AuthorizationType, open.AuthorizerId], ['NONE', undefined]);

    // destroy, routes first (they name the others); each second delete is NotFoundException.
    await alice.send(new DeleteRouteCommand({ ApiId, RouteId }));
    await gone(new DeleteRouteCommand({ ApiId, RouteId }));
    await alice.send(new DeleteAuthorizerCommand({ ApiId, AuthorizerId }));
    await gone(new DeleteAuthorizerCommand({ ApiId, AuthorizerId }));
    await alice.send(new DeleteIntegrationCommand({ ApiId, IntegrationId }));
    await gone(new DeleteIntegrationCommand({ ApiId, IntegrationId }));
    await alice.send(new DeleteApiCommand({ ApiId }));
  });

  it('aws_apigatewayv2_stage and _deployment: create and read, update, destroy ($default included)', async () => {
    const { ApiId } = await alice.send(createApi('tf-stages'));
    const { IntegrationId } = await alice.send(createIntegration(ApiId!));
    const Target = `integrations/${IntegrationId}`;
    await alice.send(new CreateRouteCommand({ ApiId, ApiKeyRequired: false, AuthorizationType: 'NONE', RouteKey: 'GET /items', Target }));
    await alice.send(new CreateRouteCommand({ ApiId, ApiKeyRequired: false, AuthorizationType: 'NONE', RouteKey: 'GET /other', Target }));

    // apply: GetApi (its protocol), CreateStage, then the read: GetStage and GetApi.
    await alice.send(new GetApiCommand({ ApiId }));
    await alice.send(
      new CreateStageCommand({
        ApiId,
        StageName: '$default',
        AutoDeploy: true,
        // A default_route_settings block: detailedMetricsEnabled and both limits always sent.
        DefaultRouteSettings: { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
        // A route_settings block with no limits given sends zeros (which throttle it, as on AWS).
        RouteSettings: {
          'GET /items': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 },
          'GET /other': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
        },
        StageVariables: { colour: 'blue', size: 'l' },
      }),
    );
    const stage = await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual(
      {
        logs: stage.AccessLogSettings,
        auto: stage.AutoDeploy,
        certificate: stage.ClientCertificateId,
        defaults: stage.DefaultRouteSettings,
        description: stage.Description,
        routes: stage.RouteSettings,
        variables: stage.StageVariables,
        tags: stage.Tags,
        managed: stage.ApiGatewayManaged,
      },
      {
        logs: undefined,
        auto: true,
        certificate: undefined,
        defaults: { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
        description: undefined,
        routes: {
          'GET /items': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 },
          'GET /other': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
        },
        variables: { colour: 'blue', size: 'l' },
        tags: {},
        managed: false,
      },
    );
    await alice.send(new GetApiCommand({ ApiId }));

    // update: a route_settings entry gone (DeleteRouteSettings, then the rest), a variable gone
    // ("") and one changed, a description emptied.
    await alice.send(new DeleteRouteSettingsCommand({ ApiId, StageName: '$default', RouteKey: 'GET /items' }));
    await alice.send(
      new UpdateStageCommand({
        ApiId,
        StageName: '$default',
        Description: '',
        RouteSettings: { 'GET /other': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 20, ThrottlingRateLimit: 5 } },
        StageVariables: { size: '', colour: 'red' },
      }),
    );
    const after = await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual(
      [after.RouteSettings, after.StageVariables],
      [{ 'GET /other': { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 20, ThrottlingRateLimit: 5 } }, { colour: 'red' }],
    );
    // access_log_settings Hangar has not: refused, naming it.
    const [, , logs] = await refused(
      new UpdateStageCommand({
        ApiId,
        StageName: '$default',
        AccessLogSettings: { DestinationArn: 'arn:aws:logs:x', Format: '$context.requestId' },
      }),
    );
    assert.match(logs, /accessLogSettings/);
    // a named stage: made with tags (a provider's default_tags too) and throttles of its own,
    // read, its variables merged, deleted.
    const limits = { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 7, ThrottlingRateLimit: 3 };
    await alice.send(
      new CreateStageCommand({
        ApiId,
        StageName: 'beta',
        AutoDeploy: true,
        DefaultRouteSettings: limits,
        RouteSettings: { 'GET /items': { ...limits, ThrottlingBurstLimit: 1 } },
        StageVariables: { v: '1' },
        Tags: { env: 'test' },
      }),
    );
    await alice.send(new UpdateStageCommand({ ApiId, StageName: 'beta', StageVariables: { w: '2' } }));
    const beta = await alice.send(new GetStageCommand({ ApiId, StageName: 'beta' }));
    assert.deepEqual(
      [beta.StageVariables, beta.DefaultRouteSettings, beta.RouteSettings, beta.Tags],
      [{ v: '1', w: '2' }, limits, { 'GET /items': { ...limits, ThrottlingBurstLimit: 1 } }, { env: 'test' }],
    );
    assert.deepEqual(
      (await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }))).DefaultRouteSettings,
      { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      "$default's are its own",
    );
    await alice.send(new DeleteStageCommand({ ApiId, StageName: 'beta' }));
    await gone(new DeleteStageCommand({ ApiId, StageName: 'beta' }));
    await gone(new GetStageCommand({ ApiId, StageName: 'beta' }));

    // deployment: created, waited for (GetDeployment until DEPLOYED), read, updated, deleted.
    const { DeploymentId } = await alice.send(new CreateDeploymentCommand({ ApiId, Description: 'v1' }));
    const deployment = await alice.send(new GetDeploymentCommand({ ApiId, DeploymentId }));
    assert.deepEqual([deployment.DeploymentStatus, deployment.AutoDeployed, deployment.Description], ['DEPLOYED', false, 'v1']);
    await alice.send(new UpdateDeploymentCommand({ ApiId, DeploymentId, Description: 'v2' }));
    assert.equal((await alice.send(new GetDeploymentCommand({ ApiId, DeploymentId }))).Description, 'v2');
    await alice.send(new DeleteDeploymentCommand({ ApiId, DeploymentId }));
    await gone(new DeleteDeploymentCommand({ ApiId, DeploymentId }));

    // destroy of $default: its settings go back to none (the API is served until it is deleted).
    await alice.send(new DeleteStageCommand({ ApiId, StageName: '$default' }));
    const reset = await alice.send(new GetStageCommand({ ApiId, StageName: '$default' }));
    assert.deepEqual([reset.DefaultRouteSettings, reset.RouteSettings, reset.StageVariables], [{ DetailedMetricsEnabled: false }, {}, {}]);
    await alice.send(new DeleteApiCommand({ ApiId }));
    await gone(new GetStageCommand({ ApiId, StageName: '$default' }));
  });
  it('aws_apigatewayv2_stage with auto_deploy = false, deployment_id and an aws_apigatewayv2_deployment with triggers', {
    skip: NO_SANDBOX,
  }, async () => {
    const made = await alice.send(createApi('tf-deployed'));
    const ApiId = made.ApiId!;
    const { IntegrationId } = await alice.send(createIntegration(ApiId, { PayloadFormatVersion: '2.0' }));
    const Target = `integrations/${IntegrationId}`;
    await alice.send(new CreateRouteCommand({ ApiId, ApiKeyRequired: false, AuthorizationType: 'NONE', RouteKey: 'GET /items', Target }));
    const status = async (path: string) => (await fetch(`${made.ApiEndpoint}${path}`)).status;

    // apply: the deployment first (CreateDeployment without a stage, waited for until DEPLOYED,
    // read), then the stage naming it, auto_deploy sent as false, and its read.
    const v1 = (await alice.send(new CreateDeploymentCommand({ ApiId, Description: 'v1' }))).DeploymentId!;
    assert.equal((await alice.send(new GetDeploymentCommand({ ApiId, DeploymentId: v1 }))).DeploymentStatus, 'DEPLOYED');
    await alice.send(new CreateStageCommand({ ApiId, StageName: 'live', AutoDeploy: false, DeploymentId: v1, StageVariables: {} }));
    const stage = await alice.send(new GetStageCommand({ ApiId, StageName: 'live' }));
    assert.deepEqual([stage.AutoDeploy, stage.DeploymentId], [false, v1]);
    await alice.send(new GetApiCommand({ ApiId }));
    assert.equal(await status('/live/items'), 200);

    // A route added: not served on the stage until the triggers make a new deployment.
    await alice.send(new CreateRouteCommand({ ApiId, ApiKeyRequired: false, AuthorizationType: 'NONE', RouteKey: 'GET /more', Target }));
    assert.equal(await status('/live/more'), 404);
    // Replaced without create_before_destroy, the old deployment's delete comes first: refused,
    // as on AWS, while the stage serves it.
    const [code, name, message] = await refused(new DeleteDeploymentCommand({ ApiId, DeploymentId: v1 }));
    assert.deepEqual([code, name], [400, 'BadRequestException']);
    assert.match(message, /Active stages/);
    // create_before_destroy: the new deployment, the stage's deployment_id updated (UpdateStage
    // with only the change), its read, then the old deployment deleted.
    const v2 = (await alice.send(new CreateDeploymentCommand({ ApiId, Description: 'v2' }))).DeploymentId!;
    await alice.send(new GetDeploymentCommand({ ApiId, DeploymentId: v2 }));
    await alice.send(new UpdateStageCommand({ ApiId, StageName: 'live', DeploymentId: v2 }));
    assert.equal((await alice.send(new GetStageCommand({ ApiId, StageName: 'live' }))).DeploymentId, v2);
    await alice.send(new DeleteDeploymentCommand({ ApiId, DeploymentId: v1 }));
    await gone(new GetDeploymentCommand({ ApiId, DeploymentId: v1 }));
    assert.equal(await status('/live/more'), 200);

    // destroy: the stage, then the deployment (free once no stage serves it), then the API.
    await alice.send(new DeleteStageCommand({ ApiId, StageName: 'live' }));
    await alice.send(new DeleteDeploymentCommand({ ApiId, DeploymentId: v2 }));
    await alice.send(new DeleteApiCommand({ ApiId }));
  });
});
