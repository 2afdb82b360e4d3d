/** Image import: directories and OCI tarballs (layers in order, whiteouts, digests checked). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ImageStore } from '../../src/images/index.ts';
import { makeOciTarball, makeRootfs } from '../helpers/rootfs.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-images-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `case-${n++}`);

describe('images', () => {
  it('imports a directory as a faithful copy, lists it, refuses a second of the same name, removes it', async () => {
    const src = fresh();
    makeRootfs(src);
    const images = new ImageStore(fresh());
    const info = await images.importDir('tiny', src);
    assert.equal(info.name, 'tiny');
    assert.equal(info.layers, 0);
    assert.ok(info.bytes > 100_000, 'sh, cat and libc');
    assert.equal(info.config, undefined, 'a directory has no image config');
    const root = (await images.rootfs('tiny'))!;
    assert.equal(readFileSync(join(root, 'hello.txt'), 'utf8'), 'hello from the image\n');
    assert.equal(statSync(join(root, 'bin', 'sh')).mode & 0o777, 0o755);
    assert.equal(statSync(join(images.dir, 'tiny')).mode & 0o777, 0o711, 'the sandbox uid can pass, not list');
    assert.deepEqual(
      (await images.list()).map((i) => i.name),
      ['tiny'],
    );
    await assert.rejects(images.importDir('tiny', src), /exists/);
    await assert.rejects(images.importDir('Bad/Name', src), /image names/);
    assert.equal(await images.rootfs('../tiny'), null);
    assert.equal(await images.remove('tiny'), true);
    assert.equal(await images.rootfs('tiny'), null);
    assert.deepEqual(readdirSync(images.dir), [], 'nothing half-made is left');
  });

  it('a re-import with replace swaps the image whole: another import id, read once per import', async () => {
    const src = fresh();
    makeRootfs(src);
    const images = new ImageStore(fresh());
    await images.importDir('tiny', src);
    const first = await images.imported('tiny');
    assert.ok(first);
    assert.match(first.importId, /^[0-9a-f]{64}$/);
    assert.equal(await images.imported('tiny'), first, 'unchanged: the record is not read again');
    await assert.rejects(images.importDir('tiny', src), /--replace/);

    writeFileSync(join(src, 'hello.txt'), 'hello from the new import\n');
    const info = await images.importDir('tiny', src, { replace: true });
    const second = await images.imported('tiny');
    assert.deepEqual(second?.info, info);
    assert.notEqual(second?.importId, first.importId);
    assert.equal(readFileSync(join((await images.rootfs('tiny'))!, 'hello.txt'), 'utf8'), 'hello from the new import\n');
    assert.deepEqual(readdirSync(images.dir), ['tiny'], 'the old one is removed, nothing half-made is left');
    await images.importDir('other', src, { replace: true });
    assert.deepEqual(readdirSync(images.dir).sort(), ['other', 'tiny'], 'replace with none there: a plain import');
    await images.remove('tiny');
    assert.equal(await images.imported('tiny'), null);
    assert.equal(await images.imported('../other'), null);
  });

  it('imports an OCI layout tarball: layers bottom first, file and opaque-directory whiteouts', async () => {
    const base = fresh();
    makeRootfs(base);
    mkdirSync(join(base, 'data'));
    writeFileSync(join(base, 'data', 'a.txt'), 'a');
    writeFileSync(join(base, 'gone.txt'), 'deleted by the next layer');
    const top = fresh();
    mkdirSync(join(top, 'data'), { recursive: true });
    writeFileSync(join(top, '.wh.gone.txt'), '');
    writeFileSync(join(top, 'data', '.wh..wh..opq'), '');
    writeFileSync(join(top, 'data', 'b.txt'), 'b');
    writeFileSync(join(top, 'hello.txt'), 'hello from layer 2\n');
    const work = fresh();
    mkdirSync(work);
    const tarball = join(work, 'image.tar');
    const run = {
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['cat /hello.txt'],
      Env: ['PATH=/bin', 'GREETING=hi'],
      WorkingDir: '/data',
      User: '1000',
    };
    const digest = makeOciTarball([base, top], tarball, work, run);
    const images = new ImageStore(fresh());
    const info = await images.importTarball('layered', tarball);
    assert.equal(info.layers, 2);
    const kept = { entrypoint: run.Entrypoint, cmd: run.Cmd, env: run.Env, workingDir: '/data', user: '1000' };
    assert.deepEqual(info.config, kept, "the image config's run settings are kept beside the rootfs");
    assert.deepEqual((await images.info('layered'))?.config, kept);
    assert.equal(await images.info('nothing'), null);
    assert.equal(info.source, tarball);
    const root = (await images.rootfs('layered'))!;
    assert.equal(readFileSync(join(root, 'hello.txt'), 'utf8'), 'hello from layer 2\n');
    assert.equal(existsSync(join(root, 'gone.txt')), false, 'a whiteout deletes the file below');
    assert.deepEqual(readdirSync(join(root, 'data')), ['b.txt'], 'an opaque whiteout hides the directory below');
    assert.equal(existsSync(join(root, '.wh.gone.txt')), false, 'whiteouts themselves are not files of the image');
    assert.match(digest, /^sha256:/);
  });

  it('imports `docker save` output too, and refuses tarballs that are not images or do not match their digests', async () => {
    const base = fresh();
    makeRootfs(base);
    const work = fresh();
    mkdirSync(join(work, 'save', 'abc'), { recursive: true });
    execFileSync('tar', ['-C', base, '-cf', join(work, 'save', 'abc', 'layer.tar'), '.']);
    writeFileSync(
      join(work, 'save', 'manifest.json'),
      JSON.stringify([{ Config: 'c.json', RepoTags: ['tiny:1'], Layers: ['abc/layer.tar'] }]),
    );
    execFileSync('tar', ['-C', join(work, 'save'), '-cf', join(work, 'saved.tar'), '.']);
    const images = new ImageStore(fresh());
    assert.equal((await images.importTarball('saved', join(work, 'saved.tar'))).layers, 1);
    assert.ok(existsSync(join((await images.rootfs('saved'))!, 'bin', 'sh')));

    writeFileSync(join(work, 'escape.json'), '');
    writeFileSync(join(work, 'save', 'manifest.json'), JSON.stringify([{ Layers: ['../../etc/passwd'] }]));
    execFileSync('tar', ['-C', join(work, 'save'), '-cf', join(work, 'evil.tar'), '.']);
    await assert.rejects(images.importTarball('evil', join(work, 'evil.tar')), /outside itself/);

    execFileSync('tar', ['-C', base, '-cf', join(work, 'plain.tar'), '.']);
    await assert.rejects(images.importTarball('plain', join(work, 'plain.tar')), /not an OCI image/);

    const oci = join(work, 'oci');
    mkdirSync(oci);
    makeOciTarball([base], join(oci, 'image.tar'), oci);
    // Corrupt the layer blob: its digest no longer matches.
    const layout = join(oci, 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    const manifest = JSON.parse(
      readFileSync(join(blobs, JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest.slice(7)), 'utf8'),
    );
    writeFileSync(join(blobs, manifest.layers[0].digest.slice(7)), 'not the layer');
    execFileSync('tar', ['-C', layout, '-cf', join(oci, 'bad.tar'), '.']);
    await assert.rejects(images.importTarball('bad', join(oci, 'bad.tar')), /does not match its digest/);
    assert.deepEqual(
      (await images.list()).map((i) => i.name),
      ['saved'],
      'failed imports leave nothing',
    );
  });
});
