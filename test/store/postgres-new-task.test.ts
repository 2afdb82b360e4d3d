/** The PostgreSQL store's new-task helpers (src/store/postgres/new-task.ts): no database needed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insertedResult, newTaskParams } from '../../src/store/postgres/new-task.ts';
import type { NewTask } from '../../src/core/index.ts';

const task: NewTask = {
  id: 't1',
  command: 'echo',
  args: ['hi'],
  shell: null,
  queue: 'default',
  priority: 5,
  userId: 'u1',
  timeout: 60,
  visibilityTimeout: 30,
  maxAttempts: 3,
  idempotencyKey: null,
  requestHash: null,
  resources: { cpu: 256, memory: 512 },
  env: { A: 'b' },
  metadata: {},
  network: 'none',
  image: null,
  secrets: [],
  projectId: null,
  lane: null,
};

test('newTaskParams: $1 to $22 in column order, JSON columns as text, now at $16', () => {
  const params = newTaskParams(task, 1234);
  assert.equal(params.length, 22);
  assert.deepEqual(params.slice(0, 7), ['t1', 'echo', '["hi"]', null, 'default', 5, 'u1']);
  assert.equal(params[12], '{"cpu":256,"memory":512}');
  assert.equal(params[13], '{"A":"b"}');
  assert.equal(params[15], 1234);
  assert.equal(params[18], null, 'no secrets: null, not an empty array');
  assert.equal(params[21], null, 'no trace parent: null');
  assert.equal(newTaskParams({ ...task, secrets: ['s'], args: null }, 0)[18], '["s"]');
  assert.equal(newTaskParams({ ...task, args: null }, 0)[2], null);
});

test('insertedResult: a task leased at submit is shown to its submitter as just submitted', () => {
  const row = {
    id: 't1',
    command: 'echo',
    queue: 'default',
    priority: 5,
    status: 'RUNNING',
    attempt: 1,
    worker_id: 'w1',
    started_at: 10,
    lease_expires_at: 40,
    created_at: 10,
    run_after: 10,
  };
  const pushed = insertedResult(row);
  assert.equal(pushed.handedOff, true);
  assert.equal(pushed.created, true);
  assert.equal(pushed.task.status, 'PENDING');
  assert.equal(pushed.task.attempt, 0);
  assert.equal(pushed.task.workerId, null);
  assert.equal(pushed.task.startedAt, null);
  assert.equal(pushed.task.leaseExpiresAt, null);

  const pending = insertedResult({ ...row, status: 'PENDING', attempt: 0, worker_id: null, started_at: null, lease_expires_at: null });
  assert.equal(pending.handedOff, undefined);
  assert.equal(pending.created, true);
  assert.equal(pending.task.status, 'PENDING');
});
