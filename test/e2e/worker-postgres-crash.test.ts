/**
 * Fault test: PostgreSQL crashes (immediate-mode stop) while a standalone `hangar worker` has
 * nothing to do. The worker must stay up, say in its log that it is retrying, and take work
 * again once the database is back, without a restart; SIGTERM still stops it with status 0.
 * (postgres-restart.test.ts crashes it under `hangar up`, whose HTTP socket alone kept the
 * process alive and hid an idle worker's silent exit 0.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../helpers/platform.ts';
import { privatePostgresProblems, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { ADMIN, HANGAR_BIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV, startHangar, type HangarProcess } from '../helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-workerpg-'));
let pgsrv: PrivatePostgres | undefined;
let server: HangarProcess | undefined;
let worker: ChildProcess | undefined;
let workerExited: Promise<number | null> | undefined;
after(async () => {
  for (const c of [worker, server?.child]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all([workerExited, server?.exited]);
  await pgsrv?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('an idle standalone worker outlives a PostgreSQL crash, says it is retrying, and works again when the database is back', {
  skip: privatePostgresProblems(),
  timeout: 180_000,
}, async () => {
  pgsrv = await startPrivatePostgres();
  const env = {
    HANGAR_DATABASE_URL: pgsrv.url,
    HANGAR_SECRETS_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    // One directory: the worker's blobs (logs, results) are the API's (no bucket here).
    HANGAR_DATA_DIR: dir,
    HANGAR_HEARTBEAT_MS: '300',
    HANGAR_RATE_LIMIT: '0',
  };
  server = await startHangar(['server'], env);
  const w = spawn(HANGAR_BIN, ['worker'], {
    env: { ...process.env, ...TEST_EXECUTOR_ENV, ...env, HANGAR_ADMIN_KEY: TEST_ADMIN_KEY, HANGAR_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = w;
  let out = '';
  w.stdout!.on('data', (d) => (out += d));
  w.stderr!.on('data', (d) => (out += d));
  workerExited = new Promise((r) => w.on('exit', (code) => r(code)));
  const alive = () => w.exitCode === null && w.signalCode === null;
  await until(async () => out.includes('worker started') || !alive(), 30_000);
  assert.ok(alive(), `the worker did not start:\n${out}`);

  const submit = async () => {
    // While the database comes back the API may answer 503 for a moment.
    const res = await until(
      async () => {
        const r = await fetch(`${server!.url}/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ADMIN },
          body: JSON.stringify({ command: 'noop' }),
        });
        return r.status === 201 ? r : null;
      },
      30_000,
      200,
    );
    return ((await res.json()) as { taskId: string }).taskId;
  };
  const succeeded = (id: string) =>
    until(
      async () => {
        const t = (await (await fetch(`${server!.url}/tasks/${id}`, { headers: ADMIN })).json()) as { status: string };
        return t.status === 'SUCCESS' || !alive();
      },
      60_000,
      100,
    );

  // The worker takes work before the crash (only it can: the server runs none).
  await succeeded(await submit());
  assert.ok(alive());

  await pgsrv.crash();
  await until(async () => out.includes('store unavailable; retrying') || !alive(), 20_000).catch(() => {});
  assert.ok(alive(), `the worker exited (status ${w.exitCode}) when PostgreSQL went away:\n${out.slice(-3000)}`);
  assert.match(out, /store unavailable; retrying/, 'the worker says it is retrying');
  // An outage of a few seconds: its reconnects and claims fail several times meanwhile.
  await sleep(3000);
  assert.ok(alive(), `the worker exited (status ${w.exitCode}) while PostgreSQL was down:\n${out.slice(-3000)}`);

  await pgsrv.start();
  const id = await submit();
  await succeeded(id);
  assert.ok(alive(), `the worker exited (status ${w.exitCode}):\n${out.slice(-3000)}`);
  const history = (await (await fetch(`${server.url}/tasks/${id}/history`, { headers: ADMIN })).json()) as {
    history: { status: string; workerId: string | null }[];
  };
  assert.ok(
    history.history.some((h) => h.status === 'SUCCESS' && h.workerId !== null),
    'the standalone worker ran it',
  );
  await until(async () => out.includes('store reachable again'), 20_000);
  // Rate-limited: one line, then reminders 5, 10, 20, 40 s apart and then a minute apart (as
  // test/worker/outage.test.ts checks), not a line per failed claim or heartbeat.
  // Counted up to the first 'reachable again': a PostgreSQL that is still starting can answer one
  // call and refuse the next ('not yet accepting connections'), which is another outage, with
  // its own first line (seen in CI).
  const workerLines = out.split('\n').filter((l) => l.includes('"module":"worker"'));
  const backAt = workerLines.findIndex((l) => l.includes('store reachable again'));
  const back = JSON.parse(workerLines[backAt]!) as { downForMs: number; failures: number };
  const retryLines = workerLines.slice(0, backAt).filter((l) => /store (still )?unavailable; retrying/.test(l));
  let reminders = 0;
  for (let at = 5_000, gap = 5_000; at <= back.downForMs; gap = Math.min(gap * 2, 60_000), at += gap) reminders++;
  assert.ok(
    retryLines.length <= 1 + reminders && retryLines.length < back.failures,
    `${back.failures} failures over ${back.downForMs} ms logged ${retryLines.length} times:\n${retryLines.join('\n')}`,
  );

  w.kill('SIGTERM');
  assert.equal(await workerExited, 0, 'SIGTERM still stops it cleanly');
});
