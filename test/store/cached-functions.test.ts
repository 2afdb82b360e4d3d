/**
 * The invocation path's function reads from memory (src/store/cached-functions.ts), in front of a
 * real SQLite store: this process sees its own writes at once; another process's writes to the
 * same database within the time to live; nothing is kept of what is not there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { cachedFunctionReads } from '../../src/store/cached-functions.ts';
import { SqliteStore, type Functions } from '../../src/store/index.ts';
import { codeOf, newFunction } from '../conformance/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-cachedfn-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('function reads kept in memory', () => {
  let path: string;
  let here: SqliteStore;
  let elsewhere: SqliteStore;
  let now: number;
  let fns: Functions;

  beforeEach(() => {
    path = join(dir, `c${n++}.db`);
    // The store's own reads uncached: the one under test is made here, on a clock of the test's.
    here = new SqliteStore({ path, functionReadTtlMs: 0 });
    // Another process on the same file (a worker the local autoscaler started).
    elsewhere = new SqliteStore({ path, functionReadTtlMs: 0 });
    now = 0;
    fns = cachedFunctionReads(here.functions, 1000, () => now);
  });
  afterEach(async () => {
    await here.close();
    await elsewhere.close();
  });

  it("sees this process's own writes at once, through every kind of write", async () => {
    await fns.createFunction(newFunction());
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v1').sha256);
    assert.equal(await fns.getConcurrency('alice', 'hello'), null);
    await fns.updateFunctionCode('alice', 'hello', codeOf('v2'));
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v2').sha256);
    await fns.updateFunctionConfiguration('alice', 'hello', { memoryMb: 512 });
    assert.equal((await fns.getFunction('alice', 'hello'))?.memoryMb, 512);
    await fns.putConcurrency('alice', 'hello', 3);
    assert.equal(await fns.getConcurrency('alice', 'hello'), 3);
    assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null);
    const breaker = { failureThreshold: 2, windowSeconds: 10, cooldownSeconds: 5, probes: 1 };
    await fns.putCircuitBreaker('alice', 'hello', breaker);
    assert.equal((await fns.getCircuitBreaker('alice', 'hello'))?.failureThreshold, 2);
    await fns.deleteCircuitBreaker('alice', 'hello');
    assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null);
    await fns.deleteFunction('alice', 'hello');
    assert.equal(await fns.getFunction('alice', 'hello'), null);
  });

  it("sees another process's writes once the time to live has passed, and never keeps a miss", async () => {
    assert.equal(await fns.getFunction('alice', 'hello'), null);
    await elsewhere.functions.createFunction(newFunction());
    assert.ok(await fns.getFunction('alice', 'hello'), 'a function made elsewhere is seen at once');
    await elsewhere.functions.updateFunctionCode('alice', 'hello', codeOf('v2'));
    await elsewhere.functions.putConcurrency('alice', 'hello', 2);
    assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null);
    await elsewhere.functions.putCircuitBreaker('alice', 'hello', {
      failureThreshold: 2,
      windowSeconds: 10,
      cooldownSeconds: 5,
      probes: 1,
    });
    now = 999;
    assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null, 'none, as read within the time to live');
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v1').sha256, 'kept within the time to live');
    now = 1000;
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v2').sha256);
    assert.equal(await fns.getConcurrency('alice', 'hello'), 2);
    assert.equal((await fns.getCircuitBreaker('alice', 'hello'))?.cooldownSeconds, 5);
  });

  it('keeps apart qualifiers and users, and a version from $LATEST', async () => {
    await fns.createFunction(newFunction());
    await fns.publishVersion('alice', 'hello');
    await fns.updateFunctionCode('alice', 'hello', codeOf('v2'));
    await fns.createFunction(newFunction({ userId: 'bob' }));
    assert.equal((await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.code.sha256, codeOf('v1').sha256);
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v2').sha256);
    assert.equal((await fns.getFunction('bob', 'hello'))?.code.sha256, codeOf('v1').sha256);
    assert.equal(await fns.getFunction('alice', 'hello', { kind: 'version', version: 2 }), null);
  });

  it('gives callers a frozen snapshot, so none can change what others are given', async () => {
    await fns.createFunction(newFunction({}, { environment: { MODE: 'a' } }));
    const f = (await fns.getFunction('alice', 'hello'))!;
    assert.throws(() => {
      (f as { memoryMb: number }).memoryMb = 1;
    }, TypeError);
    assert.throws(() => {
      f.environment.MODE = 'b';
    }, TypeError);
  });

  it('does not keep a read that was under way when a write began', async () => {
    await fns.createFunction(newFunction());
    const reading = fns.getFunction('alice', 'hello');
    await fns.updateFunctionCode('alice', 'hello', codeOf('v2'));
    await reading;
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v2').sha256);
  });

  it('a failed write still forgets what was read', async () => {
    await fns.createFunction(newFunction());
    await fns.getFunction('alice', 'hello');
    await elsewhere.functions.updateFunctionCode('alice', 'hello', codeOf('v2'));
    await assert.rejects(fns.createFunction(newFunction()));
    assert.equal((await fns.getFunction('alice', 'hello'))?.code.sha256, codeOf('v2').sha256);
  });
});
