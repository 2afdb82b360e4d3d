/**
 * The ResourceTags port's behaviour, written once for both backends: tags are set, overwritten
 * and removed per user and resource; a change over the limit is refused and changes nothing;
 * concurrent changes cannot pass the limit together; and a function's, state machine's or activity's
 * tags go with it, so one created again of the same name starts untagged.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  activityTagKey,
  ErrorCode,
  functionTagKey,
  httpApiTagKey,
  httpStageTagKey,
  LAMBDA_TAG_RULES,
  stateMachineTagKey,
  taggedResource,
} from '../../src/core/index.ts';
import type { Activities, Functions, HttpApis, ResourceTags, Workflows } from '../../src/store/index.ts';
import { newFunction } from './functions.ts';

export interface TagsUnderTest {
  tags: ResourceTags;
  functions: Functions;
  workflows: Workflows;
  activities: Activities;
  httpApis: HttpApis;
  close(): Promise<void>;
}

const isCode = (code: string) => (err: unknown) => (err as { code?: string }).code === code;
const rules = LAMBDA_TAG_RULES;
const many = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));
const machine = (name: string) => ({
  name,
  type: 'STANDARD' as const,
  definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
  roleArn: 'arn:aws:iam::000000000000:role/sfn',
  description: '',
});

export function describeResourceTags(name: string, make: () => Promise<TagsUnderTest>): void {
  describe(`ResourceTags conformance: ${name}`, () => {
    let u: TagsUnderTest;
    let t: ResourceTags;
    const fn = functionTagKey('hello');
    beforeEach(async () => {
      u = await make();
      t = u.tags;
    });
    afterEach(() => u.close());

    it('sets, overwrites and removes tags, in the order they were first set', async () => {
      assert.deepEqual(await t.getTags('alice', fn), {});
      assert.deepEqual(await t.tagResource('alice', fn, { team: 'a', env: 'dev' }, rules), { team: 'a', env: 'dev' });
      assert.deepEqual(await t.tagResource('alice', fn, { env: 'prod', cost: '' }, rules), { team: 'a', env: 'prod', cost: '' });
      assert.deepEqual(Object.keys(await t.getTags('alice', fn)), ['team', 'env', 'cost']);
      assert.deepEqual(await t.untagResource('alice', fn, ['team', 'absent']), { env: 'prod', cost: '' });
      assert.deepEqual(await t.untagResource('alice', fn, ['env', 'cost']), {});
      assert.deepEqual(await t.getTags('alice', fn), {});
      assert.deepEqual(await t.untagResource('alice', fn, ['env']), {}, 'nothing to remove is no matter');
    });

    it('keeps users and resources apart', async () => {
      await t.tagResource('alice', fn, { team: 'a' }, rules);
      await t.tagResource('alice', stateMachineTagKey('hello'), { team: 'm' }, rules);
      assert.deepEqual(await t.getTags('bob', fn), {});
      assert.deepEqual(await t.getTags('alice', stateMachineTagKey('hello')), { team: 'm' });
      await t.untagResource('bob', fn, ['team']);
      assert.deepEqual(await t.getTags('alice', fn), { team: 'a' });
    });

    it('refuses a change over the limit, counting each key once, and changes nothing', async () => {
      await t.tagResource('alice', fn, many(49), rules);
      await assert.rejects(t.tagResource('alice', fn, many(2, 'new'), rules), isCode(ErrorCode.TagLimitExceeded));
      assert.equal(Object.keys(await t.getTags('alice', fn)).length, 49);
      // Overwriting keys it has adds none.
      await t.tagResource('alice', fn, { ...many(10), last: 'x' }, rules);
      assert.equal(Object.keys(await t.getTags('alice', fn)).length, 50);
    });

    it('lets concurrent changes pass the limit only one at a time', async () => {
      await t.tagResource('alice', fn, many(40), rules);
      const tries = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => t.tagResource('alice', fn, many(5, `c${i}-`), rules)));
      assert.equal(tries.filter((r) => r.status === 'fulfilled').length, 2);
      assert.equal(Object.keys(await t.getTags('alice', fn)).length, 50);
    });

    it('takes any resource key: a resource needs no table of its own to be tagged', async () => {
      const activity = taggedResource('states', 'activity:work');
      await t.tagResource('alice', activity, { a: '1' }, rules);
      assert.deepEqual(await t.getTags('alice', activity), { a: '1' });
    });

    it("drops a function's tags with it: one created again starts untagged", async () => {
      await u.functions.createFunction(newFunction());
      await t.tagResource('alice', fn, { team: 'a' }, rules);
      await t.tagResource('bob', fn, { team: 'b' }, rules);
      assert.equal(await u.functions.deleteFunction('alice', 'hello'), true);
      assert.deepEqual(await t.getTags('alice', fn), {});
      assert.deepEqual(await t.getTags('bob', fn), { team: 'b' }, "another user's are theirs");
      // Tags written after a delete (a TagResource that raced it) do not reach the next one.
      await t.tagResource('alice', fn, { stale: 'yes' }, rules);
      await u.functions.createFunction(newFunction());
      assert.deepEqual(await t.getTags('alice', fn), {});
    });

    it("drops a state machine's tags with it: one created again starts untagged", async () => {
      const key = stateMachineTagKey('orders');
      await u.workflows.createStateMachine('alice', machine('orders'), 'rev-1', 1000);
      await t.tagResource('alice', key, { team: 'a' }, rules);
      // An idempotent create of the same machine inserts nothing: its tags stay.
      await u.workflows.createStateMachine('alice', machine('orders'), 'rev-2', 2000);
      assert.deepEqual(await t.getTags('alice', key), { team: 'a' });
      assert.equal(await u.workflows.deleteStateMachine('alice', 'orders'), true);
      assert.deepEqual(await t.getTags('alice', key), {});
      await t.tagResource('alice', key, { stale: 'yes' }, rules);
      await u.workflows.createStateMachine('alice', machine('orders'), 'rev-3', 3000);
      assert.deepEqual(await t.getTags('alice', key), {});
    });

    it("drops an activity's tags with it: one created again starts untagged", async () => {
      const key = activityTagKey('work');
      const work = { userId: 'alice', name: 'work', createdAt: 1000 };
      await u.activities.createActivity(work);
      await t.tagResource('alice', key, { team: 'a' }, rules);
      // A create of the same name answers the one there: its tags stay (AWS ignores a repeat's).
      assert.equal((await u.activities.createActivity({ ...work, createdAt: 2000 })).created, false);
      assert.deepEqual(await t.getTags('alice', key), { team: 'a' });
      assert.equal(await u.activities.deleteActivity('alice', 'work'), true);
      assert.deepEqual(await t.getTags('alice', key), {});
      await t.tagResource('alice', key, { stale: 'yes' }, rules);
      await u.activities.createActivity({ ...work, createdAt: 3000 });
      assert.deepEqual(await t.getTags('alice', key), {});
    });

    it("drops an HTTP API's tags with it", async () => {
      const a = await u.httpApis.createApi('alice', { name: 'pets' });
      const key = httpApiTagKey(a.apiId);
      await t.tagResource('alice', key, { team: 'a' }, rules);
      assert.deepEqual(await t.getTags('alice', key), { team: 'a' });
      assert.equal(await u.httpApis.deleteApi('alice', a.apiId), true);
      assert.deepEqual(await t.getTags('alice', key), {});
    });

    it("drops an HTTP API stage's tags with the stage (a named one) and with the API", async () => {
      const a = await u.httpApis.createApi('alice', { name: 'pets' });
      await u.httpApis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true });
      await u.httpApis.putNamedStage('alice', a.apiId, { name: 'dev', creating: true });
      const [prod, dev, dflt] = ['prod', 'dev', '$default'].map((n) => httpStageTagKey(a.apiId, n)) as [string, string, string];
      for (const key of [prod, dev, dflt]) await t.tagResource('alice', key, { team: 'a' }, rules);
      await t.tagResource('alice', httpApiTagKey(a.apiId), { api: 'yes' }, rules);
      await u.httpApis.putNamedStage('alice', a.apiId, { name: 'dev', creating: false, variables: { x: '1' } });
      assert.deepEqual(await t.getTags('alice', dev), { team: 'a' }, 'a change keeps them');
      await u.httpApis.deleteNamedStage('alice', a.apiId, 'prod');
      assert.deepEqual(
        await Promise.all([prod, dev, dflt, httpApiTagKey(a.apiId)].map((k) => t.getTags('alice', k))),
        [{}, { team: 'a' }, { team: 'a' }, { api: 'yes' }],
        "the deleted stage's only",
      );
      await u.httpApis.putNamedStage('alice', a.apiId, { name: 'prod', creating: true });
      assert.deepEqual(await t.getTags('alice', prod), {}, 'made again: untagged');
      assert.equal(await u.httpApis.deleteApi('alice', a.apiId), true);
      assert.deepEqual(await Promise.all([dev, dflt].map((k) => t.getTags('alice', k))), [{}, {}]);
    });
  });
}
