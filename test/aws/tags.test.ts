/**
 * Resource tags through the real AWS SDKs (@aws-sdk/client-lambda, @aws-sdk/client-sfn) against
 * a started Hangar: Lambda's TagResource, UntagResource, ListTags, CreateFunction's Tags and
 * GetFunction's; Step Functions' TagResource, UntagResource, ListTagsForResource and
 * CreateStateMachine's and CreateActivity's tags (an activity's ARN is tagged as a machine's). Limits are refused with each service's error names, another user's
 * resource is not found, and a resource deleted and created again starts untagged. Runs on the
 * embedded shape, and on PostgreSQL + S3 with HANGAR_TEST_SHAPE=scale-out (tags.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  type LambdaClient,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DeleteStateMachineCommand,
  ListTagsForResourceCommand,
  type SFNClient,
  TagResourceCommand as SfnTagResourceCommand,
  UntagResourceCommand as SfnUntagResourceCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { createNodeFunction, lambdaClient, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';

let p: TestPlatform;
let alice: { lambda: LambdaClient; sfn: SFNClient };
let bob: { lambda: LambdaClient; sfn: SFNClient };

const account = accountIdOf('alice');
const fnArn = (name: string, acct = account) => `arn:aws:lambda:${REGION}:${acct}:function:${name}`;
const machineArn = (name: string, acct = account) => `arn:aws:states:${REGION}:${acct}:stateMachine:${name}`;
const activityArn = (name: string, acct = account) => `arn:aws:states:${REGION}:${acct}:activity:${name}`;
const many = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));
const asList = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));
const sorted = (list: { key?: string; value?: string }[] = []) => [...list].sort((a, b) => String(a.key).localeCompare(String(b.key)));

const createFunction = (c: LambdaClient, name: string, Tags?: Record<string, string>) => createNodeFunction(c, name, { Tags });
const createMachine = (c: SFNClient, name: string, tags?: Record<string, string>) =>
  c.send(
    new CreateStateMachineCommand({
      name,
      definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      roleArn: 'arn:aws:iam::123456789012:role/StepFunctions',
      tags: tags && asList(tags),
    }),
  );

before(async () => {
  // No workers: nothing here runs a function.
  p = await testPlatform({}, { api: true, workers: false });
  const clients = async (userId: string) => {
    const k = (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
    return { lambda: lambdaClient(p.url!, k), sfn: sfnClient(p.url!, k) };
  };
  alice = await clients('alice');
  bob = await clients('bob');
});
after(() => p.close());

describe('Lambda tags through the AWS SDK', () => {
  const listTags = async (arn: string, c = alice.lambda) => (await c.send(new ListTagsCommand({ Resource: arn }))).Tags;

  it('tags on create, adds, overwrites, untags and lists; GetFunction answers them', async () => {
    await createFunction(alice.lambda, 'tagged', { team: 'data', env: 'dev' });
    assert.deepEqual(await listTags(fnArn('tagged')), { team: 'data', env: 'dev' });
    await alice.lambda.send(new TagResourceCommand({ Resource: fnArn('tagged'), Tags: { env: 'prod', 'cost center': '' } }));
    assert.deepEqual(await listTags(fnArn('tagged')), { team: 'data', env: 'prod', 'cost center': '' });
    await alice.lambda.send(new UntagResourceCommand({ Resource: fnArn('tagged'), TagKeys: ['team', 'never-set'] }));
    assert.deepEqual(await listTags(fnArn('tagged')), { env: 'prod', 'cost center': '' });
    // Tags are the function's: GetFunction of a version answers them too.
    await alice.lambda.send(new PublishVersionCommand({ FunctionName: 'tagged' }));
    assert.deepEqual((await alice.lambda.send(new GetFunctionCommand({ FunctionName: 'tagged', Qualifier: '1' }))).Tags, {
      env: 'prod',
      'cost center': '',
    });
    await alice.lambda.send(new UntagResourceCommand({ Resource: fnArn('tagged'), TagKeys: ['env', 'cost center'] }));
    assert.deepEqual(await listTags(fnArn('tagged')), {});
    assert.equal((await alice.lambda.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags, undefined);
  });

  it("refuses Lambda's limits with InvalidParameterValueException, and a refused create makes nothing", async () => {
    await createFunction(alice.lambda, 'limits', many(49));
    const tag = (Tags: Record<string, string>, Resource = fnArn('limits')) =>
      refusedBy(alice.lambda.send(new TagResourceCommand({ Resource, Tags })));
    for (const bad of [many(2, 'new'), { ['k'.repeat(129)]: 'v' }, { k: 'v'.repeat(257) }, { 'aws:cloudformation:stack-name': 's' }]) {
      const r = await tag(bad);
      assert.equal(r.name, 'InvalidParameterValueException', JSON.stringify(bad).slice(0, 80));
      assert.equal(r.status, 400);
    }
    assert.equal(Object.keys((await listTags(fnArn('limits'))) ?? {}).length, 49, 'nothing of a refused call was set');
    await alice.lambda.send(new TagResourceCommand({ Resource: fnArn('limits'), Tags: { ['k'.repeat(128)]: 'v'.repeat(256) } }));
    const untagAws = await refusedBy(alice.lambda.send(new UntagResourceCommand({ Resource: fnArn('limits'), TagKeys: ['aws:x'] })));
    assert.equal(untagAws.name, 'InvalidParameterValueException');
    const create = await refusedBy(createFunction(alice.lambda, 'too-many', many(51)));
    assert.equal(create.name, 'InvalidParameterValueException');
    assert.equal(
      (await refusedBy(alice.lambda.send(new GetFunctionCommand({ FunctionName: 'too-many' })))).name,
      'ResourceNotFoundException',
    );
  });

  it("answers a version's or alias's ARN as Lambda does, and resources Hangar lacks as not found", async () => {
    await createFunction(alice.lambda, 'arns');
    for (const arn of [`${fnArn('arns')}:1`, `${fnArn('arns')}:live`, `${fnArn('arns')}:$LATEST`, 'arns', 'arn:aws:s3:::bucket'])
      assert.equal(
        (await refusedBy(alice.lambda.send(new ListTagsCommand({ Resource: arn })))).name,
        'InvalidParameterValueException',
        arn,
      );
    for (const arn of [
      fnArn('never-made'),
      `arn:aws:lambda:${REGION}:${account}:event-source-mapping:14e0db71-5d35-4eb5-b481-8945cf9d10c2`,
      `arn:aws:lambda:${REGION}:${account}:code-signing-config:csc-0123456789abcdef0`,
      fnArn('arns').replace(REGION, 'eu-west-1'),
    ]) {
      const r = await refusedBy(alice.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { a: 'b' } })));
      assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404], arn);
    }
  });

  it("refuses another user's function as not found, by its ARN or by the same name in their own account", async () => {
    await createFunction(alice.lambda, 'private', { owner: 'alice' });
    const bobs = accountIdOf('bob');
    for (const arn of [fnArn('private'), fnArn('private', bobs)]) {
      assert.equal((await refusedBy(listTags(arn, bob.lambda))).name, 'ResourceNotFoundException');
      const r = await refusedBy(bob.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { owner: 'bob' } })));
      assert.equal(r.name, 'ResourceNotFoundException');
      const u = await refusedBy(bob.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['owner'] })));
      assert.equal(u.name, 'ResourceNotFoundException');
    }
    assert.deepEqual(await listTags(fnArn('private')), { owner: 'alice' });
  });

  it('deletes the tags with the function: one created again of the same name starts untagged', async () => {
    await createFunction(alice.lambda, 'again', { gen: '1' });
    await alice.lambda.send(new DeleteFunctionCommand({ FunctionName: 'again' }));
    assert.equal((await refusedBy(listTags(fnArn('again')))).name, 'ResourceNotFoundException');
    await createFunction(alice.lambda, 'again');
    assert.deepEqual(await listTags(fnArn('again')), {});
  });
});

describe('Step Functions tags through the AWS SDK', () => {
  const listTags = async (arn: string, c = alice.sfn) => sorted((await c.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags);

  it('tags on create, adds, overwrites, untags and lists', async () => {
    await createMachine(alice.sfn, 'tagged', { team: 'data', env: 'dev' });
    assert.deepEqual(await listTags(machineArn('tagged')), sorted(asList({ team: 'data', env: 'dev' })));
    await alice.sfn.send(
      new SfnTagResourceCommand({ resourceArn: machineArn('tagged'), tags: asList({ env: 'prod', 'cost/center': '' }) }),
    );
    assert.deepEqual(await listTags(machineArn('tagged')), sorted(asList({ team: 'data', env: 'prod', 'cost/center': '' })));
    await alice.sfn.send(new SfnUntagResourceCommand({ resourceArn: machineArn('tagged'), tagKeys: ['team', 'never-set'] }));
    assert.deepEqual(await listTags(machineArn('tagged')), sorted(asList({ env: 'prod', 'cost/center': '' })));
  });

  it("refuses Step Functions' limits with TooManyTags (naming the resource) and ValidationException", async () => {
    await createMachine(alice.sfn, 'limits', many(49));
    const arn = machineArn('limits');
    const tooMany = await refusedBy(alice.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList(many(2, 'new')) })));
    assert.deepEqual([tooMany.name, tooMany.status], ['TooManyTags', 400]);
    await assert.rejects(
      alice.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList(many(2, 'new')) })),
      (err) => (err as { resourceName?: string }).resourceName === arn,
    );
    const bads: Record<string, string>[] = [
      { ['k'.repeat(129)]: 'v' },
      { k: 'v'.repeat(257) },
      { 'aws:x': 'v' },
      { k: 'aws:v' },
      { 'a#b': 'v' },
    ];
    for (const bad of bads) {
      const r = await refusedBy(alice.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList(bad) })));
      assert.equal(r.name, 'ValidationException', JSON.stringify(bad).slice(0, 80));
    }
    assert.equal((await listTags(arn)).length, 49, 'nothing of a refused call was set');
    const create = await refusedBy(createMachine(alice.sfn, 'too-many', many(51)));
    assert.equal(create.name, 'TooManyTags');
    assert.equal((await refusedBy(listTags(machineArn('too-many')))).name, 'ResourceNotFound', 'a refused create makes nothing');
  });

  it('answers ARNs as Step Functions does: not a taggable one InvalidArn, one of nothing ResourceNotFound', async () => {
    await createMachine(alice.sfn, 'arns');
    for (const arn of [
      'arns',
      `arn:aws:states:${REGION}:${account}:execution:arns:run-1`,
      'arn:aws:lambda:us-east-1:123456789012:function:f',
    ])
      assert.equal((await refusedBy(listTags(arn))).name, 'InvalidArn', arn);
    for (const arn of [machineArn('never-made'), activityArn('never-made'), `${machineArn('arns')}:1`]) {
      const r = await refusedBy(alice.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList({ a: 'b' }) })));
      // 404: the @httpError of ResourceNotFound in Step Functions' API model (aws/sfn/shapes.ts sfnStatus).
      assert.deepEqual([r.name, r.status], ['ResourceNotFound', 404], arn);
    }
  });

  it("refuses another user's state machine as not found", async () => {
    await createMachine(alice.sfn, 'private', { owner: 'alice' });
    for (const arn of [machineArn('private'), machineArn('private', accountIdOf('bob'))]) {
      assert.equal((await refusedBy(listTags(arn, bob.sfn))).name, 'ResourceNotFound');
      const r = await refusedBy(bob.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList({ owner: 'bob' }) })));
      assert.equal(r.name, 'ResourceNotFound');
      const u = await refusedBy(bob.sfn.send(new SfnUntagResourceCommand({ resourceArn: arn, tagKeys: ['owner'] })));
      assert.equal(u.name, 'ResourceNotFound');
    }
    assert.deepEqual(await listTags(machineArn('private')), [{ key: 'owner', value: 'alice' }]);
  });

  it('deletes the tags with the state machine: one created again of the same name starts untagged', async () => {
    await createMachine(alice.sfn, 'again', { gen: '1' });
    await alice.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: machineArn('again') }));
    assert.equal((await refusedBy(listTags(machineArn('again')))).name, 'ResourceNotFound');
    await createMachine(alice.sfn, 'again');
    assert.deepEqual(await listTags(machineArn('again')), []);
  });

  it("tags an activity by its ARN: CreateActivity's tags, Tag/Untag/List, another user's not found, gone with it", async () => {
    const arn = activityArn('tagged-work');
    const made = await alice.sfn.send(new CreateActivityCommand({ name: 'tagged-work', tags: asList({ team: 'data' }) }));
    assert.equal(made.activityArn, arn);
    // A create of the same name answers the activity there; AWS ignores the repeat's tags.
    await alice.sfn.send(new CreateActivityCommand({ name: 'tagged-work', tags: asList({ other: 'x' }) }));
    assert.deepEqual(await listTags(arn), [{ key: 'team', value: 'data' }]);
    await alice.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList({ env: 'prod', team: 'ops' }) }));
    assert.deepEqual(await listTags(arn), sorted(asList({ team: 'ops', env: 'prod' })));
    await alice.sfn.send(new SfnUntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    assert.deepEqual(await listTags(arn), [{ key: 'env', value: 'prod' }]);

    for (const other of [arn, activityArn('tagged-work', accountIdOf('bob'))]) {
      assert.equal((await refusedBy(listTags(other, bob.sfn))).name, 'ResourceNotFound', other);
      await assert.rejects(
        bob.sfn.send(new SfnTagResourceCommand({ resourceArn: other, tags: asList({ owner: 'bob' }) })),
        (err: Error & { resourceName?: string }) => err.name === 'ResourceNotFound' && err.resourceName === other,
      );
    }
    const bad = await refusedBy(alice.sfn.send(new SfnTagResourceCommand({ resourceArn: arn, tags: asList({ 'aws:x': 'v' }) })));
    assert.equal(bad.name, 'ValidationException');

    await alice.sfn.send(new DeleteActivityCommand({ activityArn: arn }));
    assert.equal((await refusedBy(listTags(arn))).name, 'ResourceNotFound');
    await alice.sfn.send(new CreateActivityCommand({ name: 'tagged-work' }));
    assert.deepEqual(await listTags(arn), [], 'one created again of the same name starts untagged');

    await assert.rejects(
      alice.sfn.send(new CreateActivityCommand({ name: 'too-many', tags: asList(many(51)) })),
      (err: Error & { resourceName?: string }) => err.name === 'TooManyTags' && err.resourceName === activityArn('too-many'),
    );
    const invalid = await refusedBy(alice.sfn.send(new CreateActivityCommand({ name: 'invalid', tags: asList({ 'a#b': 'v' }) })));
    assert.equal(invalid.name, 'ValidationException');
    for (const name of ['too-many', 'invalid'])
      assert.equal((await refusedBy(listTags(activityArn(name)))).name, 'ResourceNotFound', 'a refused create makes nothing');
  });
});
