/**
 * End to end: a real `hangar up` process, driven by real `hangar` client processes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    execFile(
      HANGAR,
      args,
      { env: { ...process.env, HANGAR_URL: base, HANGAR_API_KEY: TEST_ADMIN_KEY }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The environment without the HANGAR_* settings of whoever runs the tests, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HANGAR_'))), ...env };
}

/** Runs `bin/hangar ...args` with only the HANGAR_* settings given, in `cwd`. */
function hangarIn(env: Record<string, string>, cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: cleanEnv(env), cwd, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A `hangar` process whose output the test reads as it comes. */
function follower(...args: string[]) {
  const child = spawn(HANGAR, args, {
    env: { ...process.env, HANGAR_URL: base, HANGAR_API_KEY: TEST_ADMIN_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Until its stdout matches, or fails after `ms` (a CLI that prints nothing before the end). */
    async waitFor(re: RegExp, ms = 15_000): Promise<void> {
      const until = Date.now() + ms;
      while (!re.test(stdout)) {
        if (child.exitCode !== null || Date.now() > until)
          throw new Error(`no ${re} on the CLI's stdout yet; stdout: ${JSON.stringify(stdout.slice(-300))}, stderr: ${stderr}`);
        await sleep(20);
      }
    },
    async done(): Promise<{ code: number | null; stdout: string; stderr: string }> {
      const code = await Promise.race([exit, sleep(30_000, 'hung' as const, { ref: false })]);
      if (code === 'hung') {
        child.kill('SIGKILL');
        throw new Error('the CLI did not exit');
      }
      return { code, stdout, stderr };
    },
    kill: () => child.kill('SIGKILL'),
  };
}

async function taskStatus(id: string): Promise<string> {
  return ((await (await fetch(`${base}/tasks/${id}`, { headers: ADMIN })).json()) as { status: string }).status;
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
      // Small, so that a test task outgrows it cheaply.
      HANGAR_MAX_OUTPUT_BYTES: '65536',
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
    const t = await json(
      'submit',
      '--shell',
      'echo "$A-$B"',
      '--env',
      'A=1',
      '--env',
      'B=x=y',
      '--queue',
      'batch',
      '--cpu',
      '512',
      '--memory',
      '256',
      '--wait',
    );
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
    writeFileSync(
      file,
      ['{"shell": "echo one"}', '', '{"shell": "echo two", "queue": "own"}', '{"command": "noop", "priority": 7}'].join('\n'),
    );
    const r = await hangar('submit', '--batch', file, '--queue', 'cli-batch', '--idempotency-key', 'cli-b');
    assert.equal(r.code, 0, r.stderr);
    const ids = r.stdout.trim().split('\n');
    assert.equal(ids.length, 3);
    for (const id of ids) assert.match(id, UUID);
    const done = await Promise.all(ids.map((id) => settle(id)));
    assert.deepEqual(
      done.map((t) => [t.status, t.queue, t.priority]),
      [
        ['SUCCESS', 'cli-batch', 1],
        ['SUCCESS', 'own', 1],
        ['SUCCESS', 'cli-batch', 7],
      ],
    );
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
    const lines = waited.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    assert.deepEqual(
      lines.map((l) => l[1]),
      ['SUCCESS', 'FAILED'],
    );
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
    for (const k of [
      'taskId',
      'status',
      'command',
      'priority',
      'userId',
      'createdAt',
      'completedAt',
      'duration',
      'detailedResults',
      'attempt',
      'maxAttempts',
    ]) {
      assert.ok(k in t, `status has ${k}`);
    }

    const table = await hangar('list', '--queue', 'batch');
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split('\n');
    assert.match(header, /^ID\s+STATUS\s+USER\s+COMMAND\s+PRIORITY\s+QUEUE\s+CREATED$/, 'an admin sees whose each task is');
    assert.match(row, /^\S{36}\s+SUCCESS\s+admin\s+echo "\$A-\$B"\s+1\s+batch\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
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

    const c = await hangar('config', '--markdown');
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
    for (const args of [
      ['submit'],
      ['submit', 'x', '--priority', 'abc'],
      ['submit', 'a', 'b'],
      ['submit', '--shell', 'true', '--', 'true'],
      ['logs'],
      ['list', '--status', 'NOPE'],
      ['frobnicate'],
      ['autoscaler'],
    ]) {
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

describe('where the CLI connects and which key it sends (issue 21, items 10 and 11)', () => {
  test('HANGAR_HOST and HANGAR_PORT, as the server reads them, make the URL; HANGAR_URL and --url win', async () => {
    const port = new URL(base).port;
    const cwd = mkdtempSync(join(tmpdir(), 'hangar-cli-cwd-'));
    try {
      const r = await hangarIn({ HANGAR_PORT: port, HANGAR_HOST: '0.0.0.0', HANGAR_API_KEY: TEST_ADMIN_KEY }, cwd, 'whoami');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^admin \(admin key /);
      const byUrl = await hangarIn({ HANGAR_PORT: '1', HANGAR_URL: base, HANGAR_API_KEY: TEST_ADMIN_KEY }, cwd, 'whoami');
      assert.equal(byUrl.code, 0, byUrl.stderr);
      const byFlag = await hangarIn({ HANGAR_URL: 'http://127.0.0.1:1', HANGAR_API_KEY: TEST_ADMIN_KEY }, cwd, 'whoami', '--url', base);
      assert.equal(byFlag.code, 0, byFlag.stderr);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('`hangar config` shows the effective values and where each came from, secrets hidden', async () => {
    const port = new URL(base).port;
    const cwd = mkdtempSync(join(tmpdir(), 'hangar-cli-cwd-'));
    try {
      const file = join(cwd, 'hangar.json');
      writeFileSync(file, JSON.stringify({ retentionHours: 48 }));
      const env = {
        HANGAR_PORT: port,
        HANGAR_API_KEY: TEST_ADMIN_KEY,
        HANGAR_DATABASE_URL: 'postgres://app:pw-canary@db.example:5432/hangar',
        HANGAR_CONFIG: file,
      };
      const c = await hangarIn(env, cwd, 'config', '--data-dir', '/srv/hangar');
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, new RegExp(`^api url\\s+http://127\\.0\\.0\\.1:${port} \\(from HANGAR_PORT\\)$`, 'm'));
      assert.match(c.stdout, /^api key\s+HANGAR_API_KEY$/m);
      assert.match(c.stdout, new RegExp(`^HANGAR_PORT\\s+${port}\\s+HANGAR_PORT$`, 'm'));
      assert.match(c.stdout, new RegExp(`^HANGAR_URL\\s+http://127\\.0\\.0\\.1:${port}\\s+HANGAR_PORT$`, 'm'));
      assert.match(c.stdout, /^HANGAR_HOST\s+127\.0\.0\.1\s+default$/m);
      assert.match(c.stdout, /^HANGAR_DATA_DIR\s+\/srv\/hangar\s+--data-dir$/m);
      assert.match(c.stdout, new RegExp(`^HANGAR_RETENTION_HOURS\\s+48\\s+retentionHours in ${file.replace(/[.]/g, '\\.')}$`, 'm'));
      assert.match(c.stdout, /^HANGAR_API_KEY\s+\(set, hidden\)\s+HANGAR_API_KEY$/m);
      assert.match(c.stdout, /^HANGAR_DATABASE_URL\s+postgres:\/\/app:\*\*\*@db\.example:5432\/hangar\s+HANGAR_DATABASE_URL$/m);
      assert.ok(!c.stdout.includes(TEST_ADMIN_KEY) && !c.stdout.includes('pw-canary'), 'no secret is printed');
      const j = JSON.parse((await hangarIn({ HANGAR_HOST: '::' }, cwd, 'config', '--json')).stdout);
      assert.deepEqual(j.url, { url: 'http://[::1]:8080', from: 'HANGAR_HOST' });
      assert.equal(j.settings.host.value, '::');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('the admin key is found through HANGAR_DATA_DIR or in ./data; without one, the CLI names the files it tried', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hangar-cli-cwd-'));
    try {
      const keyed = join(cwd, 'elsewhere');
      mkdirSync(keyed);
      writeFileSync(join(keyed, 'admin.key'), `${TEST_ADMIN_KEY}\n`, { mode: 0o600 });
      const viaEnv = await hangarIn({ HANGAR_URL: base, HANGAR_DATA_DIR: keyed }, cwd, 'whoami');
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      assert.match(viaEnv.stdout, /^admin /);
      const c = await hangarIn({ HANGAR_URL: base, HANGAR_DATA_DIR: keyed }, cwd, 'config');
      assert.match(c.stdout, new RegExp(`^api key\\s+${join(keyed, 'admin.key')}$`, 'm'));

      const none = await hangarIn({ HANGAR_URL: base }, cwd, 'whoami');
      assert.equal(none.code, 1);
      assert.match(none.stderr, /\(UNAUTHORIZED\)\n/);
      assert.ok(none.stderr.includes(`${join(cwd, 'data', 'admin.key')} (no such file)`), none.stderr);
      const missing = await hangarIn({ HANGAR_URL: base, HANGAR_DATA_DIR: join(cwd, 'nope') }, cwd, 'whoami');
      assert.ok(missing.stderr.includes(`${join(cwd, 'nope', 'admin.key')} (no such file)`), missing.stderr);
      assert.match(missing.stderr, /set HANGAR_API_KEY, or HANGAR_DATA_DIR/);

      mkdirSync(join(cwd, 'data'));
      writeFileSync(join(cwd, 'data', 'admin.key'), 'hk_stale0000000000000000000000000000000000\n');
      const stale = await hangarIn({ HANGAR_URL: base }, cwd, 'whoami');
      assert.equal(stale.code, 1);
      assert.ok(stale.stderr.includes(`the key from ${join(cwd, 'data', 'admin.key')} was refused`), stale.stderr);
      writeFileSync(join(cwd, 'data', 'admin.key'), `${TEST_ADMIN_KEY}\n`);
      assert.equal((await hangarIn({ HANGAR_URL: base }, cwd, 'whoami')).code, 0, './data of the current directory');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('long output keeps its head and tail (issue 21, item 12)', () => {
  test('a task printing past HANGAR_MAX_OUTPUT_BYTES: head, marker and tail, in the stored log, the live stream and submit --wait', async () => {
    // 300,000 numbered lines (about 2 MB): far past the server's 64 KiB, with the error at the end.
    const shell = 'seq 1 300000; echo LAST-LINE; echo fatal: at the very end >&2; exit 3';
    const waited = await hangar('submit', '--max-attempts', '1', '--shell', shell, '--wait');
    assert.equal(waited.code, 1, waited.stderr);
    const id = /^task\s+(\S+)/m.exec(waited.stdout)?.[1] ?? '';
    assert.match(waited.stdout, /^output\s+truncated \(stdout \d+\.\d MiB written\)/m);
    assert.match(waited.stdout, /^1\n2\n3\n/);
    assert.match(waited.stdout, /\n299999\n300000\nLAST-LINE\n/);
    assert.match(waited.stderr, /fatal: at the very end/);

    const total = Number((await json('status', id)).summary.stdoutBytes);
    const logs = await hangar('logs', id);
    const marker = `\n… ${total - 65536} bytes omitted …\n`;
    assert.ok(logs.stdout.startsWith('1\n2\n3\n'));
    assert.ok(logs.stdout.endsWith('300000\nLAST-LINE\n'));
    assert.equal(logs.stdout.indexOf(marker), 32768, 'the first half of the 64 KiB, then the marker');
    assert.equal(Buffer.byteLength(logs.stdout), 65536 + Buffer.byteLength(marker));
    assert.match(logs.stderr, /stdout was truncated: its middle is left out/);
    assert.equal((await json('logs', id)).stdoutTruncated, true);

    // Live: the first 64 KiB as written, then the same tail as the stored log.
    const live = follower('logs', id, '--follow');
    const f = await live.done();
    assert.equal(f.code, 1);
    assert.ok(f.stdout.startsWith('1\n2\n3\n'));
    assert.match(f.stdout, new RegExp(`\\n… ${total - 65536 - 32768} bytes omitted …\\n`));
    assert.equal(f.stdout.slice(-32768), logs.stdout.slice(-32768));
  });
  test('a secret value cut by the left-out middle is masked on both sides of the marker', async () => {
    const token = 'tok-SPLITSECRET-0123456789';
    assert.equal((await hangar('secret', 'set', 'SPLIT_TOKEN', '--value', token)).code, 0);
    // The head ends 8 bytes into the first value, the tail begins 8 bytes before the second's end.
    const fill = (n: number, c: string) => `head -c ${n} /dev/zero | tr '\\0' ${c}`;
    const shell = `${fill(32760, 'x')}; printf %s "$SPLIT_TOKEN"; ${fill(100000, 'z')}; printf %s "$SPLIT_TOKEN"; ${fill(32760, 'y')}`;
    const t = await json('submit', '--secret', 'SPLIT_TOKEN', '--max-attempts', '1', '--shell', shell, '--wait');
    assert.equal(t.status, 'SUCCESS');
    const log = (await hangar('logs', t.taskId, '--stream', 'stdout')).stdout;
    const [head, tail] = log.split(/\n… \d+ bytes omitted …\n/);
    assert.equal(head.length, 32760 + '[REDACTED]'.length);
    assert.equal(head.slice(-12), 'xx[REDACTED]');
    assert.equal(tail.length, 32760 + '[REDACTED]'.length);
    assert.equal(tail.slice(0, 12), '[REDACTED]yy');
    for (let i = 0; i + 4 <= token.length; i++)
      assert.ok(!log.includes(token.slice(i, i + 4)), `no piece of the value (${token.slice(i, i + 4)})`);
  });
});

describe('live output in the CLI (issue 21, item 13)', () => {
  test('submit --wait streams the output while the task runs; the exit status is the outcome', async () => {
    const run = follower('submit', '--max-attempts', '1', '--wait', '--shell', 'echo first; echo to-stderr >&2; sleep 300');
    try {
      await run.waitFor(/^first\n$/);
      const id = (await json<{ tasks: { taskId: string }[] }>('list', '--limit', '1')).tasks[0].taskId;
      assert.equal(await taskStatus(id), 'RUNNING', 'the output came while the task ran');
      assert.equal((await hangar('cancel', id)).code, 0);
      const r = await run.done();
      assert.equal(r.code, 1, 'a cancelled task is not a success');
      assert.match(r.stdout, /^first\ntask\s+\S+\nstatus\s+CANCELLED/);
      assert.equal(r.stderr, 'to-stderr\n');
    } finally {
      run.kill();
    }
  });

  test('logs --follow: stdout to stdout, stderr to stderr, live, until the task ends; exit 0 for SUCCESS', async () => {
    const id = (await hangar('submit', '--max-attempts', '1', '--shell', 'echo one; echo err >&2; sleep 300')).stdout.trim();
    const run = follower('logs', id, '--follow');
    try {
      await run.waitFor(/^one\n$/);
      assert.equal(await taskStatus(id), 'RUNNING', 'the output came while the task ran');
    } finally {
      await hangar('cancel', id);
    }
    const r = await run.done();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^err\n/);
    assert.match(r.stderr, /ended CANCELLED/);

    const ok = (await hangar('submit', '--shell', 'echo a; echo b >&2; echo c')).stdout.trim();
    const done = follower('logs', ok, '--follow');
    const d = await done.done();
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'a\nc\n');
    assert.equal(d.stderr, 'b\n');
  });
});

describe('CLI commands (issue 21, item 18)', () => {
  test('cancel takes several ids; one it cannot cancel makes exit 1 and the others still go', async () => {
    const a = (await hangar('submit', 'timeout')).stdout.trim();
    const b = (await hangar('submit', 'timeout')).stdout.trim();
    const r = await hangar('cancel', a, b);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
      [a, b],
    );
    const c = (await hangar('submit', 'timeout')).stdout.trim();
    const missing = '00000000-0000-4000-8000-000000000000';
    const mixed = await hangar('cancel', missing, c);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /task 00000000-0000-4000-8000-000000000000 not found \(TASK_NOT_FOUND\)/);
    assert.match(mixed.stdout, new RegExp(`^${c}: `));
    const j = await hangar('cancel', a, c, '--json');
    assert.deepEqual(
      JSON.parse(j.stdout).map((x: { taskId: string }) => x.taskId),
      [a, c],
    );
    for (const id of [a, b, c]) assert.equal((await settle(id)).status, 'CANCELLED');
  });

  test('--status in any case; USER only for admins; one time format', async () => {
    const lower = await json('list', '--status', 'cancelled');
    assert.ok(lower.tasks.length > 0 && lower.tasks.every((t: { status: string }) => t.status === 'CANCELLED'));
    assert.equal((await hangar('list', '--status', 'Failed')).code, 0);
    const bad = await hangar('list', '--status', 'broken');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PENDING, RUNNING, SUCCESS, FAILED, TIMEOUT, CANCELLED/);

    const key = (await hangar('key', 'create', '--user', 'carol')).stdout.trim();
    const asCarol = (...args: string[]) => hangarIn({ HANGAR_URL: base, HANGAR_API_KEY: key }, tmpdir(), ...args);
    assert.equal((await asCarol('submit', 'noop', '--wait')).code, 0);
    const mine = await asCarol('list');
    assert.match(mine.stdout.split('\n')[0], /^ID\s+STATUS\s+COMMAND\s+PRIORITY/, 'a user sees only their own: no USER column');
    assert.match((await hangar('list', '--user', 'carol')).stdout, /\s+SUCCESS\s+carol\s+noop\s/);

    assert.equal((await asCarol('secret', 'set', 'TOKEN', '--value', 'carols-token-value')).code, 0);
    const stamp = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/;
    for (const out of [
      (await hangar('key', 'list')).stdout,
      (await asCarol('secret', 'list')).stdout,
      (await hangar('audit', '--limit', '3')).stdout,
      (await hangar('list', '--limit', '3')).stdout,
    ]) {
      assert.match(out, stamp);
      assert.doesNotMatch(out, /\d\dT\d\d:\d\d|\.\d{3}Z/, 'no raw ISO times');
    }
  });

  test('project and terminal commands, and submit --project', async () => {
    const pid = (await hangar('project', 'create', 'site')).stdout.trim();
    assert.match(pid, UUID);
    const src = join(dataDir, 'site-src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'hello\n');
    writeFileSync(join(src, 'sub', 'b.txt'), 'b\n');
    const up = await hangar('project', 'upload', pid, src);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /version 1 \(2 files/);

    const t = await hangar('terminal', 'run', pid, 'main', '--wait', '--', 'cat a.txt; echo more >> a.txt');
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout, 'hello\n');
    const failed = await hangar('terminal', 'run', pid, 'main', '--wait', 'cat', 'nope.txt');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /nope\.txt/);
    const cmds = await hangar('terminal', 'list', pid, 'main');
    assert.match(cmds.stdout, /^\S{36}\s+FAILED\s+terminal main: cat nope\.txt/m);
    assert.match(cmds.stdout, /^\S{36}\s+SUCCESS\s+terminal main: cat a\.txt; echo more/m);

    const sub = await json('submit', '--project', pid, '--shell', 'cat a.txt sub/b.txt', '--wait');
    assert.equal(sub.status, 'SUCCESS');
    assert.equal(sub.projectId, pid);
    assert.equal((await hangar('logs', sub.taskId, '--stream', 'stdout')).stdout, 'hello\nmore\nb\n');

    const show = await hangar('project', 'show', pid);
    assert.match(show.stdout, /^version\s+2$/m);
    assert.match(show.stdout, /^2\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+1\s+\S{36}\s+2/m);
    assert.match((await hangar('project', 'list')).stdout, new RegExp(`^${pid}\\s+site\\s+admin\\s+2\\s`, 'm'));
    const out = join(dataDir, 'site-out');
    const dl = await hangar('project', 'download', pid, '--extract', out, '--version', '2');
    assert.equal(dl.code, 0, dl.stderr);
    assert.equal(readFileSync(join(out, 'a.txt'), 'utf8'), 'hello\nmore\n');
    const file = join(dataDir, 'site.tar.gz');
    assert.equal((await hangar('project', 'download', pid, '-o', file)).code, 0);
    assert.deepEqual([...readFileSync(file).subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');
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
