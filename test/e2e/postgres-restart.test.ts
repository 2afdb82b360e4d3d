/**
 * Fault test: PostgreSQL crashes (immediate-mode stop) during a burst of submits and comes back.
 * While it is down the API answers 503 with Retry-After; every acknowledged submit persists
 * and its task completes; Hangar recovers without being restarted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { until, untilDrained, untilEach } from '../helpers/platform.ts';
import { privatePostgresProblems, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { ADMIN, startHangar, type HangarProcess } from '../helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-pgrestart-'));
let pgsrv: PrivatePostgres | undefined;
let h: HangarProcess | undefined;
after(async () => {
  h?.child.kill('SIGTERM');
  await h?.exited;
  await pgsrv?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a PostgreSQL crash mid-burst: 503 + Retry-After while down, no acknowledged task lost, recovery without a restart', {
  skip: privatePostgresProblems(),
  timeout: 300_000,
}, async () => {
  pgsrv = await startPrivatePostgres();
  h = await startHangar(['up'], {
    HANGAR_DATABASE_URL: pgsrv.url,
    HANGAR_SECRETS_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    HANGAR_DATA_DIR: dir,
    HANGAR_WORKERS: '4',
    HANGAR_HEARTBEAT_MS: '300',
    // The check below reads every acknowledged task, a few hundred requests at a time.
    HANGAR_RATE_LIMIT: '0',
    HANGAR_LOG_LEVEL: 'info',
  });
  const base = h.url;

  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let retryAfterSeen = false;
  let stop = false;
  const submitter = async (lane: number) => {
    for (let i = 0; !stop; i++) {
      const res = await fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ADMIN },
        body: JSON.stringify(i % 2 ? { command: 'noop', metadata: { lane, i } } : { shell: 'sleep 0.05; echo ok' }),
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const body = (await res.json()) as { taskId?: string };
      if (res.status === 201) acknowledged.push(body.taskId!);
      else if (res.status === 503) {
        retryAfterSeen ||= Number(res.headers.get('retry-after')) >= 1;
        await sleep(100);
      }
    }
  };
  const lanes = Array.from({ length: 4 }, (_, lane) => submitter(lane));
  await until(async () => acknowledged.length >= 100, 30_000);
  await pgsrv.crash();
  const ackedBeforeCrash = acknowledged.length;
  await until(async () => (statuses.get(503) ?? 0) >= 5, 20_000);
  const health = await fetch(`${base}/health`);
  assert.equal(health.status, 503, 'health says unhealthy while the database is down');
  await pgsrv.start();
  await until(async () => acknowledged.length >= ackedBeforeCrash + 100, 60_000);
  stop = true;
  await Promise.all(lanes);

  assert.deepEqual([...statuses.keys()].sort(), [201, 503], `only 201 and 503 were answered: ${JSON.stringify([...statuses])}`);
  assert.ok(retryAfterSeen, '503s carry Retry-After');
  // Every acknowledged task is there and finishes, with no restart of Hangar (however slowly
  // a loaded host drains them: the wait fails when none finishes for 30 s).
  // The queues drained first (one cheap read at a time), the reads of each task then find them
  // done at once: polling each of a few hundred tasks took a third of the test's CPU.
  await untilDrained(async () => {
    const res = await fetch(`${base}/queues`, { headers: ADMIN });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return ((await res.json()) as { queues: { pending: number; running: number }[] }).queues.reduce((n, q) => n + q.pending + q.running, 0);
  });
  const read = async (id: string) => {
    const res = await fetch(`${base}/tasks/${id}`, { headers: ADMIN });
    return { http: res.status, ...((await res.json()) as { status: string }) };
  };
  await untilEach(acknowledged, read, (t) => t.http === 200 && t.status === 'SUCCESS').catch((err: Error & { pending?: string[] }) => {
    const logged = h!
      .output()
      .split('\n')
      .filter((line) => err.pending?.some((id) => line.includes(id)))
      .slice(0, 20);
    throw new Error(`${err.message}; logged about them:\n${logged.join('\n')}`);
  });
  assert.equal((await fetch(`${base}/health`)).status, 200);
});
