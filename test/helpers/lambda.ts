/** What the Lambda API tests share: the region, the skip reason where functions cannot run, and
 *  a real @aws-sdk/client-lambda signed with a Hangar key. */
import { CreateFunctionCommand, type CreateFunctionCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { TEST_EXECUTOR_ENV } from './process.ts';
import { makeZip } from './zip.ts';

/** The SDK's exception of a refused call: its name, status and message (as the Step Functions tests read it). */
export { refusedBy } from './sfn.ts';

export const REGION = 'us-east-1';

/** Why function tests are skipped on this host, or false (functions run only sandboxed). */
export const NO_SANDBOX = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;

/** A Lambda client for `url`, signing with the key (its id as the access key), no SDK retries. */
export function lambdaClient(url: string, k: { keyId: string; key: string }): LambdaClient {
  return new LambdaClient({ endpoint: url, region: REGION, credentials: { accessKeyId: k.keyId, secretAccessKey: k.key }, maxAttempts: 1 });
}

/** CreateFunction of a Node function whose handler answers 1 (`over` replaces any field: its
 *  Code, Tags...). */
export function createNodeFunction(
  c: LambdaClient,
  name: string,
  over: Record<string, unknown> = {},
): Promise<CreateFunctionCommandOutput> {
  return c.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: makeZip({ 'index.js': 'exports.handler = async () => 1;' }) },
      ...over,
    }),
  );
}
