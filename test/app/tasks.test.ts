/** The task use cases (src/app): cancelling, reading logs, revealing secrets, without HTTP. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLogs } from '../../src/app/logs.ts';
import { secretRevealer } from '../../src/app/secrets.ts';
import { cancelTask } from '../../src/app/tasks.ts';
import type { Principal } from '../../src/auth/index.ts';
import type { BlobStore } from '../../src/blobs/index.ts';
import { logKey } from '../../src/blobs/index.ts';
import { Conflict, ErrorCode, Gone, InvalidInput, NotFound } from '../../src/core/errors.ts';
import { SecretBox } from '../../src/secrets/index.ts';
import type { CancelResult, OutputChunk, SecretRecord, Task } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';

const alice: Principal = { userId: 'alice', scope: 'user', keyId: 'k1' };
const task = (o: Partial<Task>) =>
  ({ id: 't1', userId: 'alice', status: 'RUNNING', attempt: 1, summary: null, stdoutKey: null, stderrKey: null, ...o }) as Task;

describe('cancelTask', () => {
  const app = (t: Task | null, res: CancelResult | null, killed: string[] = []) => ({
    store: { get: async () => t, cancel: async () => res } as unknown as Store,
    cancelLocal: (id: string) => void killed.push(id),
  });

  it('kills a running task here at once and says so', async () => {
    const killed: string[] = [];
    const t = task({});
    const out = await cancelTask(app(t, { task: { ...t, status: 'RUNNING' }, effect: 'requested' }, killed), alice, 't1');
    assert.deepEqual(out, {
      taskId: 't1',
      status: 'RUNNING',
      effect: 'requested',
      message: 'Cancellation requested; the running attempt is being killed',
    });
    assert.deepEqual(killed, ['t1']);
  });

  it("another user's task is NotFound, a finished one a Conflict, a cancelled one cancelled again", async () => {
    await assert.rejects(
      cancelTask(app(task({ userId: 'bob' }), null), alice, 't1'),
      (e) => e instanceof NotFound && e.code === ErrorCode.TaskNotFound,
    );
    const done = task({ status: 'SUCCESS' });
    await assert.rejects(
      cancelTask(app(done, { task: done, effect: 'already-final' }), alice, 't1'),
      (e) => e instanceof Conflict && e.code === ErrorCode.TaskNotCancellable,
    );
    const cancelled = task({ status: 'CANCELLED' });
    assert.equal(
      (await cancelTask(app(cancelled, { task: cancelled, effect: 'already-final' }), alice, 't1')).message,
      'Task was already cancelled',
    );
  });
});

describe('readLogs', () => {
  const blobs = (have: Record<string, string>) =>
    ({ get: async (k: string) => (k in have ? Buffer.from(have[k]) : null) }) as unknown as BlobStore;
  const store = (chunks: OutputChunk[] = []) => ({ readOutput: async () => chunks }) as unknown as Store;

  it('reads the stored logs of an attempt; one not run yet is NotFound', async () => {
    const t = task({ status: 'SUCCESS', stdoutKey: logKey('t1', 1, 'stdout'), summary: { stdoutTruncated: true } });
    const logs = await readLogs({ store: store(), blobs: blobs({ [logKey('t1', 1, 'stdout')]: 'hi' }) }, t, undefined, undefined);
    assert.deepEqual(
      [logs.attempt, logs.stdout?.toString(), logs.stderr, logs.stdoutTruncated, logs.stderrTruncated],
      [1, 'hi', null, true, false],
    );
    await assert.rejects(
      readLogs({ store: store(), blobs: blobs({}) }, t, 2, undefined),
      (e) => e instanceof NotFound && e.code === ErrorCode.LogNotFound,
    );
  });

  it('a log that was stored and is gone is Gone, naming the stream still there', async () => {
    const t = task({ status: 'SUCCESS', stdoutKey: logKey('t1', 1, 'stdout') });
    await assert.rejects(readLogs({ store: store(), blobs: blobs({}) }, t, 1, undefined), (e) => {
      assert.ok(e instanceof Gone);
      assert.equal(e.code, ErrorCode.LogUnavailable);
      assert.match(
        e.message,
        /the stdout log of attempt 1 of task t1 was stored but is no longer in the blob store .*; stderr is available with \?stream=stderr$/,
      );
      return true;
    });
    // Asking for the other stream only is fine.
    assert.equal((await readLogs({ store: store(), blobs: blobs({}) }, t, 1, 'stderr')).stderr, null);
  });

  it('a log the blob store did not take is read from the live output', async () => {
    const t = task({ status: 'FAILED', summary: { unstored: ['stderr'] } });
    const chunk = (seq: number, stream: 'stdout' | 'stderr', data: string) => ({
      taskId: 't1',
      attempt: 1,
      seq,
      stream,
      data: Buffer.from(data),
      at: 0,
    });
    const logs = await readLogs(
      { store: store([chunk(1, 'stderr', 'a'), chunk(2, 'stdout', 'x'), chunk(3, 'stderr', 'b')]), blobs: blobs({}) },
      t,
      undefined,
      undefined,
    );
    assert.equal(logs.stderr?.toString(), 'ab');
  });
});

describe('secretRevealer', () => {
  it("opens the owner's secrets by name; a missing one or an ownerless task is refused", async () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed: SecretRecord = { name: 'TOKEN', ciphertext: box.seal('alice', 'TOKEN', 's3cret') } as SecretRecord;
    const reveal = secretRevealer(
      { secretsOf: async (_u: string, names?: string[]) => [sealed].filter((s) => names?.includes(s.name)) } as unknown as Store,
      box,
    );
    assert.deepEqual(await reveal('alice', ['TOKEN']), { TOKEN: 's3cret' });
    await assert.rejects(reveal('alice', ['TOKEN', 'OTHER']), (e) => e instanceof NotFound && e.message === 'no secret named OTHER');
    await assert.rejects(reveal(null, ['TOKEN']), (e) => e instanceof InvalidInput && e.message === 'the task has no owner');
  });
});
