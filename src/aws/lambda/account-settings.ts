/** GetAccountSettings: the caller's limits and usage, as Lambda reports them. */
import { functionUsage } from '../../app/index.ts';
import type { AwsCall, AwsReply } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { userOf } from './functions.ts';

/** Lambda's code size limits (its quotas page): 75 GB of code per account and region, a 50 MB
 *  zip uploaded directly, 250 MB unzipped. */
export const LAMBDA_CODE_LIMITS = {
  totalCodeSize: 80_530_636_800,
  codeSizeZipped: 52_428_800,
  codeSizeUnzipped: 262_144_000,
} as const;

export async function getAccountSettings(ctx: LambdaContext, call: AwsCall): Promise<AwsReply> {
  // Concurrent executions: the task slots of the live workers (as /health counts them), the
  // most invocations Hangar's fleet can run at once right now. Reservations are not taken
  // from it yet: the fleet grows with the autoscaler, and the runtime enforces them.
  const { total } = await ctx.capacity.slots();
  const usage = await functionUsage(ctx, userOf(call.caller));
  return {
    status: 200,
    body: {
      AccountLimit: {
        TotalCodeSize: LAMBDA_CODE_LIMITS.totalCodeSize,
        CodeSizeUnzipped: LAMBDA_CODE_LIMITS.codeSizeUnzipped,
        CodeSizeZipped: LAMBDA_CODE_LIMITS.codeSizeZipped,
        ConcurrentExecutions: total,
        UnreservedConcurrentExecutions: total,
      },
      AccountUsage: { TotalCodeSize: usage.codeBytes, FunctionCount: usage.functionCount },
    },
  };
}
