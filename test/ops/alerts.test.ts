/**
 * Alerts against a real local HTTP receiver: the queue-depth and no-capacity rules fire when
 * tasks wait with no worker, the dead-letter and error-rate rules when tasks fail for good;
 * each transition is POSTed once (signed), a receiver that fails is retried, and rules resolve
 * when their condition clears. /health turns 503 naming the compute check while no_capacity
 * fires; GET /alerts lists the states.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

interface Received {
  body: { alert: string; state: string; value: number; threshold: number; message: string; text: string; source: string; since: string };
  signature: string | undefined;
  raw: string;
}
const SECRET = 'alert-signing-secret';
const received: Received[] = [];
let failNext = 0;
let refused = 0;
let server: Server;
let p: TestPlatform;

before(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        refused++;
        res.writeHead(500).end();
        return;
      }
      received.push({ body: JSON.parse(raw), signature: req.headers['x-hangar-signature'] as string | undefined, raw });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  p = await testPlatform({
    // No worker at first: tasks wait.
    HANGAR_WORKERS: '0',
    HANGAR_ALERT_WEBHOOK_URL: url,
    HANGAR_ALERT_WEBHOOK_SECRET: SECRET,
    HANGAR_ALERT_QUEUE_DEPTH: '3',
    HANGAR_ALERT_DEAD_LETTERS: '1',
    HANGAR_ALERT_ERROR_RATE: '0.5',
    HANGAR_ALERT_ERROR_MIN_TASKS: '2',
    HANGAR_ALERT_FOR_MS: '300',
    HANGAR_ALERT_INTERVAL_MS: '100',
  });
});
after(async () => {
  await p?.close();
  server?.close();
});

const of = (alert: string, state: string) => received.filter((r) => r.body.alert === alert && r.body.state === state);
const submit = async (body: object): Promise<string> => {
  const r = await p.inject({ method: 'POST', url: '/tasks', payload: body });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().taskId as string;
};

it('fires queue_depth and no_capacity when tasks wait with no worker, once each, signed; /health is 503 on compute', {
  timeout: 30_000,
}, async () => {
  const before = await p.inject({ method: 'GET', url: '/alerts' });
  assert.equal(before.statusCode, 200);
  assert.deepEqual(
    before.json().alerts.map((a: { name: string }) => a.name),
    ['queue_depth', 'error_rate', 'dead_letters', 'no_capacity'],
  );
  assert.equal(
    (await p.inject({ method: 'GET', url: '/health', auth: null })).statusCode,
    200,
    'no worker but nothing waiting: degraded, not down',
  );

  failNext = 1; // the receiver fails the first delivery: it is retried
  for (let i = 0; i < 4; i++) await submit({ shell: 'exit 1', maxAttempts: 1 });
  await until(async () => (of('queue_depth', 'firing').length === 1 && of('no_capacity', 'firing').length === 1 ? true : null), 20_000, 20);
  assert.equal(refused, 1, 'one delivery was refused and retried');
  const q = of('queue_depth', 'firing')[0];
  assert.equal(q.body.value, 4);
  assert.equal(q.body.threshold, 3);
  assert.equal(q.body.source, 'hangar');
  assert.match(q.body.text, /queue_depth FIRING: 4 tasks waiting/);
  assert.equal(q.signature, `sha256=${createHmac('sha256', SECRET).update(q.raw).digest('hex')}`, 'HMAC of the exact body');

  const health = await p.inject({ method: 'GET', url: '/health', auth: null });
  assert.equal(health.statusCode, 503);
  assert.equal(health.json().status, 'unhealthy');
  assert.equal(health.json().checks.compute, false);
  assert.ok(health.json().warnings.some((w: string) => w.startsWith('alert no_capacity firing')));
  assert.equal((await p.inject({ method: 'GET', url: '/health/live', auth: null })).statusCode, 200, 'the API process itself is alive');
  const listed = (await p.inject({ method: 'GET', url: '/alerts' })).json().alerts as { name: string; state: string }[];
  assert.equal(listed.find((a) => a.name === 'queue_depth')?.state, 'firing');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(of('queue_depth', 'firing').length, 1, 'a firing rule is notified once, not on every evaluation');
});

it('resolves them when workers run the tasks, and fires dead_letters and error_rate as the tasks fail for good', {
  timeout: 30_000,
}, async () => {
  // A worker arrives: the waiting tasks run (and fail: exit 1, no retries).
  const { WorkerPool } = await import('../../src/worker/index.ts');
  const { ProcessExecutor } = await import('../../src/executor/index.ts');
  const { createLogger } = await import('../../src/log/index.ts');
  const { join } = await import('node:path');
  const pool = new WorkerPool({
    store: p.store,
    blobs: p.blobs,
    executor: new ProcessExecutor({ maxOutputBytes: 65536 }),
    log: createLogger('silent'),
    workerId: 'alerts-test-worker',
    concurrency: 4,
    workDir: join(p.dir, 'work'),
    heartbeatMs: 200,
    pollMs: 100,
  });
  await pool.start();
  try {
    await until(
      async () => (of('queue_depth', 'resolved').length === 1 && of('no_capacity', 'resolved').length === 1 ? true : null),
      20_000,
      20,
    );
    await until(
      async () => (of('dead_letters', 'firing').length === 1 && of('error_rate', 'firing').length === 1 ? true : null),
      20_000,
      20,
    );
    assert.equal(of('dead_letters', 'firing')[0].body.value, 4);
    assert.equal(of('error_rate', 'firing')[0].body.value, 1);
    assert.equal((await p.inject({ method: 'GET', url: '/health', auth: null })).json().checks.compute, true);
  } finally {
    await pool.close(0);
  }
});
