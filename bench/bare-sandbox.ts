/**
 * The bare bubblewrap + cgroups start of bench/sandbox.ts and bench/functions.ts, their baseline:
 * a shell that makes three v1 cgroups (memory, cpu, pids), sets their limits, joins them, drops
 * to the sandbox uid and execs bwrap — no Hangar code (research/sandbox.md §3's reference script).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** Spawns `file` and resolves with spawn → exit in ms (rejects on a non-zero exit). */
export const run = (file: string, args: string[], env?: NodeJS.ProcessEnv) =>
  new Promise<number>((resolve, reject) => {
    const t = performance.now();
    const p = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    p.stdout.resume();
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t) : reject(new Error(`${file} exit ${code}: ${err}`))));
  });

/** This process's cgroup (v1) for controller `ctrl`, relative to its hierarchy. */
function own(ctrl: string): string {
  for (const l of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [, c, p] = l.split(/:(.*?):/);
    if (c.split(',').includes(ctrl)) return p;
  }
  return '/';
}
/** This process's own v1 cgroup directory of controller `c`. */
export const cgBase = (c: string) => join('/sys/fs/cgroup', c, own(c));

/** Every function instance's cgroup directory (memory controller): the executor names them fn-<id>-1. */
export function instanceCgroups(controller = 'memory'): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith('fn-')) out.push(join(d, n));
      else if (depth < 4) walk(join(d, n), depth + 1);
    }
  };
  const v1 = cgBase(controller);
  walk(existsSync(join(cgBase('memory'), 'memory.usage_in_bytes')) ? v1 : '/sys/fs/cgroup/unified', 0);
  return out;
}

// $1-$3 the cgroup bases, $4 the cgroup name, $5 the workspace, $6 memory bytes, $7 CPU quota
// (µs per 100 ms); the rest are bwrap's last arguments (more binds, then the command).
const script = (uid: number) => `set -e
M=$1/$4 C=$2/$4 P=$3/$4 WS=$5
mkdir "$M" "$C" "$P"
echo $6 > "$M/memory.limit_in_bytes"
echo 100000 > "$C/cpu.cfs_period_us"; echo $7 > "$C/cpu.cfs_quota_us"
echo 256 > "$P/pids.max"
for d in "$M" "$C" "$P"; do echo $$ > "$d/cgroup.procs"; done
shift 7
exec setpriv --reuid=${uid} --regid=${uid} --clear-groups --no-new-privs bwrap --unshare-all --die-with-parent --new-session \\
  --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/sbin /sbin \\
  --ro-bind /etc /etc --size 67108864 --tmpfs /tmp --bind "$WS" /workspace --chdir /workspace \\
  --proc /proc --dev /dev --hostname sandbox --clearenv --setenv PATH /usr/bin:/bin "$@"`;

export interface BareStart {
  /** The uid the sandboxed process runs as. */
  uid: number;
  /** Bound read-write at /workspace. */
  workspace: string;
  /** Default 256 MiB. */
  memoryBytes?: number;
  /** CPU quota in µs per 100 ms period; default 25,000 (a quarter of a CPU). */
  cpuQuotaUs?: number;
  /** Read-only binds (host path → sandbox path) on top of /usr and /etc. */
  roBinds?: [string, string][];
  /** What runs in the sandbox (default /bin/true). */
  command?: string[];
}

let seq = 0;

/** One bare bwrap + cgroups run of the command; resolves with spawn → exit in ms. */
export async function bareBwrap(o: BareStart): Promise<number> {
  const name = `bench-${process.pid}-${seq++}`;
  const binds = (o.roBinds ?? []).flatMap(([from, to]) => ['--ro-bind', from, to]);
  const t = await run('/bin/sh', [
    '-c',
    script(o.uid),
    'sbx',
    cgBase('memory'),
    cgBase('cpu'),
    cgBase('pids'),
    name,
    o.workspace,
    String(o.memoryBytes ?? 268435456),
    String(o.cpuQuotaUs ?? 25000),
    ...binds,
    '--remount-ro',
    '/',
    ...(o.command ?? ['/bin/true']),
  ]);
  // Off the critical path, with retry: a just-emptied cgroup is briefly busy.
  void (async () => {
    for (const c of ['memory', 'cpu', 'pids']) {
      for (let i = 0; i < 2000; i++) {
        try {
          rmdirSync(join(cgBase(c), name));
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 1));
        }
      }
    }
  })();
  return t;
}
