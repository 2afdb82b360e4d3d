/** BlobStore on a local directory. */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { BlobStore } from './types.ts';

export class DiskBlobStore implements BlobStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`blob key escapes the store: ${key}`);
    return p;
  }

  /**
   * Writes in place, no temp file and rename: a key is written once, before the store records
   * it (results and logs are per attempt), so no reader can see it half-written. That halves
   * the file operations per attempt on the worker's hot path.
   */
  async put(key: string, data: Buffer | string): Promise<void> {
    const p = this.path(key);
    try {
      await writeFile(p, data);
    } catch (err) {
      // Directories are made on demand: most writes go to one that exists.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, data);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(this.path(prefix), { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async check(): Promise<boolean> {
    const key = `_health/${randomUUID()}`;
    try {
      await this.put(key, 'ok');
      const back = await this.get(key);
      await rm(this.path(key), { force: true });
      return back?.toString() === 'ok';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}
}
