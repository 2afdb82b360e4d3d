/**
 * /metrics values, not just names: queue depth by queue and priority, workers busy and idle,
 * slots, outcomes, wait and run histograms, sandbox resource use (when tasks run sandboxed),
 * and the autoscaler's desired count once it has decided. Parsed from the exposition text.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '2' });
});
after(async () => p?.close());

/** `name{a="x",b="y"} value` lines → value by `name{a="x",b="y"}` (labels as written). */
async function scrape(): Promise<Map<string, number>> {
  const r = await p.inject({ method: 'GET', url: '/metrics' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  const out = new Map<string, number>();
  for (const line of r.body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
const submit = async (body: object): Promise<string> => {
  const r = await p.inject({ method: 'POST', url: '/tasks', payload: body });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().taskId as string;
};

it('reports queue depth, busy and idle workers and slots while tasks run, then outcomes and histograms', { timeout: 60_000 }, async () => {
  const long = [await submit({ shell: 'sleep 2', queue: 'm' }), await submit({ shell: 'sleep 2', queue: 'm' })];
  await until(async () => ((await p.store.activeCounts()).running === 2 ? true : null), 20_000);
  const waiting = await submit({ shell: 'echo waited', queue: 'm', priority: 7 });
  const during = await scrape();
  assert.equal(
    during.get('hangar_queue_depth{queue="m",priority="1",queue_type="standard",state="running"}'),
    2,
    [...during.keys()].filter((k) => k.startsWith('hangar_queue_depth')).join('\n'),
  );
  assert.equal(during.get('hangar_queue_depth{queue="m",priority="7",queue_type="priority",state="pending"}'), 1);
  assert.equal(during.get('hangar_workers{state="busy"}'), 1, 'the one worker process is busy');
  assert.equal(during.get('hangar_workers{state="idle"}'), 0);
  assert.equal(during.get('hangar_worker_slots{state="busy"}'), 2);
  assert.equal(during.get('hangar_worker_slots{state="total"}'), 2);
  assert.equal(during.get('hangar_autoscaler_desired_workers'), 0, 'no autoscaler decision yet');

  const failed = await submit({ shell: 'exit 4', queue: 'm', maxAttempts: 1 });
  await until(async () => {
    const ts = await Promise.all([...long, waiting, failed].map((id) => p.store.get(id)));
    return ts.every((t) => t && (t.status === 'SUCCESS' || t.status === 'FAILED')) ? true : null;
  }, 30_000);
  const end = await scrape();
  assert.equal(end.get('hangar_tasks_finished_total{status="SUCCESS",queue="m"}'), 3);
  assert.equal(end.get('hangar_tasks_finished_total{status="FAILED",queue="m"}'), 1);
  assert.equal(end.get('hangar_attempts_total{outcome="NON_ZERO_EXIT"}'), 1);
  assert.equal(end.get('hangar_task_run_seconds_count{queue="m"}'), 4);
  assert.ok(end.get('hangar_task_run_seconds_sum{queue="m"}')! >= 4, 'two 2-second tasks');
  assert.equal(end.get('hangar_task_wait_seconds_count{queue="m"}'), 4);
  assert.ok(end.get('hangar_task_wait_seconds_sum{queue="m"}')! > 0.5, 'one task waited for a slot');
  assert.equal(end.get('hangar_tasks_submitted_total{queue="m"}'), 4);
  assert.equal(end.get('hangar_workers{state="idle"}'), 1);
  assert.equal(end.get('hangar_tasks{status="FAILED"}'), 1);
  assert.equal(end.get('hangar_tasks{status="DEAD_LETTERED"}'), 1);
  if (p.config.executor === 'sandbox') {
    assert.equal(end.get('hangar_sandbox_cpu_seconds_count{queue="m"}'), 4, 'cgroup CPU time of each sandboxed attempt');
    assert.equal(end.get('hangar_sandbox_memory_peak_bytes_count{queue="m"}'), 4);
    assert.ok(end.get('hangar_sandbox_memory_peak_bytes_sum{queue="m"}')! > 0);
  }

  await p.store.recordScaling({
    at: Date.now(),
    action: 'launch',
    depth: 8,
    current: 1,
    desired: 4,
    workers: ['a', 'b', 'c'],
    reason: 'test',
    autoscaler: null,
  });
  assert.equal((await scrape()).get('hangar_autoscaler_desired_workers'), 4, 'read from the store: every API node reports it');
});
