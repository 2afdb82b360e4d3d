/**
 * The invocation recorder on the embedded store (SQLite, disk blobs), no mocks: invocations
 * handed over are counted at once and written in a batch shortly after (a short log in its row, a
 * long one in the blob store); close() writes what is pending; retention (Maintenance) deletes
 * old records with their blobs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { InvocationRecorder, type RanInvocation } from '../../src/app/index.ts';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { INLINE_LOG_BYTES } from '../../src/core/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { Maintenance } from '../../src/worker/maintenance.ts';
import { ManualClock } from '../conformance/store.ts';
import { until } from '../helpers/platform.ts';

const ran = (over: Partial<RanInvocation> = {}): RanInvocation => ({
  requestId: randomUUID(),
  userId: 'alice',
  functionName: 'hello',
  executedVersion: '$LATEST',
  invocationType: 'RequestResponse',
  runtime: 'nodejs',
  durationMs: 12.5,
  initDurationMs: null,
  errorType: null,
  memoryMb: 128,
  maxMemoryBytes: 50 * 1024 * 1024,
  log: Buffer.from('START RequestId: x Version: $LATEST\nEND RequestId: x\nREPORT RequestId: x\n'),
  ...over,
});

describe('InvocationRecorder', () => {
  let dir: string;
  let store: SqliteStore;
  let blobs: DiskBlobStore;
  let clock: ManualClock;
  let metrics: Metrics;
  let recorder: InvocationRecorder;
  const log = createLogger('silent');
  const listed = (functionName = 'hello') => store.functionInvocations.listInvocations({ userId: 'alice', functionName, limit: 100 });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-recorder-'));
    store = new SqliteStore({ path: join(dir, 'db.sqlite') });
    blobs = new DiskBlobStore(join(dir, 'blobs'));
    clock = new ManualClock();
    metrics = new Metrics(store);
    recorder = new InvocationRecorder({ store: store.functionInvocations, blobs, metrics: metrics.functions, clock, log }, { flushMs: 10 });
  });
  afterEach(async () => {
    await recorder.close();
    await store.close();
    await blobs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes invocations in a batch after they are handed over: short logs inline, long ones as blobs', async () => {
    const short = ran({ initDurationMs: 100 });
    const long = ran({ log: Buffer.alloc(INLINE_LOG_BYTES + 1, 'y'), errorType: 'Sandbox.Timedout', durationMs: 1000 });
    recorder.ran(short);
    recorder.ran(long);
    assert.deepEqual((await listed()).items, [], 'not written while the caller is answered');
    const items = await until(async () => {
      const page = await listed();
      return page.items.length === 2 ? page.items : null;
    });
    const byId = new Map(items.map((r) => [r.requestId, r]));
    const s = byId.get(short.requestId)!;
    assert.deepEqual([s.status, s.initDurationMs, s.log?.toString(), s.logKey], ['success', 100, short.log.toString(), null]);
    assert.equal(s.endedAt, clock.now());
    assert.equal(s.startedAt, clock.now() - 113);
    const l = byId.get(long.requestId)!;
    assert.deepEqual([l.status, l.errorType, l.log, l.logBytes], ['timeout', 'Sandbox.Timedout', null, INLINE_LOG_BYTES + 1]);
    assert.deepEqual(await blobs.get(l.logKey!), long.log);
  });

  it('counts at once, and close() writes what is still pending', async () => {
    const slow = new InvocationRecorder(
      { store: store.functionInvocations, blobs, metrics: metrics.functions, clock, log },
      { flushMs: 60_000 },
    );
    slow.ran(ran({ initDurationMs: 5 }));
    slow.throttled('alice', 'hello');
    const text = await metrics.text();
    assert.match(text, /hangar_function_invocations_total\{user="alice",function="hello",status="success"\} 1/);
    assert.match(text, /hangar_function_cold_starts_total\{user="alice",function="hello"\} 1/);
    assert.match(text, /hangar_function_throttles_total\{user="alice",function="hello"\} 1/);
    assert.equal((await listed()).items.length, 0);
    await slow.close();
    assert.equal((await listed()).items.length, 1);
  });

  it('retention deletes records past it, with their logs in the blob store', async () => {
    recorder.ran(ran({ functionName: 'old', log: Buffer.alloc(INLINE_LOG_BYTES + 1, 'o') }));
    recorder.ran(ran({ functionName: 'old' }));
    await recorder.flush();
    clock.advance(3_600_000);
    recorder.ran(ran({ functionName: 'new' }));
    await recorder.flush();
    assert.equal((await blobs.list('functions/alice/logs/')).length, 1);
    const maintenance = new Maintenance({
      store,
      invocations: store.functionInvocations,
      blobs,
      log,
      clock,
      reapEveryMs: 60_000,
      workerStaleMs: 60_000,
      retentionMs: 1_800_000,
      retentionEveryMs: 60_000,
    });
    await maintenance.purge();
    assert.equal((await listed('old')).items.length, 0);
    assert.equal((await listed('new')).items.length, 1);
    assert.deepEqual(await blobs.list('functions/alice/logs/'), []);
  });
});
