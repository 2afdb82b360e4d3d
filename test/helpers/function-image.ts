/**
 * A container image for functions packaged as one (PackageType Image), imported as
 * `hangar image import` does: an OCI tarball holding a small runtime (the host's Node and the
 * libraries ldd names, a bootstrap that speaks the Runtime API over HTTP at
 * AWS_LAMBDA_RUNTIME_API and answers what it saw) and /var/task/hello.txt.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ImageStore } from '../../src/images/index.ts';
import { testPlatform, type TestPlatform } from './platform.ts';
import { makeOciTarball } from './rootfs.ts';

/** A Runtime API client as a base image's runtime interface client is: next, then response. */
const BOOTSTRAP = `import { readFileSync } from 'node:fs';
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/invocation/';
for (;;) {
  const next = await fetch(api + 'next');
  const id = next.headers.get('lambda-runtime-aws-request-id');
  const event = await next.json();
  const seen = {
    handler: process.env._HANDLER,
    argv: process.argv.slice(2),
    cwd: process.cwd(),
    greeting: process.env.GREETING ?? null,
    mine: process.env.MINE ?? null,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    file: readFileSync('/var/task/hello.txt', 'utf8'),
    uid: process.getuid(),
    event,
  };
  await fetch(api + id + '/response', { method: 'POST', body: JSON.stringify(seen) });
}
`;

/** The layer: /usr/bin/node with the libraries ldd names, the bootstrap, and /var/task/hello.txt
 *  saying `hello`. */
function imageLayer(dir: string, hello: string): void {
  const node = execFileSync('readlink', ['-f', process.execPath], { encoding: 'utf8' }).trim();
  const files = new Map<string, string>([['/usr/bin/node', node]]);
  for (const line of execFileSync('ldd', [node], { encoding: 'utf8' }).split('\n')) {
    const m = /(\/\S+)\s+\(0x/.exec(line);
    if (m) files.set(m[1], execFileSync('readlink', ['-f', m[1]], { encoding: 'utf8' }).trim());
  }
  for (const [to, from] of files) {
    mkdirSync(join(dir, dirname(to)), { recursive: true });
    copyFileSync(from, join(dir, to));
    execFileSync('chmod', ['0755', join(dir, to)]);
  }
  mkdirSync(join(dir, 'var', 'runtime'), { recursive: true });
  mkdirSync(join(dir, 'var', 'task'), { recursive: true });
  mkdirSync(join(dir, 'srv'), { recursive: true });
  writeFileSync(join(dir, 'var', 'runtime', 'bootstrap.mjs'), BOOTSTRAP);
  writeFileSync(join(dir, 'var', 'task', 'hello.txt'), hello);
}

/** Builds the image in `work` and imports it as `name` into the image store at `imagesDir`
 *  (a platform's HANGAR_DATA_DIR/images). Its config: ENTRYPOINT node bootstrap.mjs, CMD
 *  app.handler, Env PATH and GREETING, WorkingDir /var/task. `o.hello`: what its
 *  /var/task/hello.txt says; `o.replace`: in place of an image of the name (a re-import). */
export async function importFunctionImage(
  imagesDir: string,
  name: string,
  work: string,
  o: { hello?: string; replace?: boolean } = {},
): Promise<void> {
  const layer = join(work, 'layer');
  imageLayer(layer, o.hello ?? 'from the image\n');
  const tarball = join(work, 'image.tar');
  makeOciTarball(
    [layer],
    tarball,
    work,
    {
      Entrypoint: ['/usr/bin/node', '/var/runtime/bootstrap.mjs'],
      Cmd: ['app.handler'],
      Env: ['PATH=/usr/bin', 'GREETING=hello from the image config'],
      WorkingDir: '/var/task',
    },
    false,
  );
  rmSync(layer, { recursive: true, force: true });
  await new ImageStore(imagesDir).importTarball(name, tarball, { replace: o.replace === true });
  rmSync(tarball, { force: true });
}

/** A platform with workers (the sandbox) on which the image is imported as `my-app`, and a key
 *  for each of `users`. */
export async function platformWithImage(...users: string[]): Promise<{ p: TestPlatform; keys: string[] }> {
  const p = await testPlatform();
  const work = mkdtempSync(join(tmpdir(), 'hangar-fnimage-'));
  try {
    await importFunctionImage(join(p.dir, 'images'), 'my-app', work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const keys: string[] = [];
  for (const userId of users) keys.push((await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key);
  return { p, keys };
}
