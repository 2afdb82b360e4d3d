/**
 * Per-function settings of Lambda features Hangar does not have — code signing, runtime
 * version pinning, recursive loop detection — answered as Lambda answers for a function that
 * does not use them. Infrastructure tools read them after every apply (Terraform's
 * aws_lambda_function reads the code signing config; aws_lambda_runtime_management_config and
 * aws_lambda_function_recursion_config read and reset theirs), so a read must succeed; a Put
 * asking for what Hangar cannot do is refused, never kept and ignored.
 */
import { getFunction } from '../../app/index.ts';
import { ErrorCode, InvalidInput } from '../../core/index.ts';
import { functionArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { nameOf, userOf } from './functions.ts';
import { field, jsonBody } from './shapes.ts';

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/** The function the path names, which must exist (Lambda: ResourceNotFoundException). */
async function existing(ctx: LambdaContext, call: AwsCall, label: string, qualifier?: string) {
  return getFunction(ctx, userOf(call.caller), nameOf(call, label), qualifier);
}

/** The value a Put may set: the one Hangar has; any other is refused saying why. */
function onlyValue(body: Record<string, unknown>, name: string, value: string, why: string): string {
  const v = field.string(body, name);
  if (v === undefined) throw invalid(`${name} is required`);
  if (v !== value) throw invalid(`${name} may only be '${value}' on Hangar: ${why}`);
  return v;
}

/** Get/PutRuntimeManagementConfig's answer: Auto, for the function (or version) asked about. */
const runtimeAnswer = (call: AwsCall, name: string, qualifier: string | undefined) => ({
  status: 200,
  body: { UpdateRuntimeOn: 'Auto', FunctionArn: functionArn(call.caller.region, call.caller.accountId, name, qualifier) },
});

export function functionSettingOperations(ctx: LambdaContext): RestOperation[] {
  const codeSigning = '/2020-06-30/functions/{FunctionName}/code-signing-config';
  const runtime = '/2021-07-20/functions/{FunctionName}/runtime-management-config';
  const recursion = '/2024-08-31/functions/{FunctionName}/recursion-config';
  return [
    {
      // As Lambda for a function without a code signing config: its name and no ARN.
      name: 'GetFunctionCodeSigningConfig',
      method: 'GET',
      path: codeSigning,
      async run(call, params) {
        const f = await existing(ctx, call, params.FunctionName);
        return { status: 200, body: { FunctionName: f.name } };
      },
    },
    {
      name: 'PutFunctionCodeSigningConfig',
      method: 'PUT',
      path: codeSigning,
      async run(call, params) {
        await existing(ctx, call, params.FunctionName);
        throw invalid('Hangar does not verify code signatures: a function cannot have a code signing config (CodeSigningConfigArn)');
      },
    },
    {
      // Nothing to remove: a function here never has one.
      name: 'DeleteFunctionCodeSigningConfig',
      method: 'DELETE',
      path: codeSigning,
      async run(call, params) {
        await existing(ctx, call, params.FunctionName);
        return { status: 204 };
      },
    },
    {
      // Auto: a function runs on the runtime the host has, as updated with Hangar.
      name: 'GetRuntimeManagementConfig',
      method: 'GET',
      path: runtime,
      async run(call, params) {
        const qualifier = call.query.get('Qualifier') ?? undefined;
        return runtimeAnswer(call, (await existing(ctx, call, params.FunctionName, qualifier)).name, qualifier);
      },
    },
    {
      name: 'PutRuntimeManagementConfig',
      method: 'PUT',
      path: runtime,
      async run(call, params) {
        const qualifier = call.query.get('Qualifier') ?? undefined;
        const f = await existing(ctx, call, params.FunctionName, qualifier);
        const body = jsonBody(call);
        onlyValue(body, 'UpdateRuntimeOn', 'Auto', 'functions run on the runtime the host has; a runtime version cannot be pinned');
        if (field.string(body, 'RuntimeVersionArn') !== undefined)
          throw invalid('RuntimeVersionArn cannot be set on Hangar: functions run on the runtime the host has');
        return runtimeAnswer(call, f.name, qualifier);
      },
    },
    {
      name: 'GetFunctionRecursionConfig',
      method: 'GET',
      path: recursion,
      async run(call, params) {
        await existing(ctx, call, params.FunctionName);
        return { status: 200, body: { RecursiveLoop: 'Terminate' } };
      },
    },
    {
      name: 'PutFunctionRecursionConfig',
      method: 'PUT',
      path: recursion,
      async run(call, params) {
        await existing(ctx, call, params.FunctionName);
        const loop = onlyValue(
          jsonBody(call),
          'RecursiveLoop',
          'Terminate',
          "Hangar keeps Lambda's default and has no setting to allow recursive loops",
        );
        return { status: 200, body: { RecursiveLoop: loop } };
      },
    },
  ];
}
