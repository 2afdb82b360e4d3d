/**
 * Lambda's function URL operations (API version 2021-10-31): create, read, update, delete and
 * list a function's URL configurations, over the use cases of src/app/function-access.ts.
 * FunctionUrl is Hangar's address for the URL (functionUrlOf), which serves it as Lambda would.
 */
import {
  createFunctionUrl,
  deleteFunctionUrl,
  functionUrlAddress,
  getFunctionUrl,
  listFunctionUrls,
  updateFunctionUrl,
} from '../../app/index.ts';
import { ErrorCode, type FunctionUrlConfig, type FunctionUrlInput } from '../../core/index.ts';
import { corsFromAws, corsToAws } from '../cors.ts';
import { functionArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { apiBase, userOf } from './functions.ts';
import { targetOf } from './policy.ts';
import { field, jsonBody, pageOfList } from './shapes.ts';

/** Hangar's address of a function URL (app functionUrlAddress), on the API's address as this call reached it. */
export const functionUrlOf = (ctx: LambdaContext, call: AwsCall, urlId: string): string =>
  functionUrlAddress(apiBase(ctx, call), urlId, call.caller.region, ctx.config.functionUrlDomain);

const iso = (ms: number) => new Date(ms).toISOString();

function urlConfiguration(ctx: LambdaContext, call: AwsCall, c: FunctionUrlConfig, withLastModified = true): Record<string, unknown> {
  return {
    FunctionUrl: functionUrlOf(ctx, call, c.urlId),
    FunctionArn: functionArn(call.caller.region, call.caller.accountId, c.functionName, c.qualifier || undefined),
    AuthType: c.authType,
    ...(c.cors ? { Cors: corsToAws(c.cors, 'pascal') } : {}),
    CreationTime: iso(c.createdAt),
    ...(withLastModified ? { LastModifiedTime: iso(c.updatedAt) } : {}),
    InvokeMode: c.invokeMode,
  };
}

const inputOf = (body: Record<string, unknown>): FunctionUrlInput => ({
  authType: field.string(body, 'AuthType'),
  cors: corsFromAws(body, 'Cors', 'pascal', ErrorCode.FunctionInvalid),
  invokeMode: field.string(body, 'InvokeMode'),
});

export function urlOperations(ctx: LambdaContext): RestOperation[] {
  const path = '/2021-10-31/functions/{FunctionName}/url';
  return [
    {
      name: 'CreateFunctionUrlConfig',
      method: 'POST',
      path,
      async run(call, params) {
        const c = await createFunctionUrl(ctx, userOf(call.caller), targetOf(call, params.FunctionName), inputOf(jsonBody(call)));
        return { status: 201, body: urlConfiguration(ctx, call, c, false) };
      },
    },
    {
      name: 'GetFunctionUrlConfig',
      method: 'GET',
      path,
      async run(call, params) {
        const c = await getFunctionUrl(ctx, userOf(call.caller), targetOf(call, params.FunctionName));
        return { status: 200, body: urlConfiguration(ctx, call, c) };
      },
    },
    {
      name: 'UpdateFunctionUrlConfig',
      method: 'PUT',
      path,
      async run(call, params) {
        const c = await updateFunctionUrl(ctx, userOf(call.caller), targetOf(call, params.FunctionName), inputOf(jsonBody(call)));
        return { status: 200, body: urlConfiguration(ctx, call, c) };
      },
    },
    {
      name: 'DeleteFunctionUrlConfig',
      method: 'DELETE',
      path,
      async run(call, params) {
        await deleteFunctionUrl(ctx, userOf(call.caller), targetOf(call, params.FunctionName));
        return { status: 204 };
      },
    },
    {
      name: 'ListFunctionUrlConfigs',
      method: 'GET',
      path: '/2021-10-31/functions/{FunctionName}/urls',
      async run(call, params) {
        const { functionName } = targetOf(call, params.FunctionName);
        const all = await listFunctionUrls(ctx, userOf(call.caller), functionName);
        const page = pageOfList(all, call.query);
        return {
          status: 200,
          body: {
            FunctionUrlConfigs: page.items.map((c) => urlConfiguration(ctx, call, c)),
            ...(page.next ? { NextMarker: page.next } : {}),
          },
        };
      },
    },
  ];
}
