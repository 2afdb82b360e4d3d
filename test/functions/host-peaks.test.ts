/**
 * A function host's count of invocations in flight per alias or version (FunctionHost.run,
 * takePeaks, restorePeaks): provisioned concurrency scaling's measure, taken by the scaling loop
 * (embedded) or by each advert of a worker host. No instance is started: counting is in memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { ProcessExecutor } from '../../src/executor/index.ts';
import { FunctionHost } from '../../src/functions/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-host-peaks-'));
const host = new FunctionHost(
  { executor: new ProcessExecutor(), workDir: dir, region: 'us-east-1', codeDir: join(dir, 'code') },
  { idleMs: 60_000 },
);
after(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

const peak = (functionName: string, qualifier: string, n: number, userId = 'alice') => ({ userId, functionName, qualifier, peak: n });
const sorted = <T extends { qualifier: string; userId: string }>(xs: T[]) =>
  [...xs].sort((a, b) => `${a.userId} ${a.qualifier}`.localeCompare(`${b.userId} ${b.qualifier}`));

it('takes the most in flight at once per qualifier since the last take, then counts again from those running', () => {
  assert.deepEqual(host.takePeaks(), []);
  const a = host.run('alice', 'api', ['1', 'live']);
  const b = host.run('alice', 'api', ['1', 'live']);
  const c = host.run('alice', 'api', ['1']);
  const d = host.run('bob', 'api', ['1']);
  // Nothing for $LATEST: no qualifier to count under.
  const e = host.run('alice', 'api', []);
  a();
  a();
  b();
  e();
  assert.deepEqual(sorted(host.takePeaks()), [peak('api', '1', 3), peak('api', 'live', 2), peak('api', '1', 1, 'bob')]);
  // c and d still run: the next take starts from them, and what ended is gone.
  assert.deepEqual(sorted(host.takePeaks()), [peak('api', '1', 1), peak('api', '1', 1, 'bob')]);
  c();
  d();
  assert.deepEqual(sorted(host.takePeaks()), [peak('api', '1', 1), peak('api', '1', 1, 'bob')], 'ran since the last take');
  assert.deepEqual(host.takePeaks(), []);
});

it('takes again what was given back (an advert not written), with what ran since', () => {
  const a = host.run('alice', 'api', ['live']);
  const taken = host.takePeaks();
  assert.deepEqual(taken, [peak('api', 'live', 1)]);
  const b = host.run('alice', 'api', ['live']);
  host.restorePeaks([...taken, peak('api', '2', 4)]);
  a();
  b();
  assert.deepEqual(sorted(host.takePeaks()), [peak('api', '2', 4), peak('api', 'live', 2)]);
});
