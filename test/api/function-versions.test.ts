/**
 * A function's versions, aliases and reserved concurrency on the native API (issue 23), through
 * the real platform: publish (conditional on If-Match), page, read and delete versions; create,
 * move, read and delete aliases (conditional too); reserve and clear concurrency; what the
 * Lambda API then shows of the same function. Runs on the scale-out shape too
 * (function-versions.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetAliasCommand, GetFunctionCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
/** The same user through the Lambda API: its key is a credential pair. */
let lambda: LambdaClient;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  const k = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  alice = k.key;
  lambda = new LambdaClient({
    endpoint: p.url!,
    region: 'us-east-1',
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    maxAttempts: 1,
  });
});
after(async () => {
  lambda.destroy();
  await p.close();
});

const zipOf = (n: number) => makeZip({ 'index.mjs': `export const handler = async () => ${n};\n` });
const call = (method: string, url: string, payload?: object, headers?: Record<string, string>, auth: string | undefined = alice) =>
  p.inject({ method: method as 'GET', url, auth, headers, ...(payload ? { payload } : {}) });
const deploy = (name: string, n: number, body: object = {}) =>
  call('PUT', `/functions/${name}`, { zip: zipOf(n).toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler', ...body });

describe('versions', () => {
  it('publishes $LATEST as numbered versions, pages them, reads and deletes one', async () => {
    assert.equal((await deploy('ver', 1)).statusCode, 201);
    const v1 = await call('POST', '/functions/ver/versions', { description: 'first' });
    assert.equal(v1.statusCode, 201, v1.body);
    assert.equal(v1.json().version, '1');
    assert.equal(v1.json().description, 'first');
    assert.match(v1.json().code.url, /\/functions\/ver\/code\?qualifier=1$/, 'a version’s code URL names it');
    const again = await call('POST', '/functions/ver/versions', {});
    assert.equal(again.json().version, '1', 'nothing changed: the last version is the answer');

    for (const n of [2, 3]) {
      assert.equal((await deploy('ver', n)).statusCode, 200);
      assert.equal((await call('POST', '/functions/ver/versions')).json().version, String(n), 'no body is fine too');
    }
    const first = await call('GET', '/functions/ver/versions?limit=2');
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(
      first.json().versions.map((v: { version: string }) => v.version),
      ['1', '2'],
    );
    assert.equal(first.json().nextCursor, '2');
    const second = (await call('GET', `/functions/ver/versions?limit=2&cursor=${first.json().nextCursor}`)).json();
    assert.deepEqual(
      second.versions.map((v: { version: string }) => v.version),
      ['3'],
    );
    assert.equal(second.nextCursor, null);

    const two = await call('GET', '/functions/ver/versions/2');
    assert.equal(two.statusCode, 200, two.body);
    assert.equal(two.json().code.sha256, first.json().versions[1].code.sha256);
    const code = await call('GET', new URL(two.json().code.url).pathname + new URL(two.json().code.url).search);
    assert.deepEqual(code.rawPayload, zipOf(2), 'the code URL serves that version’s zip');
    assert.equal((await call('GET', '/functions/ver')).json().versions, 3);

    const gone = await call('DELETE', '/functions/ver/versions/2');
    assert.equal(gone.statusCode, 200, gone.body);
    assert.deepEqual(gone.json(), { name: 'ver', version: '2', deleted: true });
    for (const [method, url] of [
      ['GET', '/functions/ver/versions/2'],
      ['DELETE', '/functions/ver/versions/2'],
      ['GET', '/functions/nope/versions'],
      ['POST', '/functions/nope/versions'],
    ] as const) {
      const r = await call(method, url);
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().code, 'FUNCTION_NOT_FOUND');
    }
    assert.equal((await deploy('ver', 4)).statusCode, 200);
    assert.equal((await call('POST', '/functions/ver/versions')).json().version, '4', 'a deleted number is not used again');
    const bad = await call('GET', '/functions/ver/versions/0');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'VALIDATION_FAILED');
  });

  it('publishes only the revision If-Match names (412 otherwise) and only the code codeSha256 names (409)', async () => {
    assert.equal((await deploy('cond', 1)).statusCode, 201);
    const read = await call('GET', '/functions/cond');
    const etag = String(read.headers.etag);
    assert.equal(etag, `"${read.json().revisionId}"`);
    assert.equal((await deploy('cond', 2)).statusCode, 200, 'someone changes it after the read');

    const stale = await call('POST', '/functions/cond/versions', {}, { 'if-match': etag });
    assert.equal(stale.statusCode, 412, stale.body);
    assert.match(String(stale.headers['content-type']), /^application\/problem\+json/);
    assert.equal(stale.json().code, 'FUNCTION_REVISION_MISMATCH');
    assert.equal((await call('GET', '/functions/cond')).json().versions, 0, 'nothing was published');

    const fresh = String((await call('GET', '/functions/cond')).headers.etag);
    const sha = (await call('GET', '/functions/cond')).json().code.sha256;
    const wrongCode = await call('POST', '/functions/cond/versions', { codeSha256: 'x'.repeat(44) }, { 'if-match': fresh });
    assert.equal(wrongCode.statusCode, 409, wrongCode.body);
    assert.equal(wrongCode.json().code, 'FUNCTION_CODE_MISMATCH');
    const ok = await call('POST', '/functions/cond/versions', { codeSha256: sha }, { 'if-match': fresh });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().version, '1');
    assert.equal((await call('POST', '/functions/cond/versions', {}, { 'if-match': '*' })).statusCode, 201, '* asks nothing');
    const malformed = await call('POST', '/functions/cond/versions', {}, { 'if-match': 'W/"weak"' });
    assert.equal(malformed.statusCode, 400, malformed.body);
    assert.equal(malformed.json().code, 'VALIDATION_FAILED');
  });
});

describe('aliases', () => {
  it('are created, moved (conditionally), listed, read and deleted; a version they name stays', async () => {
    assert.equal((await deploy('al', 1)).statusCode, 201);
    await call('POST', '/functions/al/versions');
    assert.equal((await deploy('al', 2)).statusCode, 200);
    await call('POST', '/functions/al/versions');

    const made = await call('PUT', '/functions/al/aliases/live', { version: '1', description: 'prod' });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(
      [made.json().name, made.json().functionName, made.json().version, made.json().description],
      ['live', 'al', '1', 'prod'],
    );
    assert.equal(made.headers.etag, `"${made.json().revisionId}"`);

    const got = await call('GET', '/functions/al/aliases/live');
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers.etag, made.headers.etag);
    const moved = await call('PUT', '/functions/al/aliases/live', { version: '2' }, { 'if-match': String(got.headers.etag) });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().version, '2');
    assert.equal(moved.json().description, 'prod', 'a description not given stays');
    const stale = await call('PUT', '/functions/al/aliases/live', { version: '1' }, { 'if-match': String(got.headers.etag) });
    assert.equal(stale.statusCode, 412, stale.body);
    assert.equal(stale.json().code, 'FUNCTION_REVISION_MISMATCH');
    assert.equal((await call('GET', '/functions/al/aliases/live')).json().version, '2', 'the stale PUT changed nothing');

    assert.equal((await call('PUT', '/functions/al/aliases/beta', { version: '1' })).statusCode, 201);
    const listed = (await call('GET', '/functions/al/aliases')).json().aliases;
    assert.deepEqual(
      listed.map((a: { name: string; version: string }) => [a.name, a.version]),
      [
        ['beta', '1'],
        ['live', '2'],
      ],
    );
    assert.deepEqual(
      (await call('GET', '/functions/al/aliases?version=2')).json().aliases.map((a: { name: string }) => a.name),
      ['live'],
    );
    const viaAlias = await call('GET', '/functions/al?qualifier=live');
    assert.equal(viaAlias.json().version, '2', 'GET /functions/{name} follows the alias');
    const lambdaAlias = await lambda.send(new GetAliasCommand({ FunctionName: 'al', Name: 'live' }));
    assert.deepEqual(
      [lambdaAlias.FunctionVersion, lambdaAlias.RevisionId],
      ['2', moved.json().revisionId],
      'the Lambda API sees the same alias',
    );
    // Both surfaces link a version's code on one route (app/functions.ts, functionCodeUrl); the
    // Lambda API's is presigned (app/downloads.ts), the native view's read with a key.
    const lambdaV2 = await lambda.send(new GetFunctionCommand({ FunctionName: 'al', Qualifier: '2' }));
    // (The host differs: inject's against the SDK's real connection.)
    const presigned = new URL(lambdaV2.Code!.Location!);
    const native = new URL((await call('GET', '/functions/al/versions/2')).json().code.url);
    assert.equal(native.pathname + native.search, '/functions/al/code?qualifier=2');
    assert.equal(presigned.pathname, native.pathname);
    assert.equal(presigned.searchParams.get('qualifier'), '2');
    assert.ok(presigned.searchParams.get('signature'));

    const inUse = await call('DELETE', '/functions/al/versions/1');
    assert.equal(inUse.statusCode, 409, inUse.body);
    assert.equal(inUse.json().code, 'FUNCTION_VERSION_IN_USE');
    const unpublished = await call('PUT', '/functions/al/aliases/next', { version: '9' });
    assert.equal(unpublished.statusCode, 404, unpublished.body);
    const latest = await call('PUT', '/functions/al/aliases/1', { version: '1' });
    assert.equal(latest.statusCode, 400, 'an alias may not look like a version number');
    assert.equal(latest.json().code, 'FUNCTION_INVALID');

    const del = await call('DELETE', '/functions/al/aliases/beta');
    assert.equal(del.statusCode, 200, del.body);
    assert.deepEqual(del.json(), { name: 'al', alias: 'beta', deleted: true });
    assert.equal((await call('DELETE', '/functions/al/aliases/beta')).statusCode, 200, 'deleting twice is harmless');
    const missing = await call('GET', '/functions/al/aliases/beta');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'FUNCTION_ALIAS_NOT_FOUND');
    assert.equal((await call('DELETE', '/functions/al/versions/1')).statusCode, 200, 'no alias names it now');
    assert.equal((await call('GET', '/functions/nope/aliases')).statusCode, 404);
  });
});

describe('reserved concurrency', () => {
  it('is set, shown to the Lambda API, and cleared; out of range is refused', async () => {
    assert.equal((await deploy('conc', 1)).statusCode, 201);
    const set = await call('PUT', '/functions/conc/concurrency', { reserved: 5 });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), { name: 'conc', reserved: 5 });
    const seen = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    assert.equal(seen.ReservedConcurrentExecutions, 5, 'the Lambda API sees the same reservation');
    const cleared = await call('DELETE', '/functions/conc/concurrency');
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.deepEqual(cleared.json(), { name: 'conc', reserved: null });
    assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }))).ReservedConcurrentExecutions, undefined);
    const negative = await call('PUT', '/functions/conc/concurrency', { reserved: -1 });
    assert.equal(negative.statusCode, 400, negative.body);
    assert.equal(negative.json().code, 'FUNCTION_INVALID');
    assert.equal((await call('PUT', '/functions/nope/concurrency', { reserved: 1 })).statusCode, 404);
    assert.equal((await call('DELETE', '/functions/nope/concurrency')).statusCode, 404);
  });
});

describe('whose function', () => {
  it("lets an admin act for a user (?userId=) and refuses a user key another's", async () => {
    assert.equal((await deploy('owned', 1)).statusCode, 201);
    const admin = await p.inject({ method: 'POST', url: '/functions/owned/versions?userId=alice', payload: {} });
    assert.equal(admin.statusCode, 201, admin.body);
    assert.equal(admin.json().userId, 'alice');
    assert.match(admin.json().code.url, /\?qualifier=1&userId=alice$/, "the admin's link names the user");
    const bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
    assert.equal((await call('GET', '/functions/owned/versions?userId=alice', undefined, undefined, bob)).statusCode, 403);
    assert.equal((await call('PUT', '/functions/owned/aliases/x?userId=alice', { version: '1' }, undefined, bob)).statusCode, 403);
    assert.equal((await call('GET', '/functions/owned/versions', undefined, undefined, bob)).statusCode, 404, "bob's own: none");
  });
});
