/**
 * Fault tests of the scale-out shape with real processes, PostgreSQL and S3:
 *  1. workers SIGKILLed mid-task, several times during a run of a few hundred tasks: every
 *     task is re-leased and completed exactly once (tasks report each (taskId, attempt) they
 *     run to a ledger, over the guarded egress, and the test checks it against the store),
 *     and the audit log holds every attempt that ran;
 *     An idle worker SIGKILLed while its slots are offered to submits (push dispatch) is
 *     never pushed to: its database session is gone with it;
 *  2. a stopped worker's late completion is refused (SIGSTOP past its lease, SIGCONT);
 *  4. SIGTERM drains a worker: no new leases, in-flight tasks finish, or are released when the
 *     grace period ends, and run elsewhere;
 *  6. the S3 server stops answering (SIGSTOP) while tasks finish: their outcomes wait, their
 *     leases held, and are recorded with their logs once it answers again; nothing runs twice.
 * (3, a PostgreSQL crash, is postgres-restart.test.ts; 5, a network cut, worker-netns.test.ts.)
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { ADMIN } from '../helpers/process.ts';
import { until, untilEach } from '../helpers/platform.ts';

const FINAL = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

/** Where tasks report what ran: `POST /?t=<taskId>&a=<attempt>`. */
let ledger: Server;
let ledgerPort = 0;
const ledgerEntries: { t: string; a: number }[] = [];
let c: Cluster;

before(async () => {
  ledger = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    ledgerEntries.push({ t: u.searchParams.get('t') ?? '', a: Number(u.searchParams.get('a')) });
    res.end('ok');
  });
  await new Promise<void>((r) => ledger.listen(0, '127.0.0.1', r));
  ledgerPort = (ledger.address() as { port: number }).port;
  c = await startCluster({
    env: {
      HANGAR_WORKER_STALE_MS: '1500',
      HANGAR_HEARTBEAT_MS: '250',
      HANGAR_EGRESS_ALLOW: `127.0.0.1:${ledgerPort}`,
      HANGAR_RATE_LIMIT: '0',
      HANGAR_S3_REQUEST_TIMEOUT_MS: '1000',
    },
  });
});
after(async () => {
  await c?.close();
  ledger?.close();
});

const reportingTask = (sleepS: number) => ({
  shell: `sleep ${sleepS}; curl -sf -X POST "http://127.0.0.1:${ledgerPort}/?t=$HANGAR_TASK_ID&a=$HANGAR_ATTEMPT"`,
  network: 'egress',
  visibilityTimeout: 5,
  maxAttempts: 20,
});

/** A task that reports its start to the ledger, then runs `rest`. A task shows RUNNING from
 *  the moment it is leased, and one pushed to an idle worker is leased at submit, before its
 *  worker has heard of it: a test that acts on a started task waits for this report. */
const marked = (rest: string, over: object = {}) => ({
  shell: `curl -sf -X POST "http://127.0.0.1:${ledgerPort}/?t=$HANGAR_TASK_ID&a=$HANGAR_ATTEMPT"; ${rest}`,
  network: 'egress',
  ...over,
});
const started = (ids: string[], attempt = 1) =>
  until(async () => (ids.every((id) => ledgerEntries.some((e) => e.t === id && e.a === attempt)) ? true : null));

/** The tasks once each is final; fails when none gets there for `stallMs`. */
function finalTasks(ids: string[], stallMs = 30_000) {
  return untilEach(
    ids,
    async (id) => (await c.call('GET', `/tasks/${id}`)).body,
    (t) => FINAL.includes(t.status),
    stallMs,
  );
}

describe('worker faults', { timeout: 240_000 }, () => {
  it('1. SIGKILLed workers: every task re-leased and completed exactly once', async () => {
    // Started side by side, and the tasks submitted ten at a time: a worker's start and a submit
    // are mostly waits (measured: 4.6 s for the three started one after the other, 3.3 s for the
    // submits one after the other).
    await Promise.all([0, 1, 2].map(() => c.addWorker({ HANGAR_WORKERS: '4' })));
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, async () => (await c.call('POST', '/tasks', reportingTask(0.15))).body.taskId as string),
        )),
      );
    // Kill a busy worker three times, each time starting another. The kills 1.2 s apart, each
    // also after the last one's replacement is running (it joins c.workers then), while that
    // one starts; the victim the oldest alive: one of the first three, busy since the submits.
    let replacement: Promise<unknown> = Promise.resolve();
    for (let k = 0; k < 3; k++) {
      await Promise.all([sleep(1200), replacement]);
      const victim = c.workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      replacement = c.addWorker({ HANGAR_WORKERS: '4' });
    }
    await replacement;
    const tasks = await finalTasks(ids);
    const histories = await Promise.all(
      ids.map(async (id) => (await c.call('GET', `/tasks/${id}/history`)).body.history as { status: string; attempt: number }[]),
    );
    let reLeased = 0;
    for (const [i, t] of tasks.entries()) {
      assert.equal(t.status, 'SUCCESS', `${t.taskId}: ${JSON.stringify(t.error)}`);
      assert.equal(histories[i].filter((h) => h.status === 'SUCCESS').length, 1, `${t.taskId} completed once`);
      const ran = ledgerEntries.filter((e) => e.t === t.taskId);
      assert.ok(
        ran.some((e) => e.a === t.attempt),
        `${t.taskId}: its completing attempt ${t.attempt} is in the ledger`,
      );
      assert.equal(new Set(ran.map((e) => e.a)).size, ran.length, `${t.taskId}: no attempt ran twice`);
      if (t.attempt > 1) reLeased++;
    }
    assert.ok(reLeased > 0, 'killed workers held tasks that were re-leased');
    // Every attempt that ran is in the audit log, however soon after it its worker died: a
    // recorded outcome is written with its entry, and an attempt whose worker died is audited
    // by the reaper that ends it.
    for (const t of tasks) {
      const audit = (await c.call('GET', `/audit?action=task.execute&target=${t.taskId}`)).body.entries as {
        outcome: string;
        detail: { attempt: number; next: string };
      }[];
      assert.ok(
        audit.some((e) => e.outcome === 'SUCCESS' && e.detail.attempt === t.attempt && e.detail.next === 'SUCCESS'),
        `${t.taskId}: the execution of attempt ${t.attempt} is audited (${JSON.stringify(audit)})`,
      );
      for (const e of ledgerEntries.filter((x) => x.t === t.taskId && x.a !== t.attempt)) {
        const ended = audit.some((x) => x.detail.attempt === e.a && ['WORKER_LOST', 'LEASE_EXPIRED'].includes(x.outcome));
        assert.ok(ended, `${t.taskId}: attempt ${e.a} ran and its worker died: audited (${JSON.stringify(audit)})`);
      }
    }
  });

  it('1b. an idle worker SIGKILLed: no submit is pushed to its offered slots', async () => {
    for (const w of c.workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(c.workers.map((w) => w.exited));
    // Both idle, both offering their slots to submits (push dispatch), renewed every heartbeat;
    // the victim's offer lasts three of its heartbeats: 6 s.
    const victim = await c.addWorker({ HANGAR_WORKERS: '2', HANGAR_HEARTBEAT_MS: '2000' });
    const survivor = await c.addWorker({ HANGAR_WORKERS: '2' });
    await sleep(600);
    victim.child.kill('SIGKILL');
    await victim.exited;
    // Its offer has not expired yet, but its database session has gone (give PostgreSQL a
    // moment to see the connection closed).
    await sleep(500);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await c.call('POST', '/tasks', { args: ['true'] })).body.taskId);
    // A push to the dead worker would run only once the upkeep re-queues the dead worker's
    // tasks (HANGAR_WORKER_STALE_MS), as a second attempt (checked: it does without the
    // session check).
    for (const t of await finalTasks(ids, 15_000)) {
      assert.equal(t.status, 'SUCCESS');
      assert.equal(t.attempt, 1, `${t.taskId} ran at its first attempt`);
    }
    const ran = await Promise.all(
      ids.map(
        async (id) =>
          (
            (await c.call('GET', `/tasks/${id}/history`)).body.history as { status: string; workerId: string; reason: string | null }[]
          ).find((h) => h.status === 'RUNNING')!,
      ),
    );
    assert.ok(
      ran.every((h) => h.workerId === survivor.id),
      'all on the live worker',
    );
    assert.ok(
      ran.some((h) => h.reason === 'pushed to an idle worker at submit'),
      'pushed to it while idle',
    );
  });

  it('2. a stopped worker that wakes past its lease cannot complete its stale attempt', async () => {
    for (const w of c.workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(c.workers.map((w) => w.exited));
    const sleeper = await c.addWorker({ HANGAR_WORKERS: '1' });
    const id = (await c.call('POST', '/tasks', marked('sleep 1.5; echo done', { visibilityTimeout: 2, maxAttempts: 5 }))).body.taskId;
    await started([id]);
    sleeper.child.kill('SIGSTOP');
    // Its lease lapses (no heartbeats); the API node's upkeep re-queues the task; another worker runs it.
    const other = await c.addWorker({ HANGAR_WORKERS: '1' });
    const t = (await finalTasks([id], 30_000))[0];
    assert.equal(t.status, 'SUCCESS');
    assert.equal(t.attempt, 2);
    sleeper.child.kill('SIGCONT');
    await until(async () => /lease lost; outcome not recorded|attempt was stale; outcome discarded/.test(sleeper.output()), 15_000);
    const history = (await c.call('GET', `/tasks/${id}/history`)).body.history as { status: string; attempt: number; workerId: string }[];
    assert.deepEqual(
      history.filter((h) => h.status === 'SUCCESS').map((h) => [h.attempt, h.workerId]),
      [[2, other.id]],
    );
    assert.equal((await c.call('GET', `/tasks/${id}`)).body.attempt, 2, 'the late attempt changed nothing');
  });

  it('4. SIGTERM drains a worker: no new leases; in-flight tasks finish, or are released at the end of the grace period', async () => {
    for (const w of c.workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(c.workers.map((w) => w.exited));
    const patient = await c.addWorker({ HANGAR_WORKERS: '2', HANGAR_SHUTDOWN_GRACE_MS: '10000' });
    const short = [0, 1].map(async () => (await c.call('POST', '/tasks', marked('sleep 1; echo finished'))).body.taskId as string);
    const inFlight = await Promise.all(short);
    await started(inFlight);
    patient.child.kill('SIGTERM');
    await sleep(200);
    const late = (await c.call('POST', '/tasks', { args: ['true'] })).body.taskId;
    assert.equal(await patient.exited, 0);
    for (const t of await finalTasks(inFlight, 5_000)) {
      assert.equal(t.status, 'SUCCESS', 'finished within the grace period');
      assert.equal(t.attempt, 1);
    }
    assert.equal((await c.call('GET', `/tasks/${late}`)).body.status, 'PENDING', 'a draining worker takes nothing new');

    const hasty = await c.addWorker({ HANGAR_WORKERS: '1', HANGAR_SHUTDOWN_GRACE_MS: '300' });
    await finalTasks([late], 10_000);
    const long = (await c.call('POST', '/tasks', marked('sleep 3; echo finished'))).body.taskId;
    await started([long]);
    hasty.child.kill('SIGTERM');
    assert.equal(await hasty.exited, 0);
    assert.match(hasty.output(), /released on shutdown/);
    const released = (await c.call('GET', `/tasks/${long}`)).body;
    assert.equal(released.status, 'PENDING', 'released, not failed');
    const rescuer = await c.addWorker({ HANGAR_WORKERS: '1' });
    const t = (await finalTasks([long], 20_000))[0];
    assert.equal(t.status, 'SUCCESS');
    const history = (await c.call('GET', `/tasks/${long}/history`)).body.history as { status: string; workerId: string }[];
    assert.equal(history.at(-1)!.workerId, rescuer.id);
  });

  it('6. the bucket stops answering for a while: outcomes wait for it; every task completes once, its logs kept', async () => {
    for (const w of c.workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(c.workers.map((w) => w.exited));
    // A slot whose outcome waits for the bucket stays taken: enough slots for every task.
    const worker = await c.addWorker({ HANGAR_WORKERS: '8' });
    c.s3.pause();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await c.call('POST', '/tasks', marked(`echo out-${i}`, { maxAttempts: 1 }))).body.taskId);
      await started(ids);
      // They ran; their logs cannot be stored (each put times out after 1 s, 3 tries), so no
      // outcome is recorded yet, and the leases are kept.
      await until(async () => (worker.output().includes('blob store unavailable; retrying') ? true : null), 15_000);
      await sleep(1500);
      for (const id of ids) assert.equal((await c.call('GET', `/tasks/${id}`)).body.status, 'RUNNING');
      // The API cannot read logs meanwhile: 503, not 500.
      const logs = await fetch(`${c.url}/tasks/${ids[0]}/logs`, { headers: ADMIN });
      assert.equal(logs.status, 503);
      assert.equal(logs.headers.get('retry-after'), '1');
      assert.equal(((await logs.json()) as { code: string }).code, 'BLOB_STORE_UNAVAILABLE');
    } finally {
      c.s3.resume();
    }
    const ids = ledgerEntries.slice(-6).map((e) => e.t);
    for (const t of await finalTasks(ids, 60_000)) {
      assert.equal(t.status, 'SUCCESS');
      assert.equal(t.attempt, 1, 'not run again');
      const logs = (await c.call('GET', `/tasks/${t.taskId}/logs`)).body;
      assert.match(String(logs.stdout), /out-\d/, `${t.taskId}: its stdout was stored once the bucket answered`);
    }
  });
});
