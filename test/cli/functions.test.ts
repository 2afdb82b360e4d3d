/**
 * `hangar function deploy|list|get|rm|publish|versions|alias|concurrency|url` and `hangar layer`: real `hangar` processes against a real platform (in this
 * process, port 0). A directory is zipped by the CLI and read back by an independent reader
 * (Python's zipfile): names, contents and the executable bit of a `provided` bootstrap.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accountIdOf } from '../../src/aws/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_ADMIN_KEY } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');

let p: TestPlatform;
let alice: string;
let bob: string;
const scratch = mkdtempSync(join(tmpdir(), 'hangar-cli-functions-'));
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
});
after(async () => {
  await p.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function hangar(key: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: { ...process.env, HANGAR_URL: p.url!, HANGAR_API_KEY: key }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** What Python's zipfile reads in a zip: name → [content, mode]. */
function readZip(zip: Buffer): Record<string, [string, string]> {
  const path = join(scratch, `read-${Date.now()}.zip`);
  writeFileSync(path, zip);
  const script =
    'import json, sys, zipfile\n' +
    'z = zipfile.ZipFile(sys.argv[1])\n' +
    'print(json.dumps({i.filename: [z.read(i).decode(), oct(i.external_attr >> 16 & 0o777)] for i in z.infolist()}))';
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
}

describe('hangar function', () => {
  test('deploy --dir zips a directory with its modes; get, list and rm show and remove it', async () => {
    const dir = join(scratch, 'app');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'bootstrap'), '#!/bin/sh\necho hi\n');
    chmodSync(join(dir, 'bootstrap'), 0o755);
    writeFileSync(join(dir, 'lib', 'data.txt'), 'x'.repeat(10_000));

    const made = await hangar(alice, 'function', 'deploy', 'boot', '--runtime', 'provided.al2023', '--dir', dir, '--timeout', '30');
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^boot: created \(provided\.al2023, /);

    const zip = (await p.inject({ method: 'GET', url: '/functions/boot/code', auth: alice })).rawPayload;
    assert.deepEqual(readZip(zip), {
      bootstrap: ['#!/bin/sh\necho hi\n', '0o755'],
      'lib/data.txt': ['x'.repeat(10_000), '0o644'],
    });
    assert.ok(zip.length < 10_000, 'deflated');

    assert.equal(
      (await p.inject({ method: 'PUT', url: '/secrets/API_TOKEN', auth: alice, payload: { value: 'token-value-123456' } })).statusCode <
        300,
      true,
    );
    const again = await hangar(
      alice,
      'function',
      'deploy',
      'boot',
      '--dir',
      dir,
      '--memory',
      '256',
      '--network',
      'egress',
      '--secret',
      'API_TOKEN',
      '--json',
    );
    assert.equal(again.code, 0, again.stderr);
    const f = JSON.parse(again.stdout);
    assert.equal(f.memoryMb, 256);
    assert.equal(f.network, 'egress');
    assert.deepEqual(f.secrets, ['API_TOKEN']);
    const bad = await hangar(alice, 'function', 'deploy', 'boot', '--dir', dir, '--network', 'everywhere');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /network/);
    assert.equal(f.timeoutS, 30, 'kept');

    const shown = await hangar(alice, 'function', 'get', 'boot');
    assert.equal(shown.code, 0, shown.stderr);
    for (const line of [/^function +boot$/m, /^runtime +provided\.al2023$/m, /^memory +256 MB$/m, /^timeout +30 s$/m, /^versions +0$/m])
      assert.match(shown.stdout, line);
    assert.match(shown.stdout, new RegExp(`sha256 ${f.code.sha256.replace(/[+/]/g, '\\$&')}`), 'the same directory makes the same zip');

    const listed = await hangar(alice, 'function', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME +RUNTIME/m);
    assert.match(listed.stdout, /^boot +provided\.al2023 /m);

    const removed = await hangar(alice, 'function', 'rm', 'boot');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout.trim(), 'boot: deleted');
    assert.match((await hangar(alice, 'function', 'list')).stdout, /no functions/);
  });

  test('deploy --log-format json --log-level sets JSON logs (the native API’s logging); levels with text are refused', async () => {
    const file = join(scratch, 'logs.zip');
    writeFileSync(file, makeZip({ 'index.js': 'exports.handler = async () => 1;\n' }));
    const deploy = (...args: string[]) => hangar(alice, 'function', 'deploy', 'logged', '--zip', file, ...args);
    const made = await deploy('--runtime', 'nodejs22.x', '--handler', 'index.handler', '--json');
    assert.equal(made.code, 0, made.stderr);
    assert.deepEqual(JSON.parse(made.stdout).logging, { format: 'Text' });
    const json = await deploy('--log-format', 'json', '--log-level', 'debug', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).logging, { format: 'JSON', applicationLogLevel: 'DEBUG', systemLogLevel: 'INFO' });
    const kept = await deploy('--memory', '256', '--json');
    assert.deepEqual(JSON.parse(kept.stdout).logging.applicationLogLevel, 'DEBUG', 'not given: kept');
    assert.match((await hangar(alice, 'function', 'get', 'logged')).stdout, /^logs +JSON \(application DEBUG, system INFO\)$/m);
    const refused = await deploy('--log-format', 'text', '--log-level', 'warn');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /JSON log format only/);
    const native = await p.inject({
      method: 'PUT',
      url: '/functions/logged',
      auth: alice,
      payload: { zip: readFileSync(file).toString('base64'), logging: { systemLogLevel: 'LOUD' } },
    });
    assert.equal(native.statusCode, 400);
    assert.match(native.json().detail, /system log level 'LOUD'/);
    assert.equal((await deploy('--log-format', 'text')).code, 0);
    assert.match((await hangar(alice, 'function', 'get', 'logged')).stdout, /^logs +Text$/m);
  });

  test('deploy --zip with --handler and --env; --user for an admin', async () => {
    const file = join(scratch, 'fn.zip');
    writeFileSync(file, makeZip({ 'index.mjs': 'export const handler = async () => 1;\n' }));
    const r = await hangar(
      TEST_ADMIN_KEY,
      'function',
      'deploy',
      'zipped',
      '--user',
      'alice',
      '--runtime',
      'nodejs22.x',
      '--handler',
      'index.handler',
      '--zip',
      file,
      '--env',
      'AA=1',
      '--env',
      'B_=x=y',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.equal(f.userId, 'alice');
    assert.deepEqual(f.environment, { AA: '1', B_: 'x=y' });
    assert.equal((await hangar(alice, 'function', 'get', 'zipped', '--json')).code, 0, "alice's own");
  });

  test('deploy --project ID[@VERSION]: the latest version by default, the version named otherwise', async () => {
    const projectId = (await p.inject({ method: 'POST', url: '/projects', payload: { name: 'code' }, auth: alice })).json().projectId;
    for (const body of ['v1', 'v2']) {
      const dir = join(scratch, `proj-${body}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.js'), `exports.handler = async () => '${body}';\n`);
      const archive = execFileSync('tar', ['-czf', '-', '-C', dir, 'index.js']);
      const up = await p.inject({
        method: 'PUT',
        url: `/projects/${projectId}/files`,
        payload: archive,
        headers: { 'content-type': 'application/gzip' },
        auth: alice,
      });
      assert.equal(up.statusCode, 201, up.body);
    }
    const deploy = (...more: string[]) =>
      hangar(alice, 'function', 'deploy', 'fromproj', '--runtime', 'nodejs22.x', '--handler', 'index.handler', '--json', ...more);
    const latest = await deploy('--project', projectId);
    assert.equal(latest.code, 0, latest.stderr);
    const v1 = await deploy('--project', `${projectId}@1`);
    assert.equal(v1.code, 0, v1.stderr);
    assert.notEqual(JSON.parse(v1.stdout).code.sha256, JSON.parse(latest.stdout).code.sha256);
    const v2 = await deploy('--project', `${projectId}@2`);
    assert.equal(JSON.parse(v2.stdout).code.sha256, JSON.parse(latest.stdout).code.sha256, 'the latest was version 2');

    const missing = await deploy('--project', `${projectId}@7`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no version 7/);
    assert.equal((await deploy('--project', 'x@y')).code, 2);
    assert.equal((await deploy('--project', projectId, '--zip', join(scratch, 'fn.zip'))).code, 2);
  });

  test('publish, versions, alias set|rm and concurrency change what the API shows', async () => {
    const file = join(scratch, 'ver.zip');
    writeFileSync(file, makeZip({ 'index.mjs': 'export const handler = async () => 1;\n' }));
    const deploy = (...more: string[]) => hangar(alice, 'function', 'deploy', 'ver', '--zip', file, ...more);
    assert.equal((await deploy('--runtime', 'nodejs22.x', '--handler', 'index.handler')).code, 0);

    const v1 = await hangar(alice, 'function', 'publish', 'ver', '--description', 'first');
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /^ver: version 1 \(sha256 \S+\)$/m);
    const revision = JSON.parse((await hangar(alice, 'function', 'get', 'ver', '--json')).stdout).revisionId;
    assert.equal((await deploy('--memory', '256')).code, 0, 'a change after the read');
    const stale = await hangar(alice, 'function', 'publish', 'ver', '--if-revision', revision);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /FUNCTION_REVISION_MISMATCH/);
    const v2 = await hangar(alice, 'function', 'publish', 'ver', '--json');
    assert.equal(v2.code, 0, v2.stderr);
    assert.equal(JSON.parse(v2.stdout).version, '2');

    const set = await hangar(alice, 'function', 'alias', 'set', 'ver', 'live', '1');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'ver:live → version 1 (created)');
    assert.equal((await hangar(alice, 'function', 'alias', 'set', 'ver', 'live', '2')).stdout.trim(), 'ver:live → version 2 (updated)');
    const versions = await hangar(alice, 'function', 'versions', 'ver');
    assert.equal(versions.code, 0, versions.stderr);
    assert.match(versions.stdout, /^VERSION +RUNTIME +MEMORY +CODE +ALIASES/m);
    assert.match(versions.stdout, /^1 +nodejs22\.x +128 MB +\d+ B +- +first /m);
    assert.match(versions.stdout, /^2 +nodejs22\.x +256 MB .* live /m);
    const api = (await p.inject({ method: 'GET', url: '/functions/ver/aliases/live', auth: alice })).json();
    assert.equal(api.version, '2');
    const rm = await hangar(alice, 'function', 'alias', 'rm', 'ver', 'live');
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout.trim(), 'ver:live: deleted');
    assert.equal((await p.inject({ method: 'GET', url: '/functions/ver/aliases/live', auth: alice })).statusCode, 404);

    const reserve = await hangar(alice, 'function', 'concurrency', 'ver', '7');
    assert.equal(reserve.code, 0, reserve.stderr);
    assert.equal(reserve.stdout.trim(), 'ver: reserved concurrency 7');
    const clear = await hangar(alice, 'function', 'concurrency', 'ver', '--clear', '--json');
    assert.equal(clear.code, 0, clear.stderr);
    assert.deepEqual(JSON.parse(clear.stdout), { name: 'ver', reserved: null });
    const neither = await hangar(alice, 'function', 'concurrency', 'ver');
    assert.equal(neither.code, 2, neither.stderr);
    assert.match(neither.stderr, /N or --clear/);
    assert.equal((await hangar(alice, 'function', 'concurrency', 'ver', '3', '--clear')).code, 2);
    const none = await hangar(alice, 'function', 'versions', 'nope');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /FUNCTION_NOT_FOUND/);
  });

  test('url set|get|rm gives a function its URL, shows where it is served and removes it', async () => {
    const zip = makeZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64');
    const deployed = await p.inject({
      method: 'PUT',
      url: '/functions/urlfn',
      auth: alice,
      payload: { zip, runtime: 'nodejs22.x', handler: 'index.handler' },
    });
    assert.equal(deployed.statusCode, 201, deployed.body);
    const set = await hangar(alice, 'function', 'url', 'set', 'urlfn', '--auth', 'none', '--cors-origin', 'https://a.example');
    assert.equal(set.code, 0, set.stderr);
    const [address, auth] = set.stdout.trim().split('\n');
    assert.match(address, new RegExp(`^${p.url}/lambda-url/[a-z0-9]{32}/$`));
    assert.equal(auth.trim(), 'auth NONE, CORS from https://a.example');
    assert.match(set.stderr, /lambda:InvokeFunctionUrl and lambda:InvokeFunction/);
    const got = JSON.parse((await hangar(alice, 'function', 'url', 'get', 'urlfn', '--json')).stdout);
    assert.equal(got.url, address);
    assert.equal(got.authType, 'NONE');
    const changed = await hangar(alice, 'function', 'url', 'set', 'urlfn', '--no-cors');
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(changed.stdout.trim().split('\n')[1].trim(), 'auth AWS_IAM');
    const rm = await hangar(alice, 'function', 'url', 'rm', 'urlfn');
    assert.equal(rm.stdout.trim(), 'urlfn: URL deleted');
    const gone = await hangar(alice, 'function', 'url', 'get', 'urlfn');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /FUNCTION_URL_NOT_FOUND/);
  });

  test('refusals: the server’s detail and code, exit 1; usage errors exit 2', async () => {
    const notZip = join(scratch, 'not.zip');
    writeFileSync(notZip, 'plain text');
    const bad = await hangar(alice, 'function', 'deploy', 'bad', '--runtime', 'nodejs', '--handler', 'i.h', '--zip', notZip);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a zip file \(FUNCTION_INVALID\)/);
    const memory = await hangar(
      alice,
      'function',
      'deploy',
      'bad',
      '--runtime',
      'nodejs',
      '--handler',
      'i.h',
      '--zip',
      join(scratch, 'fn.zip'),
      '--memory',
      '64',
    );
    assert.equal(memory.code, 1);
    assert.match(memory.stderr, /memory \(MB\) must be a whole number from 128 to 10240.*\(FUNCTION_INVALID\)/);
    const missing = await hangar(alice, 'function', 'get', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /FUNCTION_NOT_FOUND/);
    const both = await hangar(alice, 'function', 'deploy', 'bad', '--runtime', 'nodejs', '--zip', notZip, '--dir', scratch);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--zip FILE, --dir DIR, --project ID\[@VERSION\] or --image NAME/);
    assert.equal((await hangar(alice, 'function', 'deploy', 'bad', '--memory', 'lots', '--zip', notZip)).code, 2);
  });
});

describe('hangar layer', () => {
  test('publish --dir and --zip, list, versions, get, grant (another user reads it), policy, revoke, rm', async () => {
    const dir = join(scratch, 'layer');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool\n');
    chmodSync(join(dir, 'bin', 'tool'), 0o755);
    const v1 = await hangar(alice, 'layer', 'publish', 'cli-lib', '--dir', dir, '--runtime', 'nodejs22.x', '--description', 'tools');
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /^cli-lib: version 1 published/);
    const zipFile = join(scratch, 'layer.zip');
    writeFileSync(zipFile, makeZip({ 'python/m.py': 'X = 1' }));
    const v2 = await hangar(alice, 'layer', 'publish', 'cli-lib', '--zip', zipFile, '--json');
    assert.equal(v2.code, 0, v2.stderr);
    assert.equal(JSON.parse(v2.stdout).version, 2);

    const zip = (await p.inject({ method: 'GET', url: '/layers/cli-lib/versions/1/content', auth: alice })).rawPayload;
    assert.deepEqual(readZip(zip), { 'bin/tool': ['#!/bin/sh\necho tool\n', '0o755'] });
    assert.match((await hangar(alice, 'layer', 'list')).stdout, /cli-lib\s+2\s/);
    assert.match((await hangar(alice, 'layer', 'versions', 'cli-lib')).stdout, /cli-lib\s+2[\s\S]*cli-lib\s+1\s+nodejs22\.x/);
    assert.match((await hangar(alice, 'layer', 'get', 'cli-lib', '1')).stdout, /description\s+tools/);

    // Shared with bob's account: bob reads it by alice's user id; not before, not after.
    assert.equal((await hangar(bob, 'layer', 'get', 'cli-lib', '1', '--user', 'alice')).code, 1);
    const granted = await hangar(alice, 'layer', 'grant', 'cli-lib', '1', accountIdOf('bob'));
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, new RegExp(`shared with ${accountIdOf('bob')} \\(statement ${accountIdOf('bob')}\\)`));
    assert.match((await hangar(alice, 'layer', 'policy', 'cli-lib', '1')).stdout, new RegExp(`arn:aws:iam::${accountIdOf('bob')}:root`));
    const read = await hangar(bob, 'layer', 'get', 'cli-lib', '1', '--user', 'alice');
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /user\s+alice/);
    assert.equal((await hangar(alice, 'layer', 'revoke', 'cli-lib', '1', accountIdOf('bob'))).code, 0);
    const after = await hangar(bob, 'layer', 'get', 'cli-lib', '1', '--user', 'alice');
    assert.equal(after.code, 1);

    assert.equal((await hangar(alice, 'layer', 'rm', 'cli-lib', '1')).code, 0);
    const gone = await hangar(alice, 'layer', 'get', 'cli-lib', '1');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /LAYER_NOT_FOUND/);
    const neither = await hangar(alice, 'layer', 'publish', 'cli-lib');
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /--zip FILE or --dir DIR/);
  });
});
