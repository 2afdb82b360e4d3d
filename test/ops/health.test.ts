/**
 * /health answers 503 naming the failing check when the blob store cannot store (its health
 * probe directory replaced by a file, so every write there fails), and recovers by itself when
 * it can again; /health/live stays 200 throughout. (The database case: postgres-restart test;
 * compute: the alerts test.)
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
before(async () => {
  p = await testPlatform();
});
after(async () => p?.close());

it('a blob store that cannot store makes /health 503 with checks.storage false, until it can again', {
  skip: process.env.HANGAR_TEST_SHAPE === 'scale-out' ? 'disk blob store only' : false,
}, async () => {
  const health = async () => {
    const r = await p.inject({ method: 'GET', url: '/health', auth: null });
    return { code: r.statusCode, body: r.json() };
  };
  assert.equal((await health()).code, 200);
  const probe = join(p.dir, 'blobs', '_health');
  rmSync(probe, { recursive: true, force: true });
  mkdirSync(join(p.dir, 'blobs'), { recursive: true });
  writeFileSync(probe, 'not a directory');
  const down = await health();
  assert.equal(down.code, 503);
  assert.equal(down.body.status, 'unhealthy');
  assert.deepEqual(down.body.checks, { database: true, storage: false, compute: true });
  assert.equal((await p.inject({ method: 'GET', url: '/health/live', auth: null })).statusCode, 200);
  rmSync(probe);
  const up = await health();
  assert.equal(up.code, 200);
  assert.equal(up.body.status, 'healthy');
});
