/**
 * Function instances in the real sandbox (bubblewrap and the util-linux fallback, cgroups, the
 * sandbox uid, no network), running handlers written for AWS, unchanged, through the Runtime
 * API at 127.0.0.1:9001 inside. Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ProcessExecutor } from '../../src/executor/index.ts';
import {
  type FunctionVersionConfig,
  Instance,
  type InstanceDeps,
  InstanceGone,
  INIT_TIMEOUT_MS,
  initLimitMs,
  type InvokeOutcome,
  PROVISIONED_INIT_MIN_MS,
} from '../../src/functions/index.ts';
import { ENGINES, sandboxTestDir, testSandboxes } from '../helpers/sandbox.ts';
import { writeHandlers, writeProvided } from './fixtures.ts';

const { dir, workDir } = sandboxTestDir('hangar-fn-');
const codeDir = join(dir, 'code');
writeHandlers(codeDir);
const providedDir = join(dir, 'provided');
writeProvided(providedDir);
const reports = await testSandboxes(workDir, 'functions');
// A server on the host's loopback: a function without network must not reach it.
const host = createServer((_q, r) => r.end('host'));
await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
const hostPort = (host.address() as { port: number }).port;
const instances: Instance[] = [];
after(async () => {
  for (const i of instances) await i.close();
  host.close();
  for (const r of reports.values()) await r.executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (handler: string, over: Partial<FunctionVersionConfig> = {}): FunctionVersionConfig => ({
  name: handler.split('.')[0].replaceAll('/', '-'),
  version: '$LATEST',
  runtime: 'nodejs',
  handler,
  memoryMb: 512,
  timeoutS: 10,
  environment: { GREETING: 'hello' },
  secrets: [],
  network: 'none',
  codeDir,
  ...over,
});

/** Waits for a condition the test then relies on; fails the test after 10 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > 10_000) assert.fail('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const json = (o: InvokeOutcome) => JSON.parse((o.kind === 'result' ? o.payload : o.error.payload).toString());
const event = (e: unknown) => Buffer.from(JSON.stringify(e));

describe('initLimitMs', () => {
  it("is Lambda's 10 s on demand, or the function's timeout when longer; 130 s or the timeout with provisioned concurrency", () => {
    assert.equal(initLimitMs(3, 'on-demand'), INIT_TIMEOUT_MS);
    assert.equal(initLimitMs(900, 'on-demand'), 900_000);
    assert.equal(initLimitMs(60, 'provisioned-concurrency'), PROVISIONED_INIT_MIN_MS);
    assert.equal(initLimitMs(900, 'provisioned-concurrency'), 900_000);
  });
});

for (const engine of ENGINES) {
  const { executor, skip } = reports.get(engine)!;
  const start = async (c: FunctionVersionConfig, logs?: string[], more: Partial<InstanceDeps> = {}) => {
    const i = await Instance.start(c, {
      executor: executor as ProcessExecutor,
      workDir,
      region: 'eu-west-1',
      accountId: '123456789012',
      owner: 'user-test',
      onOutput: logs ? (_s, chunk) => logs.push(chunk.toString()) : undefined,
      ...more,
    });
    instances.push(i);
    return i;
  };

  describe(`function instances (${engine})`, { skip }, () => {
    it('keeps module state while warm, and measures the cold start', async (t) => {
      const logs: string[] = [];
      const i = await start(config('counter.handler'), logs);
      const a = await i.invoke(event({ n: 1 }));
      assert.deepEqual(json(a), { count: 1, echo: { n: 1 } }, logs.join(''));
      assert.equal(typeof a.initDurationMs, 'number');
      const warm: number[] = [];
      for (let k = 2; k <= 6; k++) {
        const t0 = performance.now();
        const b = await i.invoke(event({ n: k }));
        warm.push(performance.now() - t0);
        assert.deepEqual(json(b), { count: k, echo: { n: k } });
        assert.equal(b.initDurationMs, null);
      }
      // The log line travels its own pipe: it may arrive just after the answer.
      await until(() => logs.join('').includes('\tINFO\tcount is 6'));
      t.diagnostic(
        `${engine}: cold start (spawn -> first /next) ${a.initDurationMs!.toFixed(1)} ms at 512 MB; warm invoke round trips ${warm.map((w) => w.toFixed(2)).join(', ')} ms`,
      );
    });

    it("runs the init phase at one vCPU at least, then invocations at the memory's share", async () => {
      const i = await start(config('counter.handler', { memoryMb: 128 }));
      assert.equal(await i.ready(), null);
      // The instance's cgroup, found from the host: its CPU quota per 250 ms period.
      const found = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', `fn-${i.id}-1`], { encoding: 'utf8' });
      const dirs = found.split('\n').filter(Boolean);
      const v1 = dirs.map((d) => join(d, 'cpu.cfs_quota_us')).find((f) => existsSync(f));
      const file = v1 ?? dirs.map((d) => join(d, 'cpu.max')).find((f) => existsSync(f));
      assert.ok(file, `no cpu quota file among ${dirs.join(', ')}`);
      // 128 MB: 74 units of 1024 (Lambda's 1769 MB per vCPU), 18066 µs per 250 ms.
      assert.equal(Number(readFileSync(file, 'utf8').trim().split(' ')[0]), Math.round((74 / 1024) * 250_000));
      assert.equal(json(await i.invoke(event({}))).count, 1);
    });

    it('runs its processes under SCHED_BATCH (woken, they do not preempt the API)', async () => {
      const i = await start(config('counter.handler'));
      assert.equal(await i.ready(), null);
      const found = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', `fn-${i.id}-1`], { encoding: 'utf8' });
      const procs = found
        .split('\n')
        .filter(Boolean)
        .map((d) => join(d, 'cgroup.procs'))
        .find((f) => existsSync(f) && readFileSync(f, 'utf8').trim() !== '');
      assert.ok(procs, `no cgroup.procs with processes among ${found}`);
      const pids = readFileSync(procs, 'utf8').trim().split('\n');
      for (const pid of pids) {
        // /proc/PID/stat: the 41st field is the policy (3: SCHED_BATCH); the name (2nd) may hold spaces.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
        assert.equal(policy, 3, `process ${pid} of the instance has policy ${policy}`);
      }
      assert.equal(json(await i.invoke(event({}))).count, 1);
    });

    it('runs ESM, callback and nested handlers', async () => {
      const esm = await start(config('esm.handler'));
      assert.equal(json(await esm.invoke(event({}))).kind, 'esm');
      const cb = await start(config('callback.handler'));
      assert.deepEqual(json(await cb.invoke(event({ n: 4 }))), { via: 'callback', n: 8 });
      const nested = await start(config('lib/deep/nested.api.v1.handler'));
      assert.equal(json(await nested.invoke(event({}))), 'nested');
    });

    it("gives Lambda's context and environment", async () => {
      const i = await start(config('context.handler', { name: 'ctx', memoryMb: 256, timeoutS: 7 }));
      const o = await i.invoke(event({}), { requestId: 'rid-1' });
      const c = json(o);
      assert.equal(c.awsRequestId, 'rid-1');
      assert.equal(c.functionName, 'ctx');
      assert.equal(c.functionVersion, '$LATEST');
      assert.equal(c.memoryLimitInMB, '256');
      assert.equal(c.invokedFunctionArn, 'arn:aws:lambda:eu-west-1:123456789012:function:ctx:$LATEST');
      assert.equal(c.logGroupName, '/aws/lambda/ctx');
      assert.match(c.logStreamName, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      assert.ok(c.remaining > 0 && c.remaining <= 7000, `remaining ${c.remaining}`);
      assert.deepEqual(
        c.env,
        { region: 'eu-west-1', tz: ':UTC', root: '/var/task', handler: 'context.handler', hangar: [] },
        'no task identity',
      );
      assert.equal(c.cwd, '/var/task');
    });

    it('offers the Runtime API at AWS_LAMBDA_RUNTIME_API inside, as Lambda does', async () => {
      // Node's and Python's bootstraps offer it themselves; provided goes through the sandbox's
      // forwarder (its test's curl bootstrap uses it).
      const i = await start(config('rapi.handler'));
      assert.deepEqual(json(await i.invoke(event({}))), { api: '127.0.0.1:9001', status: 404, errorType: 'NotFound', socketVar: null });
      const py = await start(config('py_rapi.handler', { runtime: 'python3' }));
      assert.deepEqual(json(await py.invoke(event({}))), { status: 404, errorType: 'NotFound', socketVar: null });
    });

    it('runs as the sandbox uid with a writable /tmp', async () => {
      const i = await start(config('whoami.handler'));
      const w = json(await i.invoke(event({})));
      assert.equal(w.uid, 64100);
      assert.equal(w.tmpWritable, true);
    });

    it("reports a thrown error in Lambda's shape and stays warm", async () => {
      const i = await start(config('throws.handler'));
      const o = await i.invoke(event({}));
      assert.equal(o.kind, 'error');
      const doc = json(o);
      assert.equal(doc.errorType, 'ValidationError');
      assert.equal(doc.errorMessage, 'bad input');
      assert.equal(doc.trace[0], 'ValidationError: bad input');
      assert.equal(i.state, 'idle');
    });

    it('reports init errors by their Lambda names and discards the instance', async () => {
      const i = await start(config('nothere.handler'));
      const o = await i.invoke(event({}));
      assert.equal(o.kind === 'error' && o.error.errorType, 'Runtime.ImportModuleError');
      assert.equal(typeof o.initDurationMs, 'number');
      await assert.rejects(i.invoke(event({})), InstanceGone);
      const s = await start(config('syntax.handler'));
      assert.equal((await s.ready())?.errorType, 'Runtime.UserCodeSyntaxError');
    });

    it("lets an init past Lambda's init phase go on under the function's timeout (Lambda runs it again within the invocation)", async () => {
      // Lambda's 10 s init phase shortened to 200 ms: an init of 700 ms is past it.
      const slow = await start(config('slowinit.handler', { timeoutS: 3, environment: { INIT_MS: '700' } }), undefined, {
        initPhaseMs: 200,
      });
      const o = await slow.invoke(event({}));
      assert.equal(json(o), 'initialized');
      assert.ok((o.initDurationMs ?? 0) >= 700, String(o.initDurationMs));
      // Past the function's timeout too (1 s, above the 200 ms phase): the init fails as a timeout.
      const slower = await start(config('slowinit.handler', { timeoutS: 1, environment: { INIT_MS: '1500' } }), undefined, {
        initPhaseMs: 200,
      });
      const failed = await slower.invoke(event({}));
      assert.equal(failed.kind === 'error' && failed.error.errorType, 'Sandbox.Timedout');
      assert.equal(json(failed).errorMessage, 'Init timed out after 1.00 seconds');
    });

    it('times out as Lambda does, and the next invocation is a cold start', async () => {
      const c = config('sleeps.handler', { timeoutS: 1 });
      const i = await start(c);
      assert.equal(json(await i.invoke(event({ ms: 1 }))), 1);
      const o = await i.invoke(event({ ms: 5000 }), { requestId: 'slow-1' });
      assert.equal(o.kind, 'error');
      assert.equal(o.kind === 'error' && o.error.errorType, 'Sandbox.Timedout');
      assert.equal(json(o).errorMessage, 'RequestId: slow-1 Error: Task timed out after 1.00 seconds');
      assert.equal(i.state, 'dead');
      await assert.rejects(i.invoke(event({ ms: 1 })), InstanceGone);
      const again = await start(c);
      const cold = await again.invoke(event({ ms: 1 }));
      assert.equal(json(cold), 1, 'a new instance starts with fresh module state');
      assert.equal(typeof cold.initDurationMs, 'number');
    });

    it('a crash mid-invocation gives Runtime.ExitError, never a hang', async () => {
      const i = await start(config('crash.handler'));
      assert.equal(json(await i.invoke(event({}))), 'alive');
      const o = await i.invoke(event({ crash: true }), { requestId: 'crash-1' });
      assert.equal(o.kind === 'error' && o.error.errorType, 'Runtime.ExitError');
      assert.equal(json(o).errorMessage, 'RequestId: crash-1 Error: Runtime exited with error: exit status 3');
      assert.equal(i.state, 'dead');
    });

    it('refuses a response over 6 MB as Lambda does', async () => {
      const i = await start(config('big.handler'));
      const o = await i.invoke(event({}));
      assert.equal(o.kind === 'error' && o.error.errorType, 'Function.ResponseSizeTooLarge');
      assert.equal(i.state, 'idle');
    });

    it('instances of two functions share nothing', async () => {
      const a = await start(config('counter.handler', { name: 'a' }));
      const b = await start(config('counter.handler', { name: 'b' }));
      assert.equal(json(await a.invoke(event({}))).count, 1);
      assert.equal(json(await a.invoke(event({}))).count, 2);
      assert.equal(json(await b.invoke(event({}))).count, 1);
    });

    it('has no network: not the host loopback, not the outside', async () => {
      const i = await start(config('net.handler'));
      const local = json(await i.invoke(event({ url: `http://127.0.0.1:${hostPort}/` })));
      assert.equal(local, 'error ECONNREFUSED');
      const outside = json(await i.invoke(event({ url: 'http://1.1.1.1/' })));
      assert.match(outside, /^error (ENETUNREACH|EAI_AGAIN|timeout)/);
    });

    it("enforces the function's memory: the kernel's kill is Runtime.OutOfMemory", async () => {
      const i = await start(config('hog.handler', { memoryMb: 128 }));
      const small = await i.invoke(event({ mb: 4 }));
      assert.equal(json(small), 4);
      const o = await i.invoke(event({ mb: 300 }), { requestId: 'oom-1' });
      assert.equal(o.kind, 'error');
      assert.equal(o.kind === 'error' && o.error.errorType, 'Runtime.OutOfMemory', o.kind === 'error' ? o.error.payload.toString() : '');
      assert.equal(i.state, 'dead');
    });

    it('runs Python handlers: warm state, context, errors in the Python shape, init errors', async () => {
      const logs: string[] = [];
      const i = await start(config('py_counter.handler', { runtime: 'python3', name: 'py' }), logs);
      const a = json(await i.invoke(event({ k: 1 }), { requestId: 'py-1' }));
      assert.equal(a.count, 1, logs.join(''));
      assert.deepEqual(a.echo, { k: 1 });
      assert.equal(a.requestId, 'py-1');
      assert.equal(a.functionName, 'py');
      assert.equal(a.memory, '512');
      assert.ok(a.remaining > 0);
      assert.equal(a.region, 'eu-west-1');
      assert.equal(json(await i.invoke(event({}))).count, 2);
      await until(() => logs.join('').includes('count is 2'));
      const nested = await start(config('pydir/mod.handler', { runtime: 'python3' }));
      assert.equal(json(await nested.invoke(event({}))), 'nested python');
      const e = await start(config('py_errors.handler', { runtime: 'python3' }));
      const o = await e.invoke(event({}), { requestId: 'py-2' });
      const doc = json(o);
      assert.equal(o.kind === 'error' && o.error.errorType, 'ValidationError');
      assert.equal(doc.errorMessage, 'bad input');
      assert.equal(doc.requestId, 'py-2');
      assert.ok(Array.isArray(doc.stackTrace) && doc.stackTrace.length > 0);
      for (const [handler, errorType] of [
        ['py_missing.handler', 'Runtime.ImportModuleError'],
        ['py_syntax.handler', 'Runtime.UserCodeSyntaxError'],
        ['py_counter.nope', 'Runtime.HandlerNotFound'],
      ]) {
        const bad = await start(config(handler, { runtime: 'python3' }));
        assert.equal((await bad.ready())?.errorType, errorType, handler);
      }
    });

    it('runs a provided runtime: a shell bootstrap speaking the Runtime API with curl', async () => {
      const logs: string[] = [];
      const i = await start(config('anything.here', { runtime: 'provided', name: 'sh', codeDir: providedDir }), logs);
      const a = await i.invoke(event({ x: 1 }));
      assert.deepEqual(json(a), { echo: { x: 1 }, count: 1, handler: 'anything.here' }, logs.join(''));
      assert.equal(json(await i.invoke(event({ x: 2 }))).count, 2);
      const f = await i.invoke(event('fail'));
      assert.equal(f.kind === 'error' && f.error.errorType, 'Shell.Failure');
      assert.deepEqual(json(f), { errorMessage: 'asked to fail', errorType: 'Shell.Failure' });
      // Streamed over the Runtime API's HTTP (streaming mode, chunked): to the sink as it comes.
      const seen: string[] = [];
      const s = await i.invoke(event('stream'), {
        sink: { start: (t) => seen.push(`start ${t}`), chunk: (b) => void seen.push(b.toString()) },
      });
      assert.deepEqual(s.kind === 'result' && [s.contentType, s.payload.length], ['text/plain', 0]);
      assert.deepEqual([seen[0], seen.slice(1).join('')], ['start text/plain', 'one;two']);
      assert.equal(json(await i.invoke(event({ x: 3 }))).count, 5);
    });
  });
}
