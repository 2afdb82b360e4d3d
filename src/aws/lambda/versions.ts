/** Lambda's versions, aliases and reserved concurrency operations, over the use cases of
 *  src/app/function-admin.ts. */
import {
  createAlias,
  deleteAlias,
  deleteConcurrency,
  getAlias,
  getConcurrency,
  listAliases,
  listVersions,
  publishVersion,
  putConcurrency,
  updateAlias,
} from '../../app/index.ts';
import { ErrorCode, InvalidInput, LATEST } from '../../core/index.ts';
import type { RestOperation } from '../rest-router.ts';
import type { LambdaContext } from './context.ts';
import { nameOf, userOf } from './functions.ts';
import { aliasConfiguration, field, functionConfiguration, jsonBody, pageOfList } from './shapes.ts';

const required = (name: string, v: string | undefined): string => {
  if (v === undefined) throw new InvalidInput(ErrorCode.FunctionInvalid, `${name} is required`);
  return v;
};

/** An alias names one version here: weighted routing between two is refused, not ignored. */
function refuseRouting(body: Record<string, unknown>): void {
  // An empty one (no AdditionalVersionWeights, or none in it) is one version: Terraform's
  // aws_lambda_alias sends RoutingConfig {} on every create and update.
  const routing = field.object(body, 'RoutingConfig');
  const weights = routing && field.object(routing, 'AdditionalVersionWeights');
  if (weights && Object.keys(weights).length > 0)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      'Hangar aliases point at one version: RoutingConfig (weighted versions) is not supported',
    );
}

export function versionOperations(ctx: LambdaContext): RestOperation[] {
  const fn = '/2015-03-31/functions/{FunctionName}';
  return [
    {
      name: 'PublishVersion',
      method: 'POST',
      path: `${fn}/versions`,
      async run(call, params) {
        const body = jsonBody(call);
        const v = await publishVersion(ctx, userOf(call.caller), nameOf(call, params.FunctionName), {
          codeSha256: field.string(body, 'CodeSha256'),
          revisionId: field.string(body, 'RevisionId'),
          description: field.string(body, 'Description'),
        });
        return { status: 201, body: functionConfiguration(call.caller, v, String(v.version)) };
      },
    },
    {
      name: 'ListVersionsByFunction',
      method: 'GET',
      path: `${fn}/versions`,
      async run(call, params) {
        const all = await listVersions(ctx, userOf(call.caller), nameOf(call, params.FunctionName));
        const page = pageOfList(all, call.query);
        const versions = page.items.map((v) => functionConfiguration(call.caller, v, v.version === LATEST ? LATEST : String(v.version)));
        return { status: 200, body: { Versions: versions, ...(page.next ? { NextMarker: page.next } : {}) } };
      },
    },
    {
      name: 'CreateAlias',
      method: 'POST',
      path: `${fn}/aliases`,
      async run(call, params) {
        const body = jsonBody(call);
        refuseRouting(body);
        const a = await createAlias(ctx, userOf(call.caller), nameOf(call, params.FunctionName), {
          name: required('Name', field.string(body, 'Name')),
          version: required('FunctionVersion', field.string(body, 'FunctionVersion')),
          description: field.string(body, 'Description'),
        });
        return { status: 201, body: aliasConfiguration(call.caller, a) };
      },
    },
    {
      name: 'ListAliases',
      method: 'GET',
      path: `${fn}/aliases`,
      async run(call, params) {
        const all = await listAliases(
          ctx,
          userOf(call.caller),
          nameOf(call, params.FunctionName),
          call.query.get('FunctionVersion') ?? undefined,
        );
        const page = pageOfList(all, call.query);
        return {
          status: 200,
          body: { Aliases: page.items.map((a) => aliasConfiguration(call.caller, a)), ...(page.next ? { NextMarker: page.next } : {}) },
        };
      },
    },
    {
      name: 'GetAlias',
      method: 'GET',
      path: `${fn}/aliases/{Name}`,
      async run(call, params) {
        const a = await getAlias(ctx, userOf(call.caller), nameOf(call, params.FunctionName), params.Name);
        return { status: 200, body: aliasConfiguration(call.caller, a) };
      },
    },
    {
      name: 'UpdateAlias',
      method: 'PUT',
      path: `${fn}/aliases/{Name}`,
      async run(call, params) {
        const body = jsonBody(call);
        refuseRouting(body);
        const a = await updateAlias(
          ctx,
          userOf(call.caller),
          nameOf(call, params.FunctionName),
          params.Name,
          { version: field.string(body, 'FunctionVersion'), description: field.string(body, 'Description') },
          field.string(body, 'RevisionId'),
        );
        return { status: 200, body: aliasConfiguration(call.caller, a) };
      },
    },
    {
      name: 'DeleteAlias',
      method: 'DELETE',
      path: `${fn}/aliases/{Name}`,
      async run(call, params) {
        await deleteAlias(ctx, userOf(call.caller), nameOf(call, params.FunctionName), params.Name);
        return { status: 204 };
      },
    },
    {
      name: 'PutFunctionConcurrency',
      method: 'PUT',
      path: '/2017-10-31/functions/{FunctionName}/concurrency',
      async run(call, params) {
        const body = jsonBody(call);
        const n = field.integer(body, 'ReservedConcurrentExecutions');
        if (n === undefined) throw new InvalidInput(ErrorCode.FunctionInvalid, 'ReservedConcurrentExecutions is required');
        const reserved = await putConcurrency(ctx, userOf(call.caller), nameOf(call, params.FunctionName), n);
        return { status: 200, body: { ReservedConcurrentExecutions: reserved } };
      },
    },
    {
      name: 'GetFunctionConcurrency',
      method: 'GET',
      path: '/2019-09-30/functions/{FunctionName}/concurrency',
      async run(call, params) {
        const reserved = await getConcurrency(ctx, userOf(call.caller), nameOf(call, params.FunctionName));
        return { status: 200, body: reserved === null ? {} : { ReservedConcurrentExecutions: reserved } };
      },
    },
    {
      name: 'DeleteFunctionConcurrency',
      method: 'DELETE',
      path: '/2017-10-31/functions/{FunctionName}/concurrency',
      async run(call, params) {
        await deleteConcurrency(ctx, userOf(call.caller), nameOf(call, params.FunctionName));
        return { status: 204 };
      },
    },
  ];
}
