/**
 * Projects (issue 6) through the real platform: upload → a task changes files in its workspace
 * → the new version downloads; what two tasks changing one project at once leave; who may see
 * what; archives that are refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let alice: string;
let bob: string;
const scratch = mkdtempSync(join(tmpdir(), 'hangar-projects-test-'));
let n = 0;

/** A tar.gz of these files (path → content; a trailing '*' on the path: executable). */
async function archiveOf(files: Record<string, string>, extra?: (dir: string) => void): Promise<Buffer> {
  const dir = join(scratch, `src-${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name.replace(/\*$/, ''));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    if (name.endsWith('*')) chmodSync(path, 0o755);
  }
  extra?.(dir);
  const chunks: Buffer[] = [];
  for await (const c of tar.c({ gzip: true, cwd: dir, portable: true }, readdirSync(dir)) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The files of an archive: path → content ('*' suffix when executable). */
async function filesOf(archive: Buffer): Promise<Record<string, string>> {
  const dir = join(scratch, `out-${n++}`);
  mkdirSync(dir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const x = tar.x({ cwd: dir });
    x.on('close', () => resolve());
    x.on('error', reject);
    x.end(archive);
  });
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}${statSync(join(d, e.name)).mode & 0o100 ? '*' : ''}`] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

const upload = (key: string, id: string, body: Buffer, type = 'application/gzip') =>
  p.inject({ method: 'PUT', url: `/projects/${id}/files`, payload: body, headers: { 'content-type': type }, auth: key });
const download = async (key: string, id: string, version?: number) => {
  const r = await p.inject({ method: 'GET', url: `/projects/${id}/files${version ? `?version=${version}` : ''}`, auth: key });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.headers['content-type'], 'application/gzip');
  return filesOf(r.rawPayload);
};
const newProject = async (key: string, name = 'site') => {
  const r = await p.inject({ method: 'POST', url: '/projects', payload: { name }, auth: key });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().projectId as string;
};
const run = async (key: string, body: object) => {
  const r = await p.inject({ method: 'POST', url: '/tasks', payload: body, auth: key });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().taskId as string;
  return until(
    async () => {
      const t = (await p.inject({ method: 'GET', url: `/tasks/${id}`, auth: key })).json();
      return ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status) ? t : null;
    },
    30_000,
    50,
  );
};

before(async () => {
  // projects.process.test.ts runs these again with the unsandboxed executor (host workspace).
  p = await testPlatform(process.env.HANGAR_TEST_EXECUTOR ? { HANGAR_EXECUTOR: process.env.HANGAR_TEST_EXECUTOR } : {});
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
});
after(async () => {
  await p.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('projects', () => {
  it('round trip: upload → a task reads and changes files → the new version downloads; the old one stays', async () => {
    const id = await newProject(alice);
    const up = await upload(
      alice,
      id,
      await archiveOf({ 'hello.txt': 'hello\n', 'old.txt': 'bye\n', 'bin/run.sh*': '#!/bin/sh\necho ran\n' }),
    );
    assert.equal(up.statusCode, 201, up.body);
    assert.deepEqual(
      { ...(up.json() as object), createdAt: 'x' },
      { version: 1, createdAt: 'x', baseVersion: null, taskId: null, files: 3, bytes: 29, conflicts: [] },
    );

    const t = await run(alice, {
      project: id,
      shell: 'cat hello.txt; ./bin/run.sh; echo changed > hello.txt; mkdir -p src && echo new > src/new.txt; rm old.txt',
    });
    assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
    assert.equal(t.projectId, id);
    assert.deepEqual(t.summary.project, { projectId: id, baseVersion: 1, version: 2, stored: true, conflicts: [] });
    const logs = (await p.inject({ method: 'GET', url: `/tasks/${t.taskId}/logs`, auth: alice })).json();
    assert.equal(logs.stdout, 'hello\nran\n', "the task ran in the project's files");

    assert.deepEqual(await download(alice, id), {
      'hello.txt': 'changed\n',
      'bin/run.sh*': '#!/bin/sh\necho ran\n',
      'src/new.txt': 'new\n',
    });
    assert.deepEqual(await download(alice, id, 1), { 'hello.txt': 'hello\n', 'old.txt': 'bye\n', 'bin/run.sh*': '#!/bin/sh\necho ran\n' });
    const view = (await p.inject({ method: 'GET', url: `/projects/${id}`, auth: alice })).json();
    assert.equal(view.latestVersion, 2);
    assert.deepEqual(
      view.versions.map((v: { version: number; taskId: string | null }) => [v.version, v.taskId]),
      [
        [2, t.taskId],
        [1, null],
      ],
    );
  });

  it('a task that changes nothing makes no version; one that fails still stores its files; one killed by its timeout does not', async () => {
    const id = await newProject(alice);
    await upload(alice, id, await archiveOf({ 'a.txt': 'a\n' }));
    const same = await run(alice, { project: id, shell: 'cat a.txt' });
    assert.deepEqual(same.summary.project, { projectId: id, baseVersion: 1, version: null, stored: false, reason: 'no file changed' });
    const failed = await run(alice, { project: id, shell: 'echo partial > a.txt; exit 3', maxAttempts: 1 });
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.summary.project.version, 2);
    const killed = await run(alice, { project: id, shell: 'echo lost > a.txt; sleep 30', timeout: 1, maxAttempts: 1 });
    assert.equal(killed.status, 'TIMEOUT');
    assert.equal(killed.summary.project.stored, false);
    assert.deepEqual(await download(alice, id), { 'a.txt': 'partial\n' });
  });

  it('starts from an empty tree when the project has no version yet', async () => {
    const id = await newProject(alice);
    const t = await run(alice, { project: id, shell: 'ls -A | wc -l; echo first > readme' });
    assert.equal(t.summary.project.version, 1);
    assert.deepEqual(await download(alice, id), { readme: 'first\n' });
  });

  it('two tasks changing one project at once: both changes kept, a file both changed takes the later one and is listed', async () => {
    const id = await newProject(alice);
    await upload(alice, id, await archiveOf({ 'shared.txt': 'base\n', 'keep.txt': 'keep\n' }));
    // Both start from version 1 (two free workers); A finishes first.
    const [a, b] = await Promise.all([
      run(alice, { project: id, shell: 'sleep 1; echo A > a.txt; echo A > shared.txt' }),
      run(alice, { project: id, shell: 'sleep 2; echo B > b.txt; echo B > shared.txt; rm keep.txt' }),
    ]);
    assert.equal(a.summary.project.baseVersion, 1);
    assert.equal(b.summary.project.baseVersion, 1, 'both started from version 1');
    assert.deepEqual([a.summary.project.version, a.summary.project.conflicts], [2, []]);
    assert.deepEqual([b.summary.project.version, b.summary.project.conflicts], [3, ['shared.txt']]);
    assert.deepEqual(await download(alice, id), { 'a.txt': 'A\n', 'b.txt': 'B\n', 'shared.txt': 'B\n' });
    assert.deepEqual(await download(alice, id, 2), { 'a.txt': 'A\n', 'shared.txt': 'A\n', 'keep.txt': 'keep\n' });
  });

  it("another user's project is not found: not to read, list, upload to or run a task in", async () => {
    const id = await newProject(alice);
    assert.equal((await p.inject({ method: 'GET', url: `/projects/${id}`, auth: bob })).statusCode, 404);
    assert.equal((await p.inject({ method: 'GET', url: `/projects/${id}/files`, auth: bob })).statusCode, 404);
    assert.equal((await upload(bob, id, await archiveOf({ x: 'x' }))).statusCode, 404);
    assert.ok(
      !(await p.inject({ method: 'GET', url: '/projects', auth: bob }))
        .json()
        .projects.some((x: { projectId: string }) => x.projectId === id),
    );
    const r = await p.inject({ method: 'POST', url: '/tasks', payload: { shell: 'true', project: id }, auth: bob });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'PROJECT_NOT_FOUND');
  });

  it('refuses archives a project cannot hold, with a 4xx that says why', async () => {
    const id = await newProject(alice);
    const link = await upload(alice, id, await archiveOf({ 'a.txt': 'a' }, (d) => symlinkSync('/etc/passwd', join(d, 'pw'))));
    assert.equal(link.statusCode, 400);
    assert.match(link.json().detail, /pw: a SymbolicLink/);
    // A hand-made tar whose one file climbs out of the project.
    const header = new tar.Header({ path: '../evil.txt', type: 'File', size: 4, mode: 0o644, mtime: new Date(0) });
    header.encode();
    const climb = await upload(
      alice,
      id,
      Buffer.concat([header.block!, Buffer.from('evil'), Buffer.alloc(508), Buffer.alloc(1024)]),
      'application/x-tar',
    );
    assert.equal(climb.statusCode, 400);
    assert.match(climb.json().detail, /evil\.txt: outside the project/);
    const garbage = await upload(alice, id, Buffer.from('not an archive at all, just words'));
    assert.equal(garbage.statusCode, 400);
    assert.match(garbage.headers['content-type'] as string, /problem\+json/);
    // The archive types' parser serves every route: only the upload route takes more than the
    // server's body limit (1 MiB by default).
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    const elsewhere = await p.inject({
      method: 'POST',
      url: '/tasks',
      payload: big,
      headers: { 'content-type': 'application/octet-stream' },
      auth: alice,
    });
    assert.equal(elsewhere.statusCode, 413);
    const bigUpload = await upload(alice, id, big);
    assert.equal(bigUpload.statusCode, 400, 'read whole, then refused as not an archive');
    const json = await p.inject({ method: 'PUT', url: `/projects/${id}/files`, payload: { files: [] }, auth: alice });
    assert.equal(json.statusCode, 415);
    assert.equal((await p.inject({ method: 'GET', url: `/projects/${id}`, auth: alice })).json().latestVersion, 0, 'nothing stored');
    assert.equal((await p.inject({ method: 'GET', url: `/projects/${id}/files`, auth: alice })).statusCode, 404, 'no version yet');
  });
});
