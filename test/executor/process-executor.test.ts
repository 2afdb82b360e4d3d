import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_WORKLOADS, ProcessExecutor } from '../../src/executor/index.ts';
import type { ExecutionRequest, ExecutionResult } from '../../src/executor/index.ts';
import { processesOfTask } from '../helpers/platform.ts';

const workspaces: string[] = [];
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-exec-test-'));
  workspaces.push(dir);
  return dir;
}

function request(over: Partial<ExecutionRequest>): ExecutionRequest {
  return {
    taskId: `test-${randomUUID()}`,
    attempt: 1,
    command: 'noop',
    args: null,
    shell: null,
    env: {},
    metadata: {},
    resources: { cpu: 256, memory: 512 },
    network: 'none',
    image: null,
    timeoutMs: 30_000,
    workspace: workspace(),
    signal: new AbortController().signal,
    ...over,
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

/** Polls until `fn` returns true or the deadline passes. */
async function waitFor(fn: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return fn();
}

function result(r: ExecutionResult): Record<string, unknown> {
  return r.detailedResults.result as Record<string, unknown>;
}

function assertContainerInfo(r: ExecutionResult): void {
  const meta = r.detailedResults.metadata as Record<string, unknown>;
  const ci = meta.containerInfo as Record<string, unknown>;
  assert.equal(ci.cpu, '256');
  assert.equal(ci.memory, '512');
  assert.equal(typeof ci.architecture, 'string');
}

function assertMemoryUsage(r: ExecutionResult): void {
  const mu = (r.detailedResults.metadata as Record<string, unknown>).memoryUsage as Record<string, string>;
  for (const k of ['heapUsed', 'heapTotal', 'rss']) assert.match(mu[k], /^\d+\.\d MB$/);
}

const executor = new ProcessExecutor({ maxOutputBytes: 1024 * 1024, killGraceMs: 500 });

after(async () => {
  await executor.close();
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

describe('built-in workloads', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  let net: ProcessExecutor;

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/fail') {
        res.writeHead(503).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
    net = new ProcessExecutor({ networkTestUrl: url });
  });
  after(async () => {
    await net.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('the list of names', () => {
    for (const n of ['cpu-intensive', 'memory-intensive', 'io-intensive', 'network-test', 'error', 'timeout', 'noop', 'custom']) {
      assert.ok(BUILTIN_WORKLOADS.includes(n), n);
    }
  });

  test('cpu-intensive computes over the requested iterations', async () => {
    const r = await executor.run(request({ command: 'cpu-intensive', metadata: { iterations: 200_000 } }));
    assert.equal(r.status, 'SUCCESS', JSON.stringify(r.detailedResults));
    assert.equal(r.failure, null);
    assert.equal(r.exitCode, 0);
    assert.equal(r.detailedResults.success, true);
    const res = result(r);
    assert.equal(res.message, 'CPU-intensive task completed');
    assert.equal(res.iterations, 200_000);
    assert.equal(typeof res.duration, 'number');
    let expected = 0;
    for (let i = 0; i < 200_000; i++) expected += Math.sqrt(i) * Math.sin(i);
    assert.equal(res.checksum, expected);
    assertMemoryUsage(r);
    assertContainerInfo(r);
    assert.match(r.stdout.data.toString(), /cpu-intensive/);
  });

  test('cpu-intensive default iteration count', async () => {
    const r = await executor.run(request({ command: 'cpu-intensive' }));
    assert.equal(r.status, 'SUCCESS');
    assert.equal(result(r).iterations, 5_000_000);
  });

  test('memory-intensive allocates the requested megabytes', async () => {
    const r = await executor.run(request({ command: 'memory-intensive', metadata: { megabytes: 16 } }));
    assert.equal(r.status, 'SUCCESS', JSON.stringify(r.detailedResults));
    const res = result(r);
    assert.equal(res.message, 'Memory-intensive task completed');
    assert.equal(res.allocatedMB, 16);
    assert.match(String(res.peakHeapUsed), /MB$/);
    // sum over 16 chunks of ((i % 1000) + mb) for i in [0, 131072)
    let expected = 0;
    for (let mb = 0; mb < 16; mb++) for (let i = 0; i < 131072; i++) expected += (i % 1000) + mb;
    assert.equal(res.checksum, expected);
    assertMemoryUsage(r);
  });

  test('io-intensive writes, verifies and deletes its files in the workspace', async () => {
    const req = request({ command: 'io-intensive', metadata: { files: 5 } });
    const r = await executor.run(req);
    assert.equal(r.status, 'SUCCESS', JSON.stringify(r.detailedResults));
    const res = result(r);
    assert.equal(res.files, 5);
    assert.equal(res.bytesWritten, 5 * 256 * 1024);
    assert.equal(res.bytesRead, 5 * 256 * 1024);
    assert.equal(existsSync(req.workspace), false, 'the executor removes the workspace after the attempt');
  });

  test('network-test makes real HTTP requests', async () => {
    const before = hits;
    const r = await net.run(request({ command: 'network-test' }));
    assert.equal(r.status, 'SUCCESS', JSON.stringify(r.detailedResults));
    const res = result(r);
    assert.deepEqual(res.statusCodes, [200, 200, 200]);
    assert.equal(res.requests, 3);
    assert.equal(res.bytes, 12);
    assert.equal(typeof res.averageLatencyMs, 'number');
    assert.equal(hits - before, 3);
  });

  test('network-test fails when the requests fail', async () => {
    const refused = new ProcessExecutor({ networkTestUrl: url.replace('/ping', '/fail') });
    const r = await refused.run(request({ command: 'network-test', metadata: { requests: 1 } }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.failure?.code, 'WORKLOAD_ERROR');
    assert.match(r.failure?.message ?? '', /503/);

    // nothing listening
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((res) => closed.close(res));
    const dead = new ProcessExecutor({ networkTestUrl: `http://127.0.0.1:${port}/` });
    const r2 = await dead.run(request({ command: 'network-test', metadata: { requests: 1 } }));
    assert.equal(r2.status, 'FAILED');
    assert.equal(r2.failure?.code, 'WORKLOAD_ERROR');
    assert.equal(r2.detailedResults.success, false);
  });

  test('error fails with a workload error', async () => {
    const r = await executor.run(request({ command: 'error' }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.failure?.code, 'WORKLOAD_ERROR');
    assert.equal(r.failure?.retryable, true);
    assert.equal(r.failure?.message, 'Simulated task failure');
    assert.notEqual(r.exitCode, 0);
    assert.deepEqual(r.detailedResults.error, { message: 'Simulated task failure' });
    assert.equal(r.detailedResults.success, false);
    assertMemoryUsage(r);
    assertContainerInfo(r);
  });

  test('custom commands sleep for the simulated time', async () => {
    const r = await executor.run(request({ command: 'render-video', metadata: { durationMs: 50 } }));
    assert.equal(r.status, 'SUCCESS');
    assert.equal(result(r).message, "Custom command 'render-video' completed");
    assert.ok((result(r).duration as number) >= 45);
  });

  test('noop returns at once', async () => {
    const r = await executor.run(request({ command: 'noop' }));
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.detailedResults.success, true);
  });

  test('timeout is killed at the task timeout with its whole group', async () => {
    const req = request({ command: 'timeout', timeoutMs: 1000 });
    const running = executor.run(req);
    let pids: number[] = [];
    assert.ok(await waitFor(() => (pids = processesOfTask(req.taskId)).length > 0, 5000), 'child started');
    const pgid = pids[0];
    const t0 = Date.now();
    const r = await running;
    assert.ok(Date.now() - t0 < 5000);
    assert.ok(r.finishedAt - r.startedAt < 4000, `took ${r.finishedAt - r.startedAt} ms`);
    assert.equal(r.status, 'TIMEOUT');
    assert.deepEqual({ code: r.failure?.code, retryable: r.failure?.retryable }, { code: 'TIMEOUT', retryable: false });
    assert.deepEqual(r.detailedResults.error, { message: 'timed out after 1s' });
    assert.equal(r.detailedResults.success, false);
    assert.match(r.stdout.data.toString(), /5 minutes/);
    assert.equal(groupAlive(pgid), false);
    assert.deepEqual(processesOfTask(req.taskId), []);
  });
});

describe('programs', () => {
  test('an image cannot be honoured without the sandbox: FAILED, not retried, saying why', async () => {
    const r = await executor.run(request({ args: ['/bin/true'], image: 'tiny' }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.failure?.code, 'IMAGE_UNAVAILABLE');
    assert.equal(r.failure?.retryable, false);
    assert.match(r.failure!.message, /images need the sandbox executor/);
  });

  test('args: success, stdout captured, minimal env', async () => {
    const req = request({ command: 'env', args: ['/bin/sh', '-c', 'echo "hello $FOO"; env; echo oops >&2'], env: { FOO: 'bar' } });
    const r = await executor.run(req);
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.exitCode, 0);
    assert.equal(r.signal, null);
    const out = r.stdout.data.toString();
    assert.match(out, /^hello bar\n/);
    assert.match(out, new RegExp(`^HANGAR_TASK_ID=${req.taskId}$`, 'm'));
    assert.match(out, /^HANGAR_ATTEMPT=1$/m);
    assert.match(out, new RegExp(`^HOME=${req.workspace}$`, 'm'));
    assert.match(out, /^PATH=\/usr\/local\/bin:\/usr\/bin:\/bin$/m);
    assert.equal(r.stderr.data.toString(), 'oops\n');
    assert.equal(r.stdout.truncated, false);
    assert.equal(r.detailedResults.success, true);
    const res = result(r);
    assert.equal(res.exitCode, 0);
    assert.equal(res.stdoutBytes, r.stdout.bytes);
    assert.equal(res.stderrBytes, 5);
    assertContainerInfo(r);
  });

  test('args are passed verbatim, cwd is the workspace', async () => {
    const req = request({ command: 'pwd', args: ['/bin/sh', '-c', 'pwd; printf "%s|" "$@"', 'sh', 'a b', '$HOME', ';'] });
    const r = await executor.run(req);
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.stdout.data.toString(), `${req.workspace}\na b|$HOME|;|`);
  });

  test('shell: output and exit code', async () => {
    const r = await executor.run(request({ command: 'sh', shell: 'echo one; echo two | tr a-z A-Z' }));
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.stdout.data.toString(), 'one\nTWO\n');
  });

  test('non-zero exit', async () => {
    const r = await executor.run(request({ command: 'sh', shell: 'echo bad >&2; exit 3' }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.exitCode, 3);
    assert.deepEqual(
      { code: r.failure?.code, retryable: r.failure?.retryable, exitCode: r.failure?.exitCode },
      { code: 'NON_ZERO_EXIT', retryable: true, exitCode: 3 },
    );
    assert.equal(r.detailedResults.success, false);
    assert.equal(result(r).exitCode, 3);
    assert.equal(r.stderr.data.toString(), 'bad\n');
  });

  test('killed by a signal it sent itself', async () => {
    const r = await executor.run(request({ command: 'sh', shell: 'kill -KILL $$' }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.failure?.code, 'SIGNALLED');
    assert.equal(r.failure?.retryable, true);
    assert.equal(r.failure?.signal, 'SIGKILL');
    assert.equal(r.signal, 'SIGKILL');
  });

  test('spawn failure of a missing binary', async () => {
    const r = await executor.run(request({ command: 'nope', args: ['/definitely/not/here', 'x'] }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.failure?.code, 'SPAWN_FAILED');
    assert.equal(r.failure?.retryable, false);
    assert.match(r.failure?.message ?? '', /ENOENT/);
    assert.equal(r.detailedResults.success, false);
  });

  test('a workspace that cannot be created fails the attempt, never throws', async () => {
    const r = await executor.run(request({ command: 'true', args: ['/bin/true'], workspace: '/dev/null/ws' }));
    assert.equal(r.status, 'FAILED');
    assert.equal(r.failure?.code, 'SPAWN_FAILED');
  });

  test('output is capped per stream, its head and tail kept, the total counted', async () => {
    const r = await executor.run(
      request({ command: 'big', shell: 'printf HEAD; head -c 3145718 /dev/zero; printf THE-END; head -c 100 /dev/zero >&2' }),
    );
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.stdout.bytes, 3 * 1024 * 1024 + 1);
    const marker = `\n… ${2 * 1024 * 1024 + 1} bytes omitted …\n`;
    assert.equal(r.stdout.data.length, 1024 * 1024 + Buffer.byteLength(marker));
    assert.equal(r.stdout.data.subarray(0, 4).toString(), 'HEAD');
    assert.equal(r.stdout.data.subarray(512 * 1024, 512 * 1024 + Buffer.byteLength(marker)).toString(), marker);
    assert.equal(r.stdout.data.subarray(-7).toString(), 'THE-END');
    assert.equal(r.stdout.truncated, true);
    assert.equal(r.stderr.bytes, 100);
    assert.equal(r.stderr.data.length, 100);
    assert.equal(r.stderr.truncated, false);
    assert.equal(result(r).stdoutBytes, 3 * 1024 * 1024 + 1);
  });

  test("a request may keep less output than the executor's cap; onOutput still sees all of it", async () => {
    let seen = 0;
    const r = await executor.run(
      request({
        command: 'small-cap',
        shell: 'printf HEAD; head -c 5000 /dev/zero; printf THE-END',
        maxOutputBytes: 1000,
        onOutput: (_s, c) => (seen += c.length),
      }),
    );
    assert.equal(r.stdout.bytes, 5011);
    assert.equal(seen, 5011);
    assert.equal(r.stdout.truncated, true);
    const marker = `\n… 4011 bytes omitted …\n`;
    assert.equal(r.stdout.data.length, 1000 + Buffer.byteLength(marker));
    assert.equal(r.stdout.data.subarray(-7).toString(), 'THE-END');
  });

  test('no background child of the group survives the main process', async () => {
    const req = request({ command: 'bg', shell: 'sleep 100 & echo hi' });
    const r = await executor.run(req);
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.stdout.data.toString(), 'hi\n');
    assert.deepEqual(processesOfTask(req.taskId), []);
  });

  test('timeout kills a shell and its background sleep', async () => {
    const req = request({ command: 'bg', shell: 'sleep 100 & echo started; wait', timeoutMs: 500 });
    const r = await executor.run(req);
    assert.equal(r.status, 'TIMEOUT');
    assert.equal(r.failure?.code, 'TIMEOUT');
    assert.equal(r.stdout.data.toString(), 'started\n');
    assert.ok(r.finishedAt - r.startedAt < 4000);
    assert.deepEqual(processesOfTask(req.taskId), []);
  });

  test('a process ignoring SIGTERM is still killed', async () => {
    const req = request({ command: 'stubborn', shell: 'trap "" TERM; echo ready; sleep 100', timeoutMs: 300 });
    const r = await executor.run(req);
    assert.equal(r.status, 'TIMEOUT');
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(r.finishedAt - r.startedAt < 4000);
    assert.deepEqual(processesOfTask(req.taskId), []);
  });

  test('abort cancels the attempt and kills its tree', async () => {
    const ac = new AbortController();
    const req = request({ command: 'bg', shell: 'sleep 100 & sleep 100; wait', signal: ac.signal });
    const running = executor.run(req);
    assert.ok(await waitFor(() => processesOfTask(req.taskId).length >= 3, 5000), 'tree started');
    ac.abort();
    const r = await running;
    assert.equal(r.status, 'CANCELLED');
    assert.deepEqual({ code: r.failure?.code, retryable: r.failure?.retryable }, { code: 'CANCELLED', retryable: false });
    assert.deepEqual(r.detailedResults.error, { message: 'cancelled' });
    assert.deepEqual(processesOfTask(req.taskId), []);
  });

  test('abort cancels a built-in', async () => {
    const ac = new AbortController();
    const req = request({ command: 'timeout', signal: ac.signal });
    const running = executor.run(req);
    assert.ok(await waitFor(() => processesOfTask(req.taskId).length > 0, 5000));
    ac.abort();
    const r = await running;
    assert.equal(r.status, 'CANCELLED');
    assert.deepEqual(processesOfTask(req.taskId), []);
  });

  test('an already-aborted signal never starts a process', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await executor.run(request({ command: 'sh', shell: 'touch ran', signal: ac.signal }));
    assert.equal(r.status, 'CANCELLED');
    assert.equal(r.exitCode, null);
  });

  test('close() kills what is still running', async () => {
    const ex = new ProcessExecutor();
    const req = request({ command: 'sleep', shell: 'sleep 100' });
    const running = ex.run(req);
    assert.ok(await waitFor(() => processesOfTask(req.taskId).length > 0, 5000));
    await ex.close();
    const r = await running;
    assert.equal(r.status, 'CANCELLED');
    assert.deepEqual(processesOfTask(req.taskId), []);
    const late = await ex.run(request({ command: 'noop' }));
    assert.equal(late.status, 'CANCELLED');
  });
});
