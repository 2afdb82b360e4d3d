/**
 * Response streaming on the scale-out shape, with real processes: an API node (`hangar server`,
 * no workers) and a worker host (`hangar worker`, sandboxed) sharing PostgreSQL and S3. A
 * streaming function's first chunk reaches the caller (InvokeWithResponseStream through the real
 * @aws-sdk/client-lambda, a RESPONSE_STREAM function URL) while the function still runs: it waits
 * for a gate file that the test makes only once that chunk has arrived, so a hop that kept the
 * stream until the end would never end it (the function would time out). A worker host
 * SIGKILLed mid-stream ends the caller's stream with an error, not a hang and not a clean end.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  InvokeWithResponseStreamCommand,
  type InvokeWithResponseStreamCompleteEvent,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { codeDirOf } from '../../src/functions/index.ts';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;

/** Writes 'first;', waits for its gate (a file in its own code directory, /var/task, named by
 *  the event), then writes 'second'. */
const CODE = makeZip({
  'index.mjs': `import { existsSync } from 'node:fs';
export const handler = awslambda.streamifyResponse(async (invoked, responseStream) => {
  const event = invoked.requestContext ? JSON.parse(invoked.body) : invoked;
  responseStream.setContentType('text/plain');
  responseStream.write('first;');
  while (!existsSync('/var/task/' + event.gate)) await new Promise((r) => setTimeout(r, 20));
  responseStream.write('second');
  responseStream.end();
});`,
});

let c: Cluster;
let lambda: LambdaClient;
let url: string;
/** The function's code directory on the worker host, as its instances see it at /var/task. */
let codeDir: string;

before(async () => {
  if (skip) return;
  c = await startCluster({ env: { HANGAR_RATE_LIMIT: '0', HANGAR_WORKERS: '2' } });
  await c.addWorker();
  const { keyId, key } = (await c.call('POST', '/keys', { userId: 'alice' })).body as { keyId: string; key: string };
  lambda = new LambdaClient({
    endpoint: c.url,
    region: 'us-east-1',
    credentials: { accessKeyId: keyId, secretAccessKey: key },
    maxAttempts: 1,
  });
  const made = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'gated',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: CODE },
      MemorySize: 512,
      // Long enough never to end a working stream; a stream kept whole would end by it.
      Timeout: 30,
    }),
  );
  codeDir = join(codeDirOf(c.workers[0].dataDir), Buffer.from(made.CodeSha256!, 'base64').toString('hex'));
  url = (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'gated', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' })))
    .FunctionUrl!;
  const base = { FunctionName: 'gated', Principal: '*' };
  await lambda.send(
    new AddPermissionCommand({ ...base, StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE' }),
  );
  await lambda.send(
    new AddPermissionCommand({ ...base, StatementId: 'invoke', Action: 'lambda:InvokeFunction', InvokedViaFunctionUrl: true }),
  );
});
after(async () => {
  lambda?.destroy();
  await c?.close();
});

/** InvokeWithResponseStream's chunks and end; `onFirst` runs when the first chunk arrives. */
async function streamInvoke(gate: string, onFirst: () => void) {
  const r = await lambda.send(
    new InvokeWithResponseStreamCommand({ FunctionName: 'gated', Payload: Buffer.from(JSON.stringify({ gate })) }),
  );
  const chunks: string[] = [];
  let complete: InvokeWithResponseStreamCompleteEvent | undefined;
  for await (const e of r.EventStream!) {
    if (e.PayloadChunk) {
      chunks.push(Buffer.from(e.PayloadChunk.Payload ?? []).toString());
      if (chunks.length === 1) onFirst();
    }
    if (e.InvokeComplete) complete = e.InvokeComplete;
  }
  return { chunks, complete };
}

/** POSTs to the function URL; `onFirst` runs when the first piece of the body arrives. */
function postUrl(gate: string, onFirst: () => void): Promise<{ status: number; chunks: string[]; complete: boolean }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' };
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers }, (res) => {
      const chunks: string[] = [];
      res.on('data', (d: Buffer) => {
        chunks.push(d.toString());
        if (chunks.length === 1) onFirst();
      });
      res.on('error', () => {});
      res.on('close', () => resolve({ status: res.statusCode ?? 0, chunks, complete: res.complete }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ gate }));
  });
}

const opener = (gate: string) => () => writeFileSync(join(codeDir, gate), '');

describe('response streaming on the scale-out shape', { skip, timeout: 120_000 }, () => {
  it('InvokeWithResponseStream: the first chunk crosses the hop while the function runs (it waits for the caller to have it)', async () => {
    const gate = randomUUID();
    const { chunks, complete } = await streamInvoke(gate, opener(gate));
    assert.deepEqual(chunks, ['first;', 'second']);
    assert.equal(complete?.ErrorCode, undefined, complete?.ErrorDetails);
  });

  it('a RESPONSE_STREAM function URL: the same, answered chunked', async () => {
    const gate = randomUUID();
    const r = await postUrl(gate, opener(gate));
    assert.equal(r.status, 200);
    assert.equal(r.chunks[0], 'first;');
    assert.equal(r.chunks.join(''), 'first;second');
    assert.equal(r.complete, true);
  });

  it('a worker host SIGKILLed mid-stream ends both callers’ streams with an error, after what they had', async () => {
    // Gates never opened: the function runs until its host dies.
    let firsts = 0;
    let bothFirst: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      bothFirst = () => {
        if (++firsts === 2) resolve();
      };
    });
    const sdk = streamInvoke(randomUUID(), bothFirst);
    const byUrl = postUrl(randomUUID(), bothFirst);
    sdk.catch(() => {});
    await started;
    const worker = c.workers[0];
    worker.child.kill('SIGKILL');
    await worker.exited;
    await assert.rejects(sdk, 'the event stream ends with an error, not with InvokeComplete');
    const r = await byUrl;
    assert.deepEqual([r.status, r.chunks.join(''), r.complete], [200, 'first;', false]);
  });
});
