/**
 * Functions' code, unpacked once per code SHA-256 into a content-addressed directory
 * (`<root>/<sha256 hex>`), which instances bind read-only at /var/task. Content addressing makes
 * the directory immutable (new code is a new directory), shared by the versions and functions of
 * the same zip, and safe to reuse after a restart. An unpack goes to a temporary directory first
 * and is renamed into place, so a crash halfway leaves no half-written code behind under a sha.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipTo } from './unzip.ts';

export class CodeDirectories {
  readonly root: string;
  /** Unpacks under way, so concurrent cold starts of one code unpack it once. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.root = root;
  }

  /** The directory of the code whose SHA-256 (hex) is `sha256Hex`, unpacked from `load()` if
   *  it is not there yet. BadZip when the zip cannot be unpacked safely. */
  async dir(sha256Hex: string, load: () => Promise<Buffer>): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new Error(`not a sha256: ${sha256Hex}`);
    const dir = join(this.root, sha256Hex);
    const known = this.pending.get(sha256Hex);
    if (known) return known;
    const made = (async () => {
      if (await exists(dir)) return dir;
      await mkdir(this.root, { recursive: true, mode: 0o711 });
      const tmp = join(this.root, `.unpack-${randomUUID()}`);
      try {
        await unzipTo(await load(), tmp);
        await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
          // Another process unpacked the same code first: theirs is as good.
          if (err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return dir;
    })();
    this.pending.set(sha256Hex, made);
    try {
      return await made;
    } finally {
      this.pending.delete(sha256Hex);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
