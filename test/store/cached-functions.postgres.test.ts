/**
 * The invocation path's function reads from memory on PostgreSQL (src/store/cached-functions.ts),
 * where several processes write: each write is announced (NOTIFY), and another process's cache
 * forgets what it read when it hears it. The time to live is made long here, so only the notice
 * can make the second store see a change.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { codeOf, newFunction } from '../conformance/functions.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';
import { until } from '../helpers/platform.ts';

after(() => dropTestSchemas());

describe('function reads kept in memory, on PostgreSQL', () => {
  let writer: PostgresStore;
  let reader: PostgresStore;

  beforeEach(async () => {
    const schema = freshSchema();
    writer = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    // Another API node on the same database, keeping what it reads for a minute unless told.
    reader = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 2, functionReadTtlMs: 60_000 });
  });
  afterEach(async () => {
    await writer.close();
    await reader.close();
  });

  it("another process's write reaches this one's kept reads by its notice", async () => {
    await writer.functions.createFunction(newFunction());
    assert.equal((await reader.functions.getFunction('alice', 'hello'))?.code.sha256, codeOf('v1').sha256);
    assert.equal(await reader.functions.getConcurrency('alice', 'hello'), null);
    await writer.functions.updateFunctionCode('alice', 'hello', codeOf('v2'));
    await until(
      async () => ((await reader.functions.getFunction('alice', 'hello'))?.code.sha256 === codeOf('v2').sha256 ? true : null),
      10_000,
    );
    await writer.functions.putConcurrency('alice', 'hello', 4);
    await until(async () => ((await reader.functions.getConcurrency('alice', 'hello')) === 4 ? true : null), 10_000);
    await writer.functions.deleteFunction('alice', 'hello');
    await until(async () => ((await reader.functions.getFunction('alice', 'hello')) === null ? true : null), 10_000);
  });

  it("this process's own writes are seen at once", async () => {
    await reader.functions.createFunction(newFunction());
    await reader.functions.getFunction('alice', 'hello');
    await reader.functions.updateFunctionConfiguration('alice', 'hello', { memoryMb: 256 });
    assert.equal((await reader.functions.getFunction('alice', 'hello'))?.memoryMb, 256);
  });
});
