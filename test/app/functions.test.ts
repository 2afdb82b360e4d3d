import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { deleteFunction, deployFunction, getFunction, isZip, listFunctions } from '../../src/app/functions.ts';
import { ErrorCode, InvalidInput, NotFound, TooLarge } from '../../src/core/index.ts';
import { embeddedFunctionsApp, type EmbeddedFunctionsApp } from '../helpers/functions-app.ts';
import { makeZip } from '../helpers/zip.ts';

const handler = 'exports.handler = async () => 1;';

describe('functions use cases (embedded store, disk blobs)', () => {
  const ctx = embeddedFunctionsApp();
  let app: EmbeddedFunctionsApp;
  let blobs: EmbeddedFunctionsApp['blobs'];
  beforeEach(() => {
    app = ctx();
    blobs = app.blobs;
  });

  it('tells zips from other bytes', () => {
    assert.equal(isZip(makeZip({ 'index.js': handler })), true);
    assert.equal(isZip(makeZip({})), true);
    assert.equal(isZip(Buffer.from('PK\x03\x04 but no end record at all, just text')), false);
    assert.equal(isZip(Buffer.from('#!/bin/sh\necho not a zip\n')), false);
    assert.equal(isZip(Buffer.alloc(0)), false);
  });

  it("deploys a zip: Lambda's CodeSha256, the bytes in the BlobStore by content, a new function", async () => {
    const zip = makeZip({ 'index.js': handler });
    const { function: f, created } = await deployFunction(app, 'alice', {
      name: 'hello',
      zip,
      config: { runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 256 },
    });
    assert.equal(created, true);
    assert.equal(f.code.sha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(f.code.size, zip.length);
    assert.match(f.code.blobKey, /^functions\/alice\/code\/[0-9a-f]{64}\.zip$/);
    assert.deepEqual(await blobs.get(f.code.blobKey), zip);
    assert.equal(f.memoryMb, 256);
    assert.deepEqual(await getFunction(app, 'alice', 'hello'), f);
  });

  it('deploys again: new code and the named configuration, the rest kept; published versions keep their code', async () => {
    const v1zip = makeZip({ 'index.js': handler });
    const first = (
      await deployFunction(app, 'alice', {
        name: 'hello',
        zip: v1zip,
        config: { runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 256 },
      })
    ).function;
    await app.functions.publishVersion('alice', 'hello');
    const v2zip = makeZip({ 'index.js': 'exports.handler = async () => 2;' });
    const { function: second, created } = await deployFunction(app, 'alice', {
      name: 'hello',
      zip: v2zip,
      config: { runtime: 'nodejs22.x', timeoutS: 30 },
    });
    assert.equal(created, false);
    assert.notEqual(second.code.sha256, first.code.sha256);
    assert.equal(second.memoryMb, 256);
    assert.equal(second.timeoutS, 30);
    assert.equal(second.handler, 'index.handler');
    const v1 = await getFunction(app, 'alice', 'hello:1');
    assert.deepEqual(await blobs.get(v1.code.blobKey), v1zip);
    assert.deepEqual(await blobs.get(second.code.blobKey), v2zip);
  });

  it('refuses what is not a zip, a bad configuration and a bad name, storing nothing', async () => {
    const zip = makeZip({ 'index.js': handler });
    await assert.rejects(
      deployFunction(app, 'alice', {
        name: 'hello',
        zip: Buffer.from('not a zip'),
        config: { runtime: 'nodejs22.x', handler: 'index.handler' },
      }),
      (e) => e instanceof InvalidInput && e.code === ErrorCode.FunctionInvalid,
    );
    await assert.rejects(deployFunction(app, 'alice', { name: 'hello', zip, config: { runtime: 'java21', handler: 'x' } }), InvalidInput);
    await assert.rejects(
      deployFunction(app, 'alice', { name: 'bad name', zip, config: { runtime: 'nodejs22.x', handler: 'index.handler' } }),
      InvalidInput,
    );
    assert.deepEqual(await blobs.list('functions/'), []);
    assert.deepEqual((await listFunctions(app, 'alice', { limit: 10 })).items, []);
  });

  it('refuses a zip over the limit before reading it', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024 + 1);
    await assert.rejects(deployFunction(app, 'alice', { name: 'hello', zip: big, config: { runtime: 'provided' } }), TooLarge);
  });

  it("reads by Lambda's names and qualifiers, lists and deletes a user's own functions only", async () => {
    const zip = makeZip({ bootstrap: '#!/bin/sh\n' });
    await deployFunction(app, 'alice', { name: 'b-fn', zip, config: { runtime: 'provided.al2023' } });
    await deployFunction(app, 'alice', { name: 'a-fn', zip, config: { runtime: 'provided.al2023' } });
    await app.functions.publishVersion('alice', 'a-fn');
    await app.functions.createAlias('alice', 'a-fn', { name: 'live', version: 1 });
    assert.equal((await getFunction(app, 'alice', 'a-fn', 'live')).version, 1);
    assert.equal((await getFunction(app, 'alice', 'arn:aws:lambda:eu-west-1:123456789012:function:a-fn:$LATEST')).version, '$LATEST');
    await assert.rejects(getFunction(app, 'alice', 'a-fn:nope'), (e) => e instanceof NotFound && e.code === ErrorCode.FunctionNotFound);
    await assert.rejects(getFunction(app, 'bob', 'a-fn'), NotFound);
    assert.deepEqual(
      (await listFunctions(app, 'alice', { limit: 10 })).items.map((f) => f.name),
      ['a-fn', 'b-fn'],
    );
    await assert.rejects(deleteFunction(app, 'bob', 'a-fn'), NotFound);
    await deleteFunction(app, 'alice', 'a-fn');
    await assert.rejects(deleteFunction(app, 'alice', 'a-fn'), NotFound);
    assert.deepEqual(
      (await listFunctions(app, 'alice', { limit: 10 })).items.map((f) => f.name),
      ['b-fn'],
    );
  });
});
