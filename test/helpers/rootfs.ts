/**
 * Small root filesystems made in the test, from the host's own binaries: /bin/sh (dash) and
 * /bin/cat with the libraries ldd names. And OCI image tarballs made from directories, with the
 * system tar, as `skopeo copy … oci-archive:` would lay them out.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A rootfs at `dir` that can run `sh -c` with cat; /hello.txt and /etc/os-release mark it. */
export function makeRootfs(dir: string): void {
  const files = new Map<string, string>([
    ['/bin/sh', realpath('/bin/sh')],
    ['/bin/cat', realpath('/bin/cat')],
  ]);
  for (const bin of ['/bin/sh', '/bin/cat']) {
    for (const line of execFileSync('ldd', [realpath(bin)], { encoding: 'utf8' }).split('\n')) {
      const m = /(\/\S+)\s+\(0x/.exec(line);
      if (m) files.set(m[1], realpath(m[1]));
    }
  }
  for (const [to, from] of files) {
    mkdirSync(join(dir, dirname(to)), { recursive: true });
    copyFileSync(from, join(dir, to));
    execFileSync('chmod', ['0755', join(dir, to)]);
  }
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'os-release'), 'ID=hangar-tiny\n');
  writeFileSync(join(dir, 'hello.txt'), 'hello from the image\n');
}

function realpath(p: string): string {
  return execFileSync('readlink', ['-f', p], { encoding: 'utf8' }).trim();
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An OCI layout tarball at `out` whose layers are the directories `layers` (bottom first),
 * each packed as a gzipped tar (a plain one with `gzip` false, as OCI allows), and `run` as its image config's `config` (Entrypoint, Cmd, Env,
 * WorkingDir...). Returns the manifest's digest.
 */
export function makeOciTarball(layers: string[], out: string, work: string, run?: Record<string, unknown>, gzip = true): string {
  const layout = join(work, 'layout');
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const blob = (data: Buffer) => {
    const d = sha(data);
    writeFileSync(join(layout, 'blobs', 'sha256', d), data);
    return { digest: `sha256:${d}`, size: data.length };
  };
  const layerDescs = layers.map((dir) => {
    const tgz = join(work, `layer-${sha(Buffer.from(dir)).slice(0, 8)}.tar${gzip ? '.gz' : ''}`);
    execFileSync('tar', ['-C', dir, gzip ? '-czf' : '-cf', tgz, '.']);
    return { mediaType: `application/vnd.oci.image.layer.v1.tar${gzip ? '+gzip' : ''}`, ...blob(readFileSync(tgz)) };
  });
  const config = blob(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', ...(run ? { config: run } : {}), rootfs: { type: 'layers', diff_ids: [] } }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layerDescs,
    }),
  );
  const m = blob(manifest);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, platform: { os: 'linux', architecture: 'amd64' } }],
    }),
  );
  execFileSync('tar', ['-C', layout, '-cf', out, '.']);
  return m.digest;
}
