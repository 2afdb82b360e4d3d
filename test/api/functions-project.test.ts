/**
 * A function's code from a project version (PUT /functions/{name} with `project`), on a started
 * Hangar: the version's files become the zip (modes kept), the same version twice is the same
 * CodeSha256 and a later one is new code, another user's project and a missing version are 404
 * in problem+json, and (where the host can sandbox) the function answers from the project's file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { unzipTo, zipEntries } from '../../src/functions/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const scratch = mkdtempSync(join(tmpdir(), 'hangar-fnproj-'));
let p: TestPlatform;
let alice: string;
let bob: string;
let n = 0;

/** A tar.gz of these files (path → content; a trailing '*': executable), as a user uploads it. */
async function archiveOf(files: Record<string, string>): Promise<Buffer> {
  const dir = join(scratch, `src-${n++}`);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name.replace(/\*$/, ''));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    chmodSync(path, name.endsWith('*') ? 0o755 : 0o644);
  }
  const chunks: Buffer[] = [];
  for await (const c of tar.c({ gzip: true, cwd: dir, portable: true }, readdirSync(dir)) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'PUT', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });
const newProject = async (key: string) => {
  const r = await as(key, 'POST', '/projects', { name: 'fn' });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().projectId as string;
};
const upload = async (key: string, id: string, files: Record<string, string>) => {
  const r = await p.inject({
    method: 'PUT',
    url: `/projects/${id}/files`,
    payload: await archiveOf(files),
    headers: { 'content-type': 'application/gzip' },
    auth: key,
  });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().version as number;
};
const deploy = (key: string, name: string, project: object, extra: object = {}) =>
  as(key, 'PUT', `/functions/${name}`, { project, runtime: 'nodejs22.x', handler: 'index.handler', ...extra });

const handler = (msg: string) => ({
  'index.js': `const fs = require('node:fs');
exports.handler = async () => ({ msg: fs.readFileSync(__dirname + '/lib/msg.txt', 'utf8') });`,
  'lib/msg.txt': msg,
  'bin/tool*': '#!/bin/sh\necho tool\n',
});

let projectId: string;

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key;
  alice = await key('alice');
  bob = await key('bob');
  projectId = await newProject(alice);
  assert.equal(await upload(alice, projectId, handler('one')), 1);
});
after(async () => {
  await p?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('PUT /functions/{name} with a project version', () => {
  it("deploys the version's files as the zip, modes kept; the same version again keeps CodeSha256, a later one changes it", async () => {
    const first = await deploy(alice, 'fromproj', { projectId });
    assert.equal(first.statusCode, 201, first.body);
    const sha1 = first.json().code.sha256 as string;

    const code = await as(alice, 'GET', '/functions/fromproj/code');
    assert.equal(code.statusCode, 200);
    assert.equal(code.headers['x-hangar-code-sha256'], sha1);
    const dir = join(scratch, `unzip-${n++}`);
    await unzipTo(code.rawPayload, dir);
    assert.equal(readFileSync(join(dir, 'lib/msg.txt'), 'utf8'), 'one');
    assert.match(readFileSync(join(dir, 'index.js'), 'utf8'), /msg\.txt/);
    assert.equal(statSync(join(dir, 'bin/tool')).mode & 0o111, 0o111, 'the executable bit survives tar → zip');
    assert.equal(statSync(join(dir, 'index.js')).mode & 0o111, 0);

    const again = await deploy(alice, 'fromproj', { projectId, version: 1 });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().code.sha256, sha1, 'the same version is the same code');

    assert.equal(await upload(alice, projectId, handler('two')), 2);
    const later = await deploy(alice, 'fromproj', { projectId });
    assert.equal(later.statusCode, 200, later.body);
    assert.notEqual(later.json().code.sha256, sha1, 'the latest version (2) is new code');

    const back = await deploy(alice, 'fromproj', { projectId, version: 1 });
    assert.equal(back.json().code.sha256, sha1, 'version 1 again is its code again');
  });

  it('is the same code as the zip the CLI makes of the same files', async () => {
    const id = await newProject(alice);
    const files = { 'a.js': 'exports.handler = async () => 1;', 'sub/b.txt': 'b' };
    await upload(alice, id, files);
    const viaProject = await deploy(alice, 'samecode', { projectId: id });
    assert.equal(viaProject.statusCode, 201, viaProject.body);
    const zip = zipEntries(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data), mode: 0o644 })));
    assert.equal(viaProject.json().code.sha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(viaProject.json().code.size, zip.length);
  });

  it("refuses another user's project, a missing project or version, an empty project, and zip and project together or neither", async () => {
    const problem = (
      r: { statusCode: number; headers: Record<string, unknown>; json: () => { code?: string } },
      status: number,
      code?: string,
    ) => {
      assert.equal(r.statusCode, status);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      if (code) assert.equal(r.json().code, code);
    };
    problem(await deploy(bob, 'stolen', { projectId }), 404, 'PROJECT_NOT_FOUND');
    assert.equal((await as(bob, 'GET', '/functions/stolen')).statusCode, 404, 'nothing was created');
    problem(await deploy(alice, 'nover', { projectId, version: 9 }), 404, 'PROJECT_NOT_FOUND');
    problem(await deploy(alice, 'nover', { projectId: 'no-such-project' }), 404, 'PROJECT_NOT_FOUND');
    problem(await deploy(alice, 'nover', { projectId: await newProject(alice) }), 404, 'PROJECT_NOT_FOUND');
    problem(await deploy(alice, 'nover', { projectId, version: 0 }), 400);
    problem(await deploy(alice, 'nover', { projectId: '../x' }), 400);
    problem(await deploy(alice, 'nover', { projectId }, { zip: makeZip({ 'index.js': '' }).toString('base64') }), 400, 'FUNCTION_INVALID');
    problem(await as(alice, 'PUT', '/functions/nover', { runtime: 'nodejs22.x', handler: 'index.handler' }), 400, 'FUNCTION_INVALID');
    assert.equal((await as(alice, 'GET', '/functions/nover')).statusCode, 404, 'nothing was created');
  });
});

describe('a function deployed from a project, invoked', { skip }, () => {
  it("answers from the project's file, and from the later version's once deployed", async () => {
    const id = await newProject(alice);
    await upload(alice, id, handler('hello from the project'));
    assert.equal((await deploy(alice, 'projfn', { projectId: id })).statusCode, 201);
    const r = await as(alice, 'POST', '/functions/projfn/invoke', {});
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { msg: 'hello from the project' });
    await upload(alice, id, handler('version two'));
    assert.equal((await deploy(alice, 'projfn', { projectId: id })).statusCode, 200);
    assert.deepEqual((await as(alice, 'POST', '/functions/projfn/invoke', {})).json(), { msg: 'version two' });
  });
});
