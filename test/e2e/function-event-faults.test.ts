/**
 * An Event invocation survives the death of the worker running it (issue 23's done-when: "an
 * async invocation is retried elsewhere"). Scale-out shape with real processes: one API node,
 * two worker processes, PostgreSQL and S3. The worker running the event's function is
 * SIGKILLed mid-invocation; the reaper ends its attempt and another worker runs the event to
 * success. The lost attempt counts as a run, as Lambda's approximateInvokeCount would.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { until } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const CODE = makeZip({
  'slow.js': `exports.handler = async (event) => { await new Promise((r) => setTimeout(r, 2500)); return { done: event.n }; };`,
});

let c: Cluster;
before(async () => {
  if (skip) return;
  c = await startCluster({ env: { HANGAR_WORKER_STALE_MS: '1500', HANGAR_HEARTBEAT_MS: '250', HANGAR_RETRY_BASE_MS: '20' } });
  await c.addWorker({ HANGAR_WORKERS: '2' });
  await c.addWorker({ HANGAR_WORKERS: '2' });
});
after(() => c?.close());

it('an Event invocation whose worker is SIGKILLed mid-run is run again by another worker', { skip, timeout: 120_000 }, async () => {
  const key = (await c.call('POST', '/keys', { userId: 'alice' })).body as { keyId: string; key: string };
  const lambda = new LambdaClient({
    endpoint: c.url,
    region: 'us-east-1',
    credentials: { accessKeyId: key.keyId, secretAccessKey: key.key },
    maxAttempts: 1,
  });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'slow',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'slow.handler',
      Code: { ZipFile: CODE },
      Timeout: 30,
    }),
  );
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event', Payload: Buffer.from('{"n":5}') }));
  assert.equal(r.StatusCode, 202);
  const requestId = r.$metadata.requestId;
  const taskId = await until(async () => {
    const tasks = (await c.call('GET', '/tasks?queue=hangar.functions&userId=alice')).body.tasks as {
      taskId: string;
      metadata: { function: { requestId: string } };
    }[];
    return tasks.find((t) => t.metadata.function.requestId === requestId)?.taskId;
  }, 30_000);
  type Entry = { status: string; attempt: number; workerId: string | null };
  const history = async () => (await c.call('GET', `/tasks/${taskId}/history`)).body.history as Entry[];
  // The worker that leased it, while the function runs (it sleeps 2.5 s).
  const first = await until(async () => (await history()).find((h) => h.status === 'RUNNING' && h.workerId), 30_000);
  const victim = c.workers.find((w) => w.id === first.workerId);
  assert.ok(victim, `worker ${first.workerId} is one of ours`);
  victim.child.kill('SIGKILL');
  await victim.exited;

  const t = await until(
    async () => {
      const v = (await c.call('GET', `/tasks/${taskId}`)).body;
      return ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(v.status) ? v : null;
    },
    60_000,
    100,
  );
  assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
  assert.deepEqual(t.detailedResults.result, { done: 5 });
  const h = await history();
  const runs = h.filter((e) => e.status === 'RUNNING');
  assert.equal(runs.length, 2, JSON.stringify(h));
  assert.notEqual(runs[1].workerId, victim.id, 'run again elsewhere');
  assert.ok(
    h.some((e) => e.status === 'PENDING' && e.attempt === first.attempt),
    'the lost attempt went back to the queue',
  );
  // The lost attempt ran the function as far as anyone knows: it counts.
  assert.equal(t.summary.event.invokeCount, 2);
});
