/**
 * Fault test 5: a worker on another "host" (its own network namespace, joined by a veth link)
 * loses its link mid-task. The API node's upkeep presumes it dead and the task runs again on a
 * worker that can still reach the database; when the link comes back the cut-off worker's
 * attempt cannot complete.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNetNs, netnsProblems, type NetNs } from '../helpers/netns.ts';
import { WsClient } from '../helpers/live.ts';
import { until } from '../helpers/platform.ts';
import { privatePostgresProblems, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { ADMIN, HANGAR_BIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV, startHangar, type HangarProcess } from '../helpers/process.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-netns-'));
let ns: NetNs | undefined;
let pgsrv: PrivatePostgres | undefined;
let s3: TestS3 | undefined;
const procs: { child: import('node:child_process').ChildProcess; exited: Promise<unknown> }[] = [];
after(async () => {
  await ns?.restore().catch(() => undefined);
  for (const p of procs) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await s3?.close();
  await pgsrv?.close();
  await ns?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('5. a worker cut off mid-task: the task runs elsewhere; back online, its attempt cannot complete', {
  skip: netnsProblems() || privatePostgresProblems(),
  timeout: 120_000,
}, async () => {
  ns = await createNetNs();
  pgsrv = await startPrivatePostgres(['127.0.0.1', ns.hostAddress]);
  s3 = await startS3('hangar-netns', '0.0.0.0');
  const common = {
    HANGAR_SECRETS_KEY: randomBytes(32).toString('base64'),
    HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
    HANGAR_HEARTBEAT_MS: '250',
    HANGAR_WORKER_STALE_MS: '1500',
    HANGAR_LOG_LEVEL: 'info',
  };
  const api: HangarProcess = await startHangar(['server'], {
    ...common,
    ...s3.env,
    HANGAR_DATABASE_URL: pgsrv.url,
    HANGAR_DATA_DIR: join(dir, 'api'),
  });
  procs.push(api);

  // The remote worker reaches PostgreSQL and S3 at the host's address on the veth link only.
  // nsenter, not `ip netns exec`: that also remounts /sys, hiding the cgroups the sandbox needs.
  const remote = spawn('nsenter', [`--net=/run/netns/${ns.name}`, '--', HANGAR_BIN, 'worker'], {
    env: {
      ...process.env,
      ...TEST_EXECUTOR_ENV,
      ...common,
      ...s3.env,
      HANGAR_S3_ENDPOINT: s3.endpoint.replace('127.0.0.1', ns.hostAddress),
      HANGAR_DATABASE_URL: `postgres://postgres@${ns.hostAddress}:${pgsrv.port}/postgres`,
      HANGAR_DATA_DIR: join(dir, 'remote'),
      HANGAR_WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  remote.stdout!.on('data', (d) => (out += d));
  remote.stderr!.on('data', (d) => (out += d));
  procs.push({ child: remote, exited: new Promise((r) => remote.on('exit', r)) });
  await until(async () => /worker (\S+) running/.test(out) || remote.exitCode !== null, 30_000);
  const remoteId = /worker (\S+) running/.exec(out)?.[1];
  assert.ok(remoteId, `the remote worker did not start:\n${out}`);

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(api.url + path, {
      method,
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await res.json()) as Record<string, any>;
  };
  const id = (await call('POST', '/tasks', { shell: 'echo started; sleep 3; echo done', maxAttempts: 5 })).taskId as string;
  await until(
    async () => (await call('GET', `/tasks/${id}/history`)).history.some((h: { workerId: string }) => h.workerId === remoteId),
    20_000,
  );
  // Leased is not started: a task pushed to an idle worker is leased at submit, before the
  // worker has heard of it. Its first line, live, says it runs.
  const ws = new WsClient(api.url, ADMIN);
  await ws.send({ type: 'subscribe', channel: `task:${id}` });
  await ws.waitFor((m) => m.type === 'output' && m.data === 'started\n');
  ws.close();
  await ns.cut();

  // A worker on this host takes the task over once the cut-off one is presumed dead.
  const local = spawn(HANGAR_BIN, ['worker'], {
    env: {
      ...process.env,
      ...TEST_EXECUTOR_ENV,
      ...common,
      ...s3.env,
      HANGAR_DATABASE_URL: pgsrv.url,
      HANGAR_DATA_DIR: join(dir, 'local'),
      HANGAR_WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let localOut = '';
  local.stdout!.on('data', (d) => (localOut += d));
  local.stderr!.on('data', (d) => (localOut += d));
  procs.push({ child: local, exited: new Promise((r) => local.on('exit', r)) });
  const t = await until(
    async () => {
      const v = await call('GET', `/tasks/${id}`);
      return v.status === 'SUCCESS' ? v : null;
    },
    40_000,
    200,
  );
  assert.equal(t.attempt, 2);
  // The remote attempt's sleep ended during the cut; restore the link and let it try to report.
  await sleep(500);
  await ns.restore();
  await until(async () => /lease lost; outcome not recorded|attempt was stale; outcome discarded/.test(out), 60_000, 200);
  const history = (await call('GET', `/tasks/${id}/history`)).history as { status: string; attempt: number; workerId: string }[];
  const localId = /worker (\S+) running/.exec(localOut)![1];
  assert.deepEqual(
    history.filter((h) => h.status === 'SUCCESS').map((h) => [h.attempt, h.workerId]),
    [[2, localId]],
  );
  assert.ok(
    history.some((h) => h.status === 'RUNNING' && h.attempt === 1 && h.workerId === remoteId),
    'attempt 1 ran on the cut-off host',
  );
  assert.equal((await call('GET', `/tasks/${id}`)).attempt, 2, 'the late attempt changed nothing');
});
