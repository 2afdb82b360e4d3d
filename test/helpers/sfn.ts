/** A real @aws-sdk/client-sfn signed with a Hangar key, for the Step Functions API tests. */
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import { REGION } from './lambda.ts';
import { until } from './platform.ts';

/**
 * A Step Functions client for `url`, signing with the key (its id as the access key), no SDK
 * retries. StartSyncExecution is modelled with the host prefix `sync-` (AWS serves it at
 * sync-states.REGION.amazonaws.com); Hangar serves every operation at one address, so the
 * prefix is turned off (`disableHostPrefix`).
 */
export function sfnClient(url: string, k: { keyId: string; key: string }): SFNClient {
  return new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    maxAttempts: 1,
    disableHostPrefix: true,
  });
}

/** The SDK's exception of a refused call: its name, status and message. */
export async function refusedBy(call: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode ?? 0, message: e.message };
  }
  throw new Error('the call was not refused');
}

/** DescribeExecution of `executionArn` once it is no longer RUNNING (polled every 100 ms). */
export function executionEnded(sfn: SFNClient, executionArn: string, timeoutMs = 30_000): Promise<DescribeExecutionCommandOutput> {
  return until(
    async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? null : d;
    },
    timeoutMs,
    100,
  );
}
