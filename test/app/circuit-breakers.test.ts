/**
 * Circuit breakers through the one invoke path (app/invoke.ts) on a real sandboxed
 * FunctionHost, embedded: a function failing `failureThreshold` times opens its breaker;
 * invocations then fail fast with CircuitOpen without running (its invocation records and its
 * own call count prove it); after the cooldown one probe runs: success closes, failure opens
 * again. A workflow's Task on it fails with Hangar.CircuitOpen, which a Catch handles. The
 * breakers' clock is a manual one: nothing sleeps. Skipped, with the reason, where the host
 * cannot sandbox.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CircuitBreakers,
  deleteCircuitBreaker,
  deployFunction,
  functionTasks,
  getCircuitBreaker,
  InvocationRecorder,
  invokeFunction,
  type InvokeApp,
  putCircuitBreaker,
} from '../../src/app/index.ts';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { asl, CircuitOpen, ErrorCode, NotFound, Throttled } from '../../src/core/index.ts';
import type { ProcessExecutor } from '../../src/executor/index.ts';
import { FunctionHost } from '../../src/functions/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { sandboxTestDir, anyTestSandbox } from '../helpers/sandbox.ts';
import { makeZip } from '../helpers/zip.ts';

const { dir, workDir } = sandboxTestDir('hangar-breakers-');
const { executor, skip } = await anyTestSandbox(workDir, 'breakers');

const log = createLogger('silent');
const store = new SqliteStore({ path: join(dir, 'db.sqlite') });
const blobs = new DiskBlobStore(join(dir, 'blobs'));
/** The breakers' clock: moved by the tests. */
const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t };
const metrics = new Metrics(store);
const recorder = new InvocationRecorder(
  { store: store.functionInvocations, blobs, metrics: metrics.functions, clock, log },
  { flushMs: 1 },
);
const breakers = new CircuitBreakers({ clock, metrics: metrics.functions, functions: store.functions, log });
/** A second API node's breakers on the same store (its own memory, the shared transitions). */
const nodeB = new CircuitBreakers({ clock, functions: store.functions, log });
let host: FunctionHost;
const app = (on: CircuitBreakers = breakers): InvokeApp => ({
  functions: store.functions,
  blobs,
  functionHost: { current: host },
  invocations: recorder,
  breakers: on,
  config: { awsRegion: 'us-east-1' },
});

/** Invokes `name` (on node `on`); the function fails when the event says so. */
const invoke = (name: string, fail: boolean, on: CircuitBreakers = breakers) =>
  invokeFunction(app(on), 'alice', { functionName: name, payload: Buffer.from(JSON.stringify({ fail })), accountId: '111111111111' });
/** How many times the function ran, as its records say. */
async function records(name: string): Promise<number> {
  await recorder.flush();
  return (await store.functionInvocations.listInvocations({ userId: 'alice', functionName: name, limit: 100 })).items.length;
}
const isOpen = (retryAfter: number) => (err: unknown) => {
  assert.ok(err instanceof CircuitOpen, String(err));
  assert.equal(err.code, ErrorCode.FunctionCircuitOpen);
  assert.equal(err.retryAfter, retryAfter);
  return true;
};

before(async () => {
  if (skip) return;
  host = new FunctionHost(
    { executor: executor as ProcessExecutor, workDir, region: 'us-east-1', codeDir: join(dir, 'code') },
    { idleMs: 60_000 },
  );
  // Counts its calls (one warm instance: calls run one after another), fails when asked.
  const zip = makeZip({
    'index.js': "let n = 0; exports.handler = async (e) => { n++; if (e.fail) throw new Error('down ' + n); return { n }; };",
  });
  for (const name of ['scraper', 'flaky', 'healthy', 'steps', 'throttled', 'shared'])
    await deployFunction({ functions: store.functions, blobs }, 'alice', {
      name,
      zip,
      config: { runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 256, timeoutS: 30 },
    });
});
after(async () => {
  await breakers.close();
  await nodeB.close();
  await recorder.close();
  await host?.close();
  await executor?.close();
  await store.close();
  await blobs.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('circuit breakers on the invoke path', { skip }, () => {
  beforeEach(() => {
    clock.t += 3_600_000;
  });

  it('opens after threshold failures; then fails fast without running; after the cooldown one probe closes it', async () => {
    await putCircuitBreaker(app(), 'alice', 'scraper', { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 30 });
    for (let i = 1; i <= 3; i++) {
      const r = await invoke('scraper', true);
      assert.equal(r.functionError, 'Unhandled');
      clock.t += 1000;
    }
    const open = await getCircuitBreaker(app(), 'alice', 'scraper');
    assert.equal(open.state, 'open');
    assert.equal(open.nextProbeAt, (open.openedAt ?? 0) + 30_000);
    for (let i = 0; i < 5; i++) await assert.rejects(invoke('scraper', false), isOpen(29));
    assert.equal(await records('scraper'), 3, 'the refused invocations did not run');
    // The cooldown passes: the next invocation is the probe, and it runs (the 4th call).
    clock.t += 29_000;
    assert.equal((await getCircuitBreaker(app(), 'alice', 'scraper')).state, 'half-open');
    const probe = await invoke('scraper', false);
    assert.deepEqual(JSON.parse(probe.payload.toString()), { n: 4 });
    const closed = await getCircuitBreaker(app(), 'alice', 'scraper');
    assert.deepEqual([closed.state, closed.failuresInWindow, closed.openedAt], ['closed', 0, null]);
    assert.equal(JSON.parse((await invoke('scraper', false)).payload.toString()).n, 5);
    const scrape = await metrics.registry.metrics();
    assert.match(scrape, /hangar_function_circuit_rejections_total\{user="alice",function="scraper"\} 5/);
    assert.match(scrape, /hangar_function_circuit_breaker_state\{user="alice",function="scraper"\} 0/);
  });

  it('a probe that fails opens it again for another cooldown', async () => {
    await putCircuitBreaker(app(), 'alice', 'flaky', { failureThreshold: 1, windowSeconds: 10, cooldownSeconds: 5 });
    await invoke('flaky', true);
    await assert.rejects(invoke('flaky', false), isOpen(5));
    assert.match(await metrics.registry.metrics(), /hangar_function_circuit_breaker_state\{user="alice",function="flaky"\} 2/);
    clock.t += 5000;
    const probe = await invoke('flaky', true);
    assert.equal(probe.functionError, 'Unhandled');
    assert.equal(JSON.parse(probe.payload.toString()).errorMessage, 'down 2', 'the probe ran');
    const again = await getCircuitBreaker(app(), 'alice', 'flaky');
    assert.deepEqual([again.state, again.openedAt, again.nextProbeAt], ['open', clock.t, clock.t + 5000]);
    await assert.rejects(invoke('flaky', false), isOpen(5));
    assert.equal(await records('flaky'), 2);
  });

  it('a function without a breaker, or whose breaker is deleted, never fails fast', async () => {
    for (let i = 0; i < 4; i++) await invoke('healthy', true);
    await putCircuitBreaker(app(), 'alice', 'healthy', { failureThreshold: 2, windowSeconds: 10, cooldownSeconds: 60 });
    await invoke('healthy', true);
    await invoke('healthy', true);
    await assert.rejects(invoke('healthy', false), isOpen(60));
    await deleteCircuitBreaker(app(), 'alice', 'healthy');
    assert.equal(JSON.parse((await invoke('healthy', false)).payload.toString()).n, 7);
    await assert.rejects(
      getCircuitBreaker(app(), 'alice', 'healthy'),
      (e: unknown) => e instanceof NotFound && e.code === ErrorCode.FunctionCircuitBreakerNotFound,
    );
    await assert.rejects(deleteCircuitBreaker(app(), 'alice', 'healthy'), NotFound);
    await assert.rejects(
      getCircuitBreaker(app(), 'bob', 'healthy'),
      (e: unknown) => e instanceof NotFound && e.code === ErrorCode.FunctionNotFound,
    );
  });

  it('a probe that is throttled did not run: it neither closes nor reopens, and the next invocation probes', async () => {
    await putCircuitBreaker(app(), 'alice', 'throttled', { failureThreshold: 1, windowSeconds: 10, cooldownSeconds: 5 });
    await invoke('throttled', true);
    clock.t += 5000;
    await store.functions.putConcurrency('alice', 'throttled', 0);
    await assert.rejects(invoke('throttled', false), (e: unknown) => e instanceof Throttled);
    assert.equal((await getCircuitBreaker(app(), 'alice', 'throttled')).state, 'half-open');
    await store.functions.deleteConcurrency('alice', 'throttled');
    assert.deepEqual(JSON.parse((await invoke('throttled', false)).payload.toString()), { n: 2 }, 'the next one ran as the probe');
    assert.equal((await getCircuitBreaker(app(), 'alice', 'throttled')).state, 'closed');
  });

  it("one node's opening and closing reach the other nodes through the store; a restart keeps an open breaker", async () => {
    await putCircuitBreaker(app(), 'alice', 'shared', { failureThreshold: 2, windowSeconds: 60, cooldownSeconds: 30 });
    // Node B runs it once (closed there), then node A sees it fail twice: A opens, and shares it.
    assert.equal(JSON.parse((await invoke('shared', false, nodeB)).payload.toString()).n, 1);
    await invoke('shared', true);
    await invoke('shared', true);
    await breakers.close(); // the transition is written
    await assert.rejects(invoke('shared', false, nodeB), isOpen(30));
    assert.equal((await getCircuitBreaker(app(nodeB), 'alice', 'shared')).state, 'open');
    // A process started now (no memory of it) fails fast too.
    const restarted = new CircuitBreakers({ clock, functions: store.functions, log });
    await assert.rejects(invoke('shared', false, restarted), isOpen(30));
    assert.equal(await records('shared'), 3, 'nothing ran while open');
    // After the cooldown A's probe succeeds and closes it: B and the new process run again.
    clock.t += 30_000;
    assert.equal(JSON.parse((await invoke('shared', false)).payload.toString()).n, 4);
    await breakers.close();
    assert.equal(JSON.parse((await invoke('shared', false, nodeB)).payload.toString()).n, 5);
    assert.equal(JSON.parse((await invoke('shared', false, restarted)).payload.toString()).n, 6);
    assert.equal((await getCircuitBreaker(app(nodeB), 'alice', 'shared')).state, 'closed');
  });

  it("a workflow's Task on an open breaker fails with Hangar.CircuitOpen, which a Catch handles", async () => {
    await putCircuitBreaker(app(), 'alice', 'steps', { failureThreshold: 1, windowSeconds: 10, cooldownSeconds: 60 });
    await invoke('steps', true);
    const definition = {
      StartAt: 'Scrape',
      States: {
        Scrape: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'steps', Payload: { fail: false } },
          Catch: [{ ErrorEquals: ['Hangar.CircuitOpen'], ResultPath: '$.error', Next: 'Later' }],
          End: true,
        },
        Later: { Type: 'Pass', End: true },
      },
    } as unknown as asl.StateMachineDefinition;
    const resolveTask = functionTasks(app(), () => '111111111111')('alice');
    const r = await asl.runExecution(definition, {}, { resolveTask });
    assert.equal(r.status, 'SUCCEEDED');
    const out = (r as unknown as { output: { error: { Error: string; Cause: string } } }).output;
    assert.equal(out.error.Error, 'Hangar.CircuitOpen');
    assert.match(out.error.Cause, /circuit breaker of function steps is open/);
    assert.equal(await records('steps'), 1, 'the task did not run the function');
  });
});
