/**
 * /layers through the real platform: publish, read, list, download and delete a Lambda layer's
 * versions, and a function deployed with `layers`; the same versions Lambda's API answers (its
 * Content.Location is the native download). Lambda's side: test/aws/lambda-layers.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { GetLayerVersionCommand } from '@aws-sdk/client-lambda';
import { accountIdOf } from '../../src/aws/index.ts';
import { lambdaClient, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: { keyId: string; key: string };
let bob: { keyId: string; key: string };
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json();
});
after(async () => p.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

it('publishes, reads, lists, downloads and deletes layer versions; a function deploys with them', async () => {
  const as = (method: string, url: string, payload?: unknown) => p.inject({ method, url, payload: payload as object, auth: alice.key });
  const zip = makeZip({ 'python/tool.py': 'X = 1' });
  const made = await as('POST', '/layers/tools/versions', {
    zip: zip.toString('base64'),
    compatibleRuntimes: ['python3.12'],
    licenseInfo: 'MIT',
  });
  assert.equal(made.statusCode, 201, made.body);
  const v1 = made.json();
  assert.equal(v1.name, 'tools');
  assert.equal(v1.userId, 'alice');
  assert.equal(v1.version, 1);
  assert.deepEqual(v1.compatibleRuntimes, ['python3.12']);
  assert.equal(v1.licenseInfo, 'MIT');
  assert.equal(v1.code.sha256, sha(zip));
  assert.equal((await as('POST', '/layers/tools/versions', { zip: zip.toString('base64') })).json().version, 2);

  assert.deepEqual(
    (await as('GET', '/layers')).json().layers.map((l: { name: string; version: number }) => [l.name, l.version]),
    [['tools', 2]],
  );
  assert.deepEqual(
    (await as('GET', '/layers?compatibleRuntime=python3.12')).json().layers.map((l: { version: number }) => l.version),
    [1],
  );
  assert.deepEqual(
    (await as('GET', '/layers/tools/versions')).json().versions.map((v: { version: number }) => v.version),
    [2, 1],
  );
  assert.deepEqual((await as('GET', '/layers/tools/versions/1')).json(), v1);
  const content = await as('GET', new URL(v1.code.url).pathname);
  assert.equal(content.statusCode, 200);
  assert.equal(content.headers['content-type'], 'application/zip');
  assert.deepEqual(content.rawPayload, zip);
  // Lambda's Content.Location is the same download.
  const viaSdk = await lambdaClient(p.url!, alice).send(new GetLayerVersionCommand({ LayerName: 'tools', VersionNumber: 1 }));
  assert.equal(new URL(viaSdk.Content!.Location!).pathname, new URL(v1.code.url).pathname);

  const fn = {
    zip: makeZip({ 'app.py': 'def handler(e, c):\n    return 1\n' }).toString('base64'),
    runtime: 'python3.12',
    handler: 'app.handler',
    layers: [{ name: 'tools', version: 1 }],
  };
  const deployed = await as('PUT', '/functions/uses-tools', fn);
  assert.equal(deployed.statusCode, 201, deployed.body);
  assert.deepEqual(deployed.json().layers, [{ name: 'tools', version: 1, codeSha256: sha(zip), codeSize: zip.length }]);
  const missing = await as('PUT', '/functions/uses-nothing', { ...fn, layers: [{ name: 'tools', version: 9 }] });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().code, 'FUNCTION_INVALID');

  assert.equal((await as('DELETE', '/layers/tools/versions/1')).statusCode, 200);
  const again = await as('DELETE', '/layers/tools/versions/1');
  assert.equal(again.statusCode, 404);
  assert.equal(again.json().code, 'LAYER_NOT_FOUND');
  assert.equal((await as('GET', '/layers/tools/versions/1')).statusCode, 404);
  assert.deepEqual((await as('GET', '/functions/uses-tools')).json().layers.length, 1, 'the function keeps the deleted version');
  const bad = await as('POST', '/layers/bad%20name/versions', { zip: zip.toString('base64') });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'LAYER_INVALID');
});

it("shares a version through its policy: the grantee reads it and downloads its content, by the owner's user id, until taken back", async () => {
  const as = (who: { key: string }, method: string, url: string, payload?: unknown) =>
    p.inject({ method, url, payload: payload as object, auth: who.key });
  const zip = makeZip({ 'bin/shared-tool': 'x' });
  await as(alice, 'POST', '/layers/shared/versions', { zip: zip.toString('base64') });
  assert.equal((await as(alice, 'GET', '/layers/shared/versions/1/policy')).statusCode, 404);
  assert.equal((await as(bob, 'GET', '/layers/shared/versions/1?userId=alice')).statusCode, 403);

  const added = await as(alice, 'PUT', '/layers/shared/versions/1/policy/to-bob', { principal: accountIdOf('bob') });
  assert.equal(added.statusCode, 201, added.body);
  assert.equal(added.json().statement.Action, 'lambda:GetLayerVersion');
  assert.equal(added.json().statement.Resource, `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:layer:shared:1`);
  const taken = await as(alice, 'PUT', '/layers/shared/versions/1/policy/to-bob', { principal: '*' });
  assert.equal(taken.statusCode, 409);
  const badPrincipal = await as(alice, 'PUT', '/layers/shared/versions/1/policy/svc', { principal: 'events.amazonaws.com' });
  assert.equal(badPrincipal.statusCode, 400);
  assert.equal(badPrincipal.json().code, 'LAYER_INVALID');
  const policy = (await as(alice, 'GET', '/layers/shared/versions/1/policy')).json();
  assert.equal(policy.revisionId, added.json().revisionId);
  assert.deepEqual(
    policy.policy.Statement.map((st: { Sid: string }) => st.Sid),
    ['to-bob'],
  );

  const read = await as(bob, 'GET', '/layers/shared/versions/1?userId=alice');
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().userId, 'alice');
  const content = await as(bob, 'GET', new URL(read.json().code.url).pathname + new URL(read.json().code.url).search);
  assert.equal(content.statusCode, 200);
  assert.deepEqual(content.rawPayload, zip);
  // Shared is not given: bob changes nothing of alice's.
  assert.equal((await as(bob, 'DELETE', '/layers/shared/versions/1?userId=alice')).statusCode, 403);
  assert.equal((await as(bob, 'GET', '/layers/shared/versions/1/policy?userId=alice')).statusCode, 403);

  const removed = await as(alice, 'DELETE', '/layers/shared/versions/1/policy/to-bob');
  assert.equal(removed.statusCode, 200);
  assert.equal((await as(alice, 'DELETE', '/layers/shared/versions/1/policy/to-bob')).statusCode, 404);
  assert.equal((await as(bob, 'GET', '/layers/shared/versions/1?userId=alice')).statusCode, 403);
});
