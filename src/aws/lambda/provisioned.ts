/**
 * Lambda's provisioned concurrency operations (PUT, GET, DELETE
 * /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=…, and GET with
 * List=ALL for ListProvisionedConcurrencyConfigs), over app/provisioned.ts.
 */
import {
  deleteProvisionedConfig,
  getProvisionedConfig,
  listProvisionedConfigs,
  putProvisionedConfig,
  type ProvisionedView,
} from '../../app/index.ts';
import { functionArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCaller } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { nameOf, userOf } from './functions.ts';
import { jsonBody, pageOfList } from './shapes.ts';

const PATH = '/2019-09-30/functions/{FunctionName}/provisioned-concurrency';

/** Lambda's configuration fields (Put and Get answer these; a list item adds FunctionArn). */
function configShape(v: ProvisionedView): Record<string, unknown> {
  return {
    RequestedProvisionedConcurrentExecutions: v.requested,
    AvailableProvisionedConcurrentExecutions: v.available,
    AllocatedProvisionedConcurrentExecutions: v.allocated,
    Status: v.status,
    // Lambda sends StatusReason for a failed allocation only.
    ...(v.statusReason === null ? {} : { StatusReason: v.statusReason }),
    LastModified: new Date(v.lastModified).toISOString(),
  };
}

const listItem = (ctx: LambdaContext, caller: AwsCaller, v: ProvisionedView) => ({
  FunctionArn: functionArn(ctx.config.awsRegion, caller.accountId, v.functionName, v.qualifier),
  ...configShape(v),
});

export function provisionedOperations(ctx: LambdaContext): RestOperation[] {
  return [
    {
      name: 'PutProvisionedConcurrencyConfig',
      method: 'PUT',
      path: PATH,
      async run(call, params) {
        const body = jsonBody(call);
        const v = await putProvisionedConfig(
          ctx,
          userOf(call.caller),
          nameOf(call, params.FunctionName),
          call.query.get('Qualifier') ?? undefined,
          body.ProvisionedConcurrentExecutions,
        );
        return { status: 202, body: configShape(v) };
      },
    },
    {
      // Get, and List with ?List=ALL: one path and method in Lambda's API.
      name: 'GetProvisionedConcurrencyConfig',
      method: 'GET',
      path: PATH,
      async run(call, params) {
        const user = userOf(call.caller);
        const name = nameOf(call, params.FunctionName);
        if (call.query.get('List') === 'ALL') {
          const page = pageOfList(await listProvisionedConfigs(ctx, user, name), call.query);
          return {
            status: 200,
            body: {
              ProvisionedConcurrencyConfigs: page.items.map((v) => listItem(ctx, call.caller, v)),
              ...(page.next ? { NextMarker: page.next } : {}),
            },
          };
        }
        const v = await getProvisionedConfig(ctx, user, name, call.query.get('Qualifier') ?? undefined);
        return { status: 200, body: configShape(v) };
      },
    },
    {
      name: 'DeleteProvisionedConcurrencyConfig',
      method: 'DELETE',
      path: PATH,
      async run(call, params) {
        await deleteProvisionedConfig(
          ctx,
          userOf(call.caller),
          nameOf(call, params.FunctionName),
          call.query.get('Qualifier') ?? undefined,
        );
        return { status: 204 };
      },
    },
  ];
}
