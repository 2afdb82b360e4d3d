/**
 * Lambda's function management through the real AWS SDK (@aws-sdk/client-lambda) against a
 * started Hangar: the whole lifecycle, bad input answered with Lambda's 4xx, and tenancy.
 * Runs on the embedded shape, and on PostgreSQL + S3 with HANGAR_TEST_SHAPE=scale-out
 * (lambda-functions.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DOWNLOAD_KEY_PURPOSE } from '../../src/app/index.ts';
import { accountIdOf } from '../../src/aws/index.ts';
import { signDownload } from '../../src/core/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { createNodeFunction, lambdaClient, REGION } from '../helpers/lambda.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;
let aliceKey: { keyId: string; key: string };

const client = (k: { keyId: string; key: string }) => lambdaClient(p.url!, k);

const zipV1 = makeZip({ 'index.js': 'exports.handler = async () => 1;' });
const zipV2 = makeZip({ 'index.js': 'exports.handler = async () => 2;' });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
/** A presigned URL: `url` and its expiry and signature after it. */
const presigned = (url: string) =>
  new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}&sha256=[0-9a-f]{64}&expires=\\d+&signature=[0-9a-f]{64}$`);

/** The SDK's exception of a refused call (a command, or a call already sent): its name and status. */
async function refused(c: LambdaClient, command: object): Promise<{ name: string; status: number; message: string }> {
  try {
    await (command instanceof Promise ? command : c.send(command as never));
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  assert.fail('the call was not refused');
}

const create = (c: LambdaClient, name: string, over: Record<string, unknown> = {}) =>
  createNodeFunction(c, name, { Code: { ZipFile: zipV1 }, ...over });

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  aliceKey = await key('alice');
  alice = client(aliceKey);
  bob = client(await key('bob'));
});
after(() => p.close());

describe('Lambda function management through the AWS SDK', () => {
  const account = accountIdOf('alice');
  const arn = `arn:aws:lambda:${REGION}:${account}:function:hello`;

  it('creates, reads, pages, updates, publishes, aliases, reserves and deletes a function', async () => {
    const created = await create(alice, 'hello', { MemorySize: 256, Environment: { Variables: { GREETING: 'hi' } } });
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.FunctionName, 'hello');
    assert.equal(created.FunctionArn, arn);
    assert.equal(created.Runtime, 'nodejs22.x');
    assert.equal(created.Handler, 'index.handler');
    assert.equal(created.CodeSize, zipV1.length);
    assert.equal(created.CodeSha256, sha(zipV1));
    assert.equal(created.MemorySize, 256);
    assert.equal(created.Timeout, 3, "Lambda's default");
    assert.deepEqual(created.Environment, { Variables: { GREETING: 'hi' } });
    assert.equal(created.Version, '$LATEST');
    assert.match(created.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.equal(created.State, 'Active');
    assert.equal(created.LastUpdateStatus, 'Successful');
    assert.equal(created.PackageType, 'Zip');
    assert.equal(created.Architectures?.length, 1);
    assert.ok(created.RevisionId);

    const got = await alice.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    assert.deepEqual(got.Configuration, stripMeta(created));
    assert.equal(got.Code?.RepositoryType, 'S3');
    // Code.Location is presigned, as Lambda's S3 URL: a plain fetch, no key, gets the zip.
    assert.match(got.Code!.Location!, presigned(`${p.url}/functions/hello/code?userId=alice`));
    const latest = await fetch(got.Code!.Location!);
    assert.equal(latest.status, 200);
    assert.equal(latest.headers.get('x-hangar-code-sha256'), created.CodeSha256);
    assert.equal(sha(Buffer.from(await latest.arrayBuffer())), got.Configuration?.CodeSha256);
    assert.equal(got.Concurrency, undefined, 'nothing reserved yet');
    const byArn = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: arn }));
    assert.equal(byArn.RevisionId, created.RevisionId);

    // Paged: three functions, two a page.
    await create(alice, 'hello-2');
    await create(alice, 'hello-3');
    const first = await alice.send(new ListFunctionsCommand({ MaxItems: 2 }));
    assert.deepEqual(
      first.Functions?.map((f) => f.FunctionName),
      ['hello', 'hello-2'],
    );
    assert.ok(first.NextMarker);
    const second = await alice.send(new ListFunctionsCommand({ MaxItems: 2, Marker: first.NextMarker }));
    assert.deepEqual(
      second.Functions?.map((f) => f.FunctionName),
      ['hello-3'],
    );
    assert.equal(second.NextMarker, undefined);
    const settings = await alice.send(new GetAccountSettingsCommand({}));
    assert.deepEqual(settings.AccountUsage, { FunctionCount: 3, TotalCodeSize: 3 * zipV1.length });

    // A stale RevisionId is refused; the current one goes through.
    const code = await alice.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zipV2, RevisionId: created.RevisionId }));
    assert.equal(code.CodeSha256, sha(zipV2));
    assert.notEqual(code.RevisionId, created.RevisionId);
    const stale = await refused(
      alice,
      new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Timeout: 30, RevisionId: created.RevisionId }),
    );
    assert.deepEqual([stale.name, stale.status], ['PreconditionFailedException', 412]);
    const staleCode = await refused(
      alice,
      new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zipV1, RevisionId: created.RevisionId }),
    );
    assert.deepEqual([staleCode.name, staleCode.status], ['PreconditionFailedException', 412]);
    const config = await alice.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'hello',
        Timeout: 30,
        Environment: { Variables: { AB: 'c' } },
        RevisionId: code.RevisionId,
      }),
    );
    assert.equal(config.Timeout, 30);
    assert.equal(config.MemorySize, 256, 'what the update does not name stays');
    assert.deepEqual(config.Environment, { Variables: { AB: 'c' } }, 'the environment is replaced');
    const unconditional = await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Description: 'greets' }));
    assert.equal(unconditional.Description, 'greets');

    // Publish: preconditions, then version 1; again with nothing changed, still version 1.
    const wrongSha = await refused(alice, new PublishVersionCommand({ FunctionName: 'hello', CodeSha256: sha(zipV1) }));
    assert.deepEqual([wrongSha.name, wrongSha.status], ['InvalidParameterValueException', 400]);
    const staleRev = await refused(alice, new PublishVersionCommand({ FunctionName: 'hello', RevisionId: code.RevisionId }));
    assert.deepEqual([staleRev.name, staleRev.status], ['PreconditionFailedException', 412]);
    const v1 = await alice.send(new PublishVersionCommand({ FunctionName: 'hello', CodeSha256: sha(zipV2), Description: 'first' }));
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${arn}:1`);
    assert.equal(v1.Description, 'first');
    assert.equal((await alice.send(new PublishVersionCommand({ FunctionName: 'hello' }))).Version, '1');
    const v2 = await alice.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zipV1, Publish: true }));
    assert.equal(v2.Version, '2');
    const versions = await alice.send(new ListVersionsByFunctionCommand({ FunctionName: 'hello' }));
    assert.deepEqual(
      versions.Versions?.map((v) => [v.Version, v.CodeSha256]),
      [
        ['$LATEST', sha(zipV1)],
        ['1', sha(zipV2)],
        ['2', sha(zipV1)],
      ],
    );
    const paged = await alice.send(new ListVersionsByFunctionCommand({ FunctionName: 'hello', MaxItems: 2 }));
    assert.equal(paged.Versions?.length, 2);
    const rest = await alice.send(new ListVersionsByFunctionCommand({ FunctionName: 'hello', Marker: paged.NextMarker }));
    assert.deepEqual(
      rest.Versions?.map((v) => v.Version),
      ['2'],
    );
    const old = await alice.send(new GetFunctionCommand({ FunctionName: 'hello', Qualifier: '1' }));
    assert.equal(old.Configuration?.CodeSha256, sha(zipV2));
    assert.match(old.Code!.Location!, presigned(`${p.url}/functions/hello/code?qualifier=1&userId=alice`));
    // The version's presigned location opens without a key on that version's code.
    const download = await fetch(old.Code!.Location!);
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    assert.deepEqual(bytes, zipV2);
    assert.equal(sha(bytes), old.Configuration?.CodeSha256);
    // The native download itself, without the signature, still takes the owner's Bearer key.
    const native = `${p.url}/functions/hello/code?qualifier=1`;
    assert.equal((await fetch(native)).status, 401);
    assert.deepEqual(
      Buffer.from(await (await fetch(native, { headers: { authorization: `Bearer ${aliceKey.key}` } })).arrayBuffer()),
      zipV2,
    );

    // Aliases.
    const alias = await alice.send(new CreateAliasCommand({ FunctionName: 'hello', Name: 'prod', FunctionVersion: '1' }));
    assert.equal(alias.$metadata.httpStatusCode, 201);
    assert.equal(alias.AliasArn, `${arn}:prod`);
    assert.equal(alias.FunctionVersion, '1');
    const viaAlias = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello:prod' }));
    assert.equal(viaAlias.Version, '1');
    assert.equal(viaAlias.FunctionArn, `${arn}:prod`);
    // An alias's code location is its version's.
    const aliasCode = await alice.send(new GetFunctionCommand({ FunctionName: 'hello', Qualifier: 'prod' }));
    assert.match(aliasCode.Code!.Location!, presigned(`${p.url}/functions/hello/code?qualifier=1&userId=alice`));
    assert.deepEqual(Buffer.from(await (await fetch(aliasCode.Code!.Location!)).arrayBuffer()), zipV2);
    const taken = await refused(alice, new CreateAliasCommand({ FunctionName: 'hello', Name: 'prod', FunctionVersion: '2' }));
    assert.deepEqual([taken.name, taken.status], ['ResourceConflictException', 409]);
    const weighted = await refused(
      alice,
      new CreateAliasCommand({
        FunctionName: 'hello',
        Name: 'split',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } },
      }),
    );
    assert.deepEqual([weighted.name, weighted.status], ['InvalidParameterValueException', 400]);
    const noVersion = await refused(alice, new CreateAliasCommand({ FunctionName: 'hello', Name: 'next', FunctionVersion: '9' }));
    assert.deepEqual([noVersion.name, noVersion.status], ['ResourceNotFoundException', 404]);
    const staleAlias = await refused(
      alice,
      new UpdateAliasCommand({ FunctionName: 'hello', Name: 'prod', FunctionVersion: '2', RevisionId: 'not-the-revision' }),
    );
    assert.deepEqual([staleAlias.name, staleAlias.status], ['PreconditionFailedException', 412]);
    const moved = await alice.send(
      new UpdateAliasCommand({ FunctionName: 'hello', Name: 'prod', FunctionVersion: '2', RevisionId: alias.RevisionId }),
    );
    assert.equal(moved.FunctionVersion, '2');
    assert.equal((await alice.send(new GetAliasCommand({ FunctionName: 'hello', Name: 'prod' }))).FunctionVersion, '2');
    await alice.send(new CreateAliasCommand({ FunctionName: 'hello', Name: 'canary', FunctionVersion: '1' }));
    const aliases = await alice.send(new ListAliasesCommand({ FunctionName: 'hello' }));
    assert.deepEqual(
      aliases.Aliases?.map((a) => a.Name),
      ['canary', 'prod'],
    );
    const onV1 = await alice.send(new ListAliasesCommand({ FunctionName: 'hello', FunctionVersion: '1' }));
    assert.deepEqual(
      onV1.Aliases?.map((a) => a.Name),
      ['canary'],
    );
    assert.equal((await alice.send(new DeleteAliasCommand({ FunctionName: 'hello', Name: 'canary' }))).$metadata.httpStatusCode, 204);
    const gone = await refused(alice, new GetAliasCommand({ FunctionName: 'hello', Name: 'canary' }));
    assert.deepEqual([gone.name, gone.status], ['ResourceNotFoundException', 404]);

    // Reserved concurrency.
    assert.deepEqual(stripMeta(await alice.send(new GetFunctionConcurrencyCommand({ FunctionName: 'hello' }))), {});
    const put = await alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'hello', ReservedConcurrentExecutions: 5 }));
    assert.equal(put.ReservedConcurrentExecutions, 5);
    assert.equal((await alice.send(new GetFunctionConcurrencyCommand({ FunctionName: 'hello' }))).ReservedConcurrentExecutions, 5);
    assert.deepEqual((await alice.send(new GetFunctionCommand({ FunctionName: 'hello' }))).Concurrency, {
      ReservedConcurrentExecutions: 5,
    });
    const negative = await refused(alice, new PutFunctionConcurrencyCommand({ FunctionName: 'hello', ReservedConcurrentExecutions: -1 }));
    assert.deepEqual([negative.name, negative.status], ['InvalidParameterValueException', 400]);
    await alice.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'hello' }));
    assert.equal((await alice.send(new GetFunctionConcurrencyCommand({ FunctionName: 'hello' }))).ReservedConcurrentExecutions, undefined);

    // Delete one version: not while an alias names it, never $LATEST or an alias this way; its
    // number is not published again.
    const named = await refused(alice, new DeleteFunctionCommand({ FunctionName: 'hello', Qualifier: '2' }));
    assert.deepEqual([named.name, named.status], ['ResourceConflictException', 409]);
    assert.match(named.message, /alias prod/);
    for (const Qualifier of ['$LATEST', 'prod']) {
      const r = await refused(alice, new DeleteFunctionCommand({ FunctionName: 'hello', Qualifier }));
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400], Qualifier);
    }
    await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', MemorySize: 512 }));
    const v3 = await alice.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    assert.equal(v3.Version, '3');
    assert.equal((await alice.send(new DeleteFunctionCommand({ FunctionName: 'hello', Qualifier: '3' }))).$metadata.httpStatusCode, 204);
    const noV3 = await refused(alice, new GetFunctionConfigurationCommand({ FunctionName: 'hello', Qualifier: '3' }));
    assert.deepEqual([noV3.name, noV3.status], ['ResourceNotFoundException', 404]);
    assert.equal((await alice.send(new PublishVersionCommand({ FunctionName: 'hello' }))).Version, '4');
    assert.equal(
      (await alice.send(new GetFunctionCommand({ FunctionName: 'hello' }))).Configuration?.Version,
      '$LATEST',
      'the function stays',
    );

    // Delete: the function with its versions and aliases.
    const del = await alice.send(new DeleteFunctionCommand({ FunctionName: 'hello' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    for (const command of [
      new GetFunctionCommand({ FunctionName: 'hello' }),
      new GetFunctionCommand({ FunctionName: 'hello', Qualifier: '1' }),
      new GetAliasCommand({ FunctionName: 'hello', Name: 'prod' }),
      new DeleteFunctionCommand({ FunctionName: 'hello' }),
    ]) {
      const r = await refused(alice, command);
      assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404]);
    }
    // Every changing call is audited as its Lambda operation, by the key's user.
    const audit = await p.inject({ method: 'GET', url: '/audit?actor=alice&limit=200' });
    const actions = new Set((audit.json().entries as { action: string }[]).map((e) => e.action));
    for (const a of [
      'lambda:CreateFunction',
      'lambda:UpdateFunctionCode',
      'lambda:PublishVersion',
      'lambda:CreateAlias',
      'lambda:DeleteFunction',
    ])
      assert.ok(actions.has(a), `${a} in ${[...actions].join(', ')}`);
    await alice.send(new DeleteFunctionCommand({ FunctionName: 'hello-2' }));
    await alice.send(new DeleteFunctionCommand({ FunctionName: 'hello-3' }));
  });

  it("answers bad input with Lambda's 4xx", async () => {
    const bad = (over: Record<string, unknown>) => create(alice, 'bad', over);
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['bad runtime', () => bad({ Runtime: 'java21' }), /runtime 'java21'/],
      ['memory too small', () => bad({ MemorySize: 64 }), /memory/],
      ['memory too large', () => bad({ MemorySize: 20_000 }), /memory/],
      ['timeout over 900', () => bad({ Timeout: 901 }), /timeout/],
      ['not a zip', () => bad({ Code: { ZipFile: Buffer.from('#!/bin/sh\necho hi\n') } }), /not a zip/],
      ['code from S3', () => bad({ Code: { S3Bucket: 'b', S3Key: 'k' } }), /Code\.ZipFile/],
      ['an image with a Runtime', () => bad({ PackageType: 'Image', Code: { ImageUri: 'x/y:1' } }), /PackageType Image\) has no Runtime/],
      ['an ImageUri of a zip function', () => bad({ Code: { ImageUri: 'x/y:1' } }), /set PackageType Image/],
      ['a reserved environment key', () => bad({ Environment: { Variables: { AWS_REGION: 'x' } } }), /reserved/],
      ['a VPC', () => bad({ VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] } }), /no VPCs.*`network`/],
      ['dual stack', () => bad({ VpcConfig: { Ipv6AllowedForDualStack: true } }), /Ipv6AllowedForDualStack/],
      ['a KMS key', () => bad({ KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k' }), /AWS KMS.*Hangar secret/],
      ['a bad name', () => create(alice, 'no spaces'), /not a function name/],
    ];
    for (const [what, result, message] of cases) {
      const r = await refused(alice, result());
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400], what);
      assert.match(r.message, message, what);
    }
    const nothing = await refused(alice, new GetFunctionCommand({ FunctionName: 'bad' }));
    assert.equal(nothing.name, 'ResourceNotFoundException', 'nothing was created');

    await create(alice, 'taken');
    const taken = await refused(alice, create(alice, 'taken'));
    assert.deepEqual([taken.name, taken.status], ['ResourceConflictException', 409]);
    await alice.send(new DeleteFunctionCommand({ FunctionName: 'taken' }));
  });

  it("another user's key can neither see nor change the function, by name or by ARN", async () => {
    const mine = await create(alice, 'private');
    assert.equal((await bob.send(new ListFunctionsCommand({}))).Functions?.length, 0);
    const zip = makeZip({ 'index.js': 'exports.handler = async () => "bob";' });
    for (const name of ['private', mine.FunctionArn!]) {
      for (const command of [
        new GetFunctionCommand({ FunctionName: name }),
        new GetFunctionConfigurationCommand({ FunctionName: name }),
        new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }),
        new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 }),
        new PublishVersionCommand({ FunctionName: name }),
        new CreateAliasCommand({ FunctionName: name, Name: 'mine', FunctionVersion: '$LATEST' }),
        new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }),
        new DeleteFunctionCommand({ FunctionName: name }),
      ]) {
        const r = await refused(bob, command);
        assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404], `${command.constructor.name} ${name}`);
      }
    }
    // Bob's function of the same name is his own, with his account in its ARN.
    const his = await create(bob, 'private');
    assert.equal(his.FunctionArn, `arn:aws:lambda:${REGION}:${accountIdOf('bob')}:function:private`);
    const after = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'private' }));
    assert.deepEqual(stripMeta(after), stripMeta(mine), "alice's function is as she left it");
    await alice.send(new DeleteFunctionCommand({ FunctionName: 'private' }));
    await bob.send(new DeleteFunctionCommand({ FunctionName: 'private' }));
  });

  it('refuses a presigned Code.Location tampered with, moved to another function or version, or expired, with 403', async () => {
    await create(alice, 'dl-a');
    await create(alice, 'dl-b', { Code: { ZipFile: zipV2 } });
    await alice.send(new PublishVersionCommand({ FunctionName: 'dl-a' }));
    const location = (await alice.send(new GetFunctionCommand({ FunctionName: 'dl-a' }))).Code!.Location!;
    assert.equal((await fetch(location)).status, 200);
    const url = new URL(location);
    const signature = url.searchParams.get('signature')!;
    const expires = Number(url.searchParams.get('expires'));
    const forbidden = async (target: string | URL, why: string) => {
      const r = await fetch(target);
      assert.equal(r.status, 403, why);
      assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8', why);
      assert.equal(((await r.json()) as { code: string }).code, 'FORBIDDEN', why);
    };
    const altered = (change: (u: URL) => void) => {
      const u = new URL(location);
      change(u);
      return u;
    };
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    await forbidden(
      altered((u) => u.searchParams.set('signature', flipped)),
      'a signature altered',
    );
    await forbidden(
      altered((u) => u.searchParams.set('expires', String(expires + 60))),
      'a later expiry',
    );
    await forbidden(location.replace('/functions/dl-a/', '/functions/dl-b/'), "another function's name, the same signature");
    await forbidden(
      altered((u) => u.searchParams.set('qualifier', '1')),
      "another version's",
    );
    await forbidden(
      altered((u) => u.searchParams.set('userId', 'bob')),
      "another user's",
    );
    for (const bad of ['', 'zz', signature.toUpperCase(), `${signature}00`])
      await forbidden(
        altered((u) => u.searchParams.set('signature', bad)),
        `malformed signature ${bad}`,
      );
    await forbidden(
      altered((u) => u.searchParams.set('expires', 'soon')),
      'malformed expiry',
    );
    await forbidden(
      altered((u) => u.searchParams.delete('expires')),
      'no expiry',
    );
    await forbidden(
      altered((u) => u.searchParams.delete('userId')),
      'no owner',
    );
    await forbidden(
      altered((u) => u.searchParams.set('sha256', createHash('sha256').update(zipV2).digest('hex'))),
      "another zip's digest",
    );
    await forbidden(
      altered((u) => u.searchParams.delete('sha256')),
      'no digest',
    );
    // Signed with the platform's key, for the right function, but past its expiry.
    const key = p.secrets.derive(DOWNLOAD_KEY_PURPOSE);
    const past = Math.floor(Date.now() / 1000) - 1;
    const subject = {
      kind: 'function' as const,
      userId: 'alice',
      name: 'dl-a',
      qualifier: '',
      sha256: createHash('sha256').update(zipV1).digest('hex'),
    };
    await forbidden(
      altered((u) => {
        u.searchParams.set('expires', String(past));
        u.searchParams.set('signature', signDownload(key, subject, past));
      }),
      'expired',
    );
    // The same, unexpired, is what GetFunction would have given: it opens.
    const fresh = altered((u) => {
      u.searchParams.set('expires', String(past + 300));
      u.searchParams.set('signature', signDownload(key, subject, past + 300));
    });
    assert.equal((await fetch(fresh)).status, 200);
    // Without a signature, the route wants a key as before; a signature opens no other route.
    assert.equal((await fetch(altered((u) => u.searchParams.delete('signature')))).status, 401);
    for (const path of ['/functions/dl-a', '/functions/dl-a/versions', '/layers/dl-a/versions/1', '/tasks'])
      assert.equal((await fetch(`${p.url}${path}?${url.searchParams}`)).status, 401, path);
    // $LATEST's code changed since: the URL still gives the zip its answer named (as an S3 URL
    // does), a new GetFunction the new one.
    await alice.send(new UpdateFunctionCodeCommand({ FunctionName: 'dl-a', ZipFile: zipV2 }));
    const before = await fetch(location);
    assert.equal(before.headers.get('x-hangar-code-sha256'), sha(zipV1));
    assert.deepEqual(Buffer.from(await before.arrayBuffer()), zipV1);
    const now = await alice.send(new GetFunctionCommand({ FunctionName: 'dl-a' }));
    assert.equal(now.Configuration?.CodeSha256, sha(zipV2));
    assert.deepEqual(Buffer.from(await (await fetch(now.Code!.Location!)).arrayBuffer()), zipV2);
    for (const name of ['dl-a', 'dl-b']) await alice.send(new DeleteFunctionCommand({ FunctionName: name }));
    // The function gone, its URL finds nothing.
    assert.equal((await fetch(location)).status, 404);
  });

  it('takes a 50 MB zip as base64 JSON on Lambda routes; native routes keep their body limit', async () => {
    // Stored entries: a zip of random bytes is as large as its content.
    const big = makeZip({ 'blob.bin': randomBytes(50 * 1024 * 1024 - 200) });
    assert.ok(big.length <= 50 * 1024 * 1024 && big.length > 49 * 1024 * 1024);
    const f = await create(alice, 'big', { Code: { ZipFile: big } });
    assert.equal(f.CodeSize, big.length);
    assert.equal(f.CodeSha256, sha(big));
    const over = await refused(
      alice,
      new UpdateFunctionCodeCommand({ FunctionName: 'big', ZipFile: makeZip({ 'blob.bin': randomBytes(50 * 1024 * 1024 + 10) }) }),
    );
    assert.deepEqual([over.name, over.status], ['RequestTooLargeException', 413]);
    await alice.send(new DeleteFunctionCommand({ FunctionName: 'big' }));
    const native = await fetch(`${p.url}/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'true', pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(native.status, 413, 'the native API still refuses a body over HANGAR_BODY_LIMIT');
  });
});

/** A response's fields without the SDK's $metadata. */
function stripMeta<T extends { $metadata?: unknown }>(o: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = o;
  return rest;
}
