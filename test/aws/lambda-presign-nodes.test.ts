/**
 * Scale-out: a presigned Code.Location (GetFunction) or Content.Location (GetLayerVersion) that
 * one API node made opens on another node of the same deployment (one PostgreSQL schema, one
 * bucket, one secrets master key, from which every node derives the signing key), without a key.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetFunctionCommand, GetLayerVersionCommand, type LambdaClient, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { createNodeFunction, lambdaClient } from '../helpers/lambda.ts';
import { nodeBeside, testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let a: TestPlatform;
let b: TestPlatform;
let alice: LambdaClient;

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
/** The same URL on the other node. */
const onB = (url: string) => url.replace(a.url!, b.url!);

before(async () => {
  a = await testPlatform({}, { api: true, workers: false }, 'scale-out');
  b = await nodeBeside(a);
  alice = lambdaClient(a.url!, (await a.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json());
});
after(async () => {
  await b?.close();
  await a?.close();
});

describe('presigned downloads across API nodes', () => {
  it("opens on another node what one node's GetFunction and GetLayerVersion presigned", async () => {
    const code = makeZip({ 'index.js': 'exports.handler = async () => "nodes";' });
    await createNodeFunction(alice, 'across', { Code: { ZipFile: code } });
    const got = await alice.send(new GetFunctionCommand({ FunctionName: 'across' }));
    assert.notEqual(a.url, b.url);
    const download = await fetch(onB(got.Code!.Location!));
    assert.equal(download.status, 200);
    assert.equal(sha(Buffer.from(await download.arrayBuffer())), got.Configuration?.CodeSha256);

    const content = makeZip({ 'python/across.py': 'X = 1' });
    await alice.send(new PublishLayerVersionCommand({ LayerName: 'across-lib', Content: { ZipFile: content } }));
    const layer = await alice.send(new GetLayerVersionCommand({ LayerName: 'across-lib', VersionNumber: 1 }));
    const layerDownload = await fetch(onB(layer.Content!.Location!));
    assert.equal(layerDownload.status, 200);
    assert.deepEqual(Buffer.from(await layerDownload.arrayBuffer()), content);
  });

  it('while the master key is rotated, a node with the new key opens URLs signed under the old one', async () => {
    // The old key as a previous key: what A signs (with its key's derivation) still opens.
    const c = await nodeBeside(
      a,
      { api: true, workers: false },
      {
        HANGAR_SECRETS_KEY: randomBytes(32).toString('base64'),
        HANGAR_SECRETS_PREVIOUS_KEYS: a.config.secretsKey!,
      },
    );
    try {
      const got = await alice.send(new GetFunctionCommand({ FunctionName: 'across' }));
      const onC = await fetch(got.Code!.Location!.replace(a.url!, c.url!));
      assert.equal(onC.status, 200);
      await onC.arrayBuffer();
      // C signs with the new key's: A, not yet given it, refuses (docs/running.md: roll the new
      // key out as a previous key first).
      const fromC = lambdaClient(c.url!, (await c.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json());
      try {
        const signedOnC = await fromC.send(new GetFunctionCommand({ FunctionName: 'across' }));
        const onA = await fetch(signedOnC.Code!.Location!.replace(c.url!, a.url!));
        assert.equal(onA.status, 403);
        await onA.arrayBuffer();
        const onCItself = await fetch(signedOnC.Code!.Location!);
        assert.equal(onCItself.status, 200);
        await onCItself.arrayBuffer();
      } finally {
        fromC.destroy();
      }
    } finally {
      await c.close();
    }
  });
});
