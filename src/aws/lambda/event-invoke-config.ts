/**
 * Lambda's EventInvokeConfig operations (PUT, GET, POST (Update), DELETE
 * /2019-09-25/functions/{FunctionName}/event-invoke-config and GET …/event-invoke-config/list):
 * a function's asynchronous invocation settings per qualifier. Destinations are Lambda
 * function ARNs; SQS, SNS, EventBridge and S3 ones are refused (app/event-invoke-config.ts).
 */
import { deleteEventInvokeConfig, getEventInvokeConfig, listEventInvokeConfigs, putEventInvokeConfig } from '../../app/index.ts';
import { ErrorCode, InvalidInput, type EventInvokeConfig, type EventInvokeConfigPatch } from '../../core/index.ts';
import { functionArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall, AwsCaller } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { nameOf, userOf } from './functions.ts';
import { field, jsonBody, maxItemsOf } from './shapes.ts';

/** A destination's ARN from DestinationConfig.OnSuccess / OnFailure ({Destination}); an empty
 *  object or Destination removes it, as in Lambda. */
function destinationOf(config: Record<string, unknown>, which: 'OnSuccess' | 'OnFailure'): string | null | undefined {
  if (!(which in config)) return undefined;
  const d = field.object(config, which);
  return d ? (field.string(d, 'Destination') ?? null) || null : null;
}

/** The body of a Put or an Update, as a patch. */
function patchOf(call: AwsCall): EventInvokeConfigPatch {
  const body = jsonBody(call);
  for (const k of Object.keys(body))
    if (!['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig'].includes(k))
      throw new InvalidInput(ErrorCode.FunctionInvalid, `${k} is not a field of an EventInvokeConfig`);
  const patch: EventInvokeConfigPatch = {};
  const retries = field.integer(body, 'MaximumRetryAttempts');
  if (retries !== undefined) patch.maximumRetryAttempts = retries;
  const age = field.integer(body, 'MaximumEventAgeInSeconds');
  if (age !== undefined) patch.maximumEventAgeS = age;
  const dest = field.object(body, 'DestinationConfig');
  if (dest) {
    const onSuccess = destinationOf(dest, 'OnSuccess');
    const onFailure = destinationOf(dest, 'OnFailure');
    if (onSuccess !== undefined) patch.onSuccess = onSuccess;
    if (onFailure !== undefined) patch.onFailure = onFailure;
  }
  return patch;
}

/** Lambda's FunctionEventInvokeConfig: unset fields are left out, as Lambda's Get does. */
function eventInvokeConfig(caller: AwsCaller, c: EventInvokeConfig): Record<string, unknown> {
  return {
    // A timestamp: epoch seconds in restJson1.
    LastModified: c.lastModified / 1000,
    FunctionArn: functionArn(caller.region, caller.accountId, c.functionName, c.qualifier),
    ...(c.maximumRetryAttempts !== null ? { MaximumRetryAttempts: c.maximumRetryAttempts } : {}),
    ...(c.maximumEventAgeS !== null ? { MaximumEventAgeInSeconds: c.maximumEventAgeS } : {}),
    DestinationConfig: {
      OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
      OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
    },
  };
}

export function eventInvokeConfigOperations(ctx: LambdaContext): RestOperation[] {
  const path = '/2019-09-25/functions/{FunctionName}/event-invoke-config';
  const qualifierOf = (call: AwsCall) => call.query.get('Qualifier') ?? undefined;
  const put = (replace: boolean) => async (call: AwsCall, params: Record<string, string>) => {
    const c = await putEventInvokeConfig(
      ctx,
      userOf(call.caller),
      call.caller.accountId,
      nameOf(call, params.FunctionName),
      qualifierOf(call),
      patchOf(call),
      replace,
    );
    return { status: 200, body: eventInvokeConfig(call.caller, c) };
  };
  return [
    { name: 'PutFunctionEventInvokeConfig', method: 'PUT', path, run: put(true) },
    { name: 'UpdateFunctionEventInvokeConfig', method: 'POST', path, run: put(false) },
    {
      name: 'GetFunctionEventInvokeConfig',
      method: 'GET',
      path,
      async run(call, params) {
        const c = await getEventInvokeConfig(ctx, userOf(call.caller), nameOf(call, params.FunctionName), qualifierOf(call));
        return { status: 200, body: eventInvokeConfig(call.caller, c) };
      },
    },
    {
      name: 'DeleteFunctionEventInvokeConfig',
      method: 'DELETE',
      path,
      async run(call, params) {
        await deleteEventInvokeConfig(ctx, userOf(call.caller), nameOf(call, params.FunctionName), qualifierOf(call));
        return { status: 204 };
      },
    },
    {
      name: 'ListFunctionEventInvokeConfigs',
      method: 'GET',
      path: `${path}/list`,
      async run(call, params) {
        // The marker is the last qualifier of the previous page (app listEventInvokeConfigs);
        // MaxItems is 1 to 50 for this list, as Lambda's model bounds it.
        const page = await listEventInvokeConfigs(ctx, userOf(call.caller), nameOf(call, params.FunctionName), {
          after: call.query.get('Marker') ?? undefined,
          limit: maxItemsOf(call.query, 50, 50),
        });
        return {
          status: 200,
          body: {
            FunctionEventInvokeConfigs: page.items.map((c) => eventInvokeConfig(call.caller, c)),
            ...(page.nextCursor ? { NextMarker: page.nextCursor } : {}),
          },
        };
      },
    },
  ];
}
