/**
 * Another account invoking a function through the real AWS SDK (@aws-sdk/client-lambda), as
 * Lambda's cross-account access: refused as a function not there until its owner's policy
 * names the caller's account (AddPermission), then Invoke by ARN or partial ARN runs it as the
 * owner's function (RequestResponse, Event, DryRun), the caller kept in the invocation's record;
 * a grant on an alias opens that alias's ARN alone; RemovePermission closes it again. GetFunction
 * with a grant of lambda:GetFunction answers the owner's configuration (no environment, no tags)
 * and a presigned Code.Location the caller downloads without a key. Runs on the scale-out shape
 * too (lambda-cross-account.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandInput,
  type LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import { createHash } from 'node:crypto';
import { accountIdOf } from '../../src/aws/index.ts';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;
let aliceKey: string;
let bobKey: string;
const ALICE = accountIdOf('alice');
const BOB = accountIdOf('bob');
const arnOf = (name: string, qualifier?: string) => `arn:aws:lambda:${REGION}:${ALICE}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

/** Says whose function ran (its environment is its owner's) and as which ARN. */
const CODE = makeZip({
  'index.js': `exports.handler = async (event, context) => ({ owner: process.env.OWNER, event, arn: context.invokedFunctionArn });`,
});

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  const a = await key('alice');
  aliceKey = a.key;
  alice = lambdaClient(p.url!, a);
  const b = await key('bob');
  bobKey = b.key;
  bob = lambdaClient(p.url!, b);
});
after(() => p?.close());

const create = (name: string, over: { Tags?: Record<string, string> } = {}) =>
  alice.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: CODE },
      Environment: { Variables: { OWNER: 'alice' } },
      ...over,
    }),
  );

const grant = (name: string, sid: string, over: { Action?: string; Qualifier?: string; Principal?: string } = {}) =>
  alice.send(new AddPermissionCommand({ FunctionName: name, StatementId: sid, Action: 'lambda:InvokeFunction', Principal: BOB, ...over }));

const invoke = (c: LambdaClient, input: InvokeCommandInput) => c.send(new InvokeCommand({ Payload: Buffer.from('{"n":1}'), ...input }));
const result = (out: { Payload?: Uint8Array }) => JSON.parse(Buffer.from(out.Payload!).toString('utf8'));

async function refused(promise: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  assert.fail('the call was not refused');
}

/** Alice's records of the function's invocations (the native API), once `n` are written. */
async function records(name: string, n: number): Promise<{ requestId: string; invocationType: string; callerAccountId: string | null }[]> {
  for (let tries = 0; ; tries++) {
    const r = await p.inject({ method: 'GET', url: `/functions/${name}/invocations`, auth: aliceKey });
    const list = r.json().invocations;
    if (list.length >= n || tries === 400) return list;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('another account invoking a function through the AWS SDK', { skip: NO_SANDBOX }, () => {
  it("refuses bob alice's function until her policy names his account, then runs it as hers", async () => {
    await create('shared');
    const notFound = ['ResourceNotFoundException', 404];
    for (const name of [arnOf('shared'), `${ALICE}:function:shared`]) {
      const r = await refused(invoke(bob, { FunctionName: name }));
      assert.deepEqual([r.name, r.status], notFound, name);
    }
    // A statement for another account, or another action, is nothing to bob.
    await grant('shared', 'someone-else', { Principal: '333333333333' });
    assert.deepEqual(Object.values(await refused(invoke(bob, { FunctionName: arnOf('shared') }))).slice(0, 2), notFound);

    await grant('shared', 'bob', { Principal: `arn:aws:iam::${BOB}:root` });
    for (const name of [arnOf('shared'), `${ALICE}:function:shared`]) {
      const out = await invoke(bob, { FunctionName: name });
      assert.equal(out.StatusCode, 200);
      assert.equal(out.ExecutedVersion, '$LATEST');
      assert.deepEqual(result(out), { owner: 'alice', event: { n: 1 }, arn: arnOf('shared') });
    }
    const dry = await invoke(bob, { FunctionName: arnOf('shared'), InvocationType: 'DryRun' });
    assert.equal(dry.StatusCode, 204);
    const queued = await invoke(bob, { FunctionName: arnOf('shared'), InvocationType: 'Event' });
    assert.equal(queued.StatusCode, 202);
    // Alice's own invocation beside bob's: her records name bob's account on his alone.
    await invoke(alice, { FunctionName: 'shared' });
    const kept = await records('shared', 4);
    const byBob = kept.filter((r) => r.callerAccountId === BOB);
    assert.deepEqual(byBob.map((r) => r.invocationType).sort(), ['Event', 'RequestResponse', 'RequestResponse']);
    assert.equal(kept.filter((r) => r.callerAccountId === null).length, 1);
    // Bob sees none of it: the records are alice's.
    const his = await p.inject({ method: 'GET', url: '/functions/shared/invocations', auth: bobKey });
    assert.equal(his.statusCode, 404);

    // RemovePermission takes it away again.
    await alice.send(new RemovePermissionCommand({ FunctionName: 'shared', StatementId: 'bob' }));
    assert.deepEqual(Object.values(await refused(invoke(bob, { FunctionName: arnOf('shared') }))).slice(0, 2), notFound);
  });

  it("a grant on an alias opens that alias's ARN only", async () => {
    await create('staged');
    await alice.send(new PublishVersionCommand({ FunctionName: 'staged' }));
    await alice.send(new CreateAliasCommand({ FunctionName: 'staged', Name: 'prod', FunctionVersion: '1' }));
    await grant('staged', 'bob-prod', { Qualifier: 'prod' });
    const out = await invoke(bob, { FunctionName: arnOf('staged', 'prod') });
    assert.equal(out.ExecutedVersion, '1');
    assert.equal(result(out).arn, arnOf('staged', 'prod'));
    assert.equal((await invoke(bob, { FunctionName: arnOf('staged'), Qualifier: 'prod' })).StatusCode, 200);
    for (const [name, qualifier] of [[arnOf('staged')], [arnOf('staged', '1')], [arnOf('staged', '$LATEST')], [arnOf('staged'), '1']]) {
      const r = await refused(invoke(bob, { FunctionName: name, Qualifier: qualifier }));
      assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404], `${name} ${qualifier}`);
    }
  });

  it("answers Lambda's AccessDeniedException when a statement names bob but does not allow Invoke", async () => {
    await create('readable');
    await grant('readable', 'bob-read', { Action: 'lambda:GetFunction' });
    const r = await refused(invoke(bob, { FunctionName: arnOf('readable') }));
    assert.deepEqual(
      [r.name, r.status, r.message],
      [
        'AccessDeniedException',
        403,
        `User: arn:aws:iam::${BOB}:root is not authorized to perform: lambda:InvokeFunction on resource: ${arnOf('readable')} because no resource-based policy allows the lambda:InvokeFunction action`,
      ],
    );
    // GetFunction is not GetFunctionConfiguration.
    const config = () => bob.send(new GetFunctionConfigurationCommand({ FunctionName: arnOf('readable') }));
    assert.equal((await refused(config())).name, 'AccessDeniedException');
    // lambda:* allows both.
    await grant('readable', 'bob-all', { Action: 'lambda:*' });
    assert.equal(result(await invoke(bob, { FunctionName: arnOf('readable') })).owner, 'alice');
    const seen = await config();
    assert.equal(seen.FunctionArn, arnOf('readable'));
    assert.equal(seen.Handler, 'index.handler');
    assert.equal(seen.Environment, undefined, "the owner's environment stays theirs");
    assert.deepEqual((await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'readable' }))).Environment?.Variables, {
      OWNER: 'alice',
    });
  });

  it("answers GetFunctionConfiguration of alice's function as not found without a grant", async () => {
    await create('unshared');
    const r = await refused(bob.send(new GetFunctionConfigurationCommand({ FunctionName: arnOf('unshared') })));
    assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404]);
  });
});

describe("another account reading a function's code through the AWS SDK", () => {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

  it('answers GetFunction by ARN with a grant of lambda:GetFunction, its presigned Code.Location opening without a key', async () => {
    await create('downloadable', { Tags: { team: 'a' } });
    await alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'downloadable', ReservedConcurrentExecutions: 3 }));
    const get = (name: string, qualifier?: string) => bob.send(new GetFunctionCommand({ FunctionName: name, Qualifier: qualifier }));
    // Nothing for bob in the policy: not there.
    const unknown = await refused(get(arnOf('downloadable')));
    assert.deepEqual([unknown.name, unknown.status], ['ResourceNotFoundException', 404]);
    // A statement for bob, of another action: denied, as GetFunctionConfiguration's.
    await grant('downloadable', 'bob-config', { Action: 'lambda:GetFunctionConfiguration' });
    const denied = await refused(get(arnOf('downloadable')));
    assert.deepEqual(
      [denied.name, denied.status, denied.message],
      [
        'AccessDeniedException',
        403,
        `User: arn:aws:iam::${BOB}:root is not authorized to perform: lambda:GetFunction on resource: ${arnOf('downloadable')} because no resource-based policy allows the lambda:GetFunction action`,
      ],
    );

    await grant('downloadable', 'bob-get', { Action: 'lambda:GetFunction' });
    for (const name of [arnOf('downloadable'), `${ALICE}:function:downloadable`]) {
      const got = await get(name);
      assert.equal(got.Configuration?.FunctionArn, arnOf('downloadable'));
      assert.equal(got.Configuration?.Handler, 'index.handler');
      assert.equal(got.Configuration?.CodeSha256, sha(CODE));
      assert.equal(got.Configuration?.Environment, undefined, "the owner's environment stays theirs");
      assert.equal(got.Tags, undefined, 'tags only for a caller allowed ListTags');
      assert.equal(got.Concurrency, undefined, "the owner's reservation is read with GetFunctionConcurrency, theirs alone");
      // Presigned for alice's code: bob (or anyone he gives it to) downloads it without a key.
      const download = await fetch(got.Code!.Location!);
      assert.equal(download.status, 200);
      assert.equal(sha(Buffer.from(await download.arrayBuffer())), got.Configuration?.CodeSha256);
    }
    // Alice's own GetFunction keeps her tags and environment.
    const own = await alice.send(new GetFunctionCommand({ FunctionName: 'downloadable' }));
    assert.deepEqual(own.Tags, { team: 'a' });
    assert.deepEqual(own.Concurrency, { ReservedConcurrentExecutions: 3 });
    assert.deepEqual(own.Configuration?.Environment?.Variables, { OWNER: 'alice' });

    // The function's grant does not reach a version's ARN; a grant on the version does.
    await alice.send(new PublishVersionCommand({ FunctionName: 'downloadable' }));
    assert.equal((await refused(get(arnOf('downloadable', '1')))).name, 'ResourceNotFoundException');
    await grant('downloadable', 'bob-get-1', { Action: 'lambda:GetFunction', Qualifier: '1' });
    const v1 = await get(arnOf('downloadable', '1'));
    assert.equal(v1.Configuration?.Version, '1');
    assert.match(
      v1.Code!.Location!,
      /\/functions\/downloadable\/code\?qualifier=1&userId=alice&sha256=[0-9a-f]{64}&expires=\d+&signature=[0-9a-f]{64}$/,
    );
    assert.deepEqual(Buffer.from(await (await fetch(v1.Code!.Location!)).arrayBuffer()), CODE);

    // Taken back: refused again.
    await alice.send(new RemovePermissionCommand({ FunctionName: 'downloadable', StatementId: 'bob-get' }));
    assert.equal((await refused(get(arnOf('downloadable')))).name, 'AccessDeniedException');
  });
});
