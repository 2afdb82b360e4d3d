/**
 * The ScalableTargets port's behaviour, written once for both backends: targets are put,
 * changed (keeping when they were made and last scaled), read, listed and deleted per user;
 * policies need their target, are replaced by name and go with it, as do its tags (a target
 * registered anew starts with none; one changed keeps them).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ACTIVITIES_KEPT, type Clock, ErrorCode, SCALING_TAG_RULES, scalableTargetTagKey } from '../../src/core/index.ts';
import type { ResourceTags, ScalableTargets } from '../../src/store/index.ts';
import { ManualClock } from './store.ts';

export interface ScalableTargetsUnderTest {
  scalableTargets: ScalableTargets;
  tags: ResourceTags;
  close(): Promise<void>;
}

const isCode = (code: string) => (err: unknown) => (err as { code?: string }).code === code;
const target = (userId: string, resourceId: string, minCapacity = 1, maxCapacity = 5) => ({ userId, resourceId, minCapacity, maxCapacity });
const policy = (userId: string, resourceId: string, name: string, targetValue = 0.7) => ({
  userId,
  resourceId,
  name,
  targetValue,
  scaleInCooldown: 60,
  scaleOutCooldown: 10,
  disableScaleIn: false,
});

export function describeScalableTargets(name: string, make: (clock: Clock) => Promise<ScalableTargetsUnderTest>): void {
  describe(`ScalableTargets conformance: ${name}`, () => {
    let u: ScalableTargetsUnderTest;
    let s: ScalableTargets;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock();
      u = await make(clock);
      s = u.scalableTargets;
    });
    afterEach(() => u.close());

    it('puts, changes, reads and lists targets, keeping when they were made and scaled', async () => {
      assert.equal(await s.getTarget('alice', 'function:f:live'), null);
      const made = await s.putTarget(target('alice', 'function:f:live'));
      assert.deepEqual(made, { ...target('alice', 'function:f:live'), createdAt: clock.now(), lastScaledAt: null });
      await s.markScaled('alice', 'function:f:live', clock.now() + 5);
      clock.advance(1000);
      const changed = await s.putTarget(target('alice', 'function:f:live', 2, 8));
      assert.deepEqual(changed, {
        ...target('alice', 'function:f:live', 2, 8),
        createdAt: made.createdAt,
        lastScaledAt: made.createdAt + 5,
      });
      await s.putTarget(target('alice', 'function:f:1'));
      await s.putTarget(target('bob', 'function:f:live'));
      assert.deepEqual(
        (await s.listTargets('alice')).map((t) => t.resourceId),
        ['function:f:1', 'function:f:live'],
      );
      assert.deepEqual(await s.getTarget('alice', 'function:f:live'), changed);
      assert.equal((await s.listAllTargets()).length, 3);
    });

    it('keeps users apart', async () => {
      await s.putTarget(target('alice', 'function:f:live'));
      assert.equal(await s.getTarget('bob', 'function:f:live'), null);
      assert.deepEqual(await s.listTargets('bob'), []);
      assert.equal(await s.deleteTarget('bob', 'function:f:live'), false);
      await assert.rejects(s.putPolicy(policy('bob', 'function:f:live', 'p')), isCode(ErrorCode.ScalableTargetNotFound));
      await s.putPolicy(policy('alice', 'function:f:live', 'p'));
      assert.deepEqual(await s.listPolicies('bob'), []);
      assert.equal(await s.deletePolicy('bob', 'function:f:live', 'p'), false);
      assert.equal((await s.listPolicies('alice')).length, 1);
    });

    it('puts policies on a registered target only, replacing by name', async () => {
      await assert.rejects(s.putPolicy(policy('alice', 'function:f:live', 'p')), isCode(ErrorCode.ScalableTargetNotFound));
      await s.putTarget(target('alice', 'function:f:live'));
      await s.putTarget(target('alice', 'function:f:1'));
      const first = await s.putPolicy(policy('alice', 'function:f:live', 'p'));
      assert.deepEqual(first, { ...policy('alice', 'function:f:live', 'p'), createdAt: clock.now() });
      clock.advance(1000);
      const again = await s.putPolicy({ ...policy('alice', 'function:f:live', 'p', 0.5), disableScaleIn: true });
      assert.deepEqual(again, { ...policy('alice', 'function:f:live', 'p', 0.5), disableScaleIn: true, createdAt: first.createdAt });
      await s.putPolicy(policy('alice', 'function:f:1', 'q'));
      assert.deepEqual(
        (await s.listPolicies('alice')).map((p) => [p.resourceId, p.name]),
        [
          ['function:f:1', 'q'],
          ['function:f:live', 'p'],
        ],
      );
      assert.deepEqual(
        (await s.listPolicies('alice', 'function:f:live')).map((p) => p.name),
        ['p'],
      );
      assert.equal((await s.listAllPolicies()).length, 2);
      assert.equal(await s.deletePolicy('alice', 'function:f:1', 'q'), true);
      assert.equal(await s.deletePolicy('alice', 'function:f:1', 'q'), false);
    });

    it('deletes a target with its policies, answering whether there was one', async () => {
      await s.putTarget(target('alice', 'function:f:live'));
      await s.putPolicy(policy('alice', 'function:f:live', 'p'));
      assert.equal(await s.deleteTarget('alice', 'function:f:live'), true);
      assert.equal(await s.deleteTarget('alice', 'function:f:live'), false);
      assert.equal(await s.getTarget('alice', 'function:f:live'), null);
      assert.deepEqual(await s.listAllPolicies(), []);
    });

    it('records activities of a registered target, the latest first, keeping the latest ones', async () => {
      const activity = (resourceId: string, i: number) => ({
        userId: 'alice',
        resourceId,
        activityId: `a${String(i).padStart(4, '0')}`,
        startedAt: clock.now() + i,
        endedAt: clock.now() + i,
        description: `Setting desired concurrency to ${i}.`,
        cause: 'monitor alarm',
        statusCode: 'Successful' as const,
        statusMessage: 'Successfully set desired concurrency.',
      });
      await s.recordActivity(activity('function:f:live', 0));
      assert.deepEqual(await s.listActivities('alice'), []);
      await s.putTarget(target('alice', 'function:f:live'));
      await s.putTarget(target('alice', 'function:f:1'));
      for (let i = 1; i <= ACTIVITIES_KEPT + 1; i++) await s.recordActivity(activity('function:f:live', i));
      await s.recordActivity(activity('function:f:1', 500));
      const live = await s.listActivities('alice', 'function:f:live');
      assert.equal(live.length, ACTIVITIES_KEPT);
      assert.deepEqual(live[0], activity('function:f:live', ACTIVITIES_KEPT + 1));
      assert.equal(live.at(-1)?.activityId, activity('function:f:live', 2).activityId);
      assert.equal((await s.listActivities('alice')).length, ACTIVITIES_KEPT + 1);
      assert.deepEqual(await s.listActivities('bob'), []);
      await s.deleteTarget('alice', 'function:f:live');
      assert.deepEqual(
        (await s.listActivities('alice')).map((a) => a.resourceId),
        ['function:f:1'],
      );
    });

    it("keeps a target's tags while it changes; they go with it", async () => {
      const key = scalableTargetTagKey('function:f:live');
      await s.putTarget(target('alice', 'function:f:live'));
      await u.tags.tagResource('alice', key, { team: 'web' }, SCALING_TAG_RULES);
      await s.putTarget(target('alice', 'function:f:live', 2, 9));
      assert.deepEqual(await u.tags.getTags('alice', key), { team: 'web' });
      await s.deleteTarget('alice', 'function:f:live');
      assert.deepEqual(await u.tags.getTags('alice', key), {});
      // Tags left under the key (a crash between writes) are not a new target's.
      await u.tags.tagResource('alice', key, { stale: 'yes' }, SCALING_TAG_RULES);
      await s.putTarget(target('alice', 'function:f:live'));
      assert.deepEqual(await u.tags.getTags('alice', key), {});
    });
  });
}
