/**
 * Task images: root filesystems a sandboxed task may run in instead of the host's /usr and /etc
 * (seed 000's custom images). An image is a directory `<dataDir>/images/<name>/rootfs`, made
 * from a directory (a debootstrap or any unpacked root) or from an OCI image tarball (an OCI
 * layout, as `skopeo copy … oci-archive:` or `buildah push` write, or `docker save` output),
 * whose layers are applied in order, whiteouts included.
 *
 * Files are copied (cp -a) and unpacked (GNU tar) by the system's tools, in every Debian: they
 * keep owners, modes, links and devices as a root filesystem needs them.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { ErrorCode, InvalidInput } from '../core/errors.ts';
import { IMAGE_NAME } from '../core/function-image.ts';

export { IMAGE_NAME };

export interface ImageInfo {
  name: string;
  /** Where the image came from: a directory path, or a tarball and its manifest digest. */
  source: string;
  createdAt: string;
  /** Layers applied (OCI), or 0 for a directory. */
  layers: number;
  bytes: number;
  /** What the image says to run, from an OCI image's config (absent for a directory import,
   *  and for images imported before it was kept). */
  config?: ImageRunConfig;
}

/**
 * The run settings of an OCI image config (its `config` object), as a function made from the
 * image starts them: ENTRYPOINT + CMD is the process, WorkingDir its cwd, Env its environment's
 * base. `User` is kept only to be shown: the sandbox runs everything as its own uid.
 */
export interface ImageRunConfig {
  entrypoint: string[];
  cmd: string[];
  /** `NAME=value` entries, as the image config has them. */
  env: string[];
  workingDir: string;
  user: string;
}

/** The run settings of an OCI image config document (fields absent or of the wrong type: empty). */
export function runConfigOf(doc: unknown): ImageRunConfig {
  const c = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const list = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : []);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { entrypoint: list(c.Entrypoint), cmd: list(c.Cmd), env: list(c.Env), workingDir: str(c.WorkingDir), user: str(c.User) };
}

/** An image as imported now, and which import that is: the SHA-256 (hex) of its import record,
 *  which a function made from it has as its CodeSha256 (app/functions.ts imageCodeOf). A
 *  re-import has another (a new createdAt at least), so instances started for one import are
 *  told from those of the next (functions/host.ts). */
export interface ImportedImage {
  info: ImageInfo;
  importId: string;
}

export const importIdOf = (info: ImageInfo): string => createHash('sha256').update(JSON.stringify(info)).digest('hex');

/** An image that cannot be imported as given (or a tool that failed importing it). */
export class ImageError extends InvalidInput {
  constructor(message: string) {
    super(ErrorCode.ValidationFailed, message);
    this.name = 'ImageError';
  }
}

export interface ImportOptions {
  /** An image of the name is replaced (`hangar image import --replace`); false: refused. */
  replace?: boolean;
}

export class ImageStore {
  readonly dir: string;
  /** imported()'s last read per name, with the stat of the record it read. */
  private readonly seen = new Map<string, { stamp: string; image: ImportedImage }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * The image `name` as imported now and its import's id, or null. Each invocation of a function
   * packaged as an image asks: one stat of the import record while it is unchanged (it is read
   * again only once a re-import has renamed another into place, a new inode).
   */
  async imported(name: string): Promise<ImportedImage | null> {
    if (!IMAGE_NAME.test(name)) return null;
    const record = join(this.dir, name, 'image.json');
    const st = await stat(record).catch(() => null);
    if (!st) {
      this.seen.delete(name);
      return null;
    }
    const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const had = this.seen.get(name);
    if (had?.stamp === stamp) return had.image;
    const info = await this.info(name);
    if (!info) return null;
    const image = { info, importId: importIdOf(info) };
    this.seen.set(name, { stamp, image });
    return image;
  }

  /** The image `name` as imported (image.json), or null if there is no such image. */
  async info(name: string): Promise<ImageInfo | null> {
    if (!(await this.rootfs(name))) return null;
    try {
      return JSON.parse(await readFile(join(this.dir, name, 'image.json'), 'utf8')) as ImageInfo;
    } catch {
      return null;
    }
  }

  /** The rootfs of `name`, or null if there is no such image. */
  async rootfs(name: string): Promise<string | null> {
    if (!IMAGE_NAME.test(name)) return null;
    const p = join(this.dir, name, 'rootfs');
    try {
      return (await stat(p)).isDirectory() ? p : null;
    } catch {
      return null;
    }
  }

  async list(): Promise<ImageInfo[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => IMAGE_NAME.test(n)).sort();
    } catch {
      return [];
    }
    const out: ImageInfo[] = [];
    for (const n of names) {
      try {
        out.push(JSON.parse(await readFile(join(this.dir, n, 'image.json'), 'utf8')) as ImageInfo);
      } catch {
        // Half-made or foreign: not an image.
      }
    }
    return out;
  }

  async remove(name: string): Promise<boolean> {
    if (!(await this.rootfs(name))) return false;
    await rm(join(this.dir, name), { recursive: true, force: true });
    return true;
  }

  /** Registers a copy of the root filesystem at `src` (a directory) as `name`; `replace`: in
   *  place of the image of that name, if there is one (otherwise that is refused). */
  importDir(name: string, src: string, o: ImportOptions = {}): Promise<ImageInfo> {
    return this.make(name, src, o, async (rootfs) => {
      if (!(await stat(src)).isDirectory()) throw new ImageError(`${src} is not a directory`);
      await run('cp', ['-a', '--', `${src}/.`, rootfs]);
      return { layers: 0 };
    });
  }

  /** Registers the image in the OCI tarball at `file` (OCI layout or `docker save`) as `name`;
   *  `replace` as importDir's. */
  importTarball(name: string, file: string, o: ImportOptions = {}): Promise<ImageInfo> {
    return this.make(name, file, o, async (rootfs, work) => {
      await run('tar', ['-C', work, '-xf', file, '--no-same-owner']);
      const { layers, config } = await layersOf(work);
      for (const layer of layers) await applyLayer(rootfs, layer);
      return { layers: layers.length, config };
    });
  }

  /**
   * Builds into a temporary directory and renames it into place, so no half image is visible. A
   * replaced image is renamed aside first and removed after: an invocation meanwhile finds the one
   * or the other (or, between the two renames, none: not imported). Functions run the new one
   * from their next invocation (functions/host.ts retires the old one's instances).
   */
  private async make(
    name: string,
    source: string,
    o: ImportOptions,
    fill: (rootfs: string, work: string) => Promise<{ layers: number; config?: ImageRunConfig }>,
  ): Promise<ImageInfo> {
    if (!IMAGE_NAME.test(name)) throw new ImageError(`image names are ${IMAGE_NAME.source}`);
    await mkdir(this.dir, { recursive: true, mode: 0o711 });
    await chmod(this.dir, 0o711);
    if (!o.replace && (await this.rootfs(name))) throw new ImageError(`image ${name} exists; remove it first, or import it with --replace`);
    const tmp = await mkdtemp(join(this.dir, `.${name}-`));
    try {
      const rootfs = join(tmp, 'rootfs');
      const work = join(tmp, 'work');
      await mkdir(rootfs, { mode: 0o755 });
      await mkdir(work);
      const { layers, config } = await fill(rootfs, work);
      await rm(work, { recursive: true, force: true });
      // The sandbox uid must reach the root: the image directory is 0711, the rootfs 0755.
      await chmod(tmp, 0o711);
      await chmod(rootfs, 0o755);
      const info: ImageInfo = {
        name,
        source,
        createdAt: new Date().toISOString(),
        layers,
        bytes: await du(rootfs),
        ...(config ? { config } : {}),
      };
      await writeFile(join(tmp, 'image.json'), JSON.stringify(info, null, 2) + '\n');
      const aside = o.replace && (await this.rootfs(name)) ? `${tmp}-replaced` : null;
      if (aside) await rename(join(this.dir, name), aside);
      await rename(tmp, join(this.dir, name)).catch(async (err: unknown) => {
        if (aside) await rename(aside, join(this.dir, name));
        throw err;
      });
      if (aside) await rm(aside, { recursive: true, force: true });
      return info;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }
}

/** Paths of the layer tarballs, bottom first, of an unpacked OCI layout or `docker save`, and
 *  the image config's run settings. */
async function layersOf(work: string): Promise<{ layers: string[]; config: ImageRunConfig }> {
  const inside = (p: string) => {
    const full = normalize(join(work, p));
    if (!full.startsWith(work + '/')) throw new ImageError(`the tarball names a path outside itself: ${p}`);
    return full;
  };
  const json = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
  const exists = (p: string) =>
    lstat(p).then(
      () => true,
      () => false,
    );
  if (await exists(join(work, 'index.json'))) {
    const blob = (digest: string) => {
      const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
      if (!m) throw new ImageError(`unsupported digest ${digest}`);
      return inside(`blobs/sha256/${m[1]}`);
    };
    let manifest = await json(join(work, 'index.json'));
    // An index may point at a manifest or at another index (multi-platform): take the first
    // linux/amd64 entry, or the first.
    for (let depth = 0; Array.isArray(manifest.manifests) && depth < 4; depth++) {
      const ms = manifest.manifests as { digest: string; platform?: { os?: string; architecture?: string } }[];
      const pick = ms.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? ms[0];
      if (!pick) throw new ImageError('the OCI index lists no manifest');
      const path = blob(pick.digest);
      await verify(path, pick.digest);
      manifest = await json(path);
    }
    const layers = (manifest.layers ?? []) as { digest: string }[];
    const out: string[] = [];
    for (const l of layers) {
      const path = blob(l.digest);
      await verify(path, l.digest);
      out.push(path);
    }
    const configDigest = (manifest.config as { digest?: string } | undefined)?.digest;
    let config: unknown = null;
    if (configDigest) {
      const path = blob(configDigest);
      await verify(path, configDigest);
      config = await json(path);
    }
    return { layers: out, config: runConfigOf(config) };
  }
  if (await exists(join(work, 'manifest.json'))) {
    const list = JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')) as { Layers?: string[]; Config?: string }[];
    if (!Array.isArray(list) || !list[0]?.Layers) throw new ImageError('manifest.json lists no layers');
    const config = list[0].Config ? await json(inside(list[0].Config)).catch(() => null) : null;
    return { layers: list[0].Layers.map(inside), config: runConfigOf(config) };
  }
  throw new ImageError('not an OCI image: no index.json (OCI layout) or manifest.json (docker save)');
}

async function verify(path: string, digest: string): Promise<void> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  if (`sha256:${h.digest('hex')}` !== digest) throw new ImageError(`blob ${digest} does not match its digest`);
}

/**
 * Applies one layer: its whiteouts first (`.wh.<name>` deletes <name>; `.wh..wh..opq` empties
 * the directory it is in), then its files. Paths are checked against escaping the root.
 */
async function applyLayer(rootfs: string, layer: string): Promise<void> {
  const entries = (await run('tar', ['-tf', layer])).split('\n').filter(Boolean);
  for (const e of entries) {
    const path = normalize('/' + e.replace(/^\.\//, ''));
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (!base.startsWith('.wh.')) continue;
    const parent = join(rootfs, dirname(path));
    if (!(parent + '/').startsWith(rootfs + '/')) throw new ImageError(`layer path escapes the root: ${e}`);
    if (base === '.wh..wh..opq') {
      for (const x of await readdir(parent).catch(() => [] as string[])) await rm(join(parent, x), { recursive: true, force: true });
    } else {
      await rm(join(parent, base.slice(4)), { recursive: true, force: true });
    }
  }
  // GNU tar refuses members with '..' and strips leading '/', so nothing lands outside rootfs.
  await run('tar', ['-C', rootfs, '-xpf', layer, '--numeric-owner', '--exclude=.wh.*', '--exclude=*/.wh.*']);
}

/** Runs a system tool; its stdout, or an ImageError with its stderr. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => reject(new ImageError(`${cmd}: ${e.message}`)));
    p.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new ImageError(`${cmd} ${args.join(' ')}: ${err.trim() || `exit ${code}`}`)),
    );
  });
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await lstat(join(e.parentPath, e.name))).size;
  }
  return total;
}
