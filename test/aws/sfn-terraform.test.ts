/**
 * Step Functions as Terraform's (and OpenTofu's, and Pulumi's) AWS provider drives it, replayed
 * with the real SDK client: for aws_sfn_state_machine, aws_sfn_alias and aws_sfn_activity, the
 * calls the provider makes on plan (ValidateStateMachineDefinition, the read), apply (create,
 * the read: DescribeStateMachine, ListStateMachineVersions, ListTagsForResource), update (the
 * update, the DescribeStateMachine it polls until the change shows, tags) and destroy (the
 * delete and the DescribeStateMachine / DescribeActivity it polls until the resource is gone),
 * with the request shapes it sends, and each answer holding what its read takes. Logging,
 * tracing and encryption are taken at their off values and refused otherwise, never dropped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateActivityCommand,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DescribeActivityCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  ListStateMachineVersionsCommand,
  ListTagsForResourceCommand,
  type SFNClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';

let p: TestPlatform;
let alice: SFNClient;

const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const machineArn = (name: string) => `arn:aws:states:${REGION}:${accountIdOf('alice')}:stateMachine:${name}`;
const pass = (result: unknown) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });
const OFF = {
  loggingConfiguration: { level: 'OFF' as const, includeExecutionData: false },
  tracingConfiguration: { enabled: false },
  encryptionConfiguration: { type: 'AWS_OWNED_KEY' as const },
};

before(async () => {
  p = await testPlatform();
  alice = sfnClient(p.url!, (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json());
});
after(async () => {
  alice?.destroy();
  await p?.close();
});

/** The provider's read of a state machine: DescribeStateMachine, then ListStateMachineVersions
 *  (its newest version is state_machine_version_arn), then the tags. */
async function readMachine(arn: string) {
  const described = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
  const versions = await alice.send(new ListStateMachineVersionsCommand({ stateMachineArn: arn }));
  const { tags } = await alice.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  return { described, newest: versions.stateMachineVersions?.[0]?.stateMachineVersionArn, tags };
}

describe('Step Functions as the Terraform AWS provider drives it', () => {
  it('aws_sfn_state_machine: plan, create and read, update (publish, logging OFF, tags), destroy and its wait', async () => {
    // plan: the definition is validated before anything is made.
    const validated = await alice.send(new ValidateStateMachineDefinitionCommand({ definition: pass(1), type: 'STANDARD' }));
    assert.equal(validated.result, 'OK');

    // apply: CreateStateMachine as the provider sends it, off settings of a logging_configuration
    // { level = "OFF" } and tracing_configuration { enabled = false } block included.
    const made = await alice.send(
      new CreateStateMachineCommand({
        name: 'tf-machine',
        definition: pass(1),
        roleArn: ROLE,
        type: 'STANDARD',
        publish: false,
        tags: [{ key: 'env', value: 'test' }],
        loggingConfiguration: OFF.loggingConfiguration,
        tracingConfiguration: OFF.tracingConfiguration,
      }),
    );
    const arn = made.stateMachineArn!;
    assert.equal(arn, machineArn('tf-machine'));
    const { described, newest, tags } = await readMachine(arn);
    assert.deepEqual(
      {
        arn: described.stateMachineArn,
        name: described.name,
        definition: described.definition,
        role: described.roleArn,
        type: described.type,
        status: described.status,
        created: described.creationDate instanceof Date,
        revision: typeof described.revisionId,
        description: described.description,
        logging: described.loggingConfiguration,
        tracing: described.tracingConfiguration,
        encryption: described.encryptionConfiguration,
      },
      {
        arn,
        name: 'tf-machine',
        definition: pass(1),
        role: ROLE,
        type: 'STANDARD',
        status: 'ACTIVE',
        created: true,
        revision: 'string',
        description: undefined,
        logging: OFF.loggingConfiguration,
        tracing: OFF.tracingConfiguration,
        encryption: OFF.encryptionConfiguration,
      },
    );
    assert.equal(newest, undefined, 'no version yet');
    assert.deepEqual(tags, [{ key: 'env', value: 'test' }]);

    // update: definition and role always, publish true (with the computed version_description,
    // ""), an encryption_configuration block at AWS_OWNED_KEY; then the poll until it shows.
    const updated = await alice.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition: pass(2),
        roleArn: ROLE,
        publish: true,
        versionDescription: '',
        encryptionConfiguration: OFF.encryptionConfiguration,
      }),
    );
    assert.ok(updated.stateMachineVersionArn);
    const polled = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    assert.equal(polled.definition, pass(2));
    assert.equal((await readMachine(arn)).newest, `${arn}:1`);
    // tags: TagResource and UntagResource of the machine's ARN.
    await alice.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'core' }] }));
    await alice.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env'] }));
    assert.deepEqual((await readMachine(arn)).tags, [{ key: 'team', value: 'core' }]);

    // what Hangar has not is refused, naming it, and nothing is made or changed.
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'logs to CloudWatch',
        { loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [{}] } },
        /loggingConfiguration\.level ALL/,
      ],
      ['execution data logged', { loggingConfiguration: { level: 'OFF', includeExecutionData: true } }, /includeExecutionData/],
      ['X-Ray', { tracingConfiguration: { enabled: true } }, /tracingConfiguration\.enabled/],
      ['a KMS key', { encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: 'k' } }, /CUSTOMER_MANAGED_KMS_KEY/],
    ];
    for (const [what, settings, message] of cases) {
      const create = await refusedBy(
        alice.send(new CreateStateMachineCommand({ name: 'tf-refused', definition: pass(1), roleArn: ROLE, ...settings })),
      );
      assert.deepEqual([create.name, create.status], ['ValidationException', 400], what);
      assert.match(create.message, message, what);
      const update = await refusedBy(
        alice.send(new UpdateStateMachineCommand({ stateMachineArn: arn, definition: pass(3), roleArn: ROLE, ...settings })),
      );
      assert.deepEqual([update.name, update.status], ['ValidationException', 400], what);
    }
    const names = (await alice.send(new ListStateMachinesCommand({}))).stateMachines?.map((m) => m.name);
    assert.ok(!names?.includes('tf-refused'));
    assert.equal((await alice.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).definition, pass(2));

    // destroy: DeleteStateMachine, then DescribeStateMachine until StateMachineDoesNotExist.
    await alice.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    const gone = await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: arn })));
    assert.equal(gone.name, 'StateMachineDoesNotExist');
  });

  it('aws_sfn_alias: create and read, update, destroy', async () => {
    const { stateMachineArn: arn } = await alice.send(
      new CreateStateMachineCommand({ name: 'tf-aliased', definition: pass(1), roleArn: ROLE, type: 'STANDARD', publish: true }),
    );
    const v1 = `${arn}:1`;
    // create: description always sent ("" when not configured).
    const { stateMachineAliasArn } = await alice.send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        description: '',
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      }),
    );
    const read = await alice.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }));
    assert.deepEqual(
      [read.stateMachineAliasArn, read.name, read.description ?? '', read.creationDate instanceof Date, read.routingConfiguration],
      [`${arn}:live`, 'live', '', true, [{ stateMachineVersionArn: v1, weight: 100 }]],
    );
    // update: what changed.
    await alice.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn, description: 'production' }));
    assert.equal((await alice.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }))).description, 'production');
    // destroy: the alias, then its machine (the alias depends on it).
    await alice.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn }));
    assert.equal((await refusedBy(alice.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn })))).name, 'ResourceNotFound');
    await alice.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    assert.equal((await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: arn })))).name, 'StateMachineDoesNotExist');
  });

  it('aws_sfn_activity: create and read, tags, destroy and its wait', async () => {
    const { activityArn } = await alice.send(
      new CreateActivityCommand({
        name: 'tf-activity',
        tags: [{ key: 'env', value: 'test' }],
        encryptionConfiguration: OFF.encryptionConfiguration,
      }),
    );
    const read = await alice.send(new DescribeActivityCommand({ activityArn }));
    assert.deepEqual(
      [read.activityArn, read.name, read.creationDate instanceof Date, read.encryptionConfiguration],
      [activityArn, 'tf-activity', true, OFF.encryptionConfiguration],
    );
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ resourceArn: activityArn }))).tags, [
      { key: 'env', value: 'test' },
    ]);
    await alice.send(new TagResourceCommand({ resourceArn: activityArn, tags: [{ key: 'env', value: 'prod' }] }));
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ resourceArn: activityArn }))).tags, [
      { key: 'env', value: 'prod' },
    ]);

    const kms = await refusedBy(
      alice.send(
        new CreateActivityCommand({ name: 'tf-kms', encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: 'k' } }),
      ),
    );
    assert.deepEqual([kms.name, kms.status], ['ValidationException', 400]);

    await alice.send(new DeleteActivityCommand({ activityArn }));
    assert.equal((await refusedBy(alice.send(new DescribeActivityCommand({ activityArn })))).name, 'ActivityDoesNotExist');
  });
});
