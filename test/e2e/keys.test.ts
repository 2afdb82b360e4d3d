/**
 * API keys end to end with a real `hangar up` logging at trace level: keys made with the CLI
 * work once shown, revoked ones stop at the next request, and no raw key, good or bad, is
 * left in the database, its WAL, the blobs or the log (canaries).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { filesContaining } from '../helpers/files.ts';
import { HANGAR_BIN, TEST_ADMIN_KEY, startHangar } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hangar-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('keys from the CLI work, revocation holds, and no raw key is stored or logged', { timeout: 60_000 }, async () => {
  const h = await startHangar(['up'], { HANGAR_DATA_DIR: dir, HANGAR_LOG_LEVEL: 'trace' });
  const cli = (args: string[], key = TEST_ADMIN_KEY) =>
    run(HANGAR_BIN, args, { env: { ...process.env, HANGAR_URL: h.url, HANGAR_API_KEY: key } });
  let stopped = false;
  try {
    const made = await cli(['key', 'create', '--user', 'dana', '--name', 'ci']);
    const key = made.stdout.trim();
    assert.match(key, /^hk_[A-Za-z0-9_-]{43}$/);
    assert.match(made.stderr, /shown this once/);
    assert.match((await cli(['whoami'], key)).stdout, /^dana \(user key /);

    const listed = (await cli(['key', 'list', '--user', 'dana'])).stdout;
    assert.match(listed, new RegExp(key.slice(0, 10)));
    assert.equal(listed.includes(key), false);

    // Use the key for real work, and send bad keys (canaries too).
    const submitted = JSON.parse((await cli(['submit', '--json', '--wait', '--', 'echo', 'hello'], key)).stdout);
    assert.equal(submitted.status, 'SUCCESS');
    const badKey = 'hk_BADcanary00000000000000000000000000000000';
    const bad = await fetch(`${h.url}/tasks`, { headers: { authorization: `Bearer ${badKey}` } });
    assert.equal(bad.status, 401);
    const malformed = await fetch(`${h.url}/tasks`, { headers: { authorization: 'Bearer not-a-key-canary-1234567890' } });
    assert.equal(malformed.status, 401);

    const keyId = JSON.parse((await cli(['key', 'list', '--user', 'dana', '--json'])).stdout).keys[0].keyId;
    await cli(['key', 'revoke', keyId]);
    await assert.rejects(cli(['whoami'], key), (err: { stderr: string; code: number }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /not valid \(unknown or revoked\) \(UNAUTHORIZED\)/);
      return true;
    });

    h.child.kill('SIGTERM');
    await h.exited;
    stopped = true;
    const canaries = [key, TEST_ADMIN_KEY, badKey, 'not-a-key-canary-1234567890'];
    assert.deepEqual(filesContaining(dir, canaries), [], 'no file under the data directory holds a raw key');
    assert.ok(h.output().length > 1000, 'the trace log was captured');
    for (const c of canaries) assert.equal(h.output().includes(c), false, `the log holds ${c.slice(0, 12)}…`);
  } finally {
    if (!stopped) {
      h.child.kill('SIGTERM');
      await h.exited;
    }
  }
});
