/**
 * The scale-out shape with real processes: two stateless `hangar server` nodes and two
 * `hangar worker` processes sharing one PostgreSQL schema and one S3 bucket (s3rver). Work
 * submitted on either node runs on either worker, woken by NOTIFY (their fallback poll is set
 * to a minute, longer than the test), and results and logs come back through the other node
 * from S3.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { until } from '../helpers/platform.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';
import { ADMIN, HANGAR_BIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV, freePort, startHangar, type HangarProcess } from '../helpers/process.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';

const schema = freshSchema('hangar_e2e');
const dir = mkdtempSync(join(tmpdir(), 'hangar-scale-'));
/** Every node shares one secrets master key (startup refuses otherwise). */
const SECRETS_KEY = randomBytes(32).toString('base64');
let s3: TestS3;
const servers: HangarProcess[] = [];
const workers: { child: ChildProcess; output: () => string; exited: Promise<number | null> }[] = [];

function shared(node: string): Record<string, string> {
  return {
    ...s3.env,
    HANGAR_DATABASE_URL: TEST_DATABASE_URL,
    HANGAR_DATABASE_SCHEMA: schema,
    HANGAR_SECRETS_KEY: SECRETS_KEY,
    HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
    HANGAR_DATA_DIR: join(dir, node),
    HANGAR_POLL_MS: '60000',
    HANGAR_HEARTBEAT_MS: '300',
    HANGAR_LOG_LEVEL: 'warn',
  };
}

async function startWorker(node: string, apiUrl: string) {
  const child = spawn(HANGAR_BIN, ['worker'], {
    env: { ...process.env, ...TEST_EXECUTOR_ENV, ...shared(node), HANGAR_WORKERS: '2', HANGAR_URL: apiUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(async () => /worker \S+ running 2 tasks/.test(out) || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`worker exited:\n${out}`);
  workers.push({ child, output: () => out, exited });
}

before(async () => {
  s3 = await startS3();
  for (const node of ['api-1', 'api-2']) servers.push(await startHangar(['server'], shared(node), await freePort()));
  await startWorker('worker-1', servers[0].url);
  await startWorker('worker-2', servers[0].url);
});

after(async () => {
  for (const p of [...servers, ...workers]) p.child.kill('SIGTERM');
  await Promise.all([...servers, ...workers].map((p) => p.exited));
  await s3?.close();
  await dropTestSchemas();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (base: string, method: string, path: string, body?: object) => {
  const res = await fetch(base + path, { method, headers: { ...ADMIN, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

it('runs work submitted on either API node on either worker, results and logs through S3', { timeout: 90_000 }, async () => {
  const [a, b] = servers.map((s) => s.url);
  const bodies = [
    { command: 'cpu-intensive', priority: 5 },
    { command: 'io-intensive' },
    { command: 'network-test' },
    { shell: 'echo "from $HOSTNAME-ish worker"; echo oops >&2' },
    ...Array.from({ length: 12 }, (_, i) => ({ shell: `sleep 0.2; echo task-${i}` })),
  ];
  const ids: string[] = [];
  for (const [i, body] of bodies.entries()) {
    const r = await call(i % 2 ? b : a, 'POST', '/tasks', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.taskId);
  }
  const done = await until(async () => {
    const ts = await Promise.all(ids.map(async (id, i) => (await call(i % 2 ? a : b, 'GET', `/tasks/${id}`)).body));
    return ts.every((t) => t.status === 'SUCCESS' || t.status === 'FAILED') ? ts : null;
  }, 60_000, 100);
  for (const t of done) assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
  assert.equal(done[0].detailedResults.result.message, 'CPU-intensive task completed');
  const logs = (await call(b, 'GET', `/tasks/${ids[3]}/logs`)).body;
  assert.match(logs.stdout, /worker/);
  assert.equal(logs.stderr, 'oops\n');
  const histories = await Promise.all(ids.map(async (id) => (await call(a, 'GET', `/tasks/${id}/history`)).body.history as { workerId: string | null }[]));
  const ran = new Set(histories.flatMap((h) => h.map((e) => e.workerId).filter(Boolean)));
  assert.equal(ran.size, 2, `both workers ran tasks: ${[...ran]}`);
  const health = (await call(b, 'GET', '/health')).body;
  assert.equal(health.status, 'healthy');
  assert.deepEqual(health.checks, { database: true, storage: true, compute: true });
  assert.equal(health.metrics.workers, 2);
});
