/**
 * The autoscaler in the scale-out shape, as real processes: two `hangar server` nodes and one
 * `hangar autoscaler` (no API) sharing PostgreSQL and S3. Tasks submitted on either API node
 * wake the autoscaler through NOTIFY (its periodic check is set to 10 minutes), it starts
 * worker processes, they run the tasks and retire when idle; every API node shows the
 * decisions, and the autoscaler's own /metrics (HANGAR_METRICS_PORT) counts every attempt its
 * workers ran, retired ones included.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { until } from '../helpers/platform.ts';
import { freePort } from '../helpers/process.ts';

let c: Cluster;
let metricsPort: number;
before(async () => {
  c = await startCluster({ servers: 2, env: { HANGAR_POLL_MS: '60000', HANGAR_LOG_LEVEL: 'warn' } });
  metricsPort = await freePort();
  await c.addAutoscaler({
    HANGAR_WORKERS: '2',
    HANGAR_AUTOSCALE_MAX_WORKERS: '2',
    HANGAR_AUTOSCALE_TASKS_PER_WORKER: '2',
    HANGAR_AUTOSCALE_IDLE_MS: '1000',
    HANGAR_AUTOSCALE_INTERVAL_MS: '600000',
    HANGAR_METRICS_PORT: String(metricsPort),
  });
});
after(async () => c?.close());

it('scales worker processes from zero on a submit to any API node, and back to zero', { timeout: 120_000 }, async () => {
  const [a, b] = c.servers.map((s) => s.url);
  assert.equal((await c.call('GET', '/workers', undefined, a)).body.workers.length, 0, 'no worker before any work');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await c.call('POST', '/tasks', { shell: `sleep 0.5; echo task-${i}` }, i % 2 ? b : a)).body.taskId);
  const done = await until(
    async () => {
      const ts = await Promise.all(ids.map(async (id) => (await c.call('GET', `/tasks/${id}`, undefined, a)).body));
      return ts.every((t) => t.status === 'SUCCESS' || t.status === 'FAILED') ? ts : null;
    },
    60_000,
    100,
  );
  for (const t of done) assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));

  const decisions = async (base: string) =>
    (await c.call('GET', '/autoscaler', undefined, base)).body.decisions as {
      action: string;
      workers: string[];
      desired: number;
      autoscaler: string | null;
    }[];
  const launched = (await decisions(b)).filter((d) => d.action === 'launch').flatMap((d) => d.workers);
  const deciders = new Set((await decisions(b)).map((d) => d.autoscaler));
  assert.equal(deciders.size, 1, 'one autoscaler decided all');
  assert.match(String([...deciders][0]), /^[\w.-]+-\d+-[0-9a-f]{6}$/, 'named host-pid-random');
  assert.equal(launched.length, 2, 'desired = min(max(ceil(4 / 2), 0), 2) = 2 worker processes');
  const ran = new Set(
    (await Promise.all(ids.map(async (id) => (await c.call('GET', `/tasks/${id}/history`, undefined, b)).body.history)))
      .flat()
      .map((h: { workerId: string | null }) => h.workerId)
      .filter(Boolean),
  );
  for (const w of ran) assert.ok(launched.includes(w as string), `ran on an autoscaled worker: ${String(w)}`);

  await until(
    async () => {
      const retired = (await decisions(a)).filter((d) => d.action === 'retire').flatMap((d) => d.workers);
      const live = (await c.call('GET', '/workers', undefined, a)).body.workers.length;
      return retired.length === 2 && live === 0 ? true : null;
    },
    30_000,
    100,
  );

  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(text, /^hangar_attempts_total\{outcome="SUCCESS"\} 4$/m, "the retired workers' attempts are still counted");
  assert.match(text, /^hangar_autoscaler_decisions_total\{action="launch"\} [1-9]/m);
  assert.match(text, /^hangar_autoscaler_decisions_total\{action="retire"\} [1-9]/m);
});
