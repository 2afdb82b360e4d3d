/** A directory as a function's zip (`hangar function deploy --dir`), with the shared writer. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { type ZipEntry, zipEntries } from '../functions/zip.ts';

/** Every file under `dir` (symbolic links followed), by name, as zip entries relative to it. */
export function directoryEntries(dir: string): ZipEntry[] {
  const names = (readdirSync(dir, { recursive: true }) as string[]).sort();
  const entries: ZipEntry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile()) continue;
    entries.push({ name: relative(dir, path).split(sep).join('/'), data: readFileSync(path), mode: st.mode & 0o7777 });
  }
  return entries;
}

export const zipDirectory = (dir: string): Buffer => zipEntries(directoryEntries(dir));
