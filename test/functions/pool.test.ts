/**
 * The warm pool (src/functions/pool.ts) over real sandboxed instances: reuse only for the same
 * key, never across functions or owners, reaping by an injected clock, dead instances dropped.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ProcessExecutor } from '../../src/executor/index.ts';
import { type FunctionVersionConfig, InstancePool, type InvokeOutcome } from '../../src/functions/index.ts';
import { sandboxTestDir, anyTestSandbox } from '../helpers/sandbox.ts';
import { writeHandlers } from './fixtures.ts';

const { dir, workDir } = sandboxTestDir('hangar-fnpool-');
const codeDir = join(dir, 'code');
writeHandlers(codeDir);
// One engine is enough here (the instance suite covers both): the first this host has.
const { executor, skip } = await anyTestSandbox(workDir, 'fnpool');
let clock = 1_000_000;
const pool = new InstancePool(
  { executor: executor as ProcessExecutor, workDir, region: 'eu-west-1' },
  { idleMs: 60_000, now: () => clock },
);
after(async () => {
  await pool.close();
  await executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const alice = { owner: 'user-alice', accountId: '111111111111' };
const bob = { owner: 'user-bob', accountId: '222222222222' };
const fn = (name: string, handler = 'counter.handler', over: Partial<FunctionVersionConfig> = {}): FunctionVersionConfig => ({
  name,
  version: '1',
  runtime: 'nodejs',
  handler,
  memoryMb: 512,
  timeoutS: 10,
  environment: {},
  secrets: [],
  network: 'none',
  codeDir,
  ...over,
});
const count = (o: InvokeOutcome) => JSON.parse((o.kind === 'result' ? o.payload : o.error.payload).toString()).count;
const ev = Buffer.from('{}');

describe('instance pool', { skip }, () => {
  it('reuses a warm instance only for the same owner, function and version', async () => {
    const first = await pool.invoke(alice, fn('f'), ev);
    assert.equal(count(first), 1);
    assert.equal(typeof first.initDurationMs, 'number');
    const warm = await pool.invoke(alice, fn('f'), ev);
    assert.equal(count(warm), 2);
    assert.equal(warm.initDurationMs, null);
    assert.equal(count(await pool.invoke(bob, fn('f'), ev)), 1, "another owner's function of the same name");
    assert.equal(count(await pool.invoke(alice, fn('g'), ev)), 1, 'another function');
    assert.equal(count(await pool.invoke(alice, fn('f', 'counter.handler', { version: '2' }), ev)), 1, 'another version');
    assert.equal(count(await pool.invoke(alice, fn('f'), ev)), 3);
    assert.deepEqual(pool.stats(), { idle: 4, busy: 0, keys: 4 });
  });

  it('starts a second instance for a concurrent invocation of the same key', async () => {
    const [a, b] = await Promise.all([pool.invoke(alice, fn('h'), ev), pool.invoke(alice, fn('h'), ev)]);
    assert.deepEqual([count(a), count(b)], [1, 1]);
    assert.equal(pool.stats().idle, 6);
  });

  it('reaps instances idle too long; the next invocation is a cold start', async () => {
    clock += 30_000;
    assert.equal(count(await pool.invoke(alice, fn('f'), ev)), 4);
    clock += 45_000; // f was used 45 s ago, the others 75 s ago
    assert.equal(await pool.reap(), 5);
    assert.equal(count(await pool.invoke(alice, fn('f'), ev)), 5);
    clock += 61_000;
    assert.equal(await pool.reap(), 1);
    const cold = await pool.invoke(alice, fn('f'), ev);
    assert.equal(count(cold), 1);
    assert.equal(typeof cold.initDurationMs, 'number');
  });

  it('retires the instances a predicate names: idle ones closed now, a busy one when its invocation ends', async () => {
    const kept = await pool.invoke(alice, fn('stays'), ev);
    const idle = await pool.invoke(alice, fn('retired'), ev);
    assert.equal(count(idle), 1);
    const before = pool.stats().idle;
    assert.equal(await pool.retire((c) => c.name === 'retired'), 1);
    assert.equal(pool.stats().idle, before - 1);
    assert.equal(count(await pool.invoke(alice, fn('retired'), ev)), 1, 'a new instance');
    assert.equal(count(await pool.invoke(alice, fn('stays'), ev)), count(kept) + 1, 'another function keeps its own');

    const slow = fn('retired-busy', 'slowinit.handler', { environment: { INIT_MS: '300' } });
    let settled = false;
    const running = pool.invoke(alice, slow, ev).finally(() => {
      settled = true;
    });
    while (pool.stats().busy === 0 && !settled) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!settled, 'retired while busy (its init takes 300 ms)');
    const idleNow = pool.stats().idle;
    assert.equal(await pool.retire((c) => c.name === 'retired-busy'), 1);
    const out = await running;
    assert.equal(out.kind === 'result' && JSON.parse(out.payload.toString()), 'initialized', 'it ends its invocation');
    assert.equal(pool.stats().idle, idleNow, 'and is not idle after it');
    assert.equal(typeof (await pool.invoke(alice, slow, ev)).initDurationMs, 'number', 'the next invocation is a cold start');
  });

  it('drops an instance that timed out: the next invocation gets a new one', async () => {
    const slow = fn('s', 'sleeps.handler', { timeoutS: 1 });
    const t = await pool.invoke(alice, slow, Buffer.from('{"ms":3000}'));
    assert.equal(t.kind === 'error' && t.error.errorType, 'Sandbox.Timedout');
    const next = await pool.invoke(alice, slow, Buffer.from('{"ms":1}'));
    assert.equal(next.kind === 'result' && next.payload.toString(), '1');
  });

  it('keeps provisioned instances started and unreaped until let go; a dead one is replaced', async () => {
    const pc = fn('pc');
    assert.equal(await pool.provision(alice, pc, 2), 2);
    assert.equal(pool.provisioned(alice, pc), 2);
    assert.equal(pool.provisioned(bob, pc), 0, "another owner's key");
    // Started ahead: the first invocation of each is no cold start, and they are taken first.
    const [a, b] = await Promise.all([pool.invoke(alice, pc, ev), pool.invoke(alice, pc, ev)]);
    assert.deepEqual([count(a), count(b), a.initDurationMs, b.initDurationMs], [1, 1, null, null]);
    clock += 120_000;
    await pool.reap();
    assert.equal(pool.provisioned(alice, pc), 2, 'not reaped while provisioned');
    assert.equal(count(await pool.invoke(alice, pc, ev)), 2, 'still warm');
    // One dies; the next provision() replaces it.
    const crashy = fn('pc-crash', 'crash.handler');
    assert.equal(await pool.provision(alice, crashy, 1), 1);
    const crashed = await pool.invoke(alice, crashy, Buffer.from('{"crash":true}'));
    assert.equal(crashed.kind, 'error');
    assert.equal(pool.provisioned(alice, crashy), 0);
    assert.equal(await pool.provision(alice, crashy, 1), 1);
    // Let go of: ordinary idle instances again, reaped once idle too long.
    pool.unprovisionExcept(new Set());
    assert.equal(pool.provisioned(alice, pc), 0);
    clock += 61_000;
    assert.ok((await pool.reap()) >= 3);
    assert.equal(count(await pool.invoke(alice, pc, ev)), 1, 'a cold start after the reap');
  });

  it('says which init error kept provision() from starting an instance, until one starts or it is let go', async () => {
    const broken = fn('pc-broken', 'missing-dep.handler');
    assert.equal(await pool.provision(alice, broken, 1), 0);
    const failure = pool.provisionFailure(alice, broken);
    assert.equal(failure?.errorType, 'Runtime.ImportModuleError');
    assert.match(JSON.parse(failure!.payload.toString()).errorMessage, /no-such-package-anywhere/);
    assert.equal(pool.provisionFailure(bob, broken), null, "another owner's key");
    pool.unprovisionExcept(new Set());
    assert.equal(pool.provisionFailure(alice, broken), null, 'let go of');

    // The same key: its init fails until a file it needs is there; the round that starts it clears the failure.
    writeFileSync(
      join(codeDir, 'needs-file.js'),
      "require('node:fs').readFileSync(__dirname + '/needed');\nexports.handler = async () => 1;\n",
    );
    const needy = fn('pc-needy', 'needs-file.handler');
    assert.equal(await pool.provision(alice, needy, 1), 0);
    assert.equal(pool.provisionFailure(alice, needy)?.errorType, 'Error');
    writeFileSync(join(codeDir, 'needed'), 'here');
    assert.equal(await pool.provision(alice, needy, 1), 1);
    assert.equal(pool.provisionFailure(alice, needy), null);
    pool.unprovisionExcept(new Set());
  });
});
