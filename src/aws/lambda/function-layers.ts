/**
 * The Layers a function names (CreateFunction, UpdateFunctionConfiguration), read from their
 * version ARNs; apart from the layer operations (layers.ts), which link functions.ts's apiBase.
 */
import { functionLayersOf } from '../../app/index.ts';
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
 * body names none (an update then keeps them). A malformed ARN is a bad parameter; a version
 * that does not exist, or another account's, is refused as Lambda refuses a missing one.
 */
export async function functionLayersIn(
  ctx: LambdaContext,
  call: AwsCall,
  body: Record<string, unknown>,
): Promise<FunctionLayer[] | undefined> {
  const arns = strings(body, 'Layers');
  if (arns === undefined) return undefined;
  const refs = arns.map((arn) => {
    const ref = parseLayerVersionArn(arn);
    if (ref.accountId !== call.caller.accountId)
      throw new InvalidInput(ErrorCode.FunctionInvalid, `layer version ${arn} does not exist or is not this account's`);
    return ref;
  });
  return functionLayersOf(ctx, userOf(call.caller), refs);
}
