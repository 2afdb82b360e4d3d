/**
 * The StateMachineVersions port's behaviour, written once: every backend calls
 * describeStateMachineVersions with a factory giving its versions and workflows ports over one
 * database (a version is of a machine the workflows port keeps).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Clock, Conflict, ErrorCode, MAX_ALIASES_PER_MACHINE, NotFound, type StateMachineInput } from '../../src/core/index.ts';
import type { StateMachineVersions, Workflows } from '../../src/store/index.ts';
import { ManualClock } from './store.ts';

export interface VersionsUnderTest {
  versions: StateMachineVersions;
  workflows: Workflows;
  close(): Promise<void>;
}
export type MakeVersions = (clock: Clock) => Promise<VersionsUnderTest>;

const is = (cls: new (...a: never[]) => Error, code: string) => (e: unknown) => e instanceof cls && (e as { code?: string }).code === code;

const pass = (result: number) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

function machine(name: string, over: Partial<StateMachineInput> = {}): StateMachineInput {
  return { name, type: 'STANDARD', definition: pass(1), roleArn: 'arn:aws:iam::000000000000:role/sfn', description: '', ...over };
}

export function describeStateMachineVersions(name: string, make: MakeVersions): void {
  describe(`StateMachineVersions conformance: ${name}`, () => {
    let under: VersionsUnderTest;
    let v: StateMachineVersions;
    let wf: Workflows;
    let t: number;

    beforeEach(async () => {
      const clock = new ManualClock();
      t = clock.now();
      under = await make(clock);
      v = under.versions;
      wf = under.workflows;
      await wf.createStateMachine('alice', machine('m'), 'rev-1', t);
    });
    afterEach(async () => {
      await under.close();
    });

    it('publishes the current revision as version 1, 2…; the same revision again is the same version', async () => {
      const one = await v.publishVersion('alice', 'm', null, 'first', t + 1);
      assert.equal(one.created, true);
      assert.deepEqual(one.version, {
        userId: 'alice',
        machineName: 'm',
        version: 1,
        type: 'STANDARD',
        definition: pass(1),
        roleArn: 'arn:aws:iam::000000000000:role/sfn',
        revisionId: 'rev-1',
        description: 'first',
        createdAt: t + 1,
      });
      const again = await v.publishVersion('alice', 'm', 'rev-1', 'ignored', t + 2);
      assert.equal(again.created, false);
      assert.deepEqual(again.version, one.version);

      await wf.updateStateMachine('alice', 'm', { definition: pass(2) }, 'rev-2', t + 3);
      const two = await v.publishVersion('alice', 'm', 'rev-2', '', t + 4);
      assert.equal(two.version.version, 2);
      assert.equal(two.version.definition, pass(2));
      assert.equal(two.version.revisionId, 'rev-2');
      // Version 1 is still its revision's snapshot.
      assert.equal((await v.getVersion('alice', 'm', 1))?.definition, pass(1));
    });

    it('makes one version of two publishes of one revision at once', async () => {
      const both = await Promise.all([v.publishVersion('alice', 'm', null, '', t), v.publishVersion('alice', 'm', 'rev-1', '', t)]);
      assert.deepEqual(
        both.map((r) => r.version.version),
        [1, 1],
      );
      assert.deepEqual(both.map((r) => r.created).sort(), [false, true]);
      assert.equal((await v.listVersions('alice', 'm', { limit: 10 })).length, 1);
    });

    it('refuses a publish whose revision id is not the current one, and one of a machine the user lacks', async () => {
      await assert.rejects(v.publishVersion('alice', 'm', 'rev-0', '', t), is(Conflict, ErrorCode.StateMachineRevisionMismatch));
      await assert.rejects(v.publishVersion('alice', 'nope', null, '', t), is(NotFound, ErrorCode.StateMachineNotFound));
      await assert.rejects(v.publishVersion('bob', 'm', null, '', t), is(NotFound, ErrorCode.StateMachineNotFound));
      assert.deepEqual(await v.listVersions('alice', 'm', { limit: 10 }), []);
    });

    it('lists versions newest first in pages, and never hands out a number twice, even after a delete', async () => {
      for (let i = 1; i <= 3; i++) {
        await wf.updateStateMachine('alice', 'm', { definition: pass(i + 10) }, `rev-${i + 10}`, t + i);
        await v.publishVersion('alice', 'm', null, '', t + i);
      }
      assert.deepEqual(
        (await v.listVersions('alice', 'm', { limit: 10 })).map((x) => x.version),
        [3, 2, 1],
      );
      const first = await v.listVersions('alice', 'm', { limit: 2 });
      assert.deepEqual(
        first.map((x) => x.version),
        [3, 2],
      );
      assert.deepEqual(
        (await v.listVersions('alice', 'm', { limit: 2, before: 2 })).map((x) => x.version),
        [1],
      );
      assert.equal(await v.deleteVersion('alice', 'm', 3), true);
      assert.equal(await v.deleteVersion('alice', 'm', 3), false);
      // The current revision was version 3's: published again, it is a new number.
      const next = await v.publishVersion('alice', 'm', null, '', t + 9);
      assert.equal(next.created, true);
      assert.equal(next.version.version, 4);
    });

    it("keeps each user's versions and aliases their own", async () => {
      await v.publishVersion('alice', 'm', null, '', t);
      await v.createAlias('alice', { machineName: 'm', name: 'prod', description: '', routing: [{ version: 1, weight: 100 }] }, t);
      await wf.createStateMachine('bob', machine('m'), 'rev-b', t);
      assert.equal(await v.getVersion('bob', 'm', 1), null);
      assert.equal(await v.getAlias('bob', 'm', 'prod'), null);
      assert.deepEqual(await v.listVersions('bob', 'm', { limit: 10 }), []);
      assert.deepEqual(await v.listAliases('bob', 'm', { limit: 10 }), []);
      assert.equal(await v.deleteVersion('bob', 'm', 1), false);
      assert.equal(await v.deleteAlias('bob', 'm', 'prod'), false);
      await assert.rejects(
        v.createAlias('bob', { machineName: 'm', name: 'x', description: '', routing: [{ version: 1, weight: 100 }] }, t),
        is(NotFound, ErrorCode.StateMachineVersionNotFound),
      );
      await assert.rejects(v.updateAlias('bob', 'm', 'prod', { description: 'x' }, t), is(NotFound, ErrorCode.StateMachineAliasNotFound));
      // Bob's own first version is his 1.
      assert.equal((await v.publishVersion('bob', 'm', null, '', t)).version.version, 1);
      assert.equal((await v.getVersion('alice', 'm', 1))?.revisionId, 'rev-1');
    });

    it('creates an alias (idempotent when identical), updates, lists and deletes it', async () => {
      await v.publishVersion('alice', 'm', null, '', t);
      await wf.updateStateMachine('alice', 'm', { definition: pass(2) }, 'rev-2', t);
      await v.publishVersion('alice', 'm', null, '', t);
      const input = { machineName: 'm', name: 'prod', description: 'live', routing: [{ version: 1, weight: 100 }] };
      const made = await v.createAlias('alice', input, t + 1);
      assert.equal(made.created, true);
      assert.deepEqual(made.alias, { userId: 'alice', ...input, createdAt: t + 1, updatedAt: t + 1 });
      const again = await v.createAlias('alice', input, t + 2);
      assert.equal(again.created, false);
      assert.deepEqual(again.alias, made.alias);
      await assert.rejects(v.createAlias('alice', { ...input, description: 'other' }, t), is(Conflict, ErrorCode.StateMachineAliasExists));
      await assert.rejects(
        v.createAlias('alice', { ...input, name: 'beta', routing: [{ version: 7, weight: 100 }] }, t),
        is(NotFound, ErrorCode.StateMachineVersionNotFound),
      );
      await assert.rejects(v.createAlias('alice', { ...input, machineName: 'nope' }, t), is(NotFound, ErrorCode.StateMachineNotFound));

      const split = [
        { version: 2, weight: 90 },
        { version: 1, weight: 10 },
      ];
      const updated = await v.updateAlias('alice', 'm', 'prod', { routing: split }, t + 5);
      assert.deepEqual(updated.routing, split);
      assert.equal(updated.description, 'live');
      assert.equal(updated.updatedAt, t + 5);
      assert.equal(updated.createdAt, t + 1);
      await assert.rejects(
        v.updateAlias('alice', 'm', 'prod', { routing: [{ version: 9, weight: 100 }] }, t),
        is(NotFound, ErrorCode.StateMachineVersionNotFound),
      );
      assert.deepEqual((await v.getAlias('alice', 'm', 'prod'))?.routing, split);

      await v.createAlias('alice', { machineName: 'm', name: 'beta', description: '', routing: [{ version: 2, weight: 100 }] }, t);
      await v.createAlias('alice', { machineName: 'm', name: 'alpha', description: '', routing: [{ version: 1, weight: 100 }] }, t);
      assert.deepEqual(
        (await v.listAliases('alice', 'm', { limit: 10 })).map((a) => a.name),
        ['alpha', 'beta', 'prod'],
      );
      assert.deepEqual(
        (await v.listAliases('alice', 'm', { limit: 1, after: 'alpha' })).map((a) => a.name),
        ['beta'],
      );
      // Of one version: those that route any starts to it.
      assert.deepEqual(
        (await v.listAliases('alice', 'm', { limit: 10, version: 2 })).map((a) => a.name),
        ['beta', 'prod'],
      );
      assert.equal(await v.deleteAlias('alice', 'm', 'beta'), true);
      assert.equal(await v.deleteAlias('alice', 'm', 'beta'), false);
      assert.equal(await v.getAlias('alice', 'm', 'beta'), null);
      // Its version stays.
      assert.ok(await v.getVersion('alice', 'm', 2));
    });

    it('refuses to delete a version an alias routes to, until the alias moves off it', async () => {
      await v.publishVersion('alice', 'm', null, '', t);
      await wf.updateStateMachine('alice', 'm', { definition: pass(2) }, 'rev-2', t);
      await v.publishVersion('alice', 'm', null, '', t);
      await v.createAlias(
        'alice',
        {
          machineName: 'm',
          name: 'prod',
          description: '',
          routing: [
            { version: 1, weight: 50 },
            { version: 2, weight: 50 },
          ],
        },
        t,
      );
      await assert.rejects(v.deleteVersion('alice', 'm', 1), is(Conflict, ErrorCode.StateMachineVersionInUse));
      await v.updateAlias('alice', 'm', 'prod', { routing: [{ version: 2, weight: 100 }] }, t);
      assert.equal(await v.deleteVersion('alice', 'm', 1), true);
      await assert.rejects(v.deleteVersion('alice', 'm', 2), is(Conflict, ErrorCode.StateMachineVersionInUse));
    });

    it('stops at 100 aliases per machine, as AWS', async () => {
      await v.publishVersion('alice', 'm', null, '', t);
      const routing = [{ version: 1, weight: 100 }];
      for (let i = 0; i < MAX_ALIASES_PER_MACHINE; i++)
        await v.createAlias('alice', { machineName: 'm', name: `a${i}`, description: '', routing }, t);
      await assert.rejects(
        v.createAlias('alice', { machineName: 'm', name: 'one-more', description: '', routing }, t),
        is(Conflict, ErrorCode.StateMachineAliasQuota),
      );
      // The same create again is still answered: it makes nothing.
      assert.equal((await v.createAlias('alice', { machineName: 'm', name: 'a0', description: '', routing }, t)).created, false);
    });

    it('deletes a machine’s versions and aliases with it; a new machine of that name starts afresh', async () => {
      await v.publishVersion('alice', 'm', null, '', t);
      await v.createAlias('alice', { machineName: 'm', name: 'prod', description: '', routing: [{ version: 1, weight: 100 }] }, t);
      assert.equal(await wf.deleteStateMachine('alice', 'm'), true);
      assert.equal(await v.getVersion('alice', 'm', 1), null);
      assert.equal(await v.getAlias('alice', 'm', 'prod'), null);
      await wf.createStateMachine('alice', machine('m', { definition: pass(5) }), 'rev-5', t);
      assert.deepEqual(await v.listVersions('alice', 'm', { limit: 10 }), []);
      assert.equal((await v.publishVersion('alice', 'm', null, '', t)).version.definition, pass(5));
    });

    it('lists executions by the version and the alias they started through', async () => {
      const base = {
        userId: 'alice',
        stateMachineName: 'm',
        status: 'RUNNING' as const,
        input: '{}',
        output: null,
        error: null,
        cause: null,
        definition: pass(1),
        revisionId: 'rev-1',
        startedAt: t,
        stoppedAt: null,
        parentId: null,
        redriveCount: 0,
        redriveDate: null,
        redriveTokens: [],
      };
      const start = (id: string, version: number | null, alias: string | null) =>
        wf.startExecution({
          execution: { ...base, id, name: id, stateMachineVersion: version, stateMachineAlias: alias },
          events: [],
          frames: [],
          wakeAt: null,
        });
      await start('01-plain', null, null);
      await start('02-v1', 1, null);
      await start('03-prod', 1, 'prod');
      await start('04-v2', 2, 'prod');
      const names = async (q: { version?: number; alias?: string }) =>
        (await wf.listExecutions('alice', { stateMachineName: 'm', limit: 10, ...q })).map((e) => e.name);
      assert.deepEqual(await names({}), ['04-v2', '03-prod', '02-v1', '01-plain']);
      assert.deepEqual(await names({ version: 1 }), ['03-prod', '02-v1']);
      assert.deepEqual(await names({ alias: 'prod' }), ['04-v2', '03-prod']);
      const e = await wf.findExecution('alice', 'm', '03-prod');
      assert.equal(e?.stateMachineVersion, 1);
      assert.equal(e?.stateMachineAlias, 'prod');
      assert.equal((await wf.findExecution('alice', 'm', '01-plain'))?.stateMachineVersion, null);
    });
  });
}
