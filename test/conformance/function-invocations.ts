/**
 * The FunctionInvocations port's behaviour, written once: every backend calls
 * describeFunctionInvocations with a factory (as describeFunctions).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, InvalidInput, type InvocationRecord } from '../../src/core/index.ts';
import type { FunctionInvocations, InvocationNotice } from '../../src/store/index.ts';

export interface FunctionInvocationsUnderTest {
  invocations: FunctionInvocations;
  close(): Promise<void>;
}
export type MakeFunctionInvocations = () => Promise<FunctionInvocationsUnderTest>;

const T0 = 1_700_000_000_000;

export function invocation(over: Partial<InvocationRecord> = {}): InvocationRecord {
  const endedAt = over.endedAt ?? T0;
  return {
    requestId: randomUUID(),
    userId: 'alice',
    functionName: 'hello',
    executedVersion: '$LATEST',
    invocationType: 'RequestResponse',
    startedAt: endedAt - 12,
    endedAt,
    durationMs: 11.5,
    initDurationMs: null,
    status: 'success',
    errorType: null,
    memoryMb: 128,
    maxMemoryBytes: 40 * 1024 * 1024,
    logBytes: 5,
    log: Buffer.from('START'),
    logKey: null,
    callerAccountId: null,
    ...over,
  };
}

export function describeFunctionInvocations(name: string, make: MakeFunctionInvocations): void {
  describe(`FunctionInvocations conformance: ${name}`, () => {
    let under: FunctionInvocationsUnderTest;
    let inv: FunctionInvocations;

    beforeEach(async () => {
      under = await make();
      inv = under.invocations;
    });
    afterEach(async () => {
      await under.close();
    });

    it('keeps every field of a record, the log bytes as written', async () => {
      const log = Buffer.from([0x53, 0xff, 0x00, 0x0a]);
      const cold = invocation({ initDurationMs: 201.25, log, logBytes: 4 });
      const failed = invocation({
        endedAt: T0 + 1,
        status: 'timeout',
        errorType: 'Sandbox.Timedout',
        maxMemoryBytes: null,
        executedVersion: '3',
        log: null,
        logKey: 'functions/alice/logs/hello/x.log',
        logBytes: 20_000,
        callerAccountId: '222222222222',
      });
      await inv.recordInvocations([cold, failed]);
      const page = await inv.listInvocations({ userId: 'alice', functionName: 'hello', limit: 10 });
      assert.deepEqual(page.items, [failed, cold]);
      assert.equal(page.nextCursor, null);
    });

    it('lists newest first by end, in pages, and filters by request id and since', async () => {
      const all = Array.from({ length: 5 }, (_, i) => invocation({ endedAt: T0 + i * 1000 }));
      // Two that ended in the same millisecond are ordered by request id, never lost between pages.
      const twin = invocation({ endedAt: T0 + 4000 });
      await inv.recordInvocations([...all.slice(0, 3)]);
      await inv.recordInvocations([...all.slice(3), twin]);
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await inv.listInvocations({ userId: 'alice', functionName: 'hello', limit: 2, after });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((r) => r.requestId));
        after = page.nextCursor ?? undefined;
      } while (after);
      const expected = [...all, twin].sort((a, b) => b.endedAt - a.endedAt || (a.requestId < b.requestId ? 1 : -1)).map((r) => r.requestId);
      assert.deepEqual(seen, expected);

      const one = await inv.listInvocations({ userId: 'alice', functionName: 'hello', requestId: all[2].requestId, limit: 10 });
      assert.deepEqual(
        one.items.map((r) => r.requestId),
        [all[2].requestId],
      );
      const recent = await inv.listInvocations({ userId: 'alice', functionName: 'hello', since: T0 + 3000, limit: 10 });
      assert.deepEqual(new Set(recent.items.map((r) => r.requestId)), new Set([all[3].requestId, all[4].requestId, twin.requestId]));
    });

    it("keeps users' and functions' records apart", async () => {
      await inv.recordInvocations([invocation(), invocation({ functionName: 'other' }), invocation({ userId: 'bob' })]);
      for (const [userId, functionName] of [
        ['alice', 'hello'],
        ['alice', 'other'],
        ['bob', 'hello'],
      ]) {
        const page = await inv.listInvocations({ userId, functionName, limit: 10 });
        assert.equal(page.items.length, 1);
        assert.equal(page.items[0].userId, userId);
        assert.equal(page.items[0].functionName, functionName);
      }
      const bobs = await inv.listInvocations({ userId: 'bob', functionName: 'other', limit: 10 });
      assert.deepEqual(bobs.items, []);
    });

    it('writes a record recorded twice once (a retried batch)', async () => {
      const r = invocation();
      await inv.recordInvocations([r]);
      await inv.recordInvocations([{ ...r, durationMs: 99 }, invocation()]);
      const page = await inv.listInvocations({ userId: 'alice', functionName: 'hello', limit: 10 });
      assert.equal(page.items.length, 2);
      assert.equal(page.items.find((x) => x.requestId === r.requestId)?.durationMs, 11.5);
    });

    it('records a large batch', async () => {
      await inv.recordInvocations(Array.from({ length: 1200 }, (_, i) => invocation({ endedAt: T0 + i })));
      const page = await inv.listInvocations({ userId: 'alice', functionName: 'hello', limit: 500 });
      assert.equal(page.items.length, 500);
      assert.equal(page.items[0].endedAt, T0 + 1199);
    });

    it('tells subscribers once a batch is written: once per function, with its earliest end', async () => {
      const heard: InvocationNotice[] = [];
      const off = inv.subscribeInvocations((n) => heard.push(n));
      const batch = [
        invocation({ endedAt: T0 + 5 }),
        invocation({ endedAt: T0 + 2 }),
        invocation({ functionName: 'other', endedAt: T0 + 9 }),
      ];
      await inv.recordInvocations(batch);
      off();
      await inv.recordInvocations([invocation()]);
      assert.deepEqual(
        heard.toSorted((a, b) => (a === '*' || b === '*' ? 0 : a.functionName.localeCompare(b.functionName))),
        [
          { userId: 'alice', functionName: 'hello', since: T0 + 2 },
          { userId: 'alice', functionName: 'other', since: T0 + 9 },
        ],
        'told in this process as the write returns; not after unsubscribing',
      );
      const page = await inv.listInvocations({ userId: 'alice', functionName: 'hello', since: T0 + 2, limit: 10 });
      assert.equal(page.items.length, 2, 'what a notice names is there to read');
    });

    it('refuses a cursor no listing returned', async () => {
      await assert.rejects(
        inv.listInvocations({ userId: 'alice', functionName: 'hello', limit: 10, after: 'bm9wZQ' }),
        (e) => e instanceof InvalidInput && e.code === ErrorCode.InvalidCursor,
      );
    });

    it('purges records that ended before the cutoff, oldest first, in batches, answering their blob keys', async () => {
      const old = [
        invocation({ endedAt: T0 - 3000, log: null, logKey: 'functions/alice/logs/a.log' }),
        invocation({ endedAt: T0 - 2000 }),
        invocation({ endedAt: T0 - 1000, userId: 'bob', log: null, logKey: 'functions/bob/logs/b.log' }),
      ];
      const kept = invocation({ endedAt: T0 });
      await inv.recordInvocations([...old, kept]);
      const first = await inv.purgeInvocations(T0, 2);
      assert.equal(first.removed, 2);
      assert.deepEqual(first.logKeys, ['functions/alice/logs/a.log']);
      const second = await inv.purgeInvocations(T0, 2);
      assert.deepEqual(second, { removed: 1, logKeys: ['functions/bob/logs/b.log'] });
      assert.deepEqual(await inv.purgeInvocations(T0, 2), { removed: 0, logKeys: [] });
      const left = await inv.listInvocations({ userId: 'alice', functionName: 'hello', limit: 10 });
      assert.deepEqual(
        left.items.map((r) => r.requestId),
        [kept.requestId],
      );
    });
  });
}
