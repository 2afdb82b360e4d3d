/**
 * Per-task cgroups: memory, CPU quota and pids limits, accounting, and a kill that reaches every
 * process of the task whatever it did to its process group or session.
 *
 * Hosts differ (research/sandbox.md): this kind of VM runs cgroups in hybrid mode, with the
 * memory, cpu, cpuacct and pids controllers on v1 and an empty cgroup2 tree at
 * /sys/fs/cgroup/unified that still offers cgroup.kill. A pure v2 host has every controller in
 * one tree. `detectCgroups()` reads /proc/self/mountinfo and /proc/self/cgroup and returns a
 * driver for what it finds; the differences are data (which files, which units), not branches
 * spread through the executor.
 *
 * Task cgroups nest under the worker's own cgroup (`<own>/hangar/<name>`), so a host-level
 * limit on the worker still bounds its tasks. How v2 gets its controllers: cgroups-v2.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KeptNumFile, killLoop, readKeyed, readNum, rmdirRetry, writeIfExists } from './cgroup-files.ts';
import { CgroupV2Unproven, CgroupV2Unusable, delegateV2, type DelegationMode } from './cgroups-v2.ts';

export interface CgroupLimits {
  memoryBytes: number;
  /** CPUs, e.g. 0.25 for 256 ECS CPU units. */
  cpus: number;
  pidsMax: number;
}

export interface CgroupStats {
  memoryPeakBytes: number | null;
  cpuUserMs: number | null;
  cpuSystemMs: number | null;
  /** How long the CPU quota held the task back (the kernel's throttled time), and in how many
   *  of its periods: the evidence that the quota, not the host, set the task's pace. */
  cpuThrottledMs: number | null;
  cpuThrottledPeriods: number | null;
  oomKilled: boolean;
  /** Forks refused by pids.max. */
  pidsRefused: number;
}

export interface TaskCgroup {
  readonly name: string;
  /** `cgroup.procs` files a process writes its pid to, to join every controller, before exec. */
  readonly procsFiles: string[];
  stats(): Promise<CgroupStats>;
  /** The memory peak alone, read synchronously (KeptNumFile): a function's REPORT line needs it
   *  per invocation. */
  memoryPeakBytes(): number | null;
  /** Changes the CPU quota of a running task (a function instance's init phase runs at more). */
  setCpus(cpus: number): Promise<void>;
  /** SIGKILL every process in the task's cgroups, until none is left (or `timeoutMs` passes). */
  killAll(timeoutMs?: number): Promise<boolean>;
  /** rmdir with retry: a just-emptied cgroup reports EBUSY for a few ms (measured: p95 5.5 ms). */
  remove(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  /** Human-readable summary for `hangar doctor`. */
  readonly description: string;
  create(name: string, limits: CgroupLimits): Promise<TaskCgroup>;
  /** Removes this worker's (empty) subtree; call after every task cgroup is removed. */
  dispose(): Promise<void>;
  /**
   * Kills and removes what dead workers left (a SIGKILLed worker cannot clean up): every
   * sibling subtree whose scope `isAlive` rejects. Returns the task cgroup names it removed.
   */
  sweepDead(isAlive: (scope: string) => boolean): Promise<string[]>;
}

/**
 * The CPU quota's accounting period. A task may use `cpus` × this per period, then waits for
 * the next one. The kernel's usual 100 ms gives a quarter core 25 ms per period, less than a
 * Node process needs to start (~40 ms of CPU), so every built-in workload and the egress
 * forwarder sat out two or three throttled periods before doing anything. At 250 ms the start
 * fits in the first period (bench/sandbox.ts, same host and hour: built-in `noop` p50 105 -> 54
 * ms, `/bin/true` with egress 227 -> 100 ms); the average share is the same, and a task that
 * spins runs 62.5 ms then waits 187.5 ms at a quarter core, instead of 25 then 75.
 */
const CPU_PERIOD_US = 250_000;

/** The quota for `cpus` per period; at least 1 ms, the kernel's minimum. */
function quotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}

interface Mount {
  path: string;
  fstype: string;
  options: string[];
}

function mounts(mountinfo: string): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({ path: left[4], fstype: right[0], options: (right[2] ?? '').split(',') });
  }
  return out;
}

/** The worker's own cgroup path per v1 controller, and under "" for v2. */
function ownPaths(procSelfCgroup: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of procSelfCgroup.trim().split('\n')) {
    const [, ctrls, path] = line.split(/:(.*?):/);
    for (const c of ctrls.split(',')) m.set(c, path);
  }
  return m;
}

/** cgroup v1 (with the unified tree used for cgroup.kill when the kernel has it). */
class V1Driver implements CgroupDriver {
  readonly version = 'v1' as const;
  readonly description: string;
  private readonly bases: { memory: string; cpu: string; cpuacct: string; pids: string };
  private readonly unifiedBase: string | null;
  private readonly leftovers: string[];

  /** `leftovers`: directories to remove after the bases (the `hangar` parents a probe made). */
  constructor(bases: { memory: string; cpu: string; cpuacct: string; pids: string }, unifiedBase: string | null, leftovers: string[] = []) {
    this.bases = bases;
    this.unifiedBase = unifiedBase;
    this.leftovers = leftovers;
    this.description = `cgroup v1 (memory, cpu, cpuacct, pids${unifiedBase ? '; cgroup2 cgroup.kill' : ''}) under ${bases.memory}`;
  }

  private allBases(): string[] {
    return [...new Set(Object.values(this.bases)), ...(this.unifiedBase ? [this.unifiedBase] : [])];
  }

  async dispose(): Promise<void> {
    await Promise.all(this.allBases().map((b) => rmdirRetry(b, 200).catch(() => {})));
    await Promise.all(this.leftovers.map((d) => rmdirRetry(d, 200).catch(() => {})));
  }

  sweepDead(isAlive: (scope: string) => boolean): Promise<string[]> {
    return sweep(this.allBases(), isAlive);
  }

  async create(name: string, l: CgroupLimits): Promise<TaskCgroup> {
    const d = {
      memory: join(this.bases.memory, name),
      cpu: join(this.bases.cpu, name),
      cpuacct: join(this.bases.cpuacct, name),
      pids: join(this.bases.pids, name),
    };
    const unified = this.unifiedBase ? join(this.unifiedBase, name) : null;
    const dirs = [...new Set(Object.values(d))];
    if (unified) dirs.push(unified);
    await Promise.all(dirs.map((x) => mkdir(x, { recursive: true })));
    await writeFile(join(d.memory, 'memory.limit_in_bytes'), String(l.memoryBytes));
    // Swap counts against the same limit (no swap here, but a host with swap must not leak past it).
    await writeIfExists(join(d.memory, 'memory.memsw.limit_in_bytes'), String(l.memoryBytes));
    await writeFile(join(d.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    await writeFile(join(d.cpu, 'cpu.cfs_quota_us'), String(quotaUs(l.cpus)));
    await writeFile(join(d.pids, 'pids.max'), String(l.pidsMax));
    const hasKill = unified !== null && existsSync(join(unified, 'cgroup.kill'));
    const peak = new KeptNumFile(join(d.memory, 'memory.max_usage_in_bytes'));
    return {
      name,
      procsFiles: dirs.map((x) => join(x, 'cgroup.procs')),
      setCpus: (cpus: number) => writeFile(join(d.cpu, 'cpu.cfs_quota_us'), String(quotaUs(cpus))),
      memoryPeakBytes: () => peak.read(),
      async stats() {
        const [peak, user, sys, cpu, oom, pidsEvents] = await Promise.all([
          readNum(join(d.memory, 'memory.max_usage_in_bytes')),
          readNum(join(d.cpuacct, 'cpuacct.usage_user')),
          readNum(join(d.cpuacct, 'cpuacct.usage_sys')),
          readKeyed(join(d.cpu, 'cpu.stat')),
          readKeyed(join(d.memory, 'memory.oom_control')),
          readKeyed(join(d.pids, 'pids.events')),
        ]);
        return {
          memoryPeakBytes: peak,
          cpuUserMs: user === null ? null : user / 1e6,
          cpuSystemMs: sys === null ? null : sys / 1e6,
          cpuThrottledMs: cpu.has('throttled_time') ? cpu.get('throttled_time')! / 1e6 : null,
          cpuThrottledPeriods: cpu.get('nr_throttled') ?? null,
          oomKilled: (oom.get('oom_kill') ?? 0) > 0,
          pidsRefused: pidsEvents.get('max') ?? 0,
        };
      },
      killAll: (timeoutMs = 2000) => killLoop(dirs, hasKill ? join(unified!, 'cgroup.kill') : null, timeoutMs),
      async remove() {
        peak.close();
        await Promise.all(dirs.map((x) => rmdirRetry(x)));
      },
    };
  }
}

/** cgroup v2 with memory, cpu and pids delegated to the worker's subtree. */
class V2Driver implements CgroupDriver {
  readonly version = 'v2' as const;
  readonly description: string;
  private readonly base: string;
  private readonly release: () => Promise<void>;

  /** `release` undoes what a probe did to the cgroups above `base`, once it is removed. */
  constructor(base: string, notes: string[] = [], release: () => Promise<void> = async () => {}) {
    this.base = base;
    this.release = release;
    this.description = [`cgroup v2 (memory, cpu, pids) under ${base}`, ...notes].join('; ');
  }

  async dispose(): Promise<void> {
    await rmdirRetry(this.base, 200).catch(() => {});
    await this.release();
  }

  sweepDead(isAlive: (scope: string) => boolean): Promise<string[]> {
    return sweep([this.base], isAlive);
  }

  async create(name: string, l: CgroupLimits): Promise<TaskCgroup> {
    const dir = join(this.base, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'memory.max'), String(l.memoryBytes));
    await writeIfExists(join(dir, 'memory.swap.max'), '0');
    await writeFile(join(dir, 'cpu.max'), `${quotaUs(l.cpus)} ${CPU_PERIOD_US}`);
    await writeFile(join(dir, 'pids.max'), String(l.pidsMax));
    const peak = new KeptNumFile(join(dir, 'memory.peak'));
    return {
      name,
      procsFiles: [join(dir, 'cgroup.procs')],
      setCpus: (cpus: number) => writeFile(join(dir, 'cpu.max'), `${quotaUs(cpus)} ${CPU_PERIOD_US}`),
      memoryPeakBytes: () => peak.read(),
      async stats() {
        const [peak, cpu, events, pidsEvents] = await Promise.all([
          readNum(join(dir, 'memory.peak')),
          readKeyed(join(dir, 'cpu.stat')),
          readKeyed(join(dir, 'memory.events')),
          readKeyed(join(dir, 'pids.events')),
        ]);
        return {
          memoryPeakBytes: peak,
          cpuUserMs: cpu.has('user_usec') ? cpu.get('user_usec')! / 1000 : null,
          cpuSystemMs: cpu.has('system_usec') ? cpu.get('system_usec')! / 1000 : null,
          cpuThrottledMs: cpu.has('throttled_usec') ? cpu.get('throttled_usec')! / 1000 : null,
          cpuThrottledPeriods: cpu.get('nr_throttled') ?? null,
          oomKilled: (events.get('oom_kill') ?? 0) > 0,
          pidsRefused: pidsEvents.get('max') ?? 0,
        };
      },
      killAll: (timeoutMs = 2000) => killLoop([dir], existsSync(join(dir, 'cgroup.kill')) ? join(dir, 'cgroup.kill') : null, timeoutMs),
      remove: () => {
        peak.close();
        return rmdirRetry(dir);
      },
    };
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** For each base (`.../hangar/<own scope>`), the sibling scopes of dead workers. */
async function sweep(bases: string[], isAlive: (scope: string) => boolean): Promise<string[]> {
  const removed = new Set<string>();
  for (const base of bases) {
    const parent = dirname(base);
    for (const scope of await subdirs(parent)) {
      if (join(parent, scope) === base || isAlive(scope)) continue;
      for (const task of await subdirs(join(parent, scope))) {
        const dir = join(parent, scope, task);
        await killLoop([dir], null, 1000);
        await rmdirRetry(dir, 500).catch(() => {});
        removed.add(task);
      }
      await rmdirRetry(join(parent, scope), 200).catch(() => {});
    }
  }
  return [...removed];
}

export interface DetectResult {
  driver: CgroupDriver | null;
  /** Why there is no driver, or what is degraded. */
  problems: string[];
  /** No driver because a probe would have had to move its caller's processes; a worker would not be stopped by it. */
  unproven?: boolean;
}

export interface DetectOptions {
  /**
   * 'worker' (default) sets up its subtree for good, moving the processes of its own cgroup
   * aside when cgroup v2 needs it; 'probe' (`hangar doctor`) changes nothing of its caller's
   * cgroup and removes all it made when the driver is disposed.
   */
  mode?: DelegationMode;
  /** Where cgroup2 is mounted; with it, mountinfo is not read and v1 is not looked for (tests). */
  cgroup2Root?: string;
  /** The content of /proc/self/cgroup (default: read). */
  procSelfCgroup?: string;
}

/**
 * Finds usable cgroups. `scope` names this worker's subtree (`<own>/hangar/<scope>`), so that
 * two workers on one host never touch each other's task cgroups.
 */
export async function detectCgroups(scope: string, opts: DetectOptions = {}): Promise<DetectResult> {
  const mode = opts.mode ?? 'worker';
  const problems: string[] = [];
  let all: Mount[];
  let own: Map<string, string>;
  try {
    all = opts.cgroup2Root
      ? [{ path: opts.cgroup2Root, fstype: 'cgroup2', options: [] }]
      : mounts(readFileSync('/proc/self/mountinfo', 'utf8'));
    own = ownPaths(opts.procSelfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8'));
  } catch (err) {
    return { driver: null, problems: [`cannot read /proc: ${(err as Error).message}`] };
  }
  const v1 = (ctrl: string) => all.find((m) => m.fstype === 'cgroup' && m.options.includes(ctrl));
  const v2 = all.find((m) => m.fstype === 'cgroup2');
  const need = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
  if (need.every((c) => v1(c))) {
    const base = (c: string) => join(v1(c)!.path, own.get(c) ?? '/', 'hangar', scope);
    const bases = { memory: base('memory'), cpu: base('cpu'), cpuacct: base('cpuacct'), pids: base('pids') };
    const unifiedBase = v2 ? join(v2.path, own.get('') ?? '/', 'hangar', scope) : null;
    // A probe removes the `hangar` directories it had to make (a worker keeps them: its
    // siblings share them).
    const parents = [...new Set([...Object.values(bases), ...(unifiedBase ? [unifiedBase] : [])].map((b) => dirname(b)))];
    const leftovers = mode === 'probe' ? parents.filter((p) => !existsSync(p)) : [];
    const driver = new V1Driver(bases, unifiedBase, leftovers);
    try {
      await probe(driver);
      return { driver, problems };
    } catch (err) {
      await driver.dispose();
      problems.push(`cgroup v1 is mounted but not usable: ${(err as Error).message}`);
    }
  }
  if (v2) {
    try {
      const sub = await delegateV2(v2.path, own.get('') ?? '/', scope, mode);
      const driver = new V2Driver(sub.base, sub.notes, sub.release);
      try {
        await probe(driver);
      } catch (err) {
        await driver.dispose();
        throw err;
      }
      return { driver, problems };
    } catch (err) {
      const known = err instanceof CgroupV2Unusable || err instanceof CgroupV2Unproven;
      problems.push(known ? err.message : `cgroup v2 subtree not usable: ${(err as Error).message}`);
      if (err instanceof CgroupV2Unproven) return { driver: null, problems, unproven: true };
    }
  }
  if (!v2 && !need.some((c) => v1(c))) problems.push('no cgroup filesystem is mounted');
  return { driver: null, problems };
}

/** Creates, measures and removes one cgroup, proving the driver works here. */
async function probe(driver: CgroupDriver): Promise<void> {
  const cg = await driver.create(`probe-${process.pid}-${Date.now()}`, { memoryBytes: 64 << 20, cpus: 0.5, pidsMax: 16 });
  await cg.stats();
  await cg.remove();
}
