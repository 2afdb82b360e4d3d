import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { WriteBatch } from '../../src/store/sqlite/write-batch.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-batch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function open(): { db: DatabaseSync; batch: WriteBatch; values: () => number[] } {
  const db = new DatabaseSync(join(dir, `b${n++}.db`));
  db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER NOT NULL)');
  const batch = new WriteBatch(db, null);
  const values = () => (db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => Number(r.v));
  return { db, batch, values };
}

describe('WriteBatch', () => {
  it('rolls back only the write that threw, after it had written, and commits the rest of its batch', async () => {
    const { db, batch, values } = open();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let commits = 0;
    const commit = batch as unknown as { runBatch: (...a: unknown[]) => unknown };
    const runBatch = commit.runBatch.bind(batch);
    commit.runBatch = (...a: unknown[]) => (commits++, runBatch(...a));
    const results = await Promise.allSettled([
      batch.run(() => insert.run(1)),
      batch.run(() => {
        insert.run(2);
        throw new Error('second write fails after writing');
      }),
      batch.run(() => (insert.run(3), 'three')),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    assert.match(String((results[1] as PromiseRejectedResult).reason), /second write fails/);
    assert.deepEqual(results[2], { status: 'fulfilled', value: 'three' });
    assert.deepEqual(values(), [1, 3], 'the failed write left nothing; the others are committed');
    assert.equal(commits, 2, 'one optimistic try, one with savepoints');
    await batch.close();
    db.close();
  });

  it('runs writes queued by a write in the same transaction', async () => {
    const { db, batch, values } = open();
    const other = new DatabaseSync(db.location()!);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let joined: Promise<unknown> | null = null;
    let seenOutside = -1;
    await batch.run(() => {
      insert.run(1);
      joined = batch.run(() => {
        // Another connection does not see the first write yet: it is not committed.
        seenOutside = Number((other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);
        insert.run(2);
      });
    });
    await joined;
    assert.equal(seenOutside, 0);
    assert.deepEqual(values(), [1, 2]);
    await batch.close();
    other.close();
    db.close();
  });

  it('tells a write whether its transaction committed: onEnd hooks of rolled-back writes get false', async () => {
    const { db, batch, values } = open();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const ends: string[] = [];
    const results = await Promise.allSettled([
      batch.run(() => {
        insert.run(1);
        batch.onEnd((c) => ends.push(`one:${c}`));
      }),
      batch.run(() => {
        insert.run(2);
        batch.onEnd((c) => ends.push(`two:${c}`));
        throw new Error('two fails');
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    assert.deepEqual(values(), [1]);
    // The optimistic try rolled both back; the retry rolled back only 'two' and committed 'one'.
    assert.deepEqual(ends, ['one:false', 'two:false', 'two:false', 'one:true']);
    assert.throws(() => batch.onEnd(() => {}), /only for use inside a write/);
    await batch.close();
    db.close();
  });
});
