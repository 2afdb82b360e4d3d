/**
 * Following a function's logs (app/invocation-follow.ts) on both stores, no mocks: the records
 * since a point, oldest first, then each one written after, once; what is written while the
 * follower reads what is there is not lost (the boundary between the two parts); another user's
 * or function's records never come. On PostgreSQL the records are written by a second store on
 * the same schema, as another API node would, so they reach the follower by NOTIFY.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { createFunction, followInvocationLogs, type InvocationsApp } from '../../src/app/index.ts';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { NotFound, type InvocationRecord } from '../../src/core/index.ts';
import type { FunctionInvocations, InvocationFilter } from '../../src/store/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { invocation } from '../conformance/function-invocations.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';
import { makeZip } from '../helpers/zip.ts';

after(() => dropTestSchemas());

const T = 1_700_000_000_000;
/** The follower's clock: at T, when the records' ends are. */
const clock = { now: () => T };
const zip = makeZip({ 'index.js': 'exports.handler = async () => 1;' });

interface Shape {
  /** The follower's store (and its functions). */
  follower: SqliteStore | PostgresStore;
  /** Where records are written: the same store, or another process's on the same data. */
  writer: FunctionInvocations;
  close(): Promise<void>;
}

/** The store's notices reach this process (on PostgreSQL, once its LISTEN session listens), and
 *  those of what was written before have come (they come in order): a follower started now
 *  hears only of what is written after. */
async function listening(s: Shape): Promise<void> {
  const heard = new Promise<void>((resolve) => {
    const off = s.follower.functionInvocations.subscribeInvocations((n) => {
      if (n !== '*' && n.functionName === 'warm-up') {
        off();
        resolve();
      }
    });
  });
  const poke = setInterval(() => void s.writer.recordInvocations([invocation({ functionName: 'warm-up' })]), 100);
  await heard.finally(() => clearInterval(poke));
}

function describeFollow(name: string, make: () => Promise<Shape>): void {
  describe(`following a function's logs: ${name}`, () => {
    let s: Shape;
    let dir: string;
    let app: InvocationsApp;
    let stop: AbortController;

    beforeEach(async () => {
      s = await make();
      dir = mkdtempSync(join(tmpdir(), 'hangar-follow-'));
      app = { functions: s.follower.functions, functionInvocations: s.follower.functionInvocations, blobs: new DiskBlobStore(dir) };
      await createFunction({ ...app, functions: s.follower.functions }, 'alice', {
        name: 'hello',
        zip,
        config: { runtime: 'nodejs22.x', handler: 'index.handler' },
      });
      await listening(s);
      stop = new AbortController();
    });
    afterEach(async () => {
      stop.abort();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The next `n` records the follower sends, by request id. */
    const take = async (it: AsyncGenerator<InvocationRecord>, n: number): Promise<string[]> => {
      const out: string[] = [];
      while (out.length < n) {
        const r = await it.next();
        assert.equal(r.done, false, 'the follower went on');
        out.push((r.value as InvocationRecord).requestId);
      }
      return out;
    };

    it('sends the records since a point oldest first, then each written after, once and in order', async () => {
      const older = invocation({ endedAt: T - 3000 });
      const first = invocation({ endedAt: T - 1000 });
      const second = invocation({ endedAt: T - 2000 });
      await s.writer.recordInvocations([older, first, second]);
      await listening(s);
      const it = (await followInvocationLogs(app, 'alice', 'hello', { since: T - 2500, tail: 20, clock, pollMs: null })).follow(
        stop.signal,
      );
      assert.deepEqual(await take(it, 2), [second.requestId, first.requestId]);

      const a = invocation({ endedAt: T + 10 });
      await s.writer.recordInvocations([a]);
      assert.deepEqual(await take(it, 1), [a.requestId]);
      // A batch written out of order, others' records, a retried batch: in end order, only
      // alice's hello, each once.
      const b = invocation({ endedAt: T + 30 });
      const c = invocation({ endedAt: T + 20 });
      await s.writer.recordInvocations([b, c, invocation({ userId: 'bob', endedAt: T + 25 }), invocation({ functionName: 'other' })]);
      assert.deepEqual(await take(it, 2), [c.requestId, b.requestId]);
      await s.writer.recordInvocations([a, b]);
      // Written later but ended before those sent (another node's batch, a moment late): sent now.
      const late = invocation({ endedAt: T + 5 });
      await s.writer.recordInvocations([late]);
      assert.deepEqual(await take(it, 1), [late.requestId]);
      const d = invocation({ endedAt: T + 40 });
      await s.writer.recordInvocations([d]);
      assert.deepEqual(await take(it, 1), [d.requestId], 'nothing sent twice before it');
      await it.return(undefined);
    });

    it('loses nothing written while it reads what is there', async () => {
      const there = invocation({ endedAt: T });
      await s.writer.recordInvocations([there]);
      await listening(s);
      // Written between the follower's first read and its answer: in neither that read nor,
      // were the follower to go on from the newest it read, after it (one ended earlier).
      const during = [invocation({ endedAt: T - 500 }), invocation({ endedAt: T + 500 })];
      const store = s.follower.functionInvocations;
      let reads = 0;
      const interleaved: FunctionInvocations = {
        recordInvocations: (r) => store.recordInvocations(r),
        purgeInvocations: (b, l) => store.purgeInvocations(b, l),
        subscribeInvocations: (l) => store.subscribeInvocations(l),
        async listInvocations(f: InvocationFilter) {
          const page = await store.listInvocations(f);
          if (reads++ === 0) await s.writer.recordInvocations(during);
          return page;
        },
      };
      const follower = await followInvocationLogs({ ...app, functionInvocations: interleaved }, 'alice', 'hello', {
        since: T - 1000,
        tail: 20,
        clock,
        pollMs: null,
      });
      const it = follower.follow(stop.signal);
      assert.deepEqual(await take(it, 3), [there.requestId, during[0].requestId, during[1].requestId]);
      await it.return(undefined);
    });

    it('without a point: the latest n, then new ones; 0, only new ones; resumes after an event', async () => {
      const old = [invocation({ endedAt: T - 30 }), invocation({ endedAt: T - 20 }), invocation({ endedAt: T - 10 })];
      await s.writer.recordInvocations(old);
      await listening(s);
      const tail = (await followInvocationLogs(app, 'alice', 'hello', { tail: 2, clock, pollMs: null })).follow(stop.signal);
      assert.deepEqual(await take(tail, 2), [old[1].requestId, old[2].requestId]);
      const none = (await followInvocationLogs(app, 'alice', 'hello', { tail: 0, clock, pollMs: null })).follow(stop.signal);
      const resumed = (
        await followInvocationLogs(app, 'alice', 'hello', { after: old[1], since: old[1].endedAt, tail: 0, clock, pollMs: null })
      ).follow(stop.signal);
      assert.deepEqual(await take(resumed, 1), [old[2].requestId]);
      const fresh = invocation({ endedAt: T + 10 });
      await s.writer.recordInvocations([fresh]);
      assert.deepEqual(await take(none, 1), [fresh.requestId]);
      assert.deepEqual(await take(tail, 1), [fresh.requestId]);
      assert.deepEqual(await take(resumed, 1), [fresh.requestId]);
      // Written now, ended with the event resumed after: new to the followers from there on,
      // and read with that event again, which is not sent twice.
      const same = invocation({ endedAt: T - 20 });
      const last = invocation({ endedAt: T + 20 });
      await s.writer.recordInvocations([same]);
      await s.writer.recordInvocations([last]);
      assert.deepEqual(await take(tail, 2), [same.requestId, last.requestId]);
      assert.deepEqual(await take(none, 1), [last.requestId]);
      assert.deepEqual(await take(resumed, 2), [same.requestId, last.requestId]);
      for (const it of [tail, none, resumed]) await it.return(undefined);
    });

    it("ends when told to; another user's function is not found", async () => {
      const it = (await followInvocationLogs(app, 'alice', 'hello', { tail: 0, clock, pollMs: 50 })).follow(stop.signal);
      const next = it.next();
      stop.abort();
      assert.equal((await next).done, true);
      await assert.rejects(followInvocationLogs(app, 'bob', 'hello', { tail: 0, clock, pollMs: null }), NotFound);
    });
  });
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'hangar-follow-db-'));
after(() => rmSync(sqliteDir, { recursive: true, force: true }));
let n = 0;
describeFollow('sqlite', async () => {
  const store = new SqliteStore({ path: join(sqliteDir, `f${n++}.db`) });
  return { follower: store, writer: store.functionInvocations, close: () => store.close() };
});

describeFollow('postgres, written by another node', async () => {
  const schema = freshSchema();
  const follower = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  const other = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  return {
    follower,
    writer: other.functionInvocations,
    close: async () => {
      await other.close();
      await follower.close();
    },
  };
});

describe("following a function's logs: notices lost", () => {
  it('finds records written without a notice reaching it by its poll, once each', async (t) => {
    // A second store on the same SQLite file: another process's, whose notices stay in it.
    const path = join(sqliteDir, `lost${n++}.db`);
    const follower = new SqliteStore({ path });
    const writer = new SqliteStore({ path });
    const blobs = mkdtempSync(join(tmpdir(), 'hangar-follow-'));
    const stop = new AbortController();
    t.after(async () => {
      stop.abort();
      await writer.close();
      await follower.close();
      rmSync(blobs, { recursive: true, force: true });
    });
    const app = { functions: follower.functions, functionInvocations: follower.functionInvocations, blobs: new DiskBlobStore(blobs) };
    await createFunction(app, 'alice', { name: 'hello', zip, config: { runtime: 'nodejs22.x', handler: 'index.handler' } });
    const it = (await followInvocationLogs(app, 'alice', 'hello', { tail: 0, clock, pollMs: 20 })).follow(stop.signal);
    const a = invocation({ endedAt: T + 10 });
    const b = invocation({ endedAt: T + 5 });
    await writer.functionInvocations.recordInvocations([a]);
    assert.equal((await it.next()).value?.requestId, a.requestId);
    await writer.functionInvocations.recordInvocations([b]);
    assert.equal((await it.next()).value?.requestId, b.requestId, 'one that ended before, written after: the poll reads back');
    await it.return(undefined);
  });
});
