/** An awsJson operation: named by `X-Amz-Target: <prefix>.<Name>`, a JSON object in, one out. */
import type { AwsCall } from '../service.ts';

export interface JsonOperation {
  name: string;
  run(call: AwsCall, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** false: a data-plane call, kept out of the audit log (as CloudTrail keeps it out of its
   *  management events). */
  audited?: false;
}
