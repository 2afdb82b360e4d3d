import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asSubmitted, leaseOf, takersFor } from '../../src/core/hand-off.ts';
import type { LocalTaker, Task } from '../../src/core/index.ts';

const taker = (workerId: string, queues?: string[]): LocalTaker => ({ workerId, queues, offer: () => null });

describe('direct dispatch', () => {
  it('offers a task to the takers of its queue, in order', () => {
    const takers = [taker('w1', ['gpu']), taker('w2'), taker('w3', ['default', 'gpu'])];
    assert.deepEqual(
      takersFor(takers, { queue: 'default', lane: null }).map((k) => k.workerId),
      ['w2', 'w3'],
    );
    assert.deepEqual(
      takersFor(takers, { queue: 'gpu', lane: null }).map((k) => k.workerId),
      ['w1', 'w2', 'w3'],
    );
  });

  it("never hands over a lane's task", () => {
    assert.deepEqual(takersFor([taker('w1')], { queue: 'default', lane: 'l1' }), []);
  });

  it('shows a handed-off task to its submitter as just submitted', () => {
    const leased = {
      id: 't1',
      status: 'RUNNING',
      attempt: 1,
      workerId: 'w1',
      startedAt: 5,
      leaseExpiresAt: 65,
      command: 'x',
    } as unknown as Task;
    assert.deepEqual(asSubmitted(leased), {
      ...leased,
      status: 'PENDING',
      attempt: 0,
      workerId: null,
      startedAt: null,
      leaseExpiresAt: null,
    });
  });

  it('leases to the worker until the lease expiry, or now without one', () => {
    const t = { id: 't1', attempt: 2, leaseExpiresAt: 65 } as unknown as Task;
    assert.deepEqual(leaseOf(t, 'w1', 5), { task: t, attempt: 2, workerId: 'w1', expiresAt: 65 });
    assert.equal(leaseOf({ ...t, leaseExpiresAt: null }, 'w1', 5).expiresAt, 5);
  });
});
