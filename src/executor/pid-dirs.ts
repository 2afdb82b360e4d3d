/**
 * Directories a process makes for itself under $TMPDIR, named `<prefix><pid>-<random>`: the
 * random part means nobody can make the name first, the pid lets the next process on the host
 * remove what a process killed outright left behind.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Removes `prefix` directories of this user whose process no longer runs. */
function sweep(base: string, prefix: string): void {
  const uid = process.getuid?.() ?? 0;
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    const dir = join(base, name);
    try {
      if (statSync(dir).uid === uid) rmSync(dir, { recursive: true, force: true });
    } catch {
      // raced with another sweep
    }
  }
}

/** A new directory of this process (0700 unless `mode` says otherwise), after sweeping the dead's. */
export function pidDir(prefix: string, mode = 0o700, base = tmpdir()): string {
  sweep(base, prefix);
  const dir = mkdtempSync(join(base, `${prefix}${process.pid}-`));
  if (mode !== 0o700) chmodSync(dir, mode);
  return dir;
}
