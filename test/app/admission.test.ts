/** Admission and task construction (src/app): the decisions POST /tasks and /tasks/batch make
 *  before anything is stored, checked without HTTP. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, checkProjects } from '../../src/app/admission.ts';
import { listScope, secretOwner, taskOwner } from '../../src/app/ownership.ts';
import { newTask, type TaskRequest } from '../../src/app/task-request.ts';
import type { Principal } from '../../src/auth/index.ts';
import { ErrorCode, Forbidden, InvalidInput, Throttled } from '../../src/core/errors.ts';
import type { NewTask, Project, SecretRecord } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';

const admin: Principal = { userId: 'root', scope: 'admin', keyId: 'k0' };
const alice: Principal = { userId: 'alice', scope: 'user', keyId: 'k1' };

/** A store with `pending` queued tasks per user, these secrets and projects. */
function fakeStore(o: { pending?: number; secrets?: Record<string, string[]>; projects?: Project[] } = {}): Store {
  return {
    userLoad: async () => ({ pending: o.pending ?? 0, running: 0 }),
    secretsOf: async (userId: string, names?: string[]) =>
      (o.secrets?.[userId] ?? []).filter((n) => !names || names.includes(n)).map((name) => ({ name }) as SecretRecord),
    getProject: async (id: string) => o.projects?.find((p) => p.id === id) ?? null,
  } as unknown as Store;
}
const config = { defaultTimeout: 300, visibilityTimeout: 60, maxAttempts: 3, maxQueuedPerUser: 10 };
const req = (b: Partial<TaskRequest>): TaskRequest => ({ priority: 1, queue: 'default', command: 'noop', ...b });

describe('admission', () => {
  it('refuses a user past HANGAR_MAX_QUEUED_PER_USER, retryable after 5 s', async () => {
    const app = { store: fakeStore({ pending: 9 }), config };
    await admit(app, 'alice', [req({})]);
    await assert.rejects(admit(app, 'alice', [req({}), req({})]), (err) => {
      assert.ok(err instanceof Throttled);
      assert.deepEqual([err.code, err.retryAfter], [ErrorCode.QuotaExceeded, 5]);
      assert.match(err.message, /already has 9 of 10 tasks queued \(this batch has 2 of theirs\)/);
      return true;
    });
    await admit({ store: fakeStore({ pending: 99 }), config: { ...config, maxQueuedPerUser: 0 } }, 'alice', [req({})]);
    await admit(app, null, [req({}), req({})]); // no owner: no quota
  });

  it('refuses secrets that do not exist, naming the batch entry', async () => {
    const app = { store: fakeStore({ secrets: { alice: ['A'] } }), config };
    await admit(app, 'alice', [req({ secrets: ['A'] })]);
    const all = [req({}), req({ secrets: ['A'] }), req({ secrets: ['B'] })];
    await assert.rejects(admit(app, 'alice', all, all), (err) => {
      assert.ok(err instanceof InvalidInput);
      assert.deepEqual([err.code, err.index, err.message], [ErrorCode.SecretNotFound, 2, 'no secret named B (PUT /secrets/{name} first)']);
      return true;
    });
    await assert.rejects(
      admit(app, null, [req({ secrets: ['A'] })]),
      (err) => err instanceof InvalidInput && err.code === ErrorCode.ValidationFailed && err.index === undefined,
    );
  });

  it("refuses a project that is not the task owner's", async () => {
    const store = fakeStore({ projects: [{ id: 'p1', userId: 'alice' } as Project] });
    const task = (projectId: string | null, userId: string | null) => ({ projectId, userId }) as NewTask;
    await checkProjects(store, [task('p1', 'alice'), task(null, 'bob')]);
    await assert.rejects(
      checkProjects(store, [task('p1', 'bob')]),
      (err) => err instanceof InvalidInput && err.code === ErrorCode.ProjectNotFound && err.index === undefined,
    );
    await assert.rejects(
      checkProjects(store, [task('p1', 'alice'), task('p2', 'alice')]),
      (err) => err instanceof InvalidInput && err.index === 1,
    );
  });
});

describe('ownership', () => {
  it('a user key submits and lists for its own user; an admin for anyone', () => {
    assert.equal(taskOwner(alice, undefined), 'alice');
    assert.equal(taskOwner(alice, 'alice'), 'alice');
    assert.throws(() => taskOwner(alice, 'bob'), Forbidden);
    assert.equal(taskOwner(admin, 'bob'), 'bob');
    assert.equal(taskOwner(admin, undefined), 'root');
    assert.equal(listScope(admin, undefined), undefined);
    assert.throws(() => listScope(alice, 'bob'), Forbidden);
    assert.equal(listScope(alice, undefined), 'alice');
    assert.throws(() => secretOwner({ userId: null, scope: 'admin', keyId: null }), InvalidInput);
  });
});

describe('newTask', () => {
  it('fills defaults: a program runs once, a built-in workload retries; network-test gets egress', () => {
    const app = { config };
    assert.equal(newTask(app, req({ shell: 'true' }), 'u', null, null).maxAttempts, 1);
    const t = newTask(app, req({ command: 'network-test' }), 'u', null, null);
    assert.deepEqual(
      [t.maxAttempts, t.network, t.timeout, t.visibilityTimeout, t.resources, t.requestHash],
      [3, 'egress', 300, 60, { cpu: 256, memory: 512 }, null],
    );
    assert.equal(newTask(app, { queue: 'q', priority: 1, args: ['echo', 'hi'] }, 'u', null, null).command, 'echo hi');
  });

  it('hashes the request whatever its key order, leaving out its idempotency key', () => {
    const app = { config };
    const a = newTask(app, { queue: 'q', priority: 2, command: 'x', idempotencyKey: 'k1' }, 'u', 'k', null);
    const b = newTask(app, { command: 'x', priority: 2, queue: 'q' }, 'u', 'k', null);
    const c = newTask(app, { command: 'y', priority: 2, queue: 'q' }, 'u', 'k', null);
    assert.ok(a.requestHash);
    assert.equal(a.requestHash, b.requestHash);
    assert.notEqual(a.requestHash, c.requestHash);
  });
});
