/** The function use cases beyond deploy (src/app/function-admin.ts) on the embedded store; the
 *  Lambda API tests (test/aws/lambda-functions*.test.ts) drive them on both backends. */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  createFunction,
  functionUsage,
  getAlias,
  listAliases,
  listVersions,
  updateFunctionCode,
  createAlias,
  deleteAlias,
} from '../../src/app/index.ts';
import { Conflict, ErrorCode, InvalidInput, NotFound } from '../../src/core/index.ts';
import { embeddedFunctionsApp, type EmbeddedFunctionsApp } from '../helpers/functions-app.ts';
import { makeZip } from '../helpers/zip.ts';

const config = { runtime: 'nodejs22.x', handler: 'index.handler' };
const zipOf = (n: number) => makeZip({ 'index.js': `exports.handler = async () => ${n};` });

describe('function administration use cases', () => {
  const ctx = embeddedFunctionsApp();
  let app: EmbeddedFunctionsApp;
  let blobs: EmbeddedFunctionsApp['blobs'];
  beforeEach(() => {
    app = ctx();
    blobs = app.blobs;
  });

  it('creates only: a taken name is a conflict, and a refused create stores no code', async () => {
    await createFunction(app, 'alice', { name: 'f', zip: zipOf(1), config });
    await assert.rejects(
      createFunction(app, 'alice', { name: 'f', zip: zipOf(2), config }),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionExists,
    );
    await assert.rejects(createFunction(app, 'alice', { name: 'g', zip: zipOf(3), config: { runtime: 'java21' } }), InvalidInput);
    assert.equal((await blobs.list('functions/alice/')).length, 1, 'only the first zip was stored');
    const published = await createFunction(app, 'alice', { name: 'p', zip: zipOf(1), config, publish: true });
    assert.equal(published.version, 1);
  });

  it('a dry run of new code changes nothing; Publish publishes what it stored', async () => {
    const f = await createFunction(app, 'alice', { name: 'f', zip: zipOf(1), config });
    const dry = await updateFunctionCode(app, 'alice', 'f', { zip: zipOf(2), dryRun: true });
    assert.notEqual(dry.code.sha256, f.code.sha256);
    assert.equal((await app.functions.getFunction('alice', 'f'))?.revisionId, f.revisionId);
    assert.equal((await blobs.list('functions/alice/')).length, 1);
    const v1 = await updateFunctionCode(app, 'alice', 'f', { zip: zipOf(2), publish: true, revisionId: f.revisionId });
    assert.equal(v1.version, 1);
    assert.equal(v1.code.sha256, dry.code.sha256);
    assert.deepEqual(
      (await listVersions(app, 'alice', 'f')).map((v) => v.version),
      ['$LATEST', 1],
    );
  });

  it('aliases: filtered by version, a missing function told from a missing alias, a second delete is harmless', async () => {
    await createFunction(app, 'alice', { name: 'f', zip: zipOf(1), config, publish: true });
    await createAlias(app, 'alice', 'f', { name: 'live', version: '1' });
    await createAlias(app, 'alice', 'f', { name: 'edge', version: '$LATEST' });
    assert.deepEqual(
      (await listAliases(app, 'alice', 'f', '1')).map((a) => a.name),
      ['live'],
    );
    await assert.rejects(getAlias(app, 'alice', 'f', 'nope'), (e) => e instanceof NotFound && e.code === ErrorCode.FunctionAliasNotFound);
    await assert.rejects(getAlias(app, 'alice', 'g', 'live'), (e) => e instanceof NotFound && e.code === ErrorCode.FunctionNotFound);
    await assert.rejects(getAlias(app, 'bob', 'f', 'live'), (e) => e instanceof NotFound && e.code === ErrorCode.FunctionNotFound);
    await deleteAlias(app, 'alice', 'f', 'edge');
    await deleteAlias(app, 'alice', 'f', 'edge');
    await assert.rejects(deleteAlias(app, 'bob', 'f', 'live'), NotFound);
  });

  it("counts a user's functions and the code of every version, no one else's", async () => {
    assert.deepEqual(await functionUsage(app, 'alice'), { functionCount: 0, codeBytes: 0 });
    await createFunction(app, 'alice', { name: 'a', zip: zipOf(1), config, publish: true });
    await createFunction(app, 'alice', { name: 'b', zip: zipOf(22), config });
    await createFunction(app, 'bob', { name: 'a', zip: zipOf(333), config });
    assert.deepEqual(await functionUsage(app, 'alice'), { functionCount: 2, codeBytes: 2 * zipOf(1).length + zipOf(22).length });
  });
});
