/** Another account's calls through the Lambda API: whose function an ARN names, and whether its
 *  policy lets the caller in (app/cross-account.ts decides). */
import { type AccountDirectory, foreignOwner } from '../../app/index.ts';
import { type CrossAccountAction, parseFunctionRef, policyQualifierOf } from '../../core/index.ts';
import { functionArn } from '../identity.ts';
import type { AwsCall } from '../service.ts';
import { type LambdaContext, userOf } from './context.ts';

/**
 * Whose function a call is on: the caller's own, or, named by an ARN of another account, its
 * owner's when their policy lets the caller do `action` (app/cross-account.ts). Another
 * account's function is then served as its owner's (their secrets, quotas, records; its ARN in
 * their account), `caller` naming the calling account.
 */
export async function calledAs(
  ctx: LambdaContext,
  accounts: AccountDirectory,
  call: AwsCall,
  functionName: string,
  qualifier: string | undefined,
  action: CrossAccountAction,
): Promise<{ userId: string; accountId: string; caller?: string }> {
  const ref = parseFunctionRef(functionName, qualifier);
  if (ref.accountId === null || ref.accountId === call.caller.accountId)
    return { userId: userOf(call.caller), accountId: call.caller.accountId };
  const resource = functionArn(call.caller.region, ref.accountId, ref.name, policyQualifierOf(ref.qualifier) || undefined);
  const target = { ...ref, accountId: ref.accountId };
  const owner = await foreignOwner({ functionAccess: ctx.functionAccess, accounts }, call.caller, target, action, resource);
  return { ...owner, caller: call.caller.accountId };
}
