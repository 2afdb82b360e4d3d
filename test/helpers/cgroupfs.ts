/**
 * cgroup v2 trees laid out in a directory as the kernel lays out /sys/fs/cgroup, for hosts
 * that are not v2 (this one is hybrid v1): every cgroup is a directory with cgroup.controllers
 * (what its parent enabled for it: the parent's cgroup.subtree_control, or the kernel's list at
 * the root), cgroup.subtree_control, cgroup.procs, cgroup.type, and the interface files of the
 * controllers it has. What a regular directory cannot imitate: the kernel's refusals (EBUSY,
 * ENOENT on a write) and rmdir of a directory that holds interface files.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CgroupSpec {
  /** Controllers this cgroup enables for its children (cgroup.subtree_control). */
  subtree?: string[];
  /** Pids in cgroup.procs. */
  procs?: number[];
}

/** Debian 12's kernel: what `cat /sys/fs/cgroup/cgroup.controllers` shows on a pure v2 boot. */
export const DEBIAN12_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];

const INTERFACE: Record<string, string[]> = {
  cpu: ['cpu.max', 'cpu.weight'],
  memory: ['memory.max', 'memory.high', 'memory.swap.max'],
  pids: ['pids.max'],
};

export class CgroupTree {
  readonly root: string;

  /** `cgroups` maps paths (`/`, `/system.slice`, …; parents before children) to their state. */
  constructor(rootControllers: string[], cgroups: Record<string, CgroupSpec>) {
    this.root = mkdtempSync(join(tmpdir(), 'hangar-cgroupfs-'));
    for (const [path, spec] of Object.entries(cgroups)) {
      const dir = join(this.root, path);
      mkdirSync(dir, { recursive: true });
      const controllers = path === '/' ? rootControllers : this.list(dirname(path), 'cgroup.subtree_control');
      writeFileSync(join(dir, 'cgroup.controllers'), controllers.join(' ') + '\n');
      writeFileSync(join(dir, 'cgroup.subtree_control'), (spec.subtree ?? []).join(' ') + '\n');
      writeFileSync(join(dir, 'cgroup.procs'), (spec.procs ?? []).map((p) => `${p}\n`).join(''));
      if (path === '/') continue;
      writeFileSync(join(dir, 'cgroup.type'), 'domain\n');
      for (const c of controllers) for (const f of INTERFACE[c] ?? []) writeFileSync(join(dir, f), 'max\n');
    }
  }

  /** The words of a cgroup's file (`/system.slice/hangar.service`, 'cgroup.subtree_control'). */
  list(path: string, file: string): string[] {
    return readFileSync(join(this.root, path, file), 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  }

  read(path: string, file: string): string {
    return readFileSync(join(this.root, path, file), 'utf8');
  }

  /** Every cgroup (directory) of the tree, as paths from its root, sorted. */
  cgroups(): string[] {
    const entries = readdirSync(this.root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => join(e.parentPath, e.name).slice(this.root.length))
      .sort();
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
