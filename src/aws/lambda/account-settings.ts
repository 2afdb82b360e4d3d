/** GetAccountSettings: the caller's limits and usage, as Lambda reports them. */
import type { AwsReply } from '../service.ts';
import type { LambdaContext } from './context.ts';

/** Lambda's code size limits (its quotas page): 75 GB of code per account and region, a 50 MB
 *  zip uploaded directly, 250 MB unzipped. Hangar applies the same when functions land. */
export const LAMBDA_CODE_LIMITS = {
  totalCodeSize: 80_530_636_800,
  codeSizeZipped: 52_428_800,
  codeSizeUnzipped: 262_144_000,
} as const;

export async function getAccountSettings(ctx: LambdaContext): Promise<AwsReply> {
  // Concurrent executions: the task slots of the live workers (as /health counts them), the
  // most invocations Hangar's fleet can run at once right now. Nothing is reserved per
  // function yet, so all of it is unreserved.
  const { total } = await ctx.capacity.slots();
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
      // No functions store yet (issue 23's functions port, src/store/ports/functions.ts, is
      // being built beside this): no function and no code. These become the caller's count and
      // code bytes when it lands.
      AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
    },
  };
}
