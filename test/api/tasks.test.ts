/** The REST API against a real embedded platform: seed 000's requests and responses field by
 *  field, every seed task type reaching its documented outcome, and the additions. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { processesOfTask, testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { newTask } from '../conformance/store.ts';
import { logKey } from '../../src/blobs/index.ts';

let p: TestPlatform;
before(async () => {
  p = await testPlatform();
});
after(async () => p.close());

async function submit(body: unknown, headers: Record<string, string> = {}) {
  const res = await p.inject({ method: 'POST', url: '/tasks', payload: body as object, headers: { host: 'api.example.test', ...headers } });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}
const get = async (url: string) => {
  const res = await p.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
};
const FINAL = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];
async function waitFinal(id: string, timeoutMs = 15_000) {
  return until(async () => {
    const r = await get(`/tasks/${id}`);
    return FINAL.includes(r.body.status) ? r.body : null;
  }, timeoutMs);
}

describe('POST /tasks (seed 000)', () => {
  it('accepts the seed body and answers the seed fields', async () => {
    const r = await submit({
      command: 'cpu-intensive',
      priority: 5,
      userId: 'user123',
      timeout: 300,
      metadata: { project: 'ml-training', environment: 'production' },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.success, true);
    assert.match(r.body.taskId, /^[0-9a-f-]{36}$/);
    assert.equal(r.body.status, 'PENDING');
    assert.equal(r.body.priority, 5);
    assert.equal(r.body.queueType, 'priority');
    assert.equal(r.body.message, 'Task queued for processing');
    assert.equal(r.body.statusUrl, `http://api.example.test/tasks/${r.body.taskId}`);
    assert.ok(!Number.isNaN(Date.parse(r.body.estimatedStartTime)));
    const done = await waitFinal(r.body.taskId);
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.userId, 'user123');
    assert.deepEqual(done.metadata, { project: 'ml-training', environment: 'production' });
  });

  it('routes priority < 5 to the standard queue', async () => {
    const r = await submit({ command: 'noop', priority: 4 });
    assert.equal(r.body.queueType, 'standard');
  });

  it('uses the configured default priority, timeout, attempts and resources', async () => {
    const r = await submit({ command: 'noop' });
    const t = (await get(`/tasks/${r.body.taskId}`)).body;
    assert.equal(t.priority, 1);
    assert.equal(t.timeout, 300);
    assert.equal(t.maxAttempts, 3);
    assert.deepEqual(t.resources, { cpu: 256, memory: 512 });
  });

  it("runs a user's program once by default (as AWS Batch); built-in workloads keep their retries", async () => {
    const attempts = async (body: object) => (await get(`/tasks/${(await submit(body)).body.taskId}`)).body.maxAttempts;
    assert.deepEqual(
      [
        await attempts({ shell: 'true' }),
        await attempts({ args: ['true'] }),
        await attempts({ command: 'error' }),
        await attempts({ shell: 'true', maxAttempts: 4 }),
      ],
      [1, 1, 3, 4],
    );
    const failed = await waitFinal((await submit({ shell: 'echo ran; exit 3' })).body.taskId);
    assert.deepEqual([failed.status, failed.attempt, failed.deadLettered], ['FAILED', 1, true]);
    assert.equal((await get(`/tasks/${failed.taskId}/logs`)).body.stdout, 'ran\n', 'its side effects happened once');
  });
});

describe('seed task types reach their documented outcomes', () => {
  for (const command of ['cpu-intensive', 'memory-intensive', 'io-intensive', 'network-test', 'my-custom-command']) {
    it(`${command} → SUCCESS with the seed's result fields`, async () => {
      const r = await submit({ command, priority: 5 });
      const t = await waitFinal(r.body.taskId);
      assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
      for (const k of ['taskId', 'status', 'command', 'priority', 'userId', 'createdAt', 'completedAt', 'duration', 'detailedResults']) {
        assert.ok(k in t, `field ${k}`);
      }
      assert.equal(t.command, command);
      assert.equal(t.duration, Date.parse(t.completedAt) - Date.parse(t.createdAt));
      const d = t.detailedResults;
      assert.equal(d.success, true);
      assert.equal(typeof d.result.message, 'string');
      assert.equal(typeof d.result.duration, 'number');
      assert.match(d.metadata.memoryUsage.heapUsed, /^\d+(\.\d+)? MB$/);
      assert.deepEqual(d.metadata.containerInfo.cpu, '256');
      assert.deepEqual(d.metadata.containerInfo.memory, '512');
      assert.equal(typeof d.metadata.containerInfo.architecture, 'string');
    });
  }

  it('cpu-intensive reports its iterations', async () => {
    const t = await waitFinal((await submit({ command: 'cpu-intensive' })).body.taskId);
    assert.ok(t.detailedResults.result.iterations > 0);
  });

  it('error → retried, then FAILED and dead-lettered', async () => {
    const r = await submit({ command: 'error', maxAttempts: 2 });
    const t = await waitFinal(r.body.taskId);
    assert.equal(t.status, 'FAILED');
    assert.equal(t.attempt, 2);
    assert.equal(t.deadLettered, true);
    assert.equal(t.error.code, 'WORKLOAD_ERROR');
    assert.equal(t.detailedResults.success, false);
    const h = (await get(`/tasks/${r.body.taskId}/history`)).body.history.map((e: { status: string }) => e.status);
    assert.deepEqual(h, ['PENDING', 'RUNNING', 'PENDING', 'RUNNING', 'FAILED']);
    const dlq = (await get('/dlq')).body.tasks.map((x: { taskId: string }) => x.taskId);
    assert.ok(dlq.includes(r.body.taskId));
  });

  it('{"command":"timeout","timeout":2} ends TIMEOUT within about 3 s with no process left', async () => {
    const r = await submit({ command: 'timeout', timeout: 2 });
    const started = await until(async () => {
      const t = (await get(`/tasks/${r.body.taskId}`)).body;
      return t.status === 'RUNNING' ? t : null;
    });
    await until(async () => processesOfTask(r.body.taskId).length > 0, 5000);
    const t = await waitFinal(r.body.taskId);
    assert.equal(t.status, 'TIMEOUT');
    assert.equal(t.attempt, 1, 'a timeout is not retried');
    const ran = Date.parse(t.completedAt) - Date.parse(started.startedAt);
    assert.ok(ran >= 2000 && ran < 3500, `ran ${ran} ms`);
    assert.deepEqual(processesOfTask(r.body.taskId), []);
  });
});

describe('real programs', () => {
  it('runs args without a shell and keeps stdout, stderr and the exit code', async () => {
    const r = await submit({ args: ['sh', '-c', 'echo "hello $NAME"; echo oops >&2; exit 0'], env: { NAME: 'hangar' } });
    const t = await waitFinal(r.body.taskId);
    assert.equal(t.status, 'SUCCESS');
    assert.equal(t.command, 'sh -c echo "hello $NAME"; echo oops >&2; exit 0');
    const logs = (await get(`/tasks/${r.body.taskId}/logs`)).body;
    assert.equal(logs.stdout, 'hello hangar\n');
    assert.equal(logs.stderr, 'oops\n');
    const raw = await p.inject({ method: 'GET', url: `/tasks/${r.body.taskId}/logs?stream=stdout` });
    assert.equal(raw.body, 'hello hangar\n');
    assert.match(String(raw.headers['content-type']), /^text\/plain/);
  });

  it('a non-zero exit fails with NON_ZERO_EXIT and its code', async () => {
    const r = await submit({ shell: 'exit 7', maxAttempts: 1 });
    const t = await waitFinal(r.body.taskId);
    assert.equal(t.status, 'FAILED');
    assert.equal(t.error.code, 'NON_ZERO_EXIT');
    assert.equal(t.error.exitCode, 7);
  });
});

describe('cancel', () => {
  it('a running task is killed and ends CANCELLED', async () => {
    const r = await submit({ command: 'timeout' });
    await until(async () => (await get(`/tasks/${r.body.taskId}`)).body.status === 'RUNNING');
    const c = await p.inject({ method: 'POST', url: `/tasks/${r.body.taskId}/cancel` });
    assert.equal(c.statusCode, 200);
    assert.equal(c.json().effect, 'requested');
    const t = await waitFinal(r.body.taskId, 5000);
    assert.equal(t.status, 'CANCELLED');
    assert.deepEqual(processesOfTask(r.body.taskId), []);
  });

  it('a finished task cannot be cancelled (409); an unknown one is 404', async () => {
    const r = await submit({ command: 'noop' });
    await waitFinal(r.body.taskId);
    const c = await p.inject({ method: 'POST', url: `/tasks/${r.body.taskId}/cancel` });
    assert.equal(c.statusCode, 409);
    assert.equal(c.json().code, 'TASK_NOT_CANCELLABLE');
    const u = await p.inject({ method: 'POST', url: '/tasks/00000000-0000-4000-8000-000000000000/cancel' });
    assert.equal(u.statusCode, 404);
  });
});

describe('idempotency', () => {
  it('same key and body → the same task; another body → 409', async () => {
    const body = { command: 'noop', idempotencyKey: 'order-42', metadata: { a: 1, b: 2 } };
    const a = await submit(body);
    const b = await submit({ metadata: { b: 2, a: 1 }, idempotencyKey: 'order-42', command: 'noop' });
    assert.equal(a.status, 201);
    assert.equal(b.status, 200);
    assert.equal(b.body.taskId, a.body.taskId);
    assert.equal(b.headers['idempotent-replayed'], 'true');
    const c = await submit({ ...body, priority: 9 });
    assert.equal(c.status, 409);
    assert.equal(c.body.code, 'IDEMPOTENCY_CONFLICT');
    const h = await submit({ command: 'noop' }, { 'idempotency-key': 'hdr-1' });
    const h2 = await submit({ command: 'noop' }, { 'idempotency-key': 'hdr-1' });
    assert.equal(h2.body.taskId, h.body.taskId);
  });
});

describe('POST /tasks/batch', () => {
  const batch = async (tasks: unknown[], headers: Record<string, string> = {}) => {
    const res = await p.inject({
      method: 'POST',
      url: '/tasks/batch',
      payload: { tasks },
      headers: { host: 'api.example.test', ...headers },
    });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };

  it('queues every entry and answers each as POST /tasks does, in order', async () => {
    const r = await batch([
      { command: 'noop', userId: 'batcher', metadata: { i: 0 } },
      { args: ['sh', '-c', 'echo two'], priority: 7, userId: 'batcher' },
      { command: 'noop', queue: 'batchq', userId: 'other' },
    ]);
    assert.equal(r.status, 201);
    assert.deepEqual([r.body.success, r.body.count, r.body.created], [true, 3, 3]);
    assert.deepEqual(
      r.body.tasks.map((t: { priority: number; queueType: string; queue: string; status: string; message: string }) => [
        t.priority,
        t.queueType,
        t.queue,
        t.status,
        t.message,
      ]),
      [
        [1, 'standard', 'default', 'PENDING', 'Task queued for processing'],
        [7, 'priority', 'default', 'PENDING', 'Task queued for processing'],
        [1, 'standard', 'batchq', 'PENDING', 'Task queued for processing'],
      ],
    );
    for (const t of r.body.tasks) {
      assert.equal(t.statusUrl, `http://api.example.test/tasks/${t.taskId}`);
      assert.ok(!Number.isNaN(Date.parse(t.estimatedStartTime)));
    }
    const done = await Promise.all(r.body.tasks.map((t: { taskId: string }) => waitFinal(t.taskId)));
    assert.deepEqual(
      done.map((d) => [d.status, d.userId]),
      [
        ['SUCCESS', 'batcher'],
        ['SUCCESS', 'batcher'],
        ['SUCCESS', 'other'],
      ],
    );
    const logs = await get(`/tasks/${r.body.tasks[1].taskId}/logs`);
    assert.equal(logs.body.stdout, 'two\n');
  });

  it('all or none: one bad entry refuses the batch with its index, and nothing is queued', async () => {
    const before = (await get('/tasks?queue=allornone&limit=100')).body.tasks.length;
    const bad = await batch([
      { command: 'noop', queue: 'allornone' },
      { command: 'noop', queue: 'allornone', priority: 11 },
    ]);
    assert.equal(bad.status, 400);
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    assert.match(bad.body.detail, /tasks\.1\.priority/);
    const noProject = await batch([
      { command: 'noop', queue: 'allornone' },
      { command: 'noop', queue: 'allornone', project: 'nope' },
    ]);
    assert.deepEqual([noProject.status, noProject.body.code, noProject.body.index], [400, 'PROJECT_NOT_FOUND', 1]);
    assert.equal((await batch([])).status, 400);
    assert.equal((await batch(Array.from({ length: 1001 }, () => ({ command: 'noop' })))).status, 400);
    assert.equal((await p.inject({ method: 'POST', url: '/tasks/batch', payload: [{ command: 'noop' }] })).statusCode, 400);
    assert.equal((await get('/tasks?queue=allornone&limit=100')).body.tasks.length, before);
  });

  it('idempotency: keys replay per entry, the header key numbers the entries; another body → 409 naming the entry', async () => {
    const single = await submit({ command: 'noop', idempotencyKey: 'batch-k1' });
    const first = await batch(
      [
        { command: 'noop', idempotencyKey: 'batch-k1' },
        { command: 'noop', metadata: { n: 1 } },
      ],
      { 'idempotency-key': 'b-hdr' },
    );
    assert.equal(first.status, 201);
    assert.equal(first.body.created, 1);
    assert.equal(first.body.tasks[0].taskId, single.body.taskId);
    assert.equal(first.body.tasks[0].message, 'Task already submitted with this idempotency key');
    const again = await batch(
      [
        { command: 'noop', idempotencyKey: 'batch-k1' },
        { command: 'noop', metadata: { n: 1 } },
      ],
      { 'idempotency-key': 'b-hdr' },
    );
    assert.equal(again.status, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(
      again.body.tasks.map((t: { taskId: string }) => t.taskId),
      first.body.tasks.map((t: { taskId: string }) => t.taskId),
    );
    const conflict = await batch([{ command: 'noop' }, { command: 'noop', priority: 3 }], { 'idempotency-key': 'b-hdr' });
    assert.equal(conflict.status, 409);
    // Entry 0's key (b-hdr:0) is new; entry 1's (b-hdr:1) queued another body before.
    assert.deepEqual(
      [conflict.body.code, conflict.body.index, conflict.body.taskId],
      ['IDEMPOTENCY_CONFLICT', 1, first.body.tasks[1].taskId],
    );
  });
});

describe('reading', () => {
  it('lists with filters and cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit({ command: 'noop', userId: 'pager', queue: 'paging' })).body.taskId);
    const seen: string[] = [];
    let url = '/tasks?userId=pager&limit=2';
    for (;;) {
      const r = await get(url);
      assert.equal(r.status, 200);
      seen.push(...r.body.tasks.map((t: { taskId: string }) => t.taskId));
      if (!r.body.nextCursor) break;
      url = `/tasks?userId=pager&limit=2&cursor=${r.body.nextCursor}`;
    }
    assert.deepEqual(seen, [...ids].reverse());
    const byQueue = await get('/tasks?queue=paging&limit=50');
    assert.equal(byQueue.body.tasks.length, 5);
    await until(async () => (await get('/tasks?queue=paging&status=SUCCESS')).body.tasks.length === 5);
  });

  it("finds tasks by a piece of their command or shell line (?command=), within the caller's own", async () => {
    const shell = (await submit({ shell: 'echo Find-Me-Here', userId: 'searcher' })).body.taskId;
    const argv = (await submit({ args: ['echo', 'find-me-too'], userId: 'searcher' })).body.taskId;
    await submit({ shell: 'echo find-me-not-yours', userId: 'someone-else' });
    const found = (await get('/tasks?command=FIND-ME&userId=searcher')).body.tasks.map((t: { taskId: string }) => t.taskId);
    assert.deepEqual(found, [argv, shell]);
    const key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'searcher' } })).json().key as string;
    const mine = await p.inject({ method: 'GET', url: '/tasks?command=find-me', auth: key });
    assert.deepEqual(
      mine.json().tasks.map((t: { taskId: string }) => t.taskId),
      [argv, shell],
      'a user key finds only its own tasks',
    );
    assert.equal((await get('/tasks?command=')).status, 400, 'an empty search is a bad request');
  });

  it('reports queue depth per queue and priority', async () => {
    const r = await submit({ command: 'noop', queue: 'q-depth' });
    const q = await get('/queues');
    assert.equal(q.status, 200);
    assert.ok(Array.isArray(q.body.queues));
    assert.equal(typeof q.body.deadLettered, 'number');
    await waitFinal(r.body.taskId);
  });

  it('health has the seed shape and real checks', async () => {
    const h = await get('/health');
    assert.equal(h.status, 200);
    assert.equal(h.body.status, 'healthy');
    assert.deepEqual(h.body.checks, { database: true, storage: true, compute: true });
    for (const k of ['activeTasks', 'queuedTasks', 'failedTasks', 'completedTasks']) assert.equal(typeof h.body.metrics[k], 'number');
    assert.ok(h.body.metrics.completedTasks > 0);
    assert.deepEqual(h.body.warnings, [], 'the default executor is the sandbox: nothing to flag');
    assert.ok(!Number.isNaN(Date.parse(h.body.timestamp)));
  });

  it('exposes Prometheus metrics, an OpenAPI document and docs', async () => {
    const m = await p.inject({ method: 'GET', url: '/metrics' });
    assert.equal(m.statusCode, 200);
    for (const name of [
      'hangar_queue_depth',
      'hangar_tasks_finished_total',
      'hangar_task_run_seconds_bucket',
      'hangar_task_wait_seconds_bucket',
    ]) {
      assert.ok(m.body.includes(name), name);
    }
    const o = await get('/openapi.json');
    assert.equal(o.body.openapi, '3.0.3');
    for (const path of [
      '/tasks',
      '/tasks/{id}',
      '/tasks/{id}/cancel',
      '/tasks/{id}/logs',
      '/tasks/{id}/history',
      '/queues',
      '/dlq',
      '/health',
    ]) {
      assert.ok(o.body.paths[path], path);
    }
    assert.ok(o.body.paths['/tasks'].post.requestBody);
    const d = await p.inject({ method: 'GET', url: '/docs/' });
    assert.equal(d.statusCode, 200);
  });
});

describe('dead-letter redrive', () => {
  it('puts a failed task back with the same id', async () => {
    const r = await submit({ shell: 'exit 3', maxAttempts: 1 });
    await waitFinal(r.body.taskId);
    const rd = await p.inject({ method: 'POST', url: `/dlq/${r.body.taskId}/redrive` });
    assert.equal(rd.statusCode, 200);
    assert.equal(rd.json().taskId, r.body.taskId);
    const t = await waitFinal(r.body.taskId);
    assert.equal(t.status, 'FAILED');
    assert.equal(t.attempt, 2);
    const again = await p.inject({ method: 'POST', url: `/tasks/${(await submit({ command: 'noop' })).body.taskId}/redrive` });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'TASK_NOT_DEAD_LETTERED');
  });
});

describe('GET /tasks/{id}/logs of a log the blob store did not take', () => {
  it('serves what the live output kept of each stream summary.unstored names', async () => {
    const q = await testPlatform({}, { api: true, workers: false });
    try {
      const t = newTask({ userId: null });
      await q.store.submit(t);
      const [lease] = await q.store.claim({ workerId: 'w', limit: 1 });
      const chunk = (seq: number, stream: 'stdout' | 'stderr', data: string) => ({
        taskId: t.id,
        attempt: lease.attempt,
        seq,
        stream,
        data: Buffer.from(data),
        at: Date.now(),
      });
      await q.store.appendOutput([chunk(1, 'stdout', 'hello '), chunk(2, 'stderr', 'warn\n'), chunk(3, 'stdout', 'world\n')]);
      const summary = { exitCode: 0, stdoutBytes: 12, stderrBytes: 5, unstored: ['stdout'] };
      await q.store.finish(
        { taskId: t.id, attempt: lease.attempt },
        { status: 'SUCCESS', summary, failure: null, resultJson: '{}', resultKey: null, stdoutKey: null, stderrKey: null },
      );
      const logs = (await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs` })).json();
      assert.equal(logs.stdout, 'hello world\n', 'from the live output');
      assert.equal(logs.stderr, '', 'stderr was stored (here: it is not there), so it is read from the blob store');
      assert.equal((await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs?stream=stdout` })).body, 'hello world\n');
    } finally {
      await q.close();
    }
  });
});

describe('GET /tasks/{id}/logs of a log that is gone from the blob store', () => {
  it('answers 410 LOG_UNAVAILABLE, not an empty log, and still serves the stream that is there', async () => {
    const q = await testPlatform({ HANGAR_RETRY_BASE_MS: '1', HANGAR_RETRY_MAX_MS: '1' }, { api: true, workers: false });
    try {
      const t = { ...newTask({ userId: null }), maxAttempts: 2 };
      await q.store.submit(t);
      // Attempt 1 prints to stdout and fails; attempt 2 prints to both and succeeds. Each
      // stored log is in the blob store under its key, as a worker leaves it.
      // `lost`: streams recorded as stored whose object is then gone (a bucket's lifecycle
      // rule, a hand that deleted it).
      const run = async (out: { stdout?: string; stderr?: string }, status: 'FAILED' | 'SUCCESS', lost: string[] = []) => {
        const [lease] = await until(async () => {
          const l = await q.store.claim({ workerId: 'w', limit: 1 });
          return l.length > 0 ? l : null;
        });
        const keys = { stdoutKey: null as string | null, stderrKey: null as string | null };
        let seq = 0;
        for (const stream of ['stdout', 'stderr'] as const) {
          const data = out[stream];
          if (!data) continue;
          await q.store.appendOutput([
            { taskId: t.id, attempt: lease.attempt, seq: ++seq, stream, data: Buffer.from(data), at: Date.now() },
          ]);
          if (!lost.includes(stream)) await q.blobs.put(logKey(t.id, lease.attempt, stream), data);
          keys[`${stream}Key`] = logKey(t.id, lease.attempt, stream);
        }
        const summary = {
          exitCode: status === 'SUCCESS' ? 0 : 1,
          stdoutBytes: out.stdout?.length ?? 0,
          stderrBytes: out.stderr?.length ?? 0,
        };
        await q.store.finish(
          { taskId: t.id, attempt: lease.attempt },
          { status, summary, failure: null, resultJson: '{}', resultKey: null, ...keys },
        );
      };
      await run({ stdout: 'first\n' }, 'FAILED');
      assert.equal((await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs` })).json().stdout, 'first\n');
      await q.blobs.deletePrefix(`tasks/${t.id}/1`);
      await run({ stdout: 'second\n', stderr: 'warn\n' }, 'SUCCESS', ['stdout']);

      const gone = await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs` });
      assert.equal(gone.statusCode, 410);
      assert.match(String(gone.headers['content-type']), /^application\/problem\+json/);
      assert.equal(gone.json().code, 'LOG_UNAVAILABLE');
      assert.match(gone.json().detail, /stdout log of attempt 2 .* no longer in the blob store.*stderr is available with \?stream=stderr/);
      assert.equal((await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs?stream=stdout` })).statusCode, 410);
      const stderr = await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs?stream=stderr` });
      assert.equal(stderr.statusCode, 200);
      assert.equal(stderr.body, 'warn\n');
      // An earlier attempt: its live output says it printed, so its missing log is gone too;
      // its stderr printed nothing, and an empty log is just that.
      assert.equal((await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs?attempt=1` })).statusCode, 410);
      const empty = await q.inject({ method: 'GET', url: `/tasks/${t.id}/logs?attempt=1&stream=stderr` });
      assert.equal(empty.statusCode, 200);
      assert.equal(empty.body, '');
    } finally {
      await q.close();
    }
  });
});
