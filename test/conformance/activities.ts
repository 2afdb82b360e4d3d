/**
 * The Activities port's behaviour, written once for both backends: activities per user,
 * idempotent by name; tasks scheduled by a workflows commit (addTokens with `activity`) taken
 * oldest first, once each, even by concurrent takers; gone with their token or execution; and
 * the wake-up a scheduling commit sends to pollers.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Activity, Clock } from '../../src/core/index.ts';
import { type Activities, type ActivityNotice, type ExecutionCommit, uuidv7, type Workflows } from '../../src/store/index.ts';
import { runningExecution } from '../helpers/workflows.ts';
import { ManualClock } from './store.ts';

export interface ActivitiesUnderTest {
  activities: Activities;
  workflows: Workflows;
  close(): Promise<void>;
}

const activity = (name: string, over: Partial<Activity> = {}): Activity => ({ userId: 'alice', name, createdAt: 1000, ...over });

const step = (over: Partial<ExecutionCommit> = {}): ExecutionCommit => ({
  events: [],
  putFrames: [],
  deleteFrames: [],
  wakeAt: null,
  leaseUntil: 99_999_999_999_999,
  ...over,
});

export function describeActivities(name: string, make: (clock: Clock) => Promise<ActivitiesUnderTest>): void {
  describe(`Activities conformance: ${name}`, () => {
    let u: ActivitiesUnderTest;
    let a: Activities;
    let t: number;
    let n = 0;

    beforeEach(async () => {
      const clock = new ManualClock();
      t = clock.now();
      u = await make(clock);
      a = u.activities;
    });
    afterEach(() => u.close());

    /** A running execution of `userId`, held by 'runner', that schedules `tasks` on activities. */
    async function schedule(userId: string, tasks: { token: string; activity: string; input?: string; at?: number }[]) {
      const id = uuidv7(t + n++);
      await u.workflows.startExecution({
        execution: runningExecution({
          id,
          userId,
          stateMachineName: 'm',
          name: `run-${id}`,
          definition: '{}',
          revisionId: 'r',
          startedAt: t,
        }),
        events: [],
        frames: [],
        wakeAt: null,
        lease: { owner: 'runner', until: 99_999_999_999_999 },
      });
      const ok = await u.workflows.commit(
        id,
        'runner',
        step({
          addTokens: tasks.map((x, i) => ({
            token: x.token,
            frameId: i + 1,
            activity: { name: x.activity, input: x.input ?? `{"task":"${x.token}"}`, scheduledAt: x.at ?? t },
          })),
        }),
      );
      assert.equal(ok, true);
      return id;
    }

    it('creates an activity once per name: a second create answers the first, unchanged', async () => {
      const first = await a.createActivity(activity('work'));
      assert.equal(first.created, true);
      const again = await a.createActivity(activity('work', { createdAt: 5000 }));
      assert.equal(again.created, false);
      assert.deepEqual(again.activity, first.activity);
      assert.deepEqual(await a.getActivity('alice', 'work'), activity('work'));
    });

    it('scopes activities by user: another user neither reads, lists nor deletes them', async () => {
      await a.createActivity(activity('work'));
      assert.equal(await a.getActivity('bob', 'work'), null);
      assert.deepEqual(await a.listActivities('bob', { limit: 10 }), []);
      assert.equal(await a.deleteActivity('bob', 'work'), false);
      assert.ok(await a.getActivity('alice', 'work'));
    });

    it('lists by name in pages', async () => {
      for (const x of ['c', 'a', 'b']) await a.createActivity(activity(x));
      const first = await a.listActivities('alice', { limit: 2 });
      assert.deepEqual(
        first.map((x) => x.name),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await a.listActivities('alice', { limit: 2, after: 'b' })).map((x) => x.name),
        ['c'],
      );
    });

    it('deletes an activity', async () => {
      await a.createActivity(activity('work'));
      assert.equal(await a.deleteActivity('alice', 'work'), true);
      assert.equal(await a.getActivity('alice', 'work'), null);
      assert.equal(await a.deleteActivity('alice', 'work'), false);
    });

    it('takes the oldest waiting task of an activity, once, with its execution, frame and input', async () => {
      const id = await schedule('alice', [
        { token: 'late', activity: 'work', at: t + 10 },
        { token: 'early', activity: 'work', at: t + 5 },
        { token: 'elsewhere', activity: 'other' },
      ]);
      const first = await a.takeActivityTask('alice', 'work', t + 20);
      assert.deepEqual(first, { token: 'early', executionId: id, frameId: 2, input: '{"task":"early"}' });
      assert.equal((await a.takeActivityTask('alice', 'work', t + 21))?.token, 'late');
      assert.equal(await a.takeActivityTask('alice', 'work', t + 22), null);
      // A taken task's token still answers (SendTask*): it is the execution's until answered.
      assert.equal((await u.workflows.findTaskToken('early'))?.executionId, id);
    });

    it("never gives another user's tasks, nor a plain callback's token", async () => {
      await schedule('bob', [{ token: 'bobs', activity: 'work' }]);
      const id = await schedule('alice', []);
      assert.equal(await u.workflows.commit(id, 'runner', step({ addTokens: [{ token: 'callback', frameId: 1 }] })), true);
      assert.equal(await a.takeActivityTask('alice', 'work', t), null);
      assert.equal((await a.takeActivityTask('bob', 'work', t))?.token, 'bobs');
    });

    it('gives each of many concurrent takers a different task', async () => {
      const tokens = Array.from({ length: 8 }, (_, i) => `t${i}`);
      await schedule(
        'alice',
        tokens.map((token, i) => ({ token, activity: 'work', at: t + i })),
      );
      const taken = await Promise.all(Array.from({ length: 12 }, () => a.takeActivityTask('alice', 'work', t + 100)));
      const got = taken.filter((x) => x !== null).map((x) => x.token);
      assert.deepEqual([...got].sort(), [...tokens].sort());
      assert.equal(taken.filter((x) => x === null).length, 4);
    });

    it('forgets a task whose token was withdrawn or whose execution ended', async () => {
      const id = await schedule('alice', [
        { token: 'withdrawn', activity: 'work' },
        { token: 'kept', activity: 'work', at: t + 1 },
      ]);
      assert.equal(await u.workflows.commit(id, 'runner', step({ removeTokens: ['withdrawn'] })), true);
      assert.equal((await a.takeActivityTask('alice', 'work', t))?.token, 'kept');
      const other = await schedule('alice', [{ token: 'ending', activity: 'work' }]);
      await u.workflows.commit(
        other,
        'runner',
        step({ end: { status: 'SUCCEEDED', output: '{}', error: null, cause: null, stoppedAt: t + 5 } }),
      );
      assert.equal(await a.takeActivityTask('alice', 'work', t + 6), null);
    });

    it('tells subscribers of the activities a commit scheduled on', async () => {
      const heard: ActivityNotice[] = [];
      const off = a.subscribeActivityTasks((x) => heard.push(x));
      await schedule('alice', [
        { token: 'x1', activity: 'work' },
        { token: 'x2', activity: 'work' },
      ]);
      off();
      assert.deepEqual(
        heard.filter((x) => x !== '*'),
        [{ userId: 'alice', name: 'work' }],
      );
    });
  });
}
