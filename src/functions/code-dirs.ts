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
  /** Directories known to be in place: content-addressed, so never changed once there. Every
   *  invocation asks for its code; a hit costs no file-system call (a stat went through the
   *  thread pool and waited behind other file work: up to tens of ms under load, measured). */
  private readonly known = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  /** The directory of the code whose SHA-256 (hex) is `sha256Hex`, unpacked from `load()` if
   *  it is not there yet. BadZip when the zip cannot be unpacked safely. */
  async dir(sha256Hex: string, load: () => Promise<Buffer>): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new Error(`not a sha256: ${sha256Hex}`);
    const dir = join(this.root, sha256Hex);
    if (this.known.has(sha256Hex)) return dir;
    const pending = this.pending.get(sha256Hex);
    if (pending) return pending;
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
      const unpacked = await made;
      this.known.add(sha256Hex);
      return unpacked;
    } finally {
      this.pending.delete(sha256Hex);
    }
  }
}

/** Whether something is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
