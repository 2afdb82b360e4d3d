/**
 * Getting memory, cpu and pids for the worker's task cgroups on a cgroup v2 host.
 *
 * A v2 cgroup may use only the controllers its parent enabled for it: those are listed in its
 * own `cgroup.controllers`, not the root's. systemd 252 enables only `memory pids` for an
 * ordinary `system.slice` service; a unit with `Delegate=yes` gets every controller and the
 * right to manage the subtree. So the check reads this process's own cgroup, and a missing
 * controller is named with its fix.
 *
 * Without `cpu` the worker refuses (README, Isolation): `resources.cpu` is a limit users set,
 * and a task running past it takes cores from the other tasks and the API on the host, with
 * nothing on the task saying so. The fix is one line of the unit.
 *
 * v2's "no internal processes" rule: a cgroup hands controllers to its children only once it
 * has no processes of its own. A worker therefore moves the processes of its cgroup into
 * `<own>/worker` (under a service with Delegate=yes, the unit's own processes). `hangar doctor`
 * runs in its caller's cgroup, often a login shell's: in 'probe' mode it moves no process but
 * its own, only when it is alone there, and puts everything back when it is done.
 */
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pidsIn } from './cgroup-files.ts';

export const V2_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;

/** 'worker': set the subtree up for good. 'probe': touch nothing of the caller, undo on release. */
export type DelegationMode = 'worker' | 'probe';

export interface V2Subtree {
  /** `<own>/hangar/<scope>`: task cgroups go under it. */
  base: string;
  /** What was done to the host to get there (for the start-up log). */
  notes: string[];
  /** Undoes what 'probe' mode did, after the base is removed; nothing in 'worker' mode. */
  release(): Promise<void>;
}

/** Why v2 cannot be used here, with the fix; the message is shown as is. */
export class CgroupV2Unusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CgroupV2Unusable';
  }
}

/** Not proven rather than unusable: a probe ('probe' mode, `hangar doctor`) would have had to
 *  move its caller's processes out of `cgroup` to use it; a worker started there would move them. */
export class CgroupV2Unproven extends Error {
  /** The caller's cgroup, relative to the v2 root. */
  readonly cgroup: string;
  /** How many processes besides the prober are in it. */
  readonly others: number;
  constructor(cgroup: string, others: number) {
    super(
      `cgroup v2: memory, cpu and pids are delegated to ${cgroup}, but using them needs that cgroup empty, and ${others} other process${others > 1 ? 'es' : ''} ` +
        `(the caller's shell among them) are in it. doctor does not move them; a worker started here would move them into ${cgroup}/worker. ` +
        'To prove the sandbox with a real run: systemd-run --scope -p Delegate=yes bin/hangar doctor (or run doctor in the unit that runs Hangar)',
    );
    this.name = 'CgroupV2Unproven';
    this.cgroup = cgroup;
    this.others = others;
  }
}

function readList(file: string): Set<string> {
  return new Set(readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean));
}

function readListOrEmpty(file: string): Set<string> {
  try {
    return readList(file);
  } catch {
    return new Set();
  }
}

/** `/a/b/c` → [`/`, `/a`, `/a/b`]: the cgroups above `rel`. */
function ancestors(rel: string): string[] {
  const parts = rel.split('/').filter(Boolean);
  return parts.map((_, i) => '/' + parts.slice(0, i).join('/'));
}

/** A cgroup systemd manages: its rules win over hand-written subtree_control files. */
const systemdUnit = (rel: string) => /\.(service|scope|slice)(\/|$)/.test(rel);

/**
 * The controllers of V2_CONTROLLERS that `<root><ownRel>` cannot use, each with what would
 * give it (null: all there).
 */
export function controllerProblem(root: string, ownRel: string): string | null {
  const own = join(root, ownRel);
  let available: Set<string>;
  try {
    available = readList(join(own, 'cgroup.controllers'));
  } catch (err) {
    return `cgroup v2: cannot read ${join(own, 'cgroup.controllers')}: ${(err as Error).message}`;
  }
  const missing = V2_CONTROLLERS.filter((c) => !available.has(c));
  if (missing.length === 0) return null;
  const offered = readListOrEmpty(join(root, 'cgroup.controllers'));
  const absent = missing.filter((c) => !offered.has(c));
  const undelegated = missing.filter((c) => offered.has(c));
  const lines = [
    `cgroup v2: this process's cgroup ${ownRel} lacks the ${missing.join(', ')} controller${missing.length > 1 ? 's' : ''} ` +
      `(its cgroup.controllers: ${[...available].join(' ') || 'none'}): Hangar limits every task with memory, cpu and pids, and runs no task without all three`,
  ];
  if (absent.length > 0) {
    lines.push(
      `${absent.join(', ')}: not offered by this kernel's cgroup v2 at all (not built in, or still bound to a v1 hierarchy: see /proc/cgroups; boot with systemd.unified_cgroup_hierarchy=1)`,
    );
  }
  if (undelegated.length > 0) {
    const writes: string[] = [];
    for (const a of ancestors(ownRel)) {
      const enabled = readListOrEmpty(join(root, a, 'cgroup.subtree_control'));
      const need = undelegated.filter((c) => !enabled.has(c));
      if (need.length > 0) writes.push(`echo '${need.map((c) => `+${c}`).join(' ')}' > ${join(root, a, 'cgroup.subtree_control')}`);
    }
    lines.push(
      systemdUnit(ownRel)
        ? `${undelegated.join(', ')}: not delegated by systemd. Fix: run Hangar as a systemd service with Delegate=yes (contrib/systemd/hangar.service), ` +
            `or from a shell in a delegated scope: systemd-run --scope -p Delegate=yes bin/hangar …; writing the parents' cgroup.subtree_control by hand (${writes.join('; ')}) does not last, systemd rewrites them`
        : `${undelegated.join(', ')}: not enabled by the parent cgroups. Fix, as root: ${writes.join('; ')}`,
    );
  }
  return lines.join('\n    ');
}

/** Says what a failed write to cgroup.subtree_control means here. */
function explainWrite(file: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EROFS':
      return `${file} is read-only (EROFS): the cgroup filesystem is mounted read-only (a container without a writable cgroup namespace?)`;
    case 'EACCES':
    case 'EPERM':
      return `${file} cannot be written (${err.code}): the cgroup is not delegated to this user`;
    case 'EBUSY':
      return `${file}: ${err.code}, the cgroup still has processes of its own (cgroup v2 hands controllers to children only from a cgroup without processes)`;
    case 'ENOENT':
      return `${file}: ENOENT, a controller is not available in this cgroup (not delegated by its parent)`;
    default:
      return `${file}: ${err.message}`;
  }
}

async function enable(dir: string, ctrls: readonly string[]): Promise<void> {
  const file = join(dir, 'cgroup.subtree_control');
  try {
    await writeFile(file, ctrls.map((c) => `+${c}`).join(' '));
  } catch (err) {
    throw new CgroupV2Unusable(`cgroup v2 subtree not usable: ${explainWrite(file, err as NodeJS.ErrnoException)}`);
  }
}

/** Fails, with no change made, when the file cannot be opened for writing (read-only mount, no delegation). */
function checkWritable(file: string): void {
  try {
    closeSync(openSync(file, 'r+'));
  } catch (err) {
    throw new CgroupV2Unusable(`cgroup v2 subtree not usable: ${explainWrite(file, err as NodeJS.ErrnoException)}`);
  }
}

const missingIn = (dir: string) => {
  const on = readListOrEmpty(join(dir, 'cgroup.subtree_control'));
  return V2_CONTROLLERS.filter((c) => !on.has(c));
};

/**
 * Sets up `<own>/hangar/<scope>` with memory, cpu and pids enabled. `ownRel` is this process's
 * path from /proc/self/cgroup (`0::<path>`). Throws CgroupV2Unusable with the reason and fix, or, in
 * 'probe' mode, CgroupV2Unproven when proving it would move the caller's processes.
 */
export async function delegateV2(root: string, ownRel: string, scope: string, mode: DelegationMode, pid = process.pid): Promise<V2Subtree> {
  const problem = controllerProblem(root, ownRel);
  if (problem) throw new CgroupV2Unusable(problem);
  let own = join(root, ownRel);
  // A process started by a worker (the autoscaler's workers, a restarted worker in a unit
  // whose cgroup is kept) lives in `<own>/worker` already: the subtree above it is set up.
  if (basename(own) === 'worker' && ownRel !== '/' && missingIn(dirname(own)).length === 0) own = dirname(own);
  const notes: string[] = [];
  const undo: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
  };
  try {
    const lacking = missingIn(own);
    if (lacking.length > 0) {
      checkWritable(join(own, 'cgroup.subtree_control'));
      // The host's root cgroup may have processes and children with controllers; any other may not.
      const residents = ownRel === '/' ? [] : await pidsIn(own);
      if (residents.length > 0) {
        const others = residents.filter((p) => p !== pid);
        if (mode === 'probe') {
          if (others.length > 0) {
            throw new CgroupV2Unproven(ownRel, others.length);
          }
          const leaf = join(own, `doctor-${pid}`);
          await mkdir(leaf);
          undo.push(() => rmdir(leaf));
          await writeFile(join(leaf, 'cgroup.procs'), String(pid));
          // Everything doctor started meanwhile (its spawn helper) is in the leaf too: all go back.
          undo.push(async () => {
            for (const p of await pidsIn(leaf)) await writeFile(join(own, 'cgroup.procs'), String(p)).catch(() => {});
          });
        } else {
          const leaf = join(own, 'worker');
          await mkdir(leaf, { recursive: true });
          for (const p of residents) await writeFile(join(leaf, 'cgroup.procs'), String(p)).catch(() => {});
          if (others.length > 0)
            notes.push(
              `moved ${others.length} other process${others.length > 1 ? 'es' : ''} of ${ownRel} into ${join(ownRel, 'worker')} (cgroup v2 lets a cgroup with processes hand no controllers to its children)`,
            );
        }
      }
      await enable(own, lacking);
      if (mode === 'probe') undo.push(() => writeFile(join(own, 'cgroup.subtree_control'), lacking.map((c) => `-${c}`).join(' ')));
    }
    const hangar = join(own, 'hangar');
    if (!existsSync(hangar)) {
      await mkdir(hangar);
      if (mode === 'probe') undo.push(() => rmdir(hangar));
    }
    const hangarLacks = missingIn(hangar);
    if (hangarLacks.length > 0) {
      await enable(hangar, hangarLacks);
      if (mode === 'probe') undo.push(() => writeFile(join(hangar, 'cgroup.subtree_control'), hangarLacks.map((c) => `-${c}`).join(' ')));
    }
    const base = join(hangar, scope);
    await mkdir(base, { recursive: true });
    await enable(base, V2_CONTROLLERS);
    return { base, notes, release: mode === 'probe' ? release : async () => {} };
  } catch (err) {
    await release();
    throw err;
  }
}
