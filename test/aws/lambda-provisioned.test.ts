/**
 * Provisioned concurrency through the real AWS SDK (@aws-sdk/client-lambda) against a started
 * Hangar with sandboxed functions: a configuration on a published version or an alias becomes
 * READY with its instances started ahead (the first invocations are no cold start and see
 * AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency), one that dies is replaced, bad input
 * is answered in Lambda's error shape, and another user's function is not there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { accountIdOf } from '../../src/aws/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = NO_SANDBOX;
let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;

const client = (k: { keyId: string; key: string }) => lambdaClient(p.url!, k);

/** Each instance has an id of its own and counts its invocations; `die` ends its process. */
const CODE = makeZip({
  'index.js': `const id = Math.random().toString(36).slice(2);
let count = 0;
exports.handler = async (event) => {
  if (event.die) process.exit(1);
  count++;
  await new Promise((r) => setTimeout(r, event.waitMs ?? 0));
  return { id, count, initType: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };
};`,
});

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');
const log = (r: InvokeCommandOutput) => Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
const invoke = (c: LambdaClient, name: string, payload: unknown = {}) =>
  c.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));

async function refused(send: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await send;
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  assert.fail('the call was not refused');
}

const put = (c: LambdaClient, name: string, qualifier: string | undefined, n: number | undefined) =>
  c.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier, ProvisionedConcurrentExecutions: n }));
const get = (c: LambdaClient, name: string, qualifier: string) =>
  c.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier }));

before(async () => {
  if (skip) return;
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  alice = client(await key('alice'));
  bob = client(await key('bob'));
  await alice.send(
    new CreateFunctionCommand({
      FunctionName: 'warm',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: CODE },
    }),
  );
  await alice.send(new PublishVersionCommand({ FunctionName: 'warm' }));
  await alice.send(new CreateAliasCommand({ FunctionName: 'warm', Name: 'live', FunctionVersion: '1' }));
  await alice.send(new CreateAliasCommand({ FunctionName: 'warm', Name: 'edge', FunctionVersion: '$LATEST' }));
});
after(() => p?.close());

describe('Lambda provisioned concurrency through the AWS SDK', { skip }, () => {
  it('refuses $LATEST, no qualifier, bad counts and missing versions in Lambda’s error shape', async () => {
    for (const q of ['$LATEST', undefined, 'edge']) {
      const r = await refused(put(alice, 'warm', q, 1));
      assert.equal(r.name, 'InvalidParameterValueException');
      assert.equal(r.status, 400);
      assert.match(r.message, /Provisioned Concurrency Configs cannot be applied to unpublished function versions/);
    }
    for (const n of [0, -1, 101]) assert.equal((await refused(put(alice, 'warm', '1', n))).name, 'InvalidParameterValueException');
    assert.equal((await refused(put(alice, 'warm', '1', undefined))).status, 400);
    const missing = await refused(put(alice, 'warm', '9', 1));
    assert.deepEqual([missing.name, missing.status], ['ResourceNotFoundException', 404]);
    const none = await refused(get(alice, 'warm', '1'));
    assert.deepEqual([none.name, none.status], ['ProvisionedConcurrencyConfigNotFoundException', 404]);
  });

  it('keeps the instances of a version started: READY, and its first invocations are no cold start', async () => {
    const r = await put(alice, 'warm', '1', 2);
    assert.equal(r.RequestedProvisionedConcurrentExecutions, 2);
    assert.ok(r.LastModified && !Number.isNaN(Date.parse(r.LastModified)));
    let g = await get(alice, 'warm', '1');
    for (let i = 0; g.Status !== 'READY' && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 100));
      g = await get(alice, 'warm', '1');
    }
    assert.equal(g.Status, 'READY');
    assert.equal(g.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(g.AvailableProvisionedConcurrentExecutions, 2);
    // Two at once: each takes one of the two instances started ahead, neither is a cold start.
    const both = await Promise.all([invoke(alice, 'warm:1', { waitMs: 300 }), invoke(alice, 'warm:1', { waitMs: 300 })]);
    const out = both.map((b) => JSON.parse(text(b.Payload)));
    assert.notEqual(out[0].id, out[1].id);
    for (const [i, o] of out.entries()) {
      assert.deepEqual({ count: o.count, initType: o.initType }, { count: 1, initType: 'provisioned-concurrency' });
      assert.match(log(both[i]), /REPORT RequestId: /);
      assert.doesNotMatch(log(both[i]), /Init Duration/);
    }
    // $LATEST has no configuration: its first invocation is an on-demand cold start.
    const latest = await invoke(alice, 'warm');
    assert.equal(JSON.parse(text(latest.Payload)).initType, 'on-demand');
    assert.match(log(latest), /Init Duration/);
  });

  it('replaces an instance that dies', async () => {
    const died = await invoke(alice, 'warm:1', { die: true });
    assert.equal(died.FunctionError, 'Unhandled');
    const g = await get(alice, 'warm', '1');
    assert.equal(g.AllocatedProvisionedConcurrentExecutions, 1);
    assert.equal(g.Status, 'IN_PROGRESS');
    // A put (the same count) reconciles at once; the keeper's timer would within seconds.
    await put(alice, 'warm', '1', 2);
    const again = await get(alice, 'warm', '1');
    assert.equal(again.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(again.Status, 'READY');
  });

  it('takes an alias, counts it within the reserved concurrency, lists and deletes', async () => {
    await alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'warm', ReservedConcurrentExecutions: 3 }));
    const over = await refused(put(alice, 'warm', 'live', 2));
    assert.equal(over.name, 'InvalidParameterValueException');
    assert.match(over.message, /reservedConcurrentExecution/);
    await put(alice, 'warm', 'live', 1);
    const list = await alice.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'warm' }));
    const account = accountIdOf('alice');
    assert.deepEqual(
      list.ProvisionedConcurrencyConfigs?.map((c) => [c.FunctionArn, c.RequestedProvisionedConcurrentExecutions, c.Status]),
      [
        [`arn:aws:lambda:${REGION}:${account}:function:warm:1`, 2, 'READY'],
        [`arn:aws:lambda:${REGION}:${account}:function:warm:live`, 1, 'READY'],
      ],
    );
    await alice.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'warm', Qualifier: 'live' }));
    const gone = await refused(alice.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'warm', Qualifier: 'live' })));
    assert.deepEqual([gone.name, gone.status], ['ProvisionedConcurrencyConfigNotFoundException', 404]);
    const left = await alice.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'warm' }));
    assert.deepEqual(
      left.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn),
      [`arn:aws:lambda:${REGION}:${account}:function:warm:1`],
    );
  });

  it("refuses another user's function as not there", async () => {
    for (const send of [
      () => put(bob, 'warm', '1', 1),
      () => get(bob, 'warm', '1'),
      () => bob.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'warm' })),
      () => bob.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'warm', Qualifier: '1' })),
    ]) {
      const r = await refused(send());
      assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404]);
    }
    assert.equal((await get(alice, 'warm', '1')).RequestedProvisionedConcurrentExecutions, 2);
  });

  it('is the same configuration on the native API: listed, refused alike, deleted', async () => {
    const list = await p.inject({ method: 'GET', url: '/functions/warm/provisioned-concurrency?userId=alice' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().configs.map((c: Record<string, unknown>) => [c.qualifier, c.requested, c.allocated, c.status]),
      [['1', 2, 2, 'READY']],
    );
    const latest = await p.inject({
      method: 'PUT',
      url: '/functions/warm/provisioned-concurrency?userId=alice&qualifier=$LATEST',
      payload: { instances: 1 },
    });
    assert.equal(latest.statusCode, 400);
    assert.match(latest.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.match(latest.json().detail, /unpublished function versions/);
    const del = await p.inject({ method: 'DELETE', url: '/functions/warm/provisioned-concurrency?userId=alice&qualifier=1' });
    assert.equal(del.statusCode, 200);
    assert.equal((await refused(get(alice, 'warm', '1'))).name, 'ProvisionedConcurrencyConfigNotFoundException');
  });

  it('reports FAILED with the init error as its reason when the instances fail their init, on both APIs', async () => {
    await alice.send(
      new CreateFunctionCommand({
        FunctionName: 'broken',
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::123456789012:role/ignored',
        Handler: 'index.handler',
        Code: { ZipFile: makeZip({ 'index.js': "throw new Error('no settings at load');\nexports.handler = async () => 1;\n" }) },
      }),
    );
    await alice.send(new PublishVersionCommand({ FunctionName: 'broken' }));
    await put(alice, 'broken', '1', 1);
    let g = await get(alice, 'broken', '1');
    for (let i = 0; g.Status === 'IN_PROGRESS' && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 100));
      g = await get(alice, 'broken', '1');
    }
    assert.equal(g.Status, 'FAILED');
    assert.equal(g.AllocatedProvisionedConcurrentExecutions, 0);
    assert.match(g.StatusReason ?? '', /^The function's init failed: Error: no settings at load$/);
    const list = await alice.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'broken' }));
    assert.deepEqual(
      list.ProvisionedConcurrencyConfigs?.map((c) => [c.Status, c.StatusReason]),
      [['FAILED', g.StatusReason]],
    );
    const native = await p.inject({ method: 'GET', url: '/functions/broken/provisioned-concurrency?userId=alice' });
    assert.deepEqual(
      native.json().configs.map((c: Record<string, unknown>) => [c.qualifier, c.allocated, c.status, c.statusReason]),
      [['1', 0, 'FAILED', g.StatusReason]],
    );

    // Fixed code as version 2: its configuration starts, READY and without a reason.
    await alice.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'broken', ZipFile: makeZip({ 'index.js': 'exports.handler = async () => 1;\n' }) }),
    );
    await alice.send(new PublishVersionCommand({ FunctionName: 'broken' }));
    await put(alice, 'broken', '2', 1);
    let fixed = await get(alice, 'broken', '2');
    for (let i = 0; fixed.Status !== 'READY' && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 100));
      fixed = await get(alice, 'broken', '2');
    }
    assert.deepEqual([fixed.Status, fixed.StatusReason, fixed.AllocatedProvisionedConcurrentExecutions], ['READY', undefined, 1]);
    assert.equal((await get(alice, 'broken', '1')).Status, 'FAILED');
    for (const q of ['1', '2']) await alice.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'broken', Qualifier: q }));
  });
});
