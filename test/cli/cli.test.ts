/**
 * End to end: a real `hangar up` process, driven by real `hangar` client processes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV } from '../helpers/process.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: ChildProcess;
let serverExit: Promise<number | null>;
let serverLog = '';
let base = '';
let dataDir = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/hangar ...args` against the test server (HANGAR_URL), never rejecting. */
function hangar(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: { ...process.env, HANGAR_URL: base, HANGAR_API_KEY: TEST_ADMIN_KEY }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function json<T = Record<string, any>>(...args: string[]): Promise<T> {
  const r = await hangar(...args, '--json');
  assert.equal(r.code, 0, `hangar ${args.join(' ')} --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Polls the API directly (cheaper than a process per poll) until the task is final. */
async function settle(id: string, timeoutMs = 10_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const t = (await (await fetch(`${base}/tasks/${id}`, { headers: ADMIN })).json()) as Record<string, any>;
    if (['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status)) return t;
    if (Date.now() > until) throw new Error(`task ${id} still ${t.status}`);
    await sleep(50);
  }
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'hangar-cli-test-'));
  server = spawn(HANGAR, ['up'], {
    env: {
      ...process.env,
      HANGAR_PORT: String(port),
      HANGAR_DATA_DIR: dataDir,
      HANGAR_WORKERS: '4',
      HANGAR_LOG_LEVEL: 'warn',
      HANGAR_SHUTDOWN_GRACE_MS: '2000',
      HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
      ...TEST_EXECUTOR_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (b: Buffer) => (serverLog += b.toString()));
  server.stderr!.on('data', (b: Buffer) => (serverLog += b.toString()));
  serverExit = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > until) throw new Error(`hangar up did not start:\n${serverLog}`);
    await sleep(50);
  }
});

after(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    const code = await Promise.race([serverExit, sleep(10_000, 'hung' as const, { ref: false })]);
    if (code === 'hung') server.kill('SIGKILL');
    assert.equal(code, 0, `hangar up did not exit 0 on SIGTERM:\n${serverLog}`);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('hangar CLI against a live `hangar up`', () => {
  test('submit cpu-intensive --wait --json ends SUCCESS with a result', async () => {
    const r = await hangar('submit', 'cpu-intensive', '--wait', '--json');
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout);
    assert.equal(t.status, 'SUCCESS');
    assert.ok(t.detailedResults.result.iterations > 0);
  });

  test('submit --wait (human) prints status, duration, result and the stdout log', async () => {
    const r = await hangar('submit', 'cpu-intensive', '--metadata', '{"iterations":1000}', '--priority', '7', '--user', 'u1', '--wait');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^status\s+SUCCESS/m);
    assert.match(r.stdout, /^duration\s+\d/m);
    assert.match(r.stdout, /^result\s+\{.*"iterations":1000/m);
    assert.match(r.stdout, /cpu-intensive: done in/);
  });

  test('submit -- program: args reach the server; logs splits stdout and stderr', async () => {
    const r = await hangar('submit', '--', 'sh', '-c', 'echo out; echo err >&2');
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, UUID);
    assert.equal((await settle(id)).status, 'SUCCESS');

    const logs = await hangar('logs', id);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'out\n');
    assert.equal(logs.stderr, 'err\n');

    const t = await json('status', id);
    assert.deepEqual(t.args, ['sh', '-c', 'echo out; echo err >&2']);
    assert.equal(t.shell, null);

    const only = await hangar('logs', id, '--stream', 'stderr', '--attempt', '1');
    assert.equal(only.code, 0, only.stderr);
    assert.equal(only.stdout, '');
    assert.equal(only.stderr, 'err\n');

    const lj = await json('logs', id);
    assert.equal(lj.stdout, 'out\n');
    assert.equal(lj.attempt, 1);
  });

  test('--shell, --env, --queue, --cpu and --memory are sent', async () => {
    const t = await json('submit', '--shell', 'echo "$A-$B"', '--env', 'A=1', '--env', 'B=x=y', '--queue', 'batch', '--cpu', '512', '--memory', '256', '--wait');
    assert.equal(t.status, 'SUCCESS');
    assert.equal(t.queue, 'batch');
    assert.deepEqual(t.resources, { cpu: 512, memory: 256 });
    assert.equal((await hangar('logs', t.taskId, '--stream', 'stdout')).stdout, '1-x=y\n');
  });

  test('--egress and --image are sent', async () => {
    const t = await json('submit', '--shell', 'true', '--egress', '--wait');
    assert.equal(t.network, 'egress');
    const r = await hangar('submit', '--shell', 'true', '--image', 'no-such-image', '--wait', '--json');
    const failed = JSON.parse(r.stdout);
    assert.equal(failed.image, 'no-such-image');
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error.code, 'IMAGE_UNAVAILABLE');
  });

  test('--idempotency-key: same key and body give the same task, another body a 409', async () => {
    const a = await hangar('submit', 'noop', '--idempotency-key', 'k-1');
    const b = await hangar('submit', 'noop', '--idempotency-key', 'k-1');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.stdout, a.stdout);
    const c = await hangar('submit', 'other', '--idempotency-key', 'k-1');
    assert.equal(c.code, 1);
    assert.match(c.stderr, /\(IDEMPOTENCY_CONFLICT\)\n$/);
  });

  test('submit --batch: NDJSON or a JSON array, options as defaults, ids in order; --idempotency-key replays', async () => {
    const file = join(dataDir, 'batch.ndjson');
    writeFileSync(file, ['{"shell": "echo one"}', '', '{"shell": "echo two", "queue": "own"}', '{"command": "noop", "priority": 7}'].join('\n'));
    const r = await hangar('submit', '--batch', file, '--queue', 'cli-batch', '--idempotency-key', 'cli-b');
    assert.equal(r.code, 0, r.stderr);
    const ids = r.stdout.trim().split('\n');
    assert.equal(ids.length, 3);
    for (const id of ids) assert.match(id, UUID);
    const done = await Promise.all(ids.map((id) => settle(id)));
    assert.deepEqual(done.map((t) => [t.status, t.queue, t.priority]), [['SUCCESS', 'cli-batch', 1], ['SUCCESS', 'own', 1], ['SUCCESS', 'cli-batch', 7]]);
    assert.equal((await hangar('logs', ids[1], '--stream', 'stdout')).stdout, 'two\n');
    const again = await hangar('submit', '--batch', file, '--queue', 'cli-batch', '--idempotency-key', 'cli-b');
    assert.equal(again.stdout, r.stdout, 'the same run again replays the same tasks');
    const arrayFile = join(dataDir, 'batch.json');
    writeFileSync(arrayFile, JSON.stringify([{ command: 'noop' }, { command: 'noop', priority: 99 }]));
    const bad = await hangar('submit', '--batch', arrayFile);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tasks\.1\.priority/);
    const missing = await hangar('submit', '--batch', join(dataDir, 'nope.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
    const both = await hangar('submit', 'noop', '--batch', file);
    assert.equal(both.code, 2);
    const waitFile = join(dataDir, 'wait.ndjson');
    writeFileSync(waitFile, ['{"shell": "exit 0"}', '{"shell": "exit 3", "maxAttempts": 1}'].join('\n'));
    const waited = await hangar('submit', '--batch', waitFile, '--wait');
    assert.equal(waited.code, 1, 'not all succeeded');
    const lines = waited.stdout.trim().split('\n').map((l) => l.split(' '));
    assert.deepEqual(lines.map((l) => l[1]), ['SUCCESS', 'FAILED']);
    for (const [id] of lines) assert.match(id, UUID);
  });

  test('a failing task: --wait exits 1, lands in the DLQ, and redrive re-queues it', async () => {
    const r = await hangar('submit', 'error', '--max-attempts', '1', '--wait');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^status\s+FAILED/m);
    const id = /^task\s+(\S+)/m.exec(r.stdout)?.[1] ?? '';
    assert.match(id, UUID);

    const dlq = await json('dlq');
    const entry = dlq.tasks.find((x: { taskId: string }) => x.taskId === id);
    assert.ok(entry, 'the failed task is in the DLQ');
    assert.equal(entry.deadLettered, true);

    const human = await hangar('dlq');
    assert.match(human.stdout, new RegExp(`${id}\\s+FAILED`));

    const redriven = await json('dlq', 'redrive', id);
    assert.ok(['PENDING', 'RUNNING'].includes(redriven.status), redriven.status);
    assert.equal(redriven.deadLettered, false);
    const h = await json('history', id);
    assert.ok(h.history.some((e: { reason: string | null }) => e.reason === 'redriven from the dead-letter queue'));
    // It fails again (it is the error workload), this time on attempt 2.
    const again = await settle(id);
    assert.equal(again.status, 'FAILED');
    assert.equal(again.attempt, 2);

    const twice = await hangar('dlq', 'redrive', (await json('submit', 'cpu-intensive', '--metadata', '{"iterations":10}')).taskId);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /^hangar: .* \(TASK_NOT_DEAD_LETTERED\)\n$/);
  });

  test('submit timeout --timeout 1 --wait --json gives TIMEOUT', async () => {
    const r = await hangar('submit', 'timeout', '--timeout', '1', '--wait', '--json');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'TIMEOUT');
  });

  test('cancel a running task ends CANCELLED; cancelling a finished one is a 409', async () => {
    const id = (await hangar('submit', 'timeout')).stdout.trim();
    assert.match(id, UUID);
    const r = await hangar('cancel', id);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${id}: `));
    assert.equal((await settle(id)).status, 'CANCELLED');

    const done = (await json('submit', 'cpu-intensive', '--metadata', '{"iterations":10}', '--wait')).taskId;
    const late = await hangar('cancel', done);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /^hangar: task \S+ already finished with SUCCESS \(TASK_NOT_CANCELLABLE\)\n$/);
  });

  test('list and status return the documented fields', async () => {
    const page = await json('list', '--limit', '2');
    assert.equal(page.tasks.length, 2);
    assert.equal(typeof page.nextCursor, 'string');
    for (const k of ['taskId', 'status', 'command', 'priority', 'queue', 'queueType', 'userId', 'createdAt', 'duration', 'logsUrl']) {
      assert.ok(k in page.tasks[0], `list item has ${k}`);
    }
    const next = await json('list', '--limit', '2', '--cursor', page.nextCursor);
    assert.notEqual(next.tasks[0].taskId, page.tasks[0].taskId);

    const mine = await json('list', '--user', 'u1', '--status', 'SUCCESS');
    assert.equal(mine.tasks.length, 1);
    assert.equal(mine.tasks[0].priority, 7);
    assert.equal(mine.tasks[0].queueType, 'priority');

    const t = await json('status', page.tasks[0].taskId);
    for (const k of ['taskId', 'status', 'command', 'priority', 'userId', 'createdAt', 'completedAt', 'duration', 'detailedResults', 'attempt', 'maxAttempts']) {
      assert.ok(k in t, `status has ${k}`);
    }

    const table = await hangar('list', '--queue', 'batch');
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split('\n');
    assert.match(header, /^ID\s+STATUS\s+COMMAND\s+PRIORITY\s+QUEUE\s+CREATED$/);
    assert.match(row, /^\S{36}\s+SUCCESS\s+echo "\$A-\$B"\s+1\s+batch\s+\d{4}-/);
  });

  test('queues, health, history and config render', async () => {
    const q = await json('queues');
    assert.ok(Array.isArray(q.queues));
    assert.ok(q.deadLettered >= 2);
    assert.match((await hangar('queues')).stdout, /dead-lettered: \d+/);

    const h = await hangar('health');
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^status\s+healthy/m);
    assert.equal((await json('health')).checks.database, true);

    const c = await hangar('config');
    assert.equal(c.code, 0);
    assert.match(c.stdout, /\| `HANGAR_URL` \| `--url` \|/);
  });

  test('API errors: exit 1 and the problem detail on stderr', async () => {
    const r = await hangar('status', '00000000-0000-4000-8000-000000000000');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'hangar: task 00000000-0000-4000-8000-000000000000 not found (TASK_NOT_FOUND)\n');

    const bad = await hangar('submit', 'x', '--priority', '99');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /priority.*\(VALIDATION_FAILED\)/);
  });

  test('usage errors exit 2', async () => {
    for (const args of [['submit'], ['submit', 'x', '--priority', 'abc'], ['submit', 'a', 'b'], ['submit', '--shell', 'true', '--', 'true'], ['logs'], ['list', '--status', 'NOPE'], ['frobnicate'], ['autoscaler']]) {
      const r = await hangar(...args);
      assert.equal(r.code, 2, `hangar ${args.join(' ')}: ${r.stderr}`);
      assert.notEqual(r.stderr, '');
    }
    assert.equal((await hangar('--help')).code, 0);
  });

  test('an unreachable API is reported as such', async () => {
    const port = await freePort();
    for (const url of ['http://127.0.0.1:1', `http://127.0.0.1:${port}`]) {
      const r = await hangar('list', '--url', url);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^hangar: cannot reach the Hangar API at ${url.replace(/\./g, '\\.')}: \\S`));
    }
  });
});

describe('hangar logs of a log gone from the blob store', () => {
  test('says it is unavailable and exits 1; the stream that is there still prints', async () => {
    const r = await hangar('submit', '--shell', 'echo out; echo err >&2');
    const id = r.stdout.trim();
    assert.equal((await settle(id)).status, 'SUCCESS');
    rmSync(join(dataDir, 'blobs', 'tasks', id, '1', 'stdout.log'));
    const logs = await hangar('logs', id);
    assert.equal(logs.code, 1);
    assert.equal(logs.stdout, '', 'no empty log passed off as the output');
    assert.match(logs.stderr, /stdout log of attempt 1 .* no longer in the blob store.*\(LOG_UNAVAILABLE\)/);
    const err = await hangar('logs', id, '--stream', 'stderr');
    assert.equal(err.code, 0, err.stderr);
    assert.equal(err.stderr, 'err\n');
  });
});
