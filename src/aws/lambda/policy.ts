/** Lambda's resource-based policy operations (AddPermission, RemovePermission, GetPolicy), over
 *  the use cases of src/app/function-access.ts. The policy document is core's (function-policy.ts). */
import { addPermission, getPolicy, removePermission } from '../../app/index.ts';
import { ErrorCode, InvalidInput, policyDocument, statementDocument } from '../../core/index.ts';
import { functionArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { userOf } from './functions.ts';
import { field, functionRefOf, jsonBody } from './shapes.ts';

/** The function and qualifier a call names (path label and ?Qualifier), its account checked. */
export function targetOf(call: AwsCall, label: string): { functionName: string; qualifier: string | undefined } {
  const qualifier = call.query.get('Qualifier') ?? undefined;
  functionRefOf(call.caller, label, qualifier);
  return { functionName: label, qualifier };
}

/** The ARN a policy's statements name as their Resource: the function's, qualified as the policy is. */
const resourceOf = (call: AwsCall, name: string, qualifier: string) =>
  functionArn(call.caller.region, call.caller.accountId, name, qualifier || undefined);

/** Settings AddPermission has that mean nothing without AWS Organizations or Alexa: refused, not ignored. */
function refuseUnsupported(body: Record<string, unknown>): void {
  if (field.string(body, 'PrincipalOrgID') !== undefined)
    throw new InvalidInput(ErrorCode.FunctionInvalid, 'Hangar has no organizations: PrincipalOrgID is not supported');
  if (field.string(body, 'EventSourceToken') !== undefined)
    throw new InvalidInput(ErrorCode.FunctionInvalid, 'EventSourceToken (Alexa Smart Home) is not supported');
}

export function policyOperations(ctx: LambdaContext): RestOperation[] {
  const path = '/2015-03-31/functions/{FunctionName}/policy';
  return [
    {
      name: 'AddPermission',
      method: 'POST',
      path,
      async run(call, params) {
        const body = jsonBody(call);
        refuseUnsupported(body);
        const { statement, policy } = await addPermission(ctx, userOf(call.caller), targetOf(call, params.FunctionName), {
          sid: field.string(body, 'StatementId'),
          action: field.string(body, 'Action'),
          principal: field.string(body, 'Principal'),
          sourceArn: field.string(body, 'SourceArn'),
          sourceAccount: field.string(body, 'SourceAccount'),
          functionUrlAuthType: field.string(body, 'FunctionUrlAuthType'),
          invokedViaFunctionUrl: field.boolean(body, 'InvokedViaFunctionUrl'),
          revisionId: field.string(body, 'RevisionId'),
        });
        const resource = resourceOf(call, policy.functionName, policy.qualifier);
        return { status: 201, body: { Statement: JSON.stringify(statementDocument(statement, resource)) } };
      },
    },
    {
      name: 'RemovePermission',
      method: 'DELETE',
      path: `${path}/{StatementId}`,
      async run(call, params) {
        await removePermission(
          ctx,
          userOf(call.caller),
          targetOf(call, params.FunctionName),
          params.StatementId,
          call.query.get('RevisionId') ?? undefined,
        );
        return { status: 204 };
      },
    },
    {
      name: 'GetPolicy',
      method: 'GET',
      path,
      async run(call, params) {
        const policy = await getPolicy(ctx, userOf(call.caller), targetOf(call, params.FunctionName));
        const resource = resourceOf(call, policy.functionName, policy.qualifier);
        return {
          status: 200,
          body: { Policy: JSON.stringify(policyDocument(policy.statements, resource)), RevisionId: policy.revisionId },
        };
      },
    },
  ];
}
