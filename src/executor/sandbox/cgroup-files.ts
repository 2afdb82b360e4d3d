/** The cgroup filesystem's files as the drivers use them (cgroups.ts, cgroups-v2.ts): read a value,
 *  list a cgroup's processes, kill them all, remove the directory once the kernel lets go. */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeIfExists(file: string, value: string): Promise<void> {
  if (existsSync(file)) await writeFile(file, value);
}

export async function readNum(file: string): Promise<number | null> {
  try {
    return Number((await readFile(file, 'utf8')).trim());
  } catch {
    return null;
  }
}

/**
 * A number the kernel keeps in a cgroup file, read again and again (a function instance's memory
 * peak, once per invocation, on the caller's path): synchronous (off the thread pool, it does not
 * wait behind other file work), with one descriptor kept open and read from offset 0: one system
 * call where readFileSync makes four (open, fstat, read, close). Measured here: 3.1 µs a read against
 * 10.6 µs, alone; on the invocation path under load the four calls took ~40 µs. close() before
 * the cgroup is removed.
 */
export class KeptNumFile {
  private readonly file: string;
  private fd: number | null = null;
  private readonly buf = Buffer.allocUnsafe(64);

  constructor(file: string) {
    this.file = file;
  }

  read(): number | null {
    try {
      this.fd ??= openSync(this.file, 'r');
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      return Number(this.buf.toString('latin1', 0, n).trim());
    } catch {
      this.close();
      return null;
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closed already.
    }
    this.fd = null;
  }
}

export async function readKeyed(file: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  try {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      const [k, v] = line.trim().split(/\s+/);
      if (k && v !== undefined) m.set(k, Number(v));
    }
  } catch {
    // Missing file: the stat is unknown.
  }
  return m;
}

/** The processes in a cgroup; none if it is gone. */
export async function pidsIn(dir: string): Promise<number[]> {
  try {
    return (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Removes a cgroup directory (one already gone is fine), retrying until `timeoutMs`: it is EBUSY while its processes are still dying. */
export async function rmdirRetry(dir: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (Date.now() > end) throw err;
      await sleep(code === 'EBUSY' ? 1 : 10);
    }
  }
}

/** SIGKILLs every live process in `dirs` (after cgroup.kill, when there is one) until none is
 *  left: true, or `timeoutMs` has passed: false. */
export async function killLoop(dirs: string[], killFile: string | null, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  if (killFile) await writeFile(killFile, '1').catch(() => {});
  for (;;) {
    const pids = new Set<number>();
    for (const d of dirs) for (const p of await pidsIn(d)) pids.add(p);
    // Zombies waiting for a reaper still show in cgroup.procs; they run no code.
    const live = [...pids].filter((p) => !isZombie(p));
    if (live.length === 0) return true;
    for (const p of live) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    if (Date.now() > end) return false;
    await sleep(2);
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}
