/** Submitting (src/app/submit.ts) without HTTP: what is stored, and in which order a surface
 *  hears of it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { submitBatch, submitTask, type AppContext } from '../../src/app/index.ts';
import type { Principal } from '../../src/auth/index.ts';
import { Forbidden } from '../../src/core/errors.ts';
import type { NewTask, Task } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';

const alice: Principal = { userId: 'alice', scope: 'user', keyId: 'k1' };

function fakeApp(events: string[], o: { failEstimate?: boolean } = {}): AppContext {
  const stored = (t: NewTask) => ({ task: { ...t, status: 'PENDING', createdAt: 1, startedAt: null } as unknown as Task, created: true });
  return {
    store: {
      userLoad: async () => ({ pending: 0, running: 0 }),
      submit: async (t: NewTask) => (events.push(`store ${t.idempotencyKey}`), stored(t)),
      submitMany: async (ts: NewTask[]) => (events.push(`store ${ts.map((t) => t.idempotencyKey).join(',')}`), ts.map(stored)),
    } as unknown as Store,
    estimator: {
      snapshot: async () => (events.push('snapshot'), {}),
      estimate: async () => {
        if (o.failEstimate) throw new Error('store down');
        return 42;
      },
      estimateMany: async (ts: Task[]) => ts.map(() => 42),
    },
    metrics: { submitted: { inc: () => events.push('counted') } },
    config: { defaultTimeout: 300, visibilityTimeout: 60, maxAttempts: 3, maxQueuedPerUser: 0 },
  } as unknown as AppContext;
}

describe('submit', () => {
  it('stores the task, counts it and tells the surface before estimating its start', async () => {
    const events: string[] = [];
    const out = await submitTask(fakeApp(events), alice, { queue: 'q', priority: 1, command: 'noop' }, 'hk', null, (s) =>
      events.push(`stored ${s.task.userId}`),
    );
    assert.deepEqual(events, ['snapshot', 'store hk', 'counted', 'stored alice']);
    assert.deepEqual([out.created, out.start, out.task.userId], [true, 42, 'alice']);
    // A failed estimate still leaves the stored task on record with the surface.
    const heard: string[] = [];
    await assert.rejects(
      submitTask(fakeApp([], { failEstimate: true }), alice, { queue: 'q', priority: 1, command: 'noop' }, undefined, null, (s) =>
        heard.push(s.task.id),
      ),
      /store down/,
    );
    assert.equal(heard.length, 1);
  });

  it('a batch keys its entries from the header, and a refused owner names its entry', async () => {
    const events: string[] = [];
    const out = await submitBatch(
      fakeApp(events),
      alice,
      [
        { queue: 'q', priority: 1, command: 'a' },
        { queue: 'q', priority: 1, command: 'b', idempotencyKey: 'own' },
      ],
      'hk',
      null,
    );
    assert.ok(events.includes('store hk:0,own'));
    assert.deepEqual([out.created, out.users, out.tasks.map((t) => t.start)], [2, ['alice'], [42, 42]]);
    await assert.rejects(
      submitBatch(
        fakeApp([]),
        alice,
        [
          { queue: 'q', priority: 1, command: 'a' },
          { queue: 'q', priority: 1, command: 'b', userId: 'bob' },
        ],
        undefined,
        null,
      ),
      (e) => e instanceof Forbidden && e.index === 1,
    );
  });
});
