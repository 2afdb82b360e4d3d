/**
 * Functions' /opt: the contents of their layers, laid out in order (a later layer's file over an
 * earlier one's, as Lambda extracts them), once per ordered list of layer contents, into a
 * content-addressed directory (`<root>/<key>`) that instances bind read-only at /opt. Each layer
 * is unpacked once by CodeDirectories (as function code is: same zip, same directory), and the
 * merged directory is made of hard links to those files, so five layers of 50 MB cost no copy.
 * Like CodeDirectories, a merge goes to a temporary directory and is renamed into place: a crash
 * halfway leaves nothing under a key, and a directory once there never changes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type CodeDirectories, exists } from './code-dirs.ts';

/** One layer's content: its zip's SHA-256 (hex) and how to read the zip when not unpacked yet. */
export interface LayerContent {
  sha256Hex: string;
  load: () => Promise<Buffer>;
}

/** The key of an ordered list of layer contents: what the merged directory is named by (and
 *  what a warm instance's /opt is known by). */
export function layersKey(sha256Hexes: string[]): string {
  return createHash('sha256').update(sha256Hexes.join('\n')).digest('hex');
}

export class OptDirectories {
  readonly root: string;
  private readonly code: CodeDirectories;
  private readonly pending = new Map<string, Promise<string>>();
  /** Merged directories known to be in place (content-addressed: never changed once there). */
  private readonly known = new Set<string>();

  /** `root` must be on the file system of `code`'s root: the merge hard-links its files. */
  constructor(root: string, code: CodeDirectories) {
    this.root = root;
    this.code = code;
  }

  /** The directory of these layers merged in order; null for none (nothing to bind). BadZip
   *  when a layer's zip cannot be unpacked safely. */
  async dir(layers: LayerContent[]): Promise<string | null> {
    if (layers.length === 0) return null;
    const key = layersKey(layers.map((l) => l.sha256Hex));
    const dir = join(this.root, key);
    if (this.known.has(key)) return dir;
    let made = this.pending.get(key);
    if (!made) {
      made = this.merge(layers, dir);
      this.pending.set(key, made);
    }
    try {
      await made;
      this.known.add(key);
      return dir;
    } finally {
      this.pending.delete(key);
    }
  }

  private async merge(layers: LayerContent[], dir: string): Promise<string> {
    if (await exists(dir)) return dir;
    const sources: string[] = [];
    for (const l of layers) sources.push(await this.code.dir(l.sha256Hex, l.load));
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    const tmp = join(this.root, `.merge-${randomUUID()}`);
    try {
      await mkdir(tmp, { mode: 0o755 });
      for (const s of sources) await overlay(s, tmp);
      await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
        // Another process merged the same layers first: theirs is as good.
        if (err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return dir;
  }
}

/** Lays `from`'s tree over `to`'s: what `from` has replaces what `to` has at the same path (a
 *  file over a directory too, and the other way round); directories merge. */
async function overlay(from: string, to: string): Promise<void> {
  for (const e of await readdir(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    const there = await lstat(dst).catch(() => null);
    if (e.isDirectory()) {
      if (there && !there.isDirectory()) await rm(dst, { force: true });
      if (!there?.isDirectory()) await mkdir(dst, { mode: (await stat(src)).mode & 0o7777 });
      await overlay(src, dst);
      continue;
    }
    if (there) await rm(dst, { recursive: true, force: true });
    if (e.isSymbolicLink()) await symlink(await readlink(src), dst);
    else if (e.isFile())
      await link(src, dst).catch(async (err: NodeJS.ErrnoException) => {
        // Not one file system after all (an operator's mount): a copy is as good, only bigger.
        if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
        await copyFile(src, dst);
      });
  }
}
