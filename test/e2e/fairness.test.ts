/**
 * Fair share through the whole platform (issue 4): user A queues 2,000 short tasks, then user
 * B submits 10; B's tasks start within a few task lengths, not after A's backlog. The process
 * executor keeps the 2,000 tasks quick; scheduling, not isolation, is under test.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
before(async () => {
  p = await testPlatform({ HANGAR_EXECUTOR: 'process', HANGAR_WORKERS: '4' });
});
after(async () => p.close());

const submit = async (userId: string) => {
  const r = await p.inject({ method: 'POST', url: '/tasks', payload: { userId, args: ['true'] } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().taskId as string;
};
/** Tasks that have started (running or done), all users. */
const started = async () => {
  const c = await p.store.counts();
  return c.RUNNING + c.SUCCESS + c.FAILED;
};

it("one user's 2,000 queued tasks do not hold another user's 10 back", { timeout: 120_000 }, async () => {
  for (let i = 0; i < 2000; i += 100) await Promise.all(Array.from({ length: 100 }, () => submit('alice')));
  const before = await started();
  assert.ok(before < 1000, `the backlog is still there when bob comes (${before} of 2,000 started)`);
  const bob: string[] = [];
  for (let i = 0; i < 10; i++) bob.push(await submit('bob'));
  await until(
    async () => {
      const ts = await Promise.all(bob.map((id) => p.store.get(id)));
      return ts.every((t) => t && t.startedAt !== null);
    },
    60_000,
    5,
  );
  const aliceMeanwhile = (await started()) - 10 - before;
  // With 4 workers and fair share, alice's tasks and bob's alternate: ~10 of hers, plus what
  // was already leased. Without it, bob would wait for the whole backlog (over 1,000).
  assert.ok(aliceMeanwhile <= 60, `${aliceMeanwhile} of alice's tasks started between bob's submit and his last start`);
});
