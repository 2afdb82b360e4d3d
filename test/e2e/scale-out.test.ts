/**
 * The scale-out shape with real processes: two stateless `hangar server` nodes and two
 * `hangar worker` processes sharing one PostgreSQL schema and one S3 bucket (s3rver). Work
 * submitted on either node runs on either worker, woken by NOTIFY (their fallback poll is set
 * to a minute, longer than the test), and results and logs come back through the other node
 * from S3. Live output written on a worker reaches followers on either node.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { readSse, WsClient } from '../helpers/live.ts';
import { until } from '../helpers/platform.ts';
import { ADMIN } from '../helpers/process.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({ servers: 2, env: { HANGAR_POLL_MS: '60000', HANGAR_LOG_LEVEL: 'warn' } });
  await c.addWorker({ HANGAR_WORKERS: '2' });
  await c.addWorker({ HANGAR_WORKERS: '2' });
});
after(async () => c?.close());

it('runs work submitted on either API node on either worker, results and logs through S3', { timeout: 90_000 }, async () => {
  const [a, b] = c.servers.map((s) => s.url);
  const bodies = [
    { command: 'cpu-intensive', priority: 5 },
    { command: 'io-intensive' },
    { command: 'network-test' },
    { shell: 'echo "from a worker"; echo oops >&2' },
    ...Array.from({ length: 12 }, (_, i) => ({ shell: `sleep 0.2; echo task-${i}` })),
  ];
  const ids: string[] = [];
  for (const [i, body] of bodies.entries()) {
    const r = await c.call('POST', '/tasks', body, i % 2 ? b : a);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.taskId);
  }
  const done = await until(
    async () => {
      const ts = await Promise.all(ids.map(async (id, i) => (await c.call('GET', `/tasks/${id}`, undefined, i % 2 ? a : b)).body));
      return ts.every((t) => t.status === 'SUCCESS' || t.status === 'FAILED') ? ts : null;
    },
    60_000,
    100,
  );
  for (const t of done) assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
  assert.equal(done[0].detailedResults.result.message, 'CPU-intensive task completed');
  const logs = (await c.call('GET', `/tasks/${ids[3]}/logs`, undefined, b)).body;
  assert.equal(logs.stdout, 'from a worker\n');
  assert.equal(logs.stderr, 'oops\n');
  const histories = await Promise.all(
    ids.map(async (id) => (await c.call('GET', `/tasks/${id}/history`, undefined, a)).body.history as { workerId: string | null }[]),
  );
  const ran = new Set(histories.flatMap((h) => h.map((e) => e.workerId).filter(Boolean)));
  assert.deepEqual([...ran].sort(), c.workers.map((w) => w.id).sort(), 'both workers ran tasks');
  const health = (await c.call('GET', '/health', undefined, b)).body;
  assert.equal(health.status, 'healthy');
  assert.deepEqual(health.checks, { database: true, storage: true, compute: true });
  assert.equal(health.metrics.workers, 2);
});

it('a cancel on one API node reaches the task running on a worker process, as a status change every node sees', {
  timeout: 60_000,
}, async () => {
  const [a, b] = c.servers.map((s) => s.url);
  const id = (await c.call('POST', '/tasks', { shell: 'sleep 30' }, a)).body.taskId as string;
  await until(async () => (await c.call('GET', `/tasks/${id}`, undefined, b)).body.status === 'RUNNING', 20_000);
  const r = await c.call('POST', `/tasks/${id}/cancel`, undefined, b);
  assert.equal(r.body.effect, 'requested');
  const t = await until(async () => {
    const v = (await c.call('GET', `/tasks/${id}`, undefined, a)).body;
    return v.status === 'CANCELLED' ? v : null;
  }, 20_000);
  assert.equal(t.attempt, 1);
});

it('live output written on a worker process reaches WebSocket and SSE followers on both API nodes as it is written', {
  timeout: 60_000,
}, async () => {
  const [a, b] = c.servers.map((s) => s.url);
  const id = (await c.call('POST', '/tasks', { shell: 'echo first; sleep 1; echo second' }, a)).body.taskId as string;
  const ws = new WsClient(b, ADMIN);
  await ws.send({ type: 'subscribe', channel: `task:${id}` });
  await ws.waitFor((m) => m.type === 'output' && m.data === 'first\n');
  // Live: the first line is here while the task still runs on its worker.
  assert.equal((await c.call('GET', `/tasks/${id}`, undefined, a)).body.status, 'RUNNING');
  const sse = readSse(`${a}/tasks/${id}/logs?follow=true`, ADMIN);
  const end = await ws.waitFor((m) => m.type === 'end');
  assert.equal(end.status, 'SUCCESS');
  assert.deepEqual(
    ws.output(`task:${id}`).map((m) => [m.seq, m.data]),
    [
      [1, 'first\n'],
      [2, 'second\n'],
    ],
  );
  const events = (await sse).events;
  assert.deepEqual(
    events.filter((e) => e.event === 'output').map((e) => e.data.data),
    ['first\n', 'second\n'],
  );
  assert.equal(events.at(-1)?.event, 'end');
  ws.close();
});

it("a user's rate limit holds across API nodes: requests spread over two count once, not twice", { timeout: 60_000 }, async () => {
  // Two more nodes with a limit of 6 per 30 s (a window longer than the test, so it cannot
  // roll over midway); the user's requests alternate between them.
  const env = { HANGAR_RATE_LIMIT: '6', HANGAR_RATE_LIMIT_WINDOW_MS: '30000' };
  const nodes = [await c.addServer(env), await c.addServer(env)];
  const key = (await c.call('POST', '/keys', { userId: 'rate-limited' })).body.key as string;
  const codes: number[] = [];
  for (let i = 0; i < 14; i++) {
    const res = await fetch(`${nodes[i % 2].url}/tasks`, { headers: { authorization: `Bearer ${key}` } });
    codes.push(res.status);
    if (res.status === 429) assert.equal(((await res.json()) as { code: string }).code, 'RATE_LIMITED');
    else await res.arrayBuffer();
    // Longer than a node's flush: each has heard the other's count before the next request.
    await new Promise((r) => setTimeout(r, 150));
  }
  const accepted = codes.filter((s) => s === 200).length;
  // Counted per node this would be 12 (6 on each).
  assert.equal(accepted, 6, codes.join(','));
  assert.deepEqual(codes.slice(6), Array(8).fill(429), codes.join(','));
});
