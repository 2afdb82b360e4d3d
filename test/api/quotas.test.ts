/** Per-user quotas and the rate limit through the real API: 429 with Retry-After, and one
 *  user's limit never touches another's. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

const platforms: TestPlatform[] = [];
after(async () => Promise.all(platforms.map((p) => p.close())));

async function withUsers(env: Record<string, string>) {
  const p = await testPlatform(env);
  platforms.push(p);
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key as string;
  return { p, a: await key('a'), b: await key('b') };
}

describe('quotas', () => {
  it('refuses a submit past HANGAR_MAX_QUEUED_PER_USER with 429 and Retry-After; other users go on', async () => {
    const { p, a, b } = await withUsers({ HANGAR_WORKERS: '0', HANGAR_MAX_QUEUED_PER_USER: '3' });
    for (let i = 0; i < 3; i++)
      assert.equal((await p.inject({ method: 'POST', url: '/tasks', auth: a, payload: { args: ['true'] } })).statusCode, 201);
    const over = await p.inject({ method: 'POST', url: '/tasks', auth: a, payload: { args: ['true'] } });
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().code, 'QUOTA_EXCEEDED');
    assert.ok(Number(over.headers['retry-after']) >= 1);
    assert.equal((await p.inject({ method: 'POST', url: '/tasks', auth: b, payload: { args: ['true'] } })).statusCode, 201);
    assert.equal(
      (await p.inject({ method: 'GET', url: '/tasks?limit=500', auth: a })).json().tasks.length,
      3,
      'nothing of the refused submit was stored',
    );
  });

  it("a batch counts all its tasks against each owner's queue quota, and a user key cannot batch for another user", async () => {
    const { p, a, b } = await withUsers({ HANGAR_WORKERS: '0', HANGAR_MAX_QUEUED_PER_USER: '3' });
    const batch = (auth: string, tasks: unknown[]) => p.inject({ method: 'POST', url: '/tasks/batch', auth, payload: { tasks } });
    assert.equal((await batch(a, [{ args: ['true'] }, { args: ['true'] }])).statusCode, 201);
    const over = await batch(a, [{ args: ['true'] }, { args: ['true'] }]);
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().code, 'QUOTA_EXCEEDED');
    assert.ok(Number(over.headers['retry-after']) >= 1);
    const forOther = await batch(b, [{ args: ['true'] }, { args: ['true'], userId: 'a' }]);
    assert.deepEqual([forOther.statusCode, forOther.json().code, forOther.json().index], [403, 'FORBIDDEN', 1]);
    const secret = await batch(b, [{ args: ['true'] }, { args: ['true'], secrets: ['MISSING'] }]);
    assert.deepEqual([secret.statusCode, secret.json().code, secret.json().index], [400, 'SECRET_NOT_FOUND', 1]);
    assert.equal((await batch(a, [{ args: ['true'] }])).statusCode, 201, 'the third fits');
    assert.equal((await p.inject({ method: 'GET', url: '/tasks?limit=500', auth: a })).json().tasks.length, 3);
    assert.equal(
      (await p.inject({ method: 'GET', url: '/tasks?limit=500', auth: b })).json().tasks.length,
      0,
      'nothing of the refused batches was stored',
    );
  });

  it('rate-limits each user to HANGAR_RATE_LIMIT requests per window with 429 and Retry-After', async () => {
    // A 3 s window: the nine requests below fit in it even on a loaded host (in a 1 s window,
    // eight one after another once straddled two windows and none was refused).
    const { p, a, b } = await withUsers({ HANGAR_RATE_LIMIT: '5', HANGAR_RATE_LIMIT_WINDOW_MS: '3000' });
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await p.inject({ method: 'GET', url: '/tasks', auth: a })).statusCode);
    assert.ok(codes.filter((c) => c === 200).length <= 5 && codes.includes(429), codes.join(','));
    const limited = await p.inject({ method: 'GET', url: '/tasks', auth: a });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await p.inject({ method: 'GET', url: '/tasks', auth: b })).statusCode, 200, "another user's budget is untouched");
    await until(async () => (await p.inject({ method: 'GET', url: '/tasks', auth: a })).statusCode === 200, 15_000, 200);
  });

  it("runs at most HANGAR_MAX_RUNNING_PER_USER of a user's tasks at once; others use the free workers", async () => {
    const { p, a, b } = await withUsers({ HANGAR_WORKERS: '3', HANGAR_MAX_RUNNING_PER_USER: '1' });
    const submit = async (key: string) =>
      (await p.inject({ method: 'POST', url: '/tasks', auth: key, payload: { shell: 'sleep 0.4' } })).json().taskId as string;
    const ids = [await submit(a), await submit(a), await submit(a), await submit(b)];
    let maxA = 0;
    let sawB = false;
    await until(
      async () => {
        const tasks = (await p.inject({ method: 'GET', url: '/tasks?limit=500' })).json().tasks as {
          taskId: string;
          userId: string;
          status: string;
        }[];
        const mine = tasks.filter((t) => ids.includes(t.taskId));
        maxA = Math.max(maxA, mine.filter((t) => t.userId === 'a' && t.status === 'RUNNING').length);
        sawB ||= mine.some((t) => t.userId === 'b' && t.status !== 'PENDING');
        return mine.every((t) => t.status === 'SUCCESS');
      },
      20_000,
      25,
    );
    assert.equal(maxA, 1, 'never two of a at once');
    assert.ok(sawB);
  });
});
