/**
 * State machine versions and aliases through the real AWS SDK (@aws-sdk/client-sfn) against a
 * started Hangar: publishing on create and update and on its own, the revision check, executions
 * of a version running that version's definition after the machine moved on, aliases routing all
 * or a share of starts (the platform's picks drawn from a seeded generator, so the test knows each
 * one), what DescribeExecution and ListExecutions say of them, and tenancy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { pickVersion, seededRandom } from '../../src/core/index.ts';
import { REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';

const SEED = 2023;
let p: TestPlatform;
let alice: SFNClient;
let bob: SFNClient;

const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const account = accountIdOf('alice');
const machineArn = (name: string) => `arn:aws:states:${REGION}:${account}:stateMachine:${name}`;
const pass = (result: unknown) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

before(async () => {
  // Pass states only: no workers. The aliases' picks come from a generator the test can replay.
  p = await testPlatform({ HANGAR_WORKERS: '0' }, { api: true, workers: false }, undefined, { routingRandom: seededRandom(SEED) });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  alice = sfnClient(p.url!, await key('alice'));
  bob = sfnClient(p.url!, await key('bob'));
});
after(() => p.close());

/** The execution once it has ended. */
function ended(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(async () => {
    const d = await alice.send(new DescribeExecutionCommand({ executionArn }));
    return d.status !== 'RUNNING' && d;
  });
}

async function start(stateMachineArn: string, name?: string): Promise<string> {
  return (await alice.send(new StartExecutionCommand({ stateMachineArn, name }))).executionArn!;
}

describe('Step Functions versions through the AWS SDK', () => {
  it('publishes on create and update; an unchanged revision again is the same version; a stale revisionId is refused', async () => {
    const created = await alice.send(
      new CreateStateMachineCommand({ name: 'ver', definition: pass(1), roleArn: ROLE, publish: true, versionDescription: 'first' }),
    );
    assert.equal(created.stateMachineVersionArn, `${machineArn('ver')}:1`);
    const v1 = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineVersionArn }));
    assert.equal(v1.stateMachineArn, `${machineArn('ver')}:1`);
    assert.equal(v1.name, 'ver');
    assert.equal(v1.definition, pass(1));
    assert.equal(v1.description, 'first');
    const machine = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('ver') }));
    assert.equal(v1.revisionId, machine.revisionId);

    // Nothing changed since: publishing again answers version 1, with or without the revision id.
    const same = await alice.send(new PublishStateMachineVersionCommand({ stateMachineArn: machineArn('ver') }));
    assert.equal(same.stateMachineVersionArn, created.stateMachineVersionArn);
    const sameById = await alice.send(
      new PublishStateMachineVersionCommand({ stateMachineArn: machineArn('ver'), revisionId: machine.revisionId }),
    );
    assert.equal(sameById.stateMachineVersionArn, created.stateMachineVersionArn);
    assert.equal(sameById.creationDate?.getTime(), v1.creationDate?.getTime());

    const updated = await alice.send(
      new UpdateStateMachineCommand({
        stateMachineArn: machineArn('ver'),
        definition: pass(2),
        publish: true,
        versionDescription: 'second',
      }),
    );
    assert.equal(updated.stateMachineVersionArn, `${machineArn('ver')}:2`);
    assert.ok(updated.revisionId && updated.revisionId !== machine.revisionId);
    const v2 = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: updated.stateMachineVersionArn }));
    assert.equal(v2.definition, pass(2));
    assert.equal(v2.revisionId, updated.revisionId);

    // The revision the caller saw is not the current one any more.
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('ver'), definition: pass(3) }));
    const stale = await refusedBy(
      alice.send(new PublishStateMachineVersionCommand({ stateMachineArn: machineArn('ver'), revisionId: updated.revisionId })),
    );
    // AWS's status for each error (its API model's httpError): the SDK reads the name from __type.
    assert.deepEqual([stale.name, stale.status], ['ConflictException', 409]);
    const third = await alice.send(new PublishStateMachineVersionCommand({ stateMachineArn: machineArn('ver'), description: 'third' }));
    assert.equal(third.stateMachineVersionArn, `${machineArn('ver')}:3`);

    const versions: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await alice.send(new ListStateMachineVersionsCommand({ stateMachineArn: machineArn('ver'), maxResults: 2, nextToken }));
      versions.push(...(page.stateMachineVersions ?? []).map((v) => v.stateMachineVersionArn!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(
      versions,
      [3, 2, 1].map((n) => `${machineArn('ver')}:${n}`),
    );

    const describeOnly = await refusedBy(
      alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('ver'), definition: pass(4), versionDescription: 'x' })),
    );
    assert.equal(describeOnly.name, 'ValidationException');
  });

  it('runs a version’s own definition after the machine was updated, and says which version ran', async () => {
    const created = await alice.send(
      new CreateStateMachineCommand({ name: 'pinned', definition: pass('one'), roleArn: ROLE, publish: true }),
    );
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('pinned'), definition: pass('two') }));

    const ofV1 = await ended(await start(created.stateMachineVersionArn!));
    assert.equal(ofV1.status, 'SUCCEEDED');
    assert.equal(ofV1.output, '"one"');
    assert.equal(ofV1.stateMachineVersionArn, `${machineArn('pinned')}:1`);
    assert.equal(ofV1.stateMachineAliasArn, undefined);
    assert.equal(ofV1.stateMachineArn, machineArn('pinned'));

    const latest = await ended(await start(machineArn('pinned')));
    assert.equal(latest.output, '"two"');
    assert.equal(latest.stateMachineVersionArn, undefined);

    // ListExecutions of the version's ARN lists only its executions.
    const listed = await alice.send(new ListExecutionsCommand({ stateMachineArn: created.stateMachineVersionArn }));
    assert.deepEqual(
      listed.executions?.map((e) => [e.executionArn, e.stateMachineVersionArn]),
      [[ofV1.executionArn, `${machineArn('pinned')}:1`]],
    );
    assert.equal((await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('pinned') }))).executions?.length, 2);

    const missing = await refusedBy(alice.send(new StartExecutionCommand({ stateMachineArn: `${machineArn('pinned')}:9` })));
    assert.equal(missing.name, 'StateMachineDoesNotExist');
  });

  it('runs an EXPRESS version with StartSyncExecution', async () => {
    const created = await alice.send(
      new CreateStateMachineCommand({ name: 'quick', definition: pass('v1'), roleArn: ROLE, type: 'EXPRESS', publish: true }),
    );
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('quick'), definition: pass('v2') }));
    const r = await alice.send(new StartSyncExecutionCommand({ stateMachineArn: created.stateMachineVersionArn }));
    assert.equal(r.status, 'SUCCEEDED');
    assert.equal(r.output, '"v1"');
  });
});

describe('Step Functions aliases through the AWS SDK', () => {
  it('routes every start of a 100% alias to its version, then splits starts by weight', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'routed', definition: pass(1), roleArn: ROLE, publish: true }));
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('routed'), definition: pass(2), publish: true }));
    const [v1, v2] = [`${machineArn('routed')}:1`, `${machineArn('routed')}:2`];
    const made = await alice.send(
      new CreateStateMachineAliasCommand({
        name: 'prod',
        description: 'live',
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      }),
    );
    const prod = `${machineArn('routed')}:prod`;
    assert.equal(made.stateMachineAliasArn, prod);
    // The same request again is answered with the same alias (idempotent); another is a conflict.
    const again = await alice.send(
      new CreateStateMachineAliasCommand({
        name: 'prod',
        description: 'live',
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      }),
    );
    assert.equal(again.creationDate?.getTime(), made.creationDate?.getTime());
    const other = await refusedBy(
      alice.send(new CreateStateMachineAliasCommand({ name: 'prod', routingConfiguration: [{ stateMachineVersionArn: v2, weight: 100 }] })),
    );
    assert.equal(other.name, 'ConflictException');

    // The replayed generator: each pick the platform makes, in order (one per start through an alias).
    const replay = seededRandom(SEED);
    const all = [{ version: 1, weight: 100 }];
    for (let i = 0; i < 5; i++) {
      assert.equal(pickVersion(all, replay), 1);
      const e = await ended(await start(prod));
      assert.equal(e.output, '1');
      assert.equal(e.stateMachineVersionArn, v1);
      assert.equal(e.stateMachineAliasArn, prod);
    }

    const split = [
      { stateMachineVersionArn: v2, weight: 70 },
      { stateMachineVersionArn: v1, weight: 30 },
    ];
    await alice.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: prod, routingConfiguration: split }));
    const described = await alice.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: prod }));
    assert.equal(described.name, 'prod');
    assert.equal(described.description, 'live');
    assert.deepEqual(described.routingConfiguration, split);
    assert.ok(described.updateDate && described.creationDate && described.updateDate >= described.creationDate);

    const routes = [
      { version: 2, weight: 70 },
      { version: 1, weight: 30 },
    ];
    const n = 100;
    const started: string[] = [];
    const expected: number[] = [];
    for (let i = 0; i < n; i++) {
      expected.push(pickVersion(routes, replay));
      started.push(await start(prod));
    }
    const ran: number[] = [];
    for (const arn of started) {
      const e = await ended(arn);
      ran.push(Number(e.output));
      assert.equal(e.stateMachineVersionArn, `${machineArn('routed')}:${e.output}`);
    }
    // Each start ran the version the seeded pick chose, and the shares follow the weights.
    assert.deepEqual(ran, expected);
    const twos = ran.filter((v) => v === 2).length;
    assert.ok(twos > 50 && twos < 90, `version 2 ran ${twos} of ${n}`);

    // ListExecutions of the alias lists the starts through it (newest first); of a version, that version's.
    const byAlias = await alice.send(new ListExecutionsCommand({ stateMachineArn: prod, maxResults: 1000 }));
    assert.equal(byAlias.executions?.length, n + 5);
    assert.ok(byAlias.executions?.every((e) => e.stateMachineAliasArn === prod));
    const byV1 = await alice.send(new ListExecutionsCommand({ stateMachineArn: v1, maxResults: 1000 }));
    assert.equal(byV1.executions?.length, 5 + ran.filter((v) => v === 1).length);
  });

  it('refuses to delete a version an alias routes to; lists, updates and deletes aliases', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'guarded', definition: pass(1), roleArn: ROLE, publish: true }));
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('guarded'), definition: pass(2), publish: true }));
    const [v1, v2] = [`${machineArn('guarded')}:1`, `${machineArn('guarded')}:2`];
    for (const [name, version] of [
      ['blue', v1],
      ['green', v2],
    ])
      await alice.send(
        new CreateStateMachineAliasCommand({ name, routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }] }),
      );

    const inUse = await refusedBy(alice.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 })));
    assert.equal(inUse.name, 'ConflictException');

    const aliases = await alice.send(new ListStateMachineAliasesCommand({ stateMachineArn: machineArn('guarded') }));
    assert.deepEqual(
      aliases.stateMachineAliases?.map((a) => a.stateMachineAliasArn),
      ['blue', 'green'].map((a) => `${machineArn('guarded')}:${a}`),
    );
    const ofV1 = await alice.send(new ListStateMachineAliasesCommand({ stateMachineArn: v1 }));
    assert.deepEqual(
      ofV1.stateMachineAliases?.map((a) => a.stateMachineAliasArn),
      [`${machineArn('guarded')}:blue`],
    );

    const blue = `${machineArn('guarded')}:blue`;
    await alice.send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn: blue,
        routingConfiguration: [{ stateMachineVersionArn: v2, weight: 100 }],
      }),
    );
    await alice.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
    const gone = await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: v1 })));
    assert.equal(gone.name, 'StateMachineDoesNotExist');
    // As AWS: deleting it again succeeds.
    await alice.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
    // Its number is not handed out again.
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('guarded'), definition: pass(3), publish: true }));
    const listed = await alice.send(new ListStateMachineVersionsCommand({ stateMachineArn: machineArn('guarded') }));
    assert.deepEqual(
      listed.stateMachineVersions?.map((v) => v.stateMachineVersionArn),
      [3, 2].map((n) => `${machineArn('guarded')}:${n}`),
    );

    await alice.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: blue }));
    const noAlias = await refusedBy(alice.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: blue })));
    assert.deepEqual([noAlias.name, noAlias.status], ['ResourceNotFound', 404]);
    const noStart = await refusedBy(alice.send(new StartExecutionCommand({ stateMachineArn: blue })));
    assert.equal(noStart.name, 'StateMachineDoesNotExist');

    for (const routingConfiguration of [
      [{ stateMachineVersionArn: v2, weight: 60 }],
      [
        { stateMachineVersionArn: v2, weight: 50 },
        { stateMachineVersionArn: v2, weight: 50 },
      ],
      [
        { stateMachineVersionArn: v2, weight: 50 },
        { stateMachineVersionArn: `${machineArn('ver')}:1`, weight: 50 },
      ],
    ]) {
      const bad = await refusedBy(alice.send(new CreateStateMachineAliasCommand({ name: 'bad', routingConfiguration })));
      assert.equal(bad.name, 'ValidationException', JSON.stringify(routingConfiguration));
    }
    const numeric = await refusedBy(
      alice.send(new CreateStateMachineAliasCommand({ name: '42', routingConfiguration: [{ stateMachineVersionArn: v2, weight: 100 }] })),
    );
    assert.equal(numeric.name, 'ValidationException');

    // Deleting the machine deletes its versions and aliases.
    await alice.send(new DeleteStateMachineCommand({ stateMachineArn: machineArn('guarded') }));
    assert.equal((await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: v2 })))).name, 'StateMachineDoesNotExist');
    const green = `${machineArn('guarded')}:green`;
    assert.equal(
      (await refusedBy(alice.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: green })))).name,
      'ResourceNotFound',
    );
  });

  it("keeps each user's versions and aliases their own", async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'mine', definition: pass(1), roleArn: ROLE, publish: true }));
    const v1 = `${machineArn('mine')}:1`;
    await alice.send(
      new CreateStateMachineAliasCommand({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }] }),
    );
    const alias = `${machineArn('mine')}:live`;
    assert.equal((await refusedBy(bob.send(new DescribeStateMachineCommand({ stateMachineArn: v1 })))).name, 'StateMachineDoesNotExist');
    assert.equal((await refusedBy(bob.send(new StartExecutionCommand({ stateMachineArn: v1 })))).name, 'StateMachineDoesNotExist');
    assert.equal((await refusedBy(bob.send(new StartExecutionCommand({ stateMachineArn: alias })))).name, 'StateMachineDoesNotExist');
    assert.equal(
      (await refusedBy(bob.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias })))).name,
      'ResourceNotFound',
    );
    assert.equal((await refusedBy(bob.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: alias })))).name, 'ResourceNotFound');
    assert.equal(
      (await refusedBy(bob.send(new PublishStateMachineVersionCommand({ stateMachineArn: machineArn('mine') })))).name,
      'StateMachineDoesNotExist',
    );
    // Bob's machine of the same name, in his own account, has no version 1 of Alice's.
    const bobArn = `arn:aws:states:${REGION}:${accountIdOf('bob')}:stateMachine:mine`;
    await bob.send(new CreateStateMachineCommand({ name: 'mine', definition: pass('bob'), roleArn: ROLE }));
    assert.equal(
      (await refusedBy(bob.send(new DescribeStateMachineCommand({ stateMachineArn: `${bobArn}:1` })))).name,
      'StateMachineDoesNotExist',
    );
    await bob.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: `${bobArn}:1` }));
    // Alice's are still there.
    assert.equal((await alice.send(new DescribeStateMachineCommand({ stateMachineArn: v1 }))).definition, pass(1));
  });

  it('starts a child execution of a version or an alias from a states:startExecution Task', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'child', definition: pass('c1'), roleArn: ROLE, publish: true }));
    await alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('child'), definition: pass('c2') }));
    await alice.send(
      new CreateStateMachineAliasCommand({
        name: 'stable',
        routingConfiguration: [{ stateMachineVersionArn: `${machineArn('child')}:1`, weight: 100 }],
      }),
    );
    const launch = (arn: string, name: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: arn, Name: name },
      ResultSelector: { 'Output.$': '$.Output' },
    });
    const parent = JSON.stringify({
      StartAt: 'ByAlias',
      States: {
        ByAlias: { ...launch(`${machineArn('child')}:stable`, 'by-alias'), ResultPath: '$.alias', Next: 'ByVersion' },
        ByVersion: { ...launch(`${machineArn('child')}:1`, 'by-version'), ResultPath: '$.version', Next: 'Latest' },
        Latest: { ...launch(machineArn('child'), 'latest'), ResultPath: '$.latest', End: true },
      },
    });
    await alice.send(new CreateStateMachineCommand({ name: 'parent', definition: parent, roleArn: ROLE }));
    const e = await ended(await start(machineArn('parent')));
    assert.equal(e.status, 'SUCCEEDED', e.cause);
    assert.deepEqual(JSON.parse(e.output!), { alias: { Output: 'c1' }, version: { Output: 'c1' }, latest: { Output: 'c2' } });
    const byAlias = await alice.send(
      new DescribeExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${account}:execution:child:by-alias` }),
    );
    assert.equal(byAlias.stateMachineAliasArn, `${machineArn('child')}:stable`);
    assert.equal(byAlias.stateMachineVersionArn, `${machineArn('child')}:1`);
  });

  it('answers the 101st alias of a machine with ServiceQuotaExceededException', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'many', definition: pass(1), roleArn: ROLE, publish: true }));
    const routingConfiguration = [{ stateMachineVersionArn: `${machineArn('many')}:1`, weight: 100 }];
    for (let i = 0; i < 100; i++) await alice.send(new CreateStateMachineAliasCommand({ name: `a${i}`, routingConfiguration }));
    const over = await refusedBy(alice.send(new CreateStateMachineAliasCommand({ name: 'one-more', routingConfiguration })));
    assert.deepEqual([over.name, over.status], ['ServiceQuotaExceededException', 402]);
  });
});
