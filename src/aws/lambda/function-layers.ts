/**
 * The Layers a function names (CreateFunction, UpdateFunctionConfiguration), read from their
 * version ARNs; apart from the layer operations (layers.ts), which link functions.ts's apiBase.
 */
import { type AccountDirectory, type FunctionLayerRef, functionLayersOf } from '../../app/index.ts';
import { ErrorCode, InvalidInput, parseLayerVersionArn, type FunctionLayer } from '../../core/index.ts';
import type { AwsCall } from '../service.ts';
import { type LambdaContext, userOf } from './context.ts';
import { field } from './shapes.ts';

/** A list of strings from the body (absent: none). */
export function strings(body: Record<string, unknown>, name: string): string[] | undefined {
  const list = field.list(body, name);
  if (list?.some((s) => typeof s !== 'string')) throw new InvalidInput(ErrorCode.LayerInvalid, `${name} must be a list of strings`);
  return list as string[] | undefined;
}

/**
 * The layers a function's Layers (version ARNs) name, with their content; undefined when the
 * body names none (an update then keeps them). A malformed ARN is a bad parameter; a version of
 * the caller's that does not exist is refused as Lambda refuses a missing one; another account's
 * must be shared with the caller's (AccessDeniedException otherwise, as Lambda's).
 */
export async function functionLayersIn(
  ctx: LambdaContext,
  accounts: AccountDirectory,
  call: AwsCall,
  body: Record<string, unknown>,
): Promise<FunctionLayer[] | undefined> {
  const arns = strings(body, 'Layers');
  if (arns === undefined) return undefined;
  const refs = arns.map((arn): FunctionLayerRef => {
    const { accountId, name, version } = parseLayerVersionArn(arn);
    return accountId === call.caller.accountId ? { name, version } : { name, version, owner: { accountId, arn } };
  });
  return functionLayersOf(ctx, userOf(call.caller), refs, { accountId: call.caller.accountId, accounts });
}
