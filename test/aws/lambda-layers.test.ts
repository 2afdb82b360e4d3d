/**
 * Lambda layers through the real AWS SDK (@aws-sdk/client-lambda) against a started Hangar:
 * publishing, reading, listing and deleting layer versions, functions naming them (Layers), and
 * handlers written for AWS finding their layers' content at /opt as on Lambda (Node's
 * node_modules, Python's python/, bin/ on PATH), later layers over earlier ones. Runs on the
 * embedded shape, and on PostgreSQL + S3 with HANGAR_TEST_SHAPE=scale-out
 * (lambda-layers.scale-out.test.ts). Invocations are skipped, with the reason, where the host
 * cannot sandbox.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  InvokeCommand,
  type LambdaClient,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DOWNLOAD_KEY_PURPOSE } from '../../src/app/index.ts';
import { accountIdOf } from '../../src/aws/index.ts';
import { signDownload } from '../../src/core/index.ts';
import { zipEntries } from '../../src/functions/zip.ts';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;
let carol: LambdaClient;
let bobKey: string;

/** Alice's grant of a version to bob's account, as Lambda's guide shows it. */
const BOB_GRANT = { StatementId: 'xaccount', Action: 'lambda:GetLayerVersion', Principal: accountIdOf('bob') };

const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const layerArn = (user: string, name: string, version?: number) =>
  `arn:aws:lambda:${REGION}:${accountIdOf(user)}:layer:${name}${version === undefined ? '' : `:${version}`}`;

async function refused(run: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await run;
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  assert.fail('the call was not refused');
}

const publish = (c: LambdaClient, name: string, zip: Buffer, over: Record<string, unknown> = {}) =>
  c.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip }, ...over }));

const createFn = (c: LambdaClient, name: string, files: Record<string, string>, over: Record<string, unknown> = {}) =>
  c.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: makeZip(files) },
      MemorySize: 256,
      ...over,
    }),
  );

const invoke = async (c: LambdaClient, name: string) => {
  const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
  const text = Buffer.from(r.Payload ?? []).toString('utf8');
  assert.equal(r.FunctionError, undefined, text);
  return JSON.parse(text);
};

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  alice = lambdaClient(p.url!, await key('alice'));
  const b = await key('bob');
  bobKey = b.key;
  bob = lambdaClient(p.url!, b);
  carol = lambdaClient(p.url!, await key('carol'));
});
after(() => p.close());

describe('Lambda layers through the AWS SDK', () => {
  it('publishes numbered versions, reads them by name and by ARN, lists the latest of each layer, deletes', async () => {
    const zip1 = makeZip({ 'nodejs/node_modules/util-a/index.js': 'module.exports = 1;' });
    const zip2 = makeZip({ 'nodejs/node_modules/util-a/index.js': 'module.exports = 2;' });
    const v1 = await publish(alice, 'util-a', zip1, {
      Description: 'first',
      CompatibleRuntimes: ['nodejs22.x', 'python3.12'],
      CompatibleArchitectures: ['x86_64'],
      LicenseInfo: 'MIT',
    });
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, 1);
    assert.equal(v1.LayerArn, layerArn('alice', 'util-a'));
    assert.equal(v1.LayerVersionArn, layerArn('alice', 'util-a', 1));
    assert.equal(v1.Content?.CodeSha256, sha(zip1));
    assert.equal(v1.Content?.CodeSize, zip1.length);
    assert.equal(v1.Description, 'first');
    assert.deepEqual(v1.CompatibleRuntimes, ['nodejs22.x', 'python3.12']);
    assert.deepEqual(v1.CompatibleArchitectures, ['x86_64']);
    assert.equal(v1.LicenseInfo, 'MIT');
    assert.match(v1.CreatedDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const v2 = await publish(alice, 'util-a', zip2, { CompatibleRuntimes: ['python3.12'] });
    assert.equal(v2.Version, 2);
    await publish(alice, 'util-b', zip1, { CompatibleRuntimes: ['nodejs22.x'] });

    const got = await alice.send(new GetLayerVersionCommand({ LayerName: 'util-a', VersionNumber: 1 }));
    assert.equal(got.LayerVersionArn, v1.LayerVersionArn);
    assert.equal(got.Content?.CodeSha256, sha(zip1));
    // Content.Location is presigned, as Lambda's S3 URL: a plain fetch, no key, gets the zip.
    for (const [answer, zip] of [
      [got, zip1],
      [v2, zip2],
    ] as const) {
      const url = answer.Content!.Location!;
      assert.match(
        url,
        new RegExp(`^${p.url}/layers/util-a/versions/${answer.Version}/content\\?userId=alice&expires=\\d+&signature=[0-9a-f]{64}$`),
      );
      const download = await fetch(url);
      assert.equal(download.status, 200);
      const bytes = Buffer.from(await download.arrayBuffer());
      assert.deepEqual(bytes, zip);
      assert.equal(sha(bytes), answer.Content?.CodeSha256);
    }
    // Version 1's signature does not open version 2, nor another layer's version 1; an expired
    // one (signed with the platform's key) opens nothing.
    const forbidden = async (url: string, why: string) => assert.equal((await fetch(url)).status, 403, why);
    const location = got.Content!.Location!;
    await forbidden(location.replace('/versions/1/', '/versions/2/'), "another version's");
    await forbidden(location.replace('/layers/util-a/', '/layers/util-b/'), "another layer's");
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = new URL(location);
    expired.searchParams.set('expires', String(past));
    const subject = { kind: 'layer' as const, userId: 'alice', name: 'util-a', version: 1 };
    expired.searchParams.set('signature', signDownload(p.secrets.derive(DOWNLOAD_KEY_PURPOSE), subject, past));
    await forbidden(expired.href, 'expired');
    // A function's signature is not a layer's, even for the same owner, name and number.
    const asCode = new URL(location);
    const codeSubject = { kind: 'function' as const, userId: 'alice', name: 'util-a', qualifier: '1', sha256: sha(zip1) };
    asCode.searchParams.set(
      'signature',
      signDownload(p.secrets.derive(DOWNLOAD_KEY_PURPOSE), codeSubject, Number(asCode.searchParams.get('expires'))),
    );
    await forbidden(asCode.href, "a function's");
    const byLayerArn = await alice.send(new GetLayerVersionCommand({ LayerName: layerArn('alice', 'util-a'), VersionNumber: 2 }));
    assert.equal(byLayerArn.Version, 2);
    const byArn = await alice.send(new GetLayerVersionByArnCommand({ Arn: v2.LayerVersionArn }));
    assert.equal(byArn.Version, 2);
    assert.equal(byArn.Content?.CodeSha256, sha(zip2));

    const all = await alice.send(new ListLayersCommand({}));
    assert.deepEqual(
      all.Layers?.map((l) => [l.LayerName, l.LayerArn, l.LatestMatchingVersion?.Version]),
      [
        ['util-a', layerArn('alice', 'util-a'), 2],
        ['util-b', layerArn('alice', 'util-b'), 1],
      ],
    );
    // The latest version that declares the runtime: util-a's 2 does not.
    const node = await alice.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs22.x' }));
    assert.deepEqual(
      node.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]),
      [
        ['util-a', 1],
        ['util-b', 1],
      ],
    );
    const paged = await alice.send(new ListLayersCommand({ MaxItems: 1 }));
    assert.equal(paged.Layers?.length, 1);
    const rest = await alice.send(new ListLayersCommand({ MaxItems: 1, Marker: paged.NextMarker }));
    assert.equal(rest.Layers?.[0].LayerName, 'util-b');
    assert.equal(rest.NextMarker, undefined);
    const versions = await alice.send(new ListLayerVersionsCommand({ LayerName: 'util-a' }));
    assert.deepEqual(
      versions.LayerVersions?.map((v) => [v.Version, v.LayerVersionArn]),
      [
        [2, layerArn('alice', 'util-a', 2)],
        [1, layerArn('alice', 'util-a', 1)],
      ],
    );

    // Deleted: gone from reads, its number never given again; deleting again is no error.
    await alice.send(new DeleteLayerVersionCommand({ LayerName: 'util-a', VersionNumber: 2 }));
    await alice.send(new DeleteLayerVersionCommand({ LayerName: 'util-a', VersionNumber: 2 }));
    const gone = await refused(alice.send(new GetLayerVersionCommand({ LayerName: 'util-a', VersionNumber: 2 })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal(gone.status, 404);
    assert.equal((await publish(alice, 'util-a', zip2)).Version, 3);
  });

  it("keeps users apart: another user's layer is not bob's by name, and refused by ARN until shared", async () => {
    const zip = makeZip({ 'python/secret_lib.py': 'X = 1' });
    const v = await publish(alice, 'private-lib', zip);
    assert.equal(
      (await refused(bob.send(new GetLayerVersionCommand({ LayerName: 'private-lib', VersionNumber: 1 })))).name,
      'ResourceNotFoundException',
    );
    assert.equal((await refused(bob.send(new GetLayerVersionByArnCommand({ Arn: v.LayerVersionArn })))).name, 'AccessDeniedException');
    const byAliceArn = await refused(
      bob.send(new GetLayerVersionCommand({ LayerName: layerArn('alice', 'private-lib'), VersionNumber: 1 })),
    );
    assert.equal(byAliceArn.name, 'AccessDeniedException');
    assert.equal(byAliceArn.status, 403);
    assert.match(byAliceArn.message, new RegExp(`not authorized to perform: lambda:GetLayerVersion on resource: ${v.LayerVersionArn}`));
    // A version that does not exist is refused alike: nothing tells bob what alice has.
    const noSuch = await refused(bob.send(new GetLayerVersionByArnCommand({ Arn: layerArn('alice', 'private-lib', 7) })));
    assert.equal(noSuch.name, 'AccessDeniedException');
    assert.deepEqual((await bob.send(new ListLayersCommand({}))).Layers, []);
    // Nor can bob's function use it.
    const refusedFn = await refused(
      createFn(bob, 'uses-alice', { 'index.js': 'exports.handler = async () => 1;' }, { Layers: [v.LayerVersionArn] }),
    );
    assert.equal(refusedFn.name, 'AccessDeniedException');
    assert.equal(refusedFn.status, 403);
    // Nor change its policy.
    const grantByBob = await refused(
      bob.send(
        new AddLayerVersionPermissionCommand({
          LayerName: layerArn('alice', 'private-lib'),
          VersionNumber: 1,
          StatementId: 'me',
          Action: 'lambda:GetLayerVersion',
          Principal: '*',
        }),
      ),
    );
    assert.equal(grantByBob.name, 'ResourceNotFoundException');
  });

  it("keeps a version's policy: AddLayerVersionPermission, GetLayerVersionPolicy, RemoveLayerVersionPermission, with Lambda's errors", async () => {
    const v = await publish(alice, 'shared-lib', makeZip({ 'bin/x': 'x' }));
    const none = await refused(alice.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared-lib', VersionNumber: 1 })));
    assert.equal(none.name, 'ResourceNotFoundException');
    const added = await alice.send(new AddLayerVersionPermissionCommand({ ...BOB_GRANT, LayerName: 'shared-lib', VersionNumber: 1 }));
    assert.deepEqual(JSON.parse(added.Statement!), {
      Sid: 'xaccount',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${accountIdOf('bob')}:root` },
      Action: 'lambda:GetLayerVersion',
      Resource: v.LayerVersionArn,
    });
    const everyone = await alice.send(
      new AddLayerVersionPermissionCommand({
        ...BOB_GRANT,
        LayerName: layerArn('alice', 'shared-lib'),
        VersionNumber: 1,
        StatementId: 'public',
        Principal: '*',
        RevisionId: added.RevisionId,
      }),
    );
    const policy = await alice.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared-lib', VersionNumber: 1 }));
    assert.equal(policy.RevisionId, everyone.RevisionId);
    const doc = JSON.parse(policy.Policy!);
    assert.equal(doc.Version, '2012-10-17');
    assert.deepEqual(
      doc.Statement.map((s: { Sid: string; Principal: unknown }) => [s.Sid, s.Principal]),
      [
        ['xaccount', { AWS: `arn:aws:iam::${accountIdOf('bob')}:root` }],
        ['public', '*'],
      ],
    );

    const add = (over: Record<string, unknown>) =>
      refused(alice.send(new AddLayerVersionPermissionCommand({ ...BOB_GRANT, LayerName: 'shared-lib', VersionNumber: 1, ...over })));
    assert.equal((await add({})).name, 'ResourceConflictException');
    assert.equal((await add({ StatementId: 'other', RevisionId: added.RevisionId })).name, 'PreconditionFailedException');
    assert.equal((await add({ StatementId: 'with.dot' })).name, 'InvalidParameterValueException');
    assert.equal((await add({ StatementId: 'x', Action: 'lambda:InvokeFunction' })).name, 'InvalidParameterValueException');
    assert.equal((await add({ StatementId: 'x', Principal: 'events.amazonaws.com' })).name, 'InvalidParameterValueException');
    const org = await add({ StatementId: 'x', Principal: '*', OrganizationId: 'o-abcdefghij' });
    assert.equal(org.name, 'InvalidParameterValueException');
    assert.match(org.message, /OrganizationId is not supported/);
    assert.equal((await add({ StatementId: 'x', VersionNumber: 9 })).name, 'ResourceNotFoundException');

    const remove = (sid: string, revisionId?: string) =>
      alice.send(
        new RemoveLayerVersionPermissionCommand({ LayerName: 'shared-lib', VersionNumber: 1, StatementId: sid, RevisionId: revisionId }),
      );
    assert.equal((await refused(remove('nope'))).name, 'ResourceNotFoundException');
    assert.equal((await refused(remove('no.dots'))).name, 'InvalidParameterValueException');
    assert.equal((await refused(remove('public', added.RevisionId))).name, 'PreconditionFailedException');
    await remove('public', everyone.RevisionId);
    await remove('xaccount');
    assert.equal(
      (await refused(alice.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared-lib', VersionNumber: 1 })))).name,
      'ResourceNotFoundException',
    );
  });

  it('lets another account read and use a version its policy grants it (or everyone), that version only, until taken back', async () => {
    const zip = makeZip({ 'nodejs/node_modules/granted/index.js': 'module.exports = "granted";' });
    const v1 = await publish(alice, 'granted-lib', zip, { Description: 'for bob' });
    const v2 = await publish(alice, 'granted-lib', zip);
    await alice.send(new AddLayerVersionPermissionCommand({ ...BOB_GRANT, LayerName: 'granted-lib', VersionNumber: 1 }));

    const read = await bob.send(new GetLayerVersionByArnCommand({ Arn: v1.LayerVersionArn }));
    assert.equal(read.LayerVersionArn, v1.LayerVersionArn);
    assert.equal(read.LayerArn, layerArn('alice', 'granted-lib'));
    assert.equal(read.Description, 'for bob');
    assert.equal(read.Content?.CodeSha256, sha(zip));
    // Content.Location is presigned: bob downloads alice's zip without a key.
    const download = await fetch(read.Content!.Location!);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), zip);
    // The native download, unsigned, opens with bob's key while the grant lasts.
    const native = `${p.url}/layers/granted-lib/versions/1/content?userId=alice`;
    assert.equal((await fetch(native, { headers: { authorization: `Bearer ${bobKey}` } })).status, 200);
    const byName = await bob.send(new GetLayerVersionCommand({ LayerName: layerArn('alice', 'granted-lib'), VersionNumber: 1 }));
    assert.equal(byName.LayerVersionArn, v1.LayerVersionArn);
    // A grant is one version's: version 2 stays alice's alone.
    assert.equal((await refused(bob.send(new GetLayerVersionByArnCommand({ Arn: v2.LayerVersionArn })))).name, 'AccessDeniedException');
    // Nor does a grant to bob let anyone else in (a third account).
    assert.equal((await refused(carol.send(new GetLayerVersionByArnCommand({ Arn: v1.LayerVersionArn })))).name, 'AccessDeniedException');
    // Listing is of one's own layers only.
    assert.deepEqual((await bob.send(new ListLayersCommand({}))).Layers, []);

    const fn = await createFn(
      bob,
      'bob-uses-granted',
      { 'index.js': "exports.handler = async () => require('granted');" },
      {
        Layers: [v1.LayerVersionArn],
      },
    );
    assert.deepEqual(fn.Layers, [{ Arn: v1.LayerVersionArn, CodeSize: zip.length }]);

    // Taken back: bob can no longer read it or add it to a function; bob's function keeps it.
    await alice.send(new RemoveLayerVersionPermissionCommand({ LayerName: 'granted-lib', VersionNumber: 1, StatementId: 'xaccount' }));
    assert.equal((await refused(bob.send(new GetLayerVersionByArnCommand({ Arn: v1.LayerVersionArn })))).name, 'AccessDeniedException');
    assert.equal((await fetch(native, { headers: { authorization: `Bearer ${bobKey}` } })).status, 403);
    const late = await refused(
      createFn(bob, 'bob-too-late', { 'index.js': 'exports.handler = async () => 1;' }, { Layers: [v1.LayerVersionArn] }),
    );
    assert.equal(late.name, 'AccessDeniedException');
    assert.deepEqual((await bob.send(new GetFunctionConfigurationCommand({ FunctionName: 'bob-uses-granted' }))).Layers, fn.Layers);

    // `*`: every account.
    await alice.send(
      new AddLayerVersionPermissionCommand({
        ...BOB_GRANT,
        LayerName: 'granted-lib',
        VersionNumber: 2,
        StatementId: 'all',
        Principal: '*',
      }),
    );
    assert.equal((await carol.send(new GetLayerVersionByArnCommand({ Arn: v2.LayerVersionArn }))).Version, 2);
  });

  it("refuses bad names, ARNs, content and more than five layers with Lambda's errors", async () => {
    const zip = makeZip({ 'bin/x': 'x' });
    const badName = await refused(publish(alice, 'bad name!', zip));
    assert.equal(badName.name, 'InvalidParameterValueException');
    const notZip = await refused(publish(alice, 'lib', Buffer.from('not a zip')));
    assert.equal(notZip.name, 'InvalidParameterValueException');
    const badArn = await refused(alice.send(new GetLayerVersionByArnCommand({ Arn: 'arn:aws:lambda:us-east-1:123:layer:x' })));
    assert.equal(badArn.name, 'InvalidParameterValueException');
    const badRuntime = await refused(publish(alice, 'lib', zip, { CompatibleArchitectures: ['sparc'] }));
    assert.equal(badRuntime.name, 'InvalidParameterValueException');
    // Lambda's 250 MB unzipped, refused at publish (a few hundred KB deflated).
    const huge = zipEntries([{ name: 'big.bin', data: Buffer.alloc(251 * 1024 * 1024) }], { deflate: true });
    const tooBig = await refused(publish(alice, 'huge', huge));
    assert.equal(tooBig.name, 'InvalidParameterValueException');
    assert.match(tooBig.message, /unzips to \d+ bytes; at most 262144000/);

    const arns: string[] = [];
    for (const n of ['l1', 'l2', 'l3', 'l4', 'l5', 'l6']) arns.push((await publish(alice, n, zip)).LayerVersionArn!);
    const fn = { 'index.js': 'exports.handler = async () => 1;' };
    const six = await refused(createFn(alice, 'too-many', fn, { Layers: arns }));
    assert.equal(six.name, 'InvalidParameterValueException');
    assert.match(six.message, /at most 5 layers/);
    const l1v2 = await publish(alice, 'l1', zip);
    const twice = await refused(createFn(alice, 'twice', fn, { Layers: [arns[0], l1v2.LayerVersionArn] }));
    assert.equal(twice.name, 'InvalidParameterValueException');
    assert.match(twice.message, /one version of layer l1/);
    const malformed = await refused(createFn(alice, 'malformed', fn, { Layers: ['not-an-arn'] }));
    assert.equal(malformed.name, 'InvalidParameterValueException');
    const missing = await refused(createFn(alice, 'missing', fn, { Layers: [layerArn('alice', 'l1', 9)] }));
    assert.equal(missing.name, 'InvalidParameterValueException');
    assert.match(missing.message, /l1:9 does not exist/);
  });

  it('answers a function’s Layers (ARN and size) in its configuration; a published version keeps them', async () => {
    const zipA = makeZip({ 'nodejs/node_modules/cfg-a/index.js': 'module.exports = "a";' });
    const a = await publish(alice, 'cfg-a', zipA);
    const created = await createFn(alice, 'cfg-fn', { 'index.js': 'exports.handler = async () => 1;' }, { Layers: [a.LayerVersionArn] });
    assert.deepEqual(created.Layers, [{ Arn: a.LayerVersionArn, CodeSize: zipA.length }]);
    const v1 = await alice.send(new PublishVersionCommand({ FunctionName: 'cfg-fn' }));
    assert.deepEqual(v1.Layers, created.Layers);
    const updated = await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cfg-fn', Layers: [] }));
    assert.equal(updated.Layers, undefined);
    assert.deepEqual(
      (await alice.send(new GetFunctionCommand({ FunctionName: 'cfg-fn', Qualifier: '1' }))).Configuration?.Layers,
      created.Layers,
    );
    assert.equal((await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'cfg-fn' }))).Layers, undefined);
  });
});

describe('Functions run with their layers at /opt', { skip: NO_SANDBOX }, () => {
  it("a Node handler requires a module from a layer's nodejs/node_modules, unchanged", async () => {
    const lib = await publish(
      alice,
      'greeter',
      makeZip({ 'nodejs/node_modules/greeter/index.js': 'exports.greet = (n) => "hello " + n;' }),
    );
    await createFn(
      alice,
      'node-layer',
      {
        'index.js':
          "const { greet } = require('greeter'); exports.handler = async () => ({ msg: greet('layers'), nodePath: process.env.NODE_PATH });",
      },
      { Layers: [lib.LayerVersionArn] },
    );
    const out = await invoke(alice, 'node-layer');
    assert.equal(out.msg, 'hello layers');
    assert.match(
      out.nodePath,
      new RegExp(`^/opt/nodejs/node${process.versions.node.split('.')[0]}/node_modules:/opt/nodejs/node_modules:`),
    );
  });

  it("a Python handler imports a module from a layer's python/ directory", async () => {
    const lib = await publish(alice, 'pylib', makeZip({ 'python/shout.py': 'def shout(s):\n    return s.upper() + "!"\n' }));
    await createFn(
      alice,
      'py-layer',
      { 'app.py': 'import shout\ndef handler(event, context):\n    return {"msg": shout.shout("layers")}\n' },
      { Runtime: 'python3.12', Handler: 'app.handler', Layers: [lib.LayerVersionArn] },
    );
    assert.deepEqual(await invoke(alice, 'py-layer'), { msg: 'LAYERS!' });
  });

  it("lays layers out in order, a later one's file over an earlier one's; a layer's bin/ is on PATH", async () => {
    const base = await publish(
      alice,
      'base',
      Buffer.from(
        zipEntries([
          { name: 'conf/which.txt', data: Buffer.from('base') },
          { name: 'conf/base-only.txt', data: Buffer.from('kept') },
          { name: 'bin/hello-tool', data: Buffer.from('#!/bin/sh\necho tool says hi\n'), mode: 0o755 },
        ]),
      ),
    );
    const over = await publish(alice, 'over', makeZip({ 'conf/which.txt': 'over' }));
    const code = {
      'index.js': `const fs = require('node:fs'); const { execFileSync } = require('node:child_process');
exports.handler = async () => ({
  which: fs.readFileSync('/opt/conf/which.txt', 'utf8'),
  baseOnly: fs.readFileSync('/opt/conf/base-only.txt', 'utf8'),
  tool: execFileSync('hello-tool', { encoding: 'utf8' }).trim(),
  writable: (() => { try { fs.writeFileSync('/opt/conf/x', 'x'); return true; } catch { return false; } })(),
});`,
    };
    await createFn(alice, 'ordered', code, { Layers: [base.LayerVersionArn, over.LayerVersionArn] });
    assert.deepEqual(await invoke(alice, 'ordered'), { which: 'over', baseOnly: 'kept', tool: 'tool says hi', writable: false });

    // New Layers take effect at the next invocation: no warm instance of the old ones serves it.
    await alice.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'ordered', Layers: [over.LayerVersionArn!, base.LayerVersionArn!] }),
    );
    assert.equal((await invoke(alice, 'ordered')).which, 'base');
  });

  it('a deleted layer version keeps working for a function using it, but cannot be added to a new one', async () => {
    const lib = await publish(alice, 'doomed', makeZip({ 'nodejs/node_modules/doomed/index.js': 'module.exports = "still here";' }));
    const code = { 'index.js': "exports.handler = async () => require('doomed');" };
    await createFn(alice, 'keeps-doomed', code, { Layers: [lib.LayerVersionArn] });
    await alice.send(new DeleteLayerVersionCommand({ LayerName: 'doomed', VersionNumber: 1 }));
    assert.equal(await invoke(alice, 'keeps-doomed'), 'still here');
    const late = await refused(createFn(alice, 'too-late', code, { Layers: [lib.LayerVersionArn] }));
    assert.equal(late.name, 'InvalidParameterValueException');
  });

  it("runs another account's shared layer, and keeps running it after the grant is taken back", async () => {
    const lib = await publish(alice, 'lent', makeZip({ 'nodejs/node_modules/lent/index.js': 'module.exports = "from alice";' }));
    await alice.send(new AddLayerVersionPermissionCommand({ ...BOB_GRANT, LayerName: 'lent', VersionNumber: 1 }));
    await createFn(bob, 'borrows', { 'index.js': "exports.handler = async () => require('lent');" }, { Layers: [lib.LayerVersionArn] });
    assert.equal(await invoke(bob, 'borrows'), 'from alice');
    await alice.send(new RemoveLayerVersionPermissionCommand({ LayerName: 'lent', VersionNumber: 1, StatementId: 'xaccount' }));
    await alice.send(new DeleteLayerVersionCommand({ LayerName: 'lent', VersionNumber: 1 }));
    // A new execution environment, not only a warm one: a configuration change starts one.
    await bob.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'borrows', Description: 'cold again' }));
    assert.equal(await invoke(bob, 'borrows'), 'from alice');
  });
});
