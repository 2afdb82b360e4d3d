/**
 * The autoscaler with real worker processes (LocalProcessProvider): from zero workers, a burst
 * of tasks launches the desired count, decided on the submit's ready signal (the periodic check
 * is set to 10 minutes, longer than the test, so nothing else could have triggered it); idle
 * workers are retired down to zero after the (shortened) idle period while a busy one keeps
 * its task; and a later task brings a worker back. Every decision is in the store.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Autoscaler } from '../../src/autoscale/index.ts';
import { LocalProcessProvider } from '../../src/autoscale/local.ts';
import { createLogger } from '../../src/log/index.ts';
import { systemClock, type Task } from '../../src/core/index.ts';
import type { ScalingEvent } from '../../src/store/index.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
before(async () => {
  p = await testPlatform(
    {
      HANGAR_WORKERS: '2',
      HANGAR_AUTOSCALE_MAX_WORKERS: '3',
      HANGAR_AUTOSCALE_MIN_WORKERS: '0',
      HANGAR_AUTOSCALE_TASKS_PER_WORKER: '2',
      HANGAR_AUTOSCALE_INTERVAL_MS: '600000',
      HANGAR_AUTOSCALE_IDLE_MS: '1500',
      HANGAR_POLL_MS: '60000',
      HANGAR_LOG_LEVEL: 'warn',
      // The leader lease lasts this long (renewed every second): a standby takes over quickly.
      HANGAR_WORKER_STALE_MS: '3000',
    },
    { api: true, workers: true, autoscaler: true },
  );
});
after(async () => p?.close());

const submit = async (body: object): Promise<string> => {
  const r = await p.inject({ method: 'POST', url: '/tasks', payload: body });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().taskId as string;
};
const events = async (): Promise<ScalingEvent[]> => (await p.store.scalingEvents({ limit: 100 })).reverse();
// biome-ignore lint/complexity/useLiteralKeys: a private field, which TypeScript lets brackets read
const units = async () => p.autoscaler!['o'].provider.units();
const finished = (ids: string[]) =>
  until(
    async () => {
      const ts = (await Promise.all(ids.map((id) => p.store.get(id)))) as Task[];
      return ts.every((t) => t && ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status)) ? ts : null;
    },
    60_000,
    50,
  );

it('scales from zero to the desired count on a burst, retires only idle workers, back to zero and up again', {
  timeout: 120_000,
}, async () => {
  assert.ok(p.autoscaler, 'the autoscaler runs');
  assert.equal(p.pool, null, 'no in-process workers: capacity comes from the autoscaler');
  await p.autoscaler.settled();
  assert.equal((await units()).length, 0, 'zero workers while the queue is empty');
  assert.equal((await p.store.liveWorkers(60_000)).length, 0);

  // A burst: 5 short tasks and one long one. depth 6 / 2 per worker = 3 workers.
  const burstAt = Date.now();
  const short = await Promise.all(Array.from({ length: 5 }, (_, i) => submit({ shell: `sleep 0.3; echo short-${i}` })));
  const long = await submit({ shell: 'sleep 4; echo long' });
  const launched = await until(
    async () => {
      const ev = (await events()).filter((e) => e.action === 'launch');
      return ev.reduce((n, e) => n + e.workers.length, 0) >= 3 ? ev : null;
    },
    30_000,
    10,
  );
  const firstLaunch = launched[0];
  assert.ok(firstLaunch.desired >= 1 && firstLaunch.desired <= 3);
  assert.equal(launched.at(-1)!.desired, 3, 'desired = min(max(ceil(6 / 2), 0), 3)');
  assert.equal(
    launched.reduce((n, e) => n + e.workers.length, 0),
    3,
    'exactly the desired count, no more',
  );
  console.log(
    `# burst → launch decision of ${launched.at(-1)!.desired} workers: ${launched.at(-1)!.at - burstAt} ms (first: ${firstLaunch.at - burstAt} ms)`,
  );
  const ids = launched.flatMap((e) => e.workers);
  await until(async () => ((await p.store.liveWorkers(60_000)).length === 3 ? true : null), 30_000, 20);
  console.log(`# burst → 3 worker processes leasing: ${Date.now() - burstAt} ms`);

  const done = await finished([...short, long]);
  for (const t of done) assert.equal(t.status, 'SUCCESS', JSON.stringify(t.failure));
  for (const t of done) assert.equal(t.attempt, 1, 'no task was interrupted or re-run');
  const longTask = done.at(-1)!;
  const longHistory = await p.store.history(long);
  const longWorker = longHistory.find((h) => h.status === 'RUNNING')!.workerId!;
  assert.ok(ids.includes(longWorker));

  // Back to zero once every worker has been idle for the idle period.
  await until(async () => ((await units()).length === 0 && (await p.store.liveWorkers(60_000)).length === 0 ? true : null), 30_000, 50);
  const retires = (await events()).filter((e) => e.action === 'retire');
  assert.deepEqual(retires.flatMap((e) => e.workers).sort(), [...ids].sort(), 'each launched worker retired once');
  const longRetire = retires.find((e) => e.workers.includes(longWorker))!;
  assert.ok(longRetire.at >= longTask.completedAt! + 1500, 'the worker running the long task was retired only after it finished and idled');
  assert.ok(
    retires.some((e) => e.at < longTask.completedAt!),
    'idle workers retired while the busy one kept working',
  );
  assert.equal(retires.at(-1)!.desired, 0, 'scaled to zero');

  // And up again from zero.
  const again = await submit({ shell: 'echo again' });
  const [t] = await finished([again]);
  assert.equal(t.status, 'SUCCESS');
  const last = (await events()).filter((e) => e.action === 'launch').at(-1)!;
  assert.equal(last.desired, 1);
  assert.equal(last.current, 0);

  // The attempts ran in worker processes, three of which have exited: /metrics still counts them all.
  const m = (await p.inject({ method: 'GET', url: '/metrics' })).body;
  const value = (line: string) =>
    Number(
      m
        .split('\n')
        .find((l) => l.startsWith(line + ' '))
        ?.split(' ')
        .at(-1),
    );
  assert.equal(
    value('hangar_attempts_total{outcome="SUCCESS"}'),
    7,
    m
      .split('\n')
      .filter((l) => l.startsWith('hangar_attempts'))
      .join('\n'),
  );
  assert.equal(value('hangar_task_run_seconds_count{queue="default"}'), 7);
  assert.equal(value('hangar_tasks_finished_total{status="SUCCESS",queue="default"}'), 7);
});

it('a second autoscaler on the same store stands by (launches nothing) and takes over when the leader stops', {
  timeout: 120_000,
}, async () => {
  const provider = new LocalProcessProvider({ config: p.config, log: createLogger('warn') });
  const standby = new Autoscaler({
    store: p.store,
    provider,
    log: createLogger('warn'),
    clock: systemClock,
    rule: { min: 0, max: 3, tasksPerWorker: 2 },
    intervalMs: 600_000,
    idleMs: 1500,
    leaseMs: 3000,
  });
  await standby.start();
  try {
    let most = 0;
    const watch = setInterval(() => void provider.units().then((u) => (most = Math.max(most, u.length))), 10);
    const ids = await Promise.all([submit({ shell: 'sleep 0.5' }), submit({ shell: 'sleep 0.5' })]);
    const done = await finished(ids);
    clearInterval(watch);
    for (const t of done) assert.equal(t.status, 'SUCCESS');
    assert.equal(most, 0, 'the standby started no worker');

    await p.autoscaler!.close(); // the leader stops (its workers drain) and gives the lease up
    const [t] = await finished([await submit({ shell: 'echo after-takeover' })]);
    assert.equal(t.status, 'SUCCESS', 'the standby took over and started a worker for it');
    const ran = (await p.store.history(t.id)).find((h) => h.status === 'RUNNING')!.workerId!;
    assert.ok(
      (await provider.units()).some((u) => u.id === ran) || (await events()).some((e) => e.action === 'launch' && e.workers.includes(ran)),
    );
  } finally {
    await standby.close();
  }
});
