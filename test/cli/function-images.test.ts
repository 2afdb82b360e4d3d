/**
 * `hangar function deploy NAME --image ...`: a real `hangar` process deploys a function packaged
 * as a container image imported on a real platform with workers (the sandbox), with
 * --entry-point/--command/--workdir as its ImageConfig; `function invoke` runs the image; `get`
 * shows it; refusals (usage errors, and the server's FUNCTION_INVALID); another user's 404.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { platformWithImage } from '../helpers/function-image.ts';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import type { TestPlatform } from '../helpers/platform.ts';
import { runCli } from '../helpers/process.ts';

let p: TestPlatform;
let alice: string;
let bob: string;
before(async () => {
  ({
    p,
    keys: [alice, bob],
  } = await platformWithImage('alice', 'bob'));
});
after(async () => p?.close());

const as = (key: string, ...args: string[]) => runCli(p.url!, key, args);

describe('hangar function deploy --image', { skip: NO_SANDBOX }, () => {
  test('deploys an image, with ImageConfig from the flags, that function invoke runs; get shows it', async () => {
    const made = await as(alice, 'function', 'deploy', 'boxed', '--image', 'hangar.local/team/my-app:v1');
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^boxed: created \(image hangar\.local\/team\/my-app:v1, sha256 /);
    const ran = await as(alice, 'function', 'invoke', 'boxed', '--payload', '{"n":1}');
    assert.equal(ran.code, 0, ran.stderr);
    const seen = JSON.parse(ran.stdout);
    assert.equal(seen.handler, 'app.handler', "the image's CMD");
    assert.equal(seen.cwd, '/var/task');
    assert.deepEqual(seen.event, { n: 1 });

    const tuned = await as(
      alice,
      'function',
      'deploy',
      'boxed',
      '--image',
      'my-app',
      '--command',
      'other.handler  extra',
      '--workdir',
      '/srv',
    );
    assert.equal(tuned.code, 0, tuned.stderr);
    assert.match(tuned.stdout, /^boxed: updated \(image my-app, /);
    const again = JSON.parse((await as(alice, 'function', 'invoke', 'boxed')).stdout);
    assert.deepEqual(again.argv, ['other.handler', 'extra']);
    assert.equal(again.cwd, '/srv');

    const got = await as(alice, 'function', 'get', 'boxed');
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /image\s+my-app, command other\.handler extra, workdir \/srv/);
    const json = JSON.parse((await as(alice, 'function', 'get', 'boxed', '--json')).stdout);
    assert.deepEqual(json.image, { uri: 'my-app', name: 'my-app', command: ['other.handler', 'extra'], workingDirectory: '/srv' });
  });

  test('refuses a runtime or a second code beside --image, and image flags without it, as usage errors (exit 2)', async () => {
    for (const args of [
      ['--image', 'my-app', '--runtime', 'nodejs22.x'],
      ['--image', 'my-app', '--zip', join(tmpdir(), 'none.zip')],
      ['--dir', tmpdir(), '--command', 'x'],
    ]) {
      const r = await as(alice, 'function', 'deploy', 'mixed', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const unknown = await as(alice, 'function', 'deploy', 'mixed', '--image', 'nothing-here');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /FUNCTION_INVALID/);
    assert.match(unknown.stderr, /'nothing-here'/);
    assert.equal((await as(alice, 'function', 'get', 'mixed')).code, 1, 'nothing made');
  });

  test("another user's image function is not found; his own of that name is his", async () => {
    const other = await as(bob, 'function', 'invoke', 'boxed');
    assert.equal(other.code, 1);
    assert.match(other.stderr, /FUNCTION_NOT_FOUND|not found/i);
    const mine = await as(
      bob,
      'function',
      'deploy',
      'boxed',
      '--image',
      'my-app',
      '--entry-point',
      '/usr/bin/node /var/runtime/bootstrap.mjs',
    );
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal(JSON.parse((await as(bob, 'function', 'invoke', 'boxed')).stdout).handler, 'app.handler');
    assert.equal(JSON.parse((await as(alice, 'function', 'get', 'boxed', '--json')).stdout).image.workingDirectory, '/srv');
  });
});
