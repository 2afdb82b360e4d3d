/**
 * Lambda functions packaged as container images (PackageType Image) through the real AWS SDK:
 * an OCI tarball holding a small runtime (the host's Node and its libraries, a bootstrap that
 * speaks the Runtime API over HTTP at AWS_LAMBDA_RUNTIME_API) is imported, a function made from
 * it by an ECR-style ImageUri, and invoked in the real sandbox: the image is its root, ENTRYPOINT
 * + CMD its process, ImageConfig overrides them; GetFunction's shape; refusals.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ImageStore } from '../../src/images/index.ts';
import { importFunctionImage } from '../helpers/function-image.ts';
import { lambdaClient, NO_SANDBOX, refusedBy } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

const ROLE = 'arn:aws:iam::123456789012:role/ignored';
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;
const work = mkdtempSync(join(tmpdir(), 'hangar-fnimage-'));

const invoke = async (c: LambdaClient, name: string) => {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"n":1}'), LogType: 'Tail' }));
  const text = Buffer.from(r.Payload ?? []).toString('utf8');
  assert.equal(r.FunctionError, undefined, text);
  return { seen: JSON.parse(text), log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8') };
};

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  alice = lambdaClient(p.url!, await key('alice'));
  bob = lambdaClient(p.url!, await key('bob'));
  await importFunctionImage(join(p.dir, 'images'), 'my-app', work);
});
after(async () => {
  await p.close();
  rmSync(work, { recursive: true, force: true });
});

describe('Lambda functions packaged as container images', { skip: NO_SANDBOX }, () => {
  it('runs ENTRYPOINT + CMD in the image as its root, with the image Env, Lambda’s variables and the function’s', async () => {
    const made = await alice.send(
      new CreateFunctionCommand({
        FunctionName: 'boxed',
        PackageType: 'Image',
        Role: ROLE,
        Code: { ImageUri: `${ECR}/team/my-app:v1` },
        Environment: { Variables: { MINE: 'function variable' } },
      }),
    );
    assert.equal(made.PackageType, 'Image');
    assert.equal(made.Runtime, undefined);
    assert.equal(made.Handler, undefined);
    assert.equal(made.CodeSize, 0);
    const { seen, log } = await invoke(alice, 'boxed');
    assert.equal(seen.handler, 'app.handler', '_HANDLER is the first CMD element');
    assert.deepEqual(seen.argv, ['app.handler'], 'the process is ENTRYPOINT + CMD');
    assert.equal(seen.cwd, '/var/task', "the image's WorkingDir");
    assert.equal(seen.greeting, 'hello from the image config');
    assert.equal(seen.mine, 'function variable');
    assert.equal(seen.functionName, 'boxed');
    assert.equal(seen.file, 'from the image\n', "the image's files are the root");
    assert.notEqual(seen.uid, 0, 'the sandbox uid, not root');
    assert.deepEqual(seen.event, { n: 1 });
    assert.match(log, /Init Duration: [\d.]+ ms/, 'a cold start is measured');

    const got = await alice.send(new GetFunctionCommand({ FunctionName: 'boxed' }));
    assert.equal(got.Configuration?.PackageType, 'Image');
    assert.equal(got.Code?.RepositoryType, 'ECR');
    assert.equal(got.Code?.ImageUri, `${ECR}/team/my-app:v1`);
    assert.match(got.Code?.ResolvedImageUri ?? '', new RegExp(`^${ECR}/team/my-app@sha256:[0-9a-f]{64}$`));
    assert.equal(got.Configuration?.ImageConfigResponse, undefined, 'no overrides');
    const native = (await p.inject({ method: 'GET', url: '/functions/boxed?userId=alice' })).json();
    assert.deepEqual(native.image, { uri: `${ECR}/team/my-app:v1`, name: 'my-app' }, 'the native API shows the image too');
  });

  it('applies ImageConfig over the image: EntryPoint, Command, WorkingDirectory; UpdateFunctionCode takes an ImageUri', async () => {
    await alice.send(
      new CreateFunctionCommand({
        FunctionName: 'overridden',
        PackageType: 'Image',
        Role: ROLE,
        Code: { ImageUri: 'hangar.local/my-app' },
        ImageConfig: { Command: ['other.handler', 'extra'], WorkingDirectory: '/srv' },
      }),
    );
    let { seen } = await invoke(alice, 'overridden');
    assert.equal(seen.handler, 'other.handler');
    assert.deepEqual(seen.argv, ['other.handler', 'extra']);
    assert.equal(seen.cwd, '/srv');
    const got = await alice.send(new GetFunctionCommand({ FunctionName: 'overridden' }));
    assert.deepEqual(got.Configuration?.ImageConfigResponse?.ImageConfig, {
      Command: ['other.handler', 'extra'],
      WorkingDirectory: '/srv',
    });

    await alice.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'overridden',
        ImageConfig: { EntryPoint: ['/usr/bin/node', '/var/runtime/bootstrap.mjs', 'from-entrypoint'] },
      }),
    );
    ({ seen } = await invoke(alice, 'overridden'));
    assert.deepEqual(seen.argv, ['from-entrypoint', 'app.handler'], 'the new EntryPoint, the image CMD again');
    assert.equal(seen.cwd, '/var/task');

    const updated = await alice.send(new UpdateFunctionCodeCommand({ FunctionName: 'overridden', ImageUri: `${ECR}/my-app:v2` }));
    assert.equal(updated.PackageType, 'Image');
    assert.equal((await alice.send(new GetFunctionCommand({ FunctionName: 'overridden' }))).Code?.ImageUri, `${ECR}/my-app:v2`);
  });

  it('refuses what Lambda refuses with PackageType Image, and an ImageUri naming no imported image', async () => {
    const create = (over: Record<string, unknown>) =>
      refusedBy(
        alice.send(
          new CreateFunctionCommand({
            FunctionName: 'nope',
            PackageType: 'Image',
            Role: ROLE,
            Code: { ImageUri: `${ECR}/my-app:v1` },
            ...over,
          }),
        ),
      );
    for (const over of [
      { Runtime: 'nodejs22.x' },
      { Handler: 'index.handler' },
      { Code: { ImageUri: `${ECR}/not-imported:v1` } },
      { Code: {} },
    ]) {
      const r = await create(over);
      assert.equal(r.name, 'InvalidParameterValueException', JSON.stringify(over));
      assert.equal(r.status, 400);
    }
    assert.match((await create({ Code: { ImageUri: `${ECR}/not-imported:v1` } })).message, /does not exist/);
    const zipCode = await refusedBy(alice.send(new UpdateFunctionCodeCommand({ FunctionName: 'boxed', ZipFile: Buffer.from('PK') })));
    assert.equal(zipCode.status, 400);
  });

  it("is the owner's: another user's call finds no such function", async () => {
    const r = await refusedBy(bob.send(new InvokeCommand({ FunctionName: 'boxed', Payload: Buffer.from('{}') })));
    assert.equal(r.name, 'ResourceNotFoundException');
    const g = await refusedBy(bob.send(new GetFunctionCommand({ FunctionName: 'boxed' })));
    assert.equal(g.name, 'ResourceNotFoundException');
  });

  it('answers at once, naming the image, when the host that runs an invocation lacks it', async () => {
    await alice.send(
      new CreateFunctionCommand({ FunctionName: 'orphan', PackageType: 'Image', Role: ROLE, Code: { ImageUri: 'hangar.local/my-app' } }),
    );
    const images = new ImageStore(join(p.dir, 'images'));
    const layer = join(work, 'spare');
    mkdirSync(layer);
    await images.importDir('spare', layer);
    await alice.send(new UpdateFunctionCodeCommand({ FunctionName: 'orphan', ImageUri: 'hangar.local/spare' }));
    await images.remove('spare');
    const r = await refusedBy(alice.send(new InvokeCommand({ FunctionName: 'orphan', Payload: Buffer.from('{}') })));
    assert.equal(r.status, 400);
    assert.match(r.message, /'spare', which is not imported on the host/);
  });
});
