/**
 * A data directory under a parent the sandbox uid cannot pass (0700, as /root): the directory
 * walk names the parent; a started Hangar warns at start-up with the directory and the fix, as
 * `hangar doctor` does, and an invocation answers 503 (that functions cannot start here, without
 * the host's paths) instead of an obscure runtime exit; once the parent is opened (chmod o+x),
 * the next invocation runs, without a restart. Real directories, a real
 * sandbox (skipped, with the reason, where the host cannot sandbox).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { doctor, doctorWarnings } from '../../src/cli/doctor.ts';
import { barrierOnTheWay, UNREACHABLE_FOR_CALLERS } from '../../src/functions/reach.ts';
import { createLogger } from '../../src/log/index.ts';
import { startPlatform } from '../../src/runtime/index.ts';
import { ADMIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const UID = 64100;
let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'hangar-reach-'));
  chmodSync(root, 0o755);
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('barrierOnTheWay', () => {
  it('names the first directory the uid cannot search, up to the first that does not exist yet', async () => {
    const closed = join(root, 'walk', 'closed');
    mkdirSync(join(closed, 'data', 'deep'), { recursive: true });
    chmodSync(join(root, 'walk'), 0o755);
    chmodSync(closed, 0o700);
    assert.deepEqual(await barrierOnTheWay(join(closed, 'data', 'deep', 'not-yet', 'code'), UID), { dir: closed, mode: 0o700 });
    chmodSync(closed, 0o711);
    assert.equal(await barrierOnTheWay(join(closed, 'data', 'deep', 'not-yet', 'code'), UID), null, 'search without listing is enough');
    chmodSync(join(closed, 'data'), 0o750);
    assert.deepEqual(await barrierOnTheWay(join(closed, 'data', 'deep'), UID), { dir: join(closed, 'data'), mode: 0o750 });
    assert.deepEqual(await barrierOnTheWay(join(closed, 'data'), UID), { dir: join(closed, 'data'), mode: 0o750 }, 'itself too');
  });
});

describe('a data directory under a 0700 parent', { skip }, () => {
  it('warns at start-up and in doctor, and answers every invocation 503 until it is fixed', async () => {
    const parent = join(root, 'private');
    mkdirSync(parent, { mode: 0o700 });
    chmodSync(parent, 0o700);
    const lines: Array<{ level: number; msg: string; why?: string }> = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    });
    const config = loadConfig({
      env: {
        HANGAR_PORT: '0',
        HANGAR_DATA_DIR: join(parent, 'data'),
        HANGAR_WORKERS: '1',
        HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
        HANGAR_SHUTDOWN_GRACE_MS: '0',
        HANGAR_SANDBOX_UID: String(UID),
      },
    });
    const p = await startPlatform(config, { api: true, workers: true }, { log: createLogger('warn', out) });
    try {
      const warned = lines.find((l) => l.msg === 'functions cannot run here');
      assert.ok(warned, JSON.stringify(lines));
      assert.equal(warned.level, 40);
      assert.match(warned.why ?? '', new RegExp(`${parent} \\(mode 0700\\).*chmod o\\+x ${parent}.*HANGAR_DATA_DIR`));

      const inject = (method: 'PUT' | 'POST', url: string, payload: object) => p.app!.inject({ method, url, payload, headers: ADMIN });
      const zip = makeZip({ 'index.js': 'exports.handler = async () => "ran";' });
      const made = await inject('PUT', '/functions/f', { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' });
      assert.equal(made.statusCode, 201, made.body);
      const refused = await inject('POST', '/functions/f/invoke', {});
      assert.equal(refused.statusCode, 503, refused.body);
      // The caller learns that functions cannot start here, not the host's paths: those are the
      // operator's, in the log above and in `hangar doctor`.
      assert.equal(refused.json().detail, UNREACHABLE_FOR_CALLERS);
      assert.ok(!refused.body.includes(parent), refused.body);
      const report = await doctor(config);
      assert.deepEqual(report.functions, { reachable: false, problem: warned.why });
      assert.ok(doctorWarnings(report).includes(warned.why!));

      chmodSync(parent, 0o711);
      const ran = await inject('POST', '/functions/f/invoke', {});
      assert.equal(ran.statusCode, 200, ran.body);
      assert.equal(ran.json(), 'ran');
      assert.deepEqual((await doctor(config)).functions, { reachable: true, problem: null });
    } finally {
      await p.close();
    }
  });
});
