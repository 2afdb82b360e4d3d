/**
 * Synchronous invocations on the scale-out shape, with real processes: two API nodes
 * (`hangar server`, no workers) and worker hosts (`hangar worker`, sandboxed) sharing PostgreSQL
 * and S3. Invokes through either API node, with the real @aws-sdk/client-lambda, run on a warm
 * instance on a worker host (app/dispatch.ts); a warm host is preferred, both are used under
 * concurrency, reserved concurrency holds across API nodes, a circuit breaker opened through one
 * API node fails fast on the other, and a worker host SIGKILLed during
 * an invocation gives its caller an error at once, while the next invocation runs elsewhere.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import pg from 'pg';
import { warmKey } from '../../src/functions/index.ts';
import { startCluster, type Cluster, type WorkerProcess } from '../helpers/cluster.ts';
import { until } from '../helpers/platform.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const REGION = 'us-east-1';

const CODE = makeZip({
  'index.js': `let count = 0;
exports.handler = async (event) => {
  count++;
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return { count };
};`,
});

let c: Cluster;
let db: pg.Client;
/** One Lambda client per API node. */
let nodes: LambdaClient[] = [];

const text = (r: InvokeCommandOutput) => Buffer.from(r.Payload ?? []).toString('utf8');
const invoke = (node: LambdaClient, name: string, event: object = {}) =>
  node.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }));
const count = async (node: LambdaClient, name: string, event: object = {}) => {
  const r = await invoke(node, name, event);
  assert.equal(r.FunctionError, undefined, `${text(r)}\n${Buffer.from(r.LogResult ?? '', 'base64')}`);
  return (JSON.parse(text(r)) as { count: number }).count;
};
const create = (name: string, over: Record<string, unknown> = {}) =>
  nodes[0].send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: CODE },
      MemorySize: 512,
      Timeout: 60,
      ...over,
    }),
  );

async function refusal(run: Promise<unknown>): Promise<{ name: string; status: number }> {
  try {
    await run;
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode };
  }
  assert.fail('the invocation was not refused');
}

/** The worker hosts' adverts, as API nodes read them. */
async function adverts(): Promise<{ hostId: string; address: string; busy: number; warm: Record<string, number> }[]> {
  const { rows } = await db.query(`SELECT host_id, address, busy, warm FROM ${c.schema}.function_hosts WHERE expires_at > $1`, [
    Date.now(),
  ]);
  return rows.map((r) => ({
    hostId: r.host_id as string,
    address: r.address as string,
    busy: Number(r.busy),
    warm: r.warm as Record<string, number>,
  }));
}

/** The warm key of a function's $LATEST as worker hosts advertise it. */
async function keyOf(name: string): Promise<string> {
  const { rows } = await db.query(`SELECT user_id, code_sha256 FROM ${c.schema}.functions WHERE name = $1`, [name]);
  return warmKey(rows[0].user_id as string, name, '$LATEST', Buffer.from(rows[0].code_sha256 as string, 'base64').toString('hex'));
}

/** The hosts holding an idle warm instance of the function. */
async function warmHosts(name: string): Promise<string[]> {
  const key = await keyOf(name);
  return (await adverts()).filter((a) => (a.warm[key] ?? 0) > 0).map((a) => a.hostId);
}

before(async () => {
  if (skip) return;
  c = await startCluster({ servers: 2, env: { HANGAR_RATE_LIMIT: '0', HANGAR_WORKERS: '2' } });
  await c.addWorker();
  db = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  const made = await c.call('POST', '/keys', { userId: 'alice' });
  const { keyId, key } = made.body as { keyId: string; key: string };
  nodes = c.servers.map(
    (s) => new LambdaClient({ endpoint: s.url, region: REGION, credentials: { accessKeyId: keyId, secretAccessKey: key }, maxAttempts: 1 }),
  );
});
after(async () => {
  for (const n of nodes) n.destroy();
  await db?.end();
  await c?.close();
});

describe('synchronous invocations on the scale-out shape', { skip, timeout: 120_000 }, () => {
  it('an API node without workers runs the invocation on the worker host, warm from the second call on, through either API node', async () => {
    await create('counter');
    const cold = await invoke(nodes[0], 'counter');
    assert.equal(cold.StatusCode, 200);
    assert.deepEqual(JSON.parse(text(cold)), { count: 1 });
    assert.match(Buffer.from(cold.LogResult ?? '', 'base64').toString(), /Init Duration/);
    const warm = await invoke(nodes[0], 'counter');
    assert.deepEqual(JSON.parse(text(warm)), { count: 2 }, 'module state kept: the same warm instance');
    assert.doesNotMatch(Buffer.from(warm.LogResult ?? '', 'base64').toString(), /Init Duration/);
    assert.equal(await count(nodes[1], 'counter'), 3, 'the other API node reaches the same warm instance');
  });

  it("a worker host's function port refuses a request not signed with the shared key", async () => {
    const [{ address }] = await adverts();
    const body = Buffer.from('{}');
    for (const headers of [{}, { 'x-hangar-time': String(Date.now()), 'x-hangar-signature': 'AAAA' }]) {
      const res = await fetch(`${address}/invocations`, { method: 'POST', headers, body });
      assert.equal(res.status, 401);
    }
    assert.equal((await fetch(`${address}/other`)).status, 404);
  });

  it('with two worker hosts, the one holding a warm instance is preferred and both are used under concurrency', async () => {
    const second = await c.addWorker();
    await until(async () => (await adverts()).some((a) => a.hostId === second.id));
    await create('sticky');
    assert.equal(await count(nodes[0], 'sticky'), 1);
    // Each invocation would start cold on the other host half the time if the warm one were
    // not preferred: the count would start again from 1.
    for (let i = 2; i <= 6; i++) assert.equal(await count(nodes[0], 'sticky'), i);
    const [holder] = await until(async () => {
      const hosts = await warmHosts('sticky');
      return hosts.length === 1 ? hosts : null;
    });
    // The other API node learns it from the adverts.
    assert.equal(await count(nodes[1], 'sticky'), 7);
    // Its instance was busy a moment ago: the host advertises it idle again within its debounce.
    await until(async () => ((await warmHosts('sticky')).includes(holder) ? true : null));

    // Four at once from one node: two instances per host's two slots, least loaded first.
    await create('spread');
    const counts = await Promise.all([0, 1, 2, 3].map(() => count(nodes[0], 'spread', { sleepMs: 1500 })));
    assert.deepEqual(counts, [1, 1, 1, 1], 'four cold instances');
    const hosts = await until(async () => {
      const h = await warmHosts('spread');
      return h.length === 2 ? h : null;
    });
    assert.deepEqual(hosts.sort(), c.workers.map((w) => w.id).sort(), 'both worker hosts ran some');
  });

  it('reserved concurrency holds across API nodes: of two at once with 1 reserved, one is throttled (429)', async () => {
    await create('reserved');
    await nodes[0].send(new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 1 }));
    const outcomes = await Promise.allSettled([
      invoke(nodes[0], 'reserved', { sleepMs: 2000 }),
      invoke(nodes[1], 'reserved', { sleepMs: 2000 }),
    ]);
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const no = outcomes
      .filter((o) => o.status === 'rejected')
      .map((o) => (o as PromiseRejectedResult).reason as Error & { $metadata: { httpStatusCode: number } });
    assert.equal(ok.length, 1, 'one ran');
    assert.deepEqual(
      no.map((e) => [e.name, e.$metadata.httpStatusCode]),
      [['TooManyRequestsException', 429]],
    );
    // Its slot is free once it ends: one after the other, both run.
    assert.equal(typeof (await count(nodes[1], 'reserved')), 'number');
    assert.equal(typeof (await count(nodes[0], 'reserved')), 'number');
  });

  it('a circuit breaker opened through one API node fails fast on the other (the opening is shared through PostgreSQL)', async () => {
    const failing = makeZip({
      'index.js': "exports.handler = async (e) => { if (e.fail) throw new Error('down'); return { ok: true }; };",
    });
    await create('breaker', { Code: { ZipFile: failing } });
    const put = await c.call(
      'PUT',
      '/functions/breaker/circuit-breaker?userId=alice',
      { failureThreshold: 1, windowSeconds: 60, cooldownSeconds: 3600 },
      c.servers[0].url,
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
    // Node B runs it while closed; one failure through node A opens it.
    assert.equal(text(await invoke(nodes[1], 'breaker')), '{"ok":true}');
    assert.equal((await invoke(nodes[0], 'breaker', { fail: true })).FunctionError, 'Unhandled');
    // Node B hears of it (a NOTIFY away) and fails fast: nothing runs there either.
    const refused = await until(async () => {
      try {
        await invoke(nodes[1], 'breaker');
        return null;
      } catch (err) {
        return err as Error & { $metadata: { httpStatusCode: number } };
      }
    });
    assert.deepEqual([refused.name, refused.$metadata.httpStatusCode], ['ServiceException', 503]);
    assert.match(refused.message, /circuit breaker of function breaker is open/);
    const seen = await c.call('GET', '/functions/breaker/circuit-breaker?userId=alice', undefined, c.servers[1].url);
    assert.equal(seen.body.state, 'open');
  });

  it('a worker host SIGKILLed during an invocation: the caller gets ServiceException (500), not a hang; the next runs on the other host; none left → 503', async () => {
    await create('victim');
    const running = invoke(nodes[0], 'victim', { sleepMs: 50_000 });
    running.catch(() => {});
    // The host running it advertises the instance as busy.
    const busyHost = await until(async () => (await adverts()).find((a) => a.busy > 0)?.hostId, 20_000);
    const victim = c.workers.find((w) => w.id === busyHost) as WorkerProcess;
    victim.child.kill('SIGKILL');
    await victim.exited;
    assert.deepEqual(await refusal(running), { name: 'ServiceException', status: 500 });

    const survivor = c.workers.find((w) => w !== victim) as WorkerProcess;
    // Through both API nodes: the one that saw the host die, and one that may still try it.
    assert.equal(await count(nodes[0], 'victim'), 1);
    assert.equal((await count(nodes[1], 'counter')) > 0, true);

    survivor.child.kill('SIGTERM');
    await survivor.exited;
    assert.deepEqual(await refusal(invoke(nodes[1], 'victim')), { name: 'ServiceException', status: 503 });
  });
});
