/**
 * API Gateway v2's deployments and ExportApi over an HTTP API's (app/http-apis.ts,
 * app/http-api-export.ts). CreateDeployment keeps a snapshot of the API as it is (DEPLOYED at
 * once; UpdateDeployment changes its description); with stageName, that stage serves it if it
 * does not auto-deploy, and reports it either way. ExportApi writes the API as it is now or, with
 * the stageName of a stage that does not auto-deploy, as that stage's deployment holds it.
 */
import {
  createHttpDeployment,
  deleteHttpDeployment,
  exportHttpApi,
  getHttpApi,
  getHttpDeployment,
  httpApiAddress,
  updateHttpDeployment,
} from '../../app/index.ts';
import { stringify as toYaml } from 'yaml';
import { userOf } from '../lambda/context.ts';
import { apiBase } from '../lambda/functions.ts';
import type { RestOperation } from '../rest-router.ts';
import type { ApiGatewayV2Context } from './context.ts';
import { partReads } from './parts.ts';
import { deploymentShape, field, invalid, jsonBody, lambdaInvocationUri, stageThere } from './shapes.ts';

export function deploymentOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const deployments = '/v2/apis/{apiId}/deployments';
  return [
    {
      name: 'CreateDeployment',
      method: 'POST',
      path: deployments,
      async run(call, params) {
        const body = jsonBody(call);
        const apiId = params.apiId as string;
        const stageName = field.string(body, 'stageName');
        const userId = userOf(call.caller);
        // With a stage's name, that stage serves it (or, auto-deploying, reports it).
        if (stageName !== undefined) stageThere(await getHttpApi(ctx, userId, apiId), stageName);
        const d = await createHttpDeployment(ctx, userId, apiId, { description: body.description, stage: stageName ?? null });
        return { status: 201, body: deploymentShape(d) };
      },
    },
    ...partReads(ctx, 'deployments', getHttpDeployment, deleteHttpDeployment, (_, d) => deploymentShape(d)),
    {
      // Its description (what it serves never changes): absent, it stays.
      name: 'UpdateDeployment',
      method: 'PATCH',
      path: `${deployments}/{deploymentId}`,
      async run(call, params) {
        const body = jsonBody(call);
        const [userId, apiId, deploymentId] = [userOf(call.caller), params.apiId as string, params.deploymentId as string];
        const d =
          body.description === undefined || body.description === null
            ? await getHttpDeployment(ctx, userId, apiId, deploymentId)
            : await updateHttpDeployment(ctx, userId, apiId, deploymentId, body.description);
        return { status: 200, body: deploymentShape(d) };
      },
    },
  ];
}

const OUTPUT_TYPES = ['JSON', 'YAML'];

export function exportOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  return [
    {
      name: 'ExportApi',
      method: 'GET',
      path: '/v2/apis/{apiId}/exports/{specification}',
      async run(call, params) {
        const apiId = params.apiId as string;
        const userId = userOf(call.caller);
        const api = await getHttpApi(ctx, userId, apiId);
        const specification = params.specification as string;
        if (specification !== 'OAS30') throw invalid(`specification must be OAS30, not '${specification.slice(0, 40)}'`);
        const outputType = call.query.get('outputType');
        if (outputType === null || !OUTPUT_TYPES.includes(outputType)) throw invalid('outputType must be JSON or YAML');
        const version = call.query.get('exportVersion');
        if (version !== null && version !== '1.0') throw invalid(`exportVersion must be 1.0, not '${version.slice(0, 40)}'`);
        const extensions = call.query.get('includeExtensions');
        if (extensions !== null && extensions !== 'true' && extensions !== 'false')
          throw invalid('includeExtensions must be true or false');
        const stageName = call.query.get('stageName');
        if (stageName !== null) stageThere(api, stageName);
        const doc = await exportHttpApi(
          ctx,
          userId,
          apiId,
          {
            endpoint: httpApiAddress(apiBase(ctx, call), apiId),
            integrationUri: (name, qualifier) => lambdaInvocationUri(call.caller, name, qualifier),
            extensions: extensions !== 'false',
          },
          stageName,
        );
        const yaml = outputType === 'YAML';
        return {
          status: 200,
          body: Buffer.from(yaml ? toYaml(doc) : JSON.stringify(doc, null, 2)),
          headers: { 'content-type': yaml ? 'application/yaml' : 'application/json' },
        };
      },
    },
  ];
}
