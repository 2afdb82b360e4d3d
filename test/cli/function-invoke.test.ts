/**
 * `hangar function invoke`: a real `hangar` process against a real platform with workers (the
 * sandbox): the result on stdout, the log on stderr with --log, a function error exits 1;
 * --type Event queues it.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { runCli, TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;

let p: TestPlatform;
let alice: string;
before(async () => {
  if (skip) return;
  p = await testPlatform();
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  const zip = makeZip({
    'index.js': `exports.handler = async (event) => { console.log('got', JSON.stringify(event)); return { doubled: event.n * 2 }; };`,
    'fail.js': `exports.handler = async () => { throw new Error('broken'); };`,
  });
  for (const [name, handler] of [
    ['double', 'index.handler'],
    ['broken', 'fail.handler'],
  ]) {
    const r = await p.inject({
      method: 'PUT',
      url: `/functions/${name}`,
      auth: alice,
      payload: { zip: zip.toString('base64'), runtime: 'nodejs', handler },
    });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(() => p?.close());

const hangar = (...args: string[]) => runCli(p.url!, alice, args);

describe('hangar function invoke', { skip }, () => {
  test('prints the result, and the log with --log', async () => {
    const r = await hangar('function', 'invoke', 'double', '--payload', '{"n":21}', '--log');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { doubled: 42 });
    assert.match(r.stderr, /^START RequestId: /);
    assert.match(r.stderr, /got \{"n":21\}/);
    assert.match(r.stderr, /REPORT RequestId: /);
  });

  test('a function error prints its document and exits 1; bad --payload is a usage error', async () => {
    const r = await hangar('function', 'invoke', 'broken');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).errorMessage, 'broken');
    const bad = await hangar('function', 'invoke', 'double', '--payload', '{nope');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--payload must be JSON/);
  });

  test('--type Event queues it: its ids printed, a worker runs it; another --type is a usage error', async () => {
    const r = await hangar('function', 'invoke', 'double', '--payload', '{"n":4}', '--type', 'Event', '--json');
    assert.equal(r.code, 0, r.stderr);
    const { requestId, taskId } = JSON.parse(r.stdout);
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    let t: { status: string; detailedResults?: { result?: unknown } } = { status: 'PENDING' };
    for (let i = 0; i < 300 && !['SUCCESS', 'FAILED'].includes(t.status); i++) {
      await new Promise((res) => setTimeout(res, 100));
      t = (await p.inject({ method: 'GET', url: `/tasks/${taskId}`, auth: alice })).json();
    }
    assert.equal(t.status, 'SUCCESS');
    assert.deepEqual(t.detailedResults?.result, { doubled: 8 });
    const bad = await hangar('function', 'invoke', 'double', '--type', 'Later');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--type must be RequestResponse or Event/);
  });
});
