/**
 * PUT /functions/{name} with `image`: a function packaged as a container image deployed through
 * the native API (the use case CreateFunction/UpdateFunctionCode call with PackageType Image), its
 * ImageConfig overrides as `imageConfig`, invoked natively in the real sandbox; refusals (400
 * FUNCTION_INVALID, nothing changed) and another user's function (404).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFunctionImage, platformWithImage } from '../helpers/function-image.ts';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import { processesWithEnv, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'PUT', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });
const refused = (r: { statusCode: number; headers: Record<string, unknown>; json(): { code: string; detail?: string } }) => {
  assert.equal(r.statusCode, 400, JSON.stringify(r.json()));
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  assert.equal(r.json().code, 'FUNCTION_INVALID');
  return r.json().detail ?? '';
};

before(async () => {
  ({
    p,
    keys: [alice, bob],
  } = await platformWithImage('alice', 'bob'));
});
after(async () => p?.close());

describe('PUT /functions/{name} with an image', { skip: NO_SANDBOX }, () => {
  it('deploys an image by name, invokes it natively and runs the image’s ENTRYPOINT + CMD', async () => {
    const made = await as(alice, 'PUT', '/functions/boxed', { image: 'my-app', environment: { MINE: 'native' } });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(made.json().image, { uri: 'my-app', name: 'my-app' });
    assert.equal(made.json().handler, null);
    const r = await as(alice, 'POST', '/functions/boxed/invoke', { n: 1 });
    assert.equal(r.statusCode, 200, r.body);
    const seen = r.json();
    assert.equal(seen.handler, 'app.handler', "the image's CMD");
    assert.equal(seen.cwd, '/var/task');
    assert.equal(seen.greeting, 'hello from the image config');
    assert.equal(seen.mine, 'native');
    assert.equal(seen.file, 'from the image\n');
    assert.deepEqual(seen.event, { n: 1 });
    const got = await as(alice, 'GET', '/functions/boxed');
    assert.deepEqual(got.json().image, { uri: 'my-app', name: 'my-app' });
  });

  it('a re-import of the image retires its warm instances: the next invocation runs the new import', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hangar-reimport-'));
    after(() => rmSync(work, { recursive: true, force: true }));
    await importFunctionImage(join(p.dir, 'images'), 'swapped', work);
    assert.equal((await as(alice, 'PUT', '/functions/swapped', { image: 'swapped' })).statusCode, 201);
    const instances = () => processesWithEnv('AWS_LAMBDA_FUNCTION_NAME=swapped').sort();
    const invoke = async () => {
      const r = await as(alice, 'POST', '/functions/swapped/invoke', {});
      assert.equal(r.statusCode, 200, r.body);
      return r.json().file as string;
    };
    assert.equal(await invoke(), 'from the image\n');
    const warm = instances();
    assert.ok(warm.length > 0, 'a warm instance');
    assert.equal(await invoke(), 'from the image\n');
    assert.deepEqual(instances(), warm, 'the warm instance served it');

    await importFunctionImage(join(p.dir, 'images'), 'swapped', work, { hello: 'from the new import\n', replace: true });
    assert.equal(await invoke(), 'from the new import\n', 'not the warm instance of the old import');
    const now = instances();
    assert.ok(now.length > 0);
    assert.deepEqual(
      now.filter((pid) => warm.includes(pid)),
      [],
      "the old import's instance is gone",
    );
    assert.equal(await invoke(), 'from the new import\n');
    assert.deepEqual(instances(), now, "the new import's instance is warm in its turn");
  });

  it('takes an ImageUri and imageConfig, and a redeploy replaces them', async () => {
    const uri = '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-app:v2';
    const made = await as(alice, 'PUT', '/functions/tuned', {
      image: uri,
      imageConfig: { command: ['other.handler', 'extra'], workingDirectory: '/srv' },
    });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(made.json().image, { uri, name: 'my-app', command: ['other.handler', 'extra'], workingDirectory: '/srv' });
    const r = (await as(alice, 'POST', '/functions/tuned/invoke', {})).json();
    assert.equal(r.handler, 'other.handler');
    assert.deepEqual(r.argv, ['other.handler', 'extra']);
    assert.equal(r.cwd, '/srv');

    const again = await as(alice, 'PUT', '/functions/tuned', { image: 'hangar.local/my-app', imageConfig: {}, memoryMb: 256 });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json().image, { uri: 'hangar.local/my-app', name: 'my-app' });
    assert.equal(again.json().memoryMb, 256);
    const r2 = (await as(alice, 'POST', '/functions/tuned/invoke', {})).json();
    assert.equal(r2.handler, 'app.handler');
    assert.equal(r2.cwd, '/var/task');
  });

  it('refuses runtime, handler or layers beside an image, an unknown image, and a change of package, changing nothing', async () => {
    for (const extra of [{ runtime: 'nodejs22.x' }, { handler: 'index.handler' }, { layers: [{ name: 'l', version: 1 }] }]) {
      assert.match(
        refused(await as(alice, 'PUT', '/functions/mixed', { image: 'my-app', ...extra })),
        /no `runtime`, `handler` or `layers`/,
      );
    }
    const zip = makeZip({ 'index.mjs': 'export const handler = async () => 1;\n' }).toString('base64');
    assert.match(refused(await as(alice, 'PUT', '/functions/mixed', { image: 'my-app', zip })), /one of them/);
    assert.match(refused(await as(alice, 'PUT', '/functions/mixed', { image: 'nothing-here' })), /'nothing-here'.*none is imported/);
    assert.match(refused(await as(alice, 'PUT', '/functions/mixed', { image: 'Bad Name!' })), /not an image URI/);
    assert.equal((await as(alice, 'PUT', '/functions/mixed', { image: 'my-app', imageConfig: { entryPoint: 'x' } })).statusCode, 400);
    assert.equal(
      refused(await as(alice, 'PUT', '/functions/mixed', { image: 'my-app', imageConfig: { workingDirectory: 'rel' } })).length > 0,
      true,
    );
    assert.equal((await as(alice, 'GET', '/functions/mixed')).statusCode, 404, 'no refusal made the function');

    const zipped = await as(alice, 'PUT', '/functions/zipped', { zip, runtime: 'nodejs22.x', handler: 'index.handler' });
    assert.equal(zipped.statusCode, 201, zipped.body);
    assert.match(refused(await as(alice, 'PUT', '/functions/zipped', { image: 'my-app' })), /packaged as a zip/);
    assert.match(refused(await as(alice, 'PUT', '/functions/zipped', { zip, imageConfig: { command: ['x'] } })), /image/);
    assert.match(refused(await as(alice, 'PUT', '/functions/boxed', { zip })), /packaged as an image/);
    assert.equal((await as(alice, 'GET', '/functions/zipped')).json().image, undefined);
    assert.deepEqual((await as(alice, 'GET', '/functions/boxed')).json().image, { uri: 'my-app', name: 'my-app' });
  });

  it("is another user's function: 404 to bob, who deploys his own of that name", async () => {
    const got = await as(bob, 'GET', '/functions/boxed');
    assert.equal(got.statusCode, 404);
    assert.equal((await as(bob, 'POST', '/functions/boxed/invoke', {})).statusCode, 404);
    const mine = await as(bob, 'PUT', '/functions/boxed', { image: 'my-app', imageConfig: { command: ['bob.handler'] } });
    assert.equal(mine.statusCode, 201, mine.body);
    assert.equal((await as(bob, 'POST', '/functions/boxed/invoke', {})).json().handler, 'bob.handler');
    assert.deepEqual((await as(alice, 'GET', '/functions/boxed')).json().image, { uri: 'my-app', name: 'my-app' }, 'alice’s unchanged');
  });
});
