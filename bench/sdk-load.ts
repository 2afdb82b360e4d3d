/**
 * The closed-loop load of Lambda's Invoke through the real @aws-sdk/client-lambda (SigV4 with a
 * Hangar key), for bench/functions.ts and bench/lambda-invoke-cpu.ts. Started as a worker thread
 * with `{ sdk: job }` as its data it runs the job and posts `{ ok, result }`, as http-load.ts does,
 * so the client does not share the embedded server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { closedLanes, type LoadResult } from './http-load.ts';

export interface SdkJob {
  url: string;
  keyId: string;
  secret: string;
  fn: string;
  /** The event, JSON. */
  event: string;
  count: number;
  concurrency: number;
  warmup: number;
}

export const lambdaClient = (job: Pick<SdkJob, 'url' | 'keyId' | 'secret'>): LambdaClient =>
  new LambdaClient({
    endpoint: job.url,
    region: 'us-east-1',
    credentials: { accessKeyId: job.keyId, secretAccessKey: job.secret },
    maxAttempts: 1,
  });

/** `job.warmup` unmeasured invocations, then `job.count` measured, through `client` (a new one by default). */
export async function sdkLoad(job: SdkJob, client = lambdaClient(job)): Promise<LoadResult> {
  const payload = Buffer.from(job.event);
  const out: LoadResult = { sentAt: [], doneAt: [], lag: [], status: [], errors: 0, firstSent: 0, lastDone: 0 };
  const send = async () => {
    const r = await client.send(new InvokeCommand({ FunctionName: job.fn, Payload: payload }));
    return r.FunctionError ? 599 : (r.StatusCode ?? 0);
  };
  const loop = (count: number, record: boolean) => closedLanes(count, 0, job.concurrency, send, record ? out : null);
  if (job.warmup) await loop(job.warmup, false);
  await loop(job.count, true);
  out.firstSent = Math.min(...out.sentAt);
  out.lastDone = Math.max(...out.doneAt);
  return out;
}

if (parentPort && (workerData as { sdk?: SdkJob } | undefined)?.sdk) {
  const port = parentPort;
  const job = (workerData as { sdk: SdkJob }).sdk;
  const client = lambdaClient(job);
  sdkLoad(job, client)
    .finally(() => client.destroy())
    .then(
      (r) => port.postMessage({ ok: true, result: r }),
      (err: unknown) => port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) }),
    );
}
