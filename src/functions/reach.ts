/**
 * Whether the sandbox's uid can reach a host directory that instances bind (the functions' code
 * under the data directory, the runtimes in Hangar's installation). bwrap opens a bind's source
 * as that uid, so every directory on the way needs search (x) permission for it; a data
 * directory under a 0700 parent (/root/x/data) made every cold start fail with "bwrap: Can't find
 * source path ...: Permission denied" in the function's log and a bare Runtime.ExitError as its
 * error. Tasks do not show it: their workspace is not bound from the host.
 *
 * Mode bits only, with the sandbox's gid taken to be its uid (sandboxUid is both) and no
 * supplementary groups: an ACL granting the uid passage is not seen, and would be reported as a
 * barrier it is not.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, parse, resolve } from 'node:path';
import { RUNTIMES_DIR } from './runtimes.ts';

export interface Barrier {
  /** The directory `uid` cannot pass. */
  dir: string;
  /** Its permission bits (0o700). */
  mode: number;
}

/**
 * The first directory from the root down to `path` (itself included) that `uid` cannot search,
 * or null. A part of `path` that does not exist yet ends the walk: Hangar makes it, 0711.
 */
export async function barrierOnTheWay(path: string, uid: number): Promise<Barrier | null> {
  const full = resolve(path);
  const dirs: string[] = [];
  for (let d = full; ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === parse(d).root) break;
  }
  for (const dir of dirs) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(dir);
    } catch {
      return null;
    }
    const bit = st.uid === uid ? 0o100 : st.gid === uid ? 0o010 : 0o001;
    if (!(st.mode & bit)) return { dir, mode: st.mode & 0o7777 };
  }
  return null;
}

/** What the operator is told, at start-up and by every invocation until it is fixed. */
export function barrierMessage(what: string, path: string, uid: number, b: Barrier, fix: string): string {
  return (
    `functions cannot run here: the sandbox uid ${uid} (HANGAR_SANDBOX_UID) cannot reach ${what} at ${path}, ` +
    `because ${b.dir} (mode ${b.mode.toString(8).padStart(4, '0')}) does not let it pass; ` +
    `chmod o+x ${b.dir} (no listing is granted), or ${fix}`
  );
}

/** Where a data directory keeps the functions' unpacked code (what instances bind). */
export const codeDirOf = (dataDir: string): string => join(dataDir, 'functions', 'code');

/**
 * Why the sandbox's uid cannot reach a directory instances bind — the functions' code under
 * `codeDir`, the built-in runtimes in Hangar's installation — or null. The message names host
 * paths: it is for the operator (start-up log, `hangar doctor`), not for a function's callers.
 */
export async function instancesUnreachable(codeDir: string, uid: number): Promise<string | null> {
  const bound = [
    ['the function code', codeDir, 'set HANGAR_DATA_DIR to a directory it can reach'],
    ["Hangar's function runtimes", RUNTIMES_DIR, 'install Hangar where it can reach'],
  ] as const;
  for (const [what, path, fix] of bound) {
    const barrier = await barrierOnTheWay(path, uid);
    if (barrier) return barrierMessage(what, path, uid, barrier, fix);
  }
  return null;
}

/** What a function's caller is told while instances cannot start here: no host path. */
export const UNREACHABLE_FOR_CALLERS =
  "functions cannot start on this host: the sandbox's uid cannot reach a directory instances need (the operator finds which in the server's log or with `hangar doctor`)";
