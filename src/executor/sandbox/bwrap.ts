/**
 * The sandbox launcher: every attempt runs under bubblewrap as an unprivileged uid, in new pid,
 * mount, ipc, uts, network, user and cgroup namespaces, with a read-only root (the host's /usr
 * and /etc), a private size-capped /tmp, the attempt's workspace as the only writable host path,
 * no capabilities, no-new-privileges, and per-task cgroups for memory, CPU and pids.
 *
 * Launch chain (research/sandbox.md §3, measured ≈ 9 ms p50 for /bin/true with cgroups):
 *   sh (root: joins the task's cgroups, so nothing it forks escapes them, and sets the
 *   open-files limit) → setpriv (drop to the sandbox uid, no new privileges)
 *   → bwrap --die-with-parent (killing the launch chain kills the whole pid namespace)
 * Running bwrap as root would keep a full capability set inside its user namespace and let the
 * task read root-only files such as /etc/shadow; dropping the uid first closes that.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { chown, mkdir, readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionRequest, ExecutionResult } from '../types.ts';
import { ImageUnavailable, type Launch, type Launcher, type Prepared } from '../launcher.ts';
import type { ImageStore } from '../../images/index.ts';
import type { CgroupDriver } from './cgroups.ts';
import { unshareArgv } from './unshare.ts';
import { EGRESS_PORT, startEgressProxy, type EgressGuard, type EgressProxy } from './egress.ts';
import { compiledWorkloadsDir } from '../compiled-workloads.ts';
import { SANDBOX_USER, SandboxIdentity } from './identity.ts';
import { forwardedArgv, hostLoader } from './forward.ts';

const PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));
/** Where the Node binary, the built-in workloads and package.json appear inside the sandbox,
 *  unless the request says otherwise (SandboxExtras.hangarDir). */
const IN_HANGAR = '/opt/hangar';
const BASE_PATH = '/usr/local/bin:/usr/bin:/bin';
/** Where the egress proxies' sockets live on the host (short: unix socket paths are capped at
 *  108 bytes). Inside, each forwarded socket appears as /run/hangar/fwd-<port>.sock. */
const EGRESS_DIR = '/run/hangar-egress';

export interface SandboxOptions {
  uid: number;
  gid: number;
  /** pids.max of each task cgroup. */
  pidsMax: number;
  /** Size of the private /tmp, bytes (its pages also count against the memory limit). */
  tmpBytes: number;
  /** RLIMIT_NOFILE of the task. */
  openFiles: number;
  /** Size of the workspace, bytes: a tmpfs mounted over it (its pages count against memory). */
  workspaceBytes: number;
  cgroups: CgroupDriver;
  /** Checks the destinations of tasks with network 'egress'. */
  egress: EgressGuard;
  /** Registered images (task field `image`). */
  images?: ImageStore;
  /** bwrap, or the util-linux rendering of the same sandbox (unshare.ts) where bwrap is missing. */
  engine: SandboxEngine;
  /** The host's socat (forward.ts), the forwarder in front of a program that reaches host
   *  sockets; null: the Node forwarder. */
  socat: string | null;
}

export type SandboxEngine = 'bwrap' | 'unshare';

/** Top-level entries to skip: the sandbox makes its own (or they make no sense inside). */
const OWN_MOUNTS = new Set(['proc', 'dev', 'sys', 'tmp', 'workspace', 'run']);

/** bwrap arguments that lay an image's rootfs out as the sandbox's root, read-only: each
 *  top-level directory and file bound, each symlink recreated (bwrap's root is a tmpfs, so
 *  /workspace, /tmp and the rest can still be made on it). */
async function imageRoot(rootfs: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(rootfs, { withFileTypes: true })) {
    if (OWN_MOUNTS.has(e.name)) continue;
    const src = join(rootfs, e.name);
    if (e.isSymbolicLink()) out.push('--symlink', await readlink(src), `/${e.name}`);
    else if (e.isDirectory() || e.isFile()) out.push('--ro-bind', src, `/${e.name}`);
  }
  return out;
}

const IN_PROJECT = '/.hangar/in';
const OUT_PROJECT = '/.hangar/out';
/** Runs inside the sandbox as the task's uid: files in, the program ("$@"), files out. Exit
 *  125 if the files cannot be copied in, as the launch failing would. */
const PROJECT_WRAPPER = `cp -a ${IN_PROJECT}/. /workspace/ || exit 125
"$@"
rc=$?
mkdir ${OUT_PROJECT}/files && cp -a /workspace/. ${OUT_PROJECT}/files/ && : > ${OUT_PROJECT}/done
exit $rc`;

export class BwrapLauncher implements Launcher {
  readonly name = 'sandbox';
  private readonly o: SandboxOptions;
  private readonly identity: SandboxIdentity;

  constructor(o: SandboxOptions) {
    this.o = o;
    this.identity = new SandboxIdentity(o.uid, o.gid);
  }

  async close(): Promise<void> {
    this.identity.close();
    await this.o.cgroups.dispose();
  }

  async prepare(req: ExecutionRequest, cmd: Launch): Promise<Prepared> {
    const { uid, gid } = this.o;
    await chown(req.workspace, uid, gid);
    const cg = await this.o.cgroups.create(`${req.taskId}-${req.attempt}`, {
      // ECS units: 1024 = 1 vCPU; memory in MB.
      memoryBytes: req.resources.memory * 1024 * 1024,
      cpus: req.resources.cpu / 1024,
      pidsMax: this.o.pidsMax,
    });
    // The sandbox user's name and a UTF-8 locale, as a login would set them, unless the task
    // sets its own (Python, Perl and friends fall back to ASCII without LANG).
    const own = req.env ?? {};
    const extras = req.sandbox ?? {};
    const hangarDir = extras.hangarDir ?? IN_HANGAR;
    const inNode = `${hangarDir}/node`;
    const inWorkloads = `${hangarDir}/workloads`;
    const env: Record<string, string> = {
      ...cmd.env,
      HOME: own.HOME ?? '/workspace',
      USER: own.USER ?? SANDBOX_USER,
      LOGNAME: own.LOGNAME ?? SANDBOX_USER,
      LANG: own.LANG ?? 'C.UTF-8',
      PATH: extras.path ?? BASE_PATH,
    };
    const workloads = compiledWorkloadsDir();
    let inside = [cmd.file, ...cmd.argv].map((a) =>
      a === process.execPath ? inNode : a.startsWith(workloads + '/') ? inWorkloads + a.slice(workloads.length) : a,
    );
    // Hangar's Node, its workloads and package.json, under hangarDir.
    const hangarBinds = [
      '--ro-bind',
      process.execPath,
      inNode,
      '--ro-bind',
      workloads,
      inWorkloads,
      '--ro-bind',
      PACKAGE_JSON,
      `${hangarDir}/package.json`,
    ];
    // The root: the host's /usr and /etc with Hangar's Node and workloads, or an image's rootfs.
    let root: string[];
    let etc = '/etc';
    if (req.image && this.o.engine === 'unshare') {
      await cg.remove();
      throw new ImageUnavailable(req.image, 'needs-bubblewrap');
    }
    if (req.image) {
      const rootfs = this.o.images ? await this.o.images.rootfs(req.image) : null;
      if (!rootfs) {
        await cg.remove();
        throw new ImageUnavailable(req.image, 'not-registered');
      }
      root = await imageRoot(rootfs);
      etc = join(rootfs, 'etc');
    } else {
      root = [
        '--ro-bind',
        '/usr',
        '/usr',
        '--symlink',
        'usr/bin',
        '/bin',
        '--symlink',
        'usr/lib',
        '/lib',
        '--symlink',
        'usr/lib64',
        '/lib64',
        '--symlink',
        'usr/sbin',
        '/sbin',
        '--ro-bind',
        '/etc',
        '/etc',
        ...hangarBinds,
      ];
    }
    // The sandbox user's passwd and group entries, over the root's own files.
    const names = await this.identity.files(etc);
    if (names.passwd) root.push('--ro-bind', names.passwd, '/etc/passwd');
    if (names.group) root.push('--ro-bind', names.group, '/etc/group');
    let proxy: EgressProxy | null = null;
    // Host unix sockets the sandbox reaches on its own loopback: the egress proxy, and what the
    // request asks for (a function's Runtime API). One forwarder serves them all.
    const forwards = [...(extras.forwards ?? [])];
    if (req.network === 'egress') {
      await mkdir(EGRESS_DIR, { recursive: true, mode: 0o711 });
      const socket = join(EGRESS_DIR, `${req.taskId}-${req.attempt}.sock`);
      try {
        proxy = await startEgressProxy(socket, this.o.egress);
      } catch (err) {
        await cg.remove();
        throw err;
      }
      forwards.push({ socket, port: EGRESS_PORT });
    }
    const forwardBind: string[] = [];
    if (forwards.length > 0) {
      forwardBind.push(...forwards.flatMap((f) => ['--bind', f.socket, `/run/hangar/fwd-${f.port}.sock`]));
      // The host's socat is visible only in the host's root (under /usr). An image root has
      // neither it nor Hangar's Node and its libraries: those are bound beside each other under
      // hangarDir, and the Node forwarder runs through the host's loader (forward.ts hostLoader).
      let node = [inNode, `${inWorkloads}/egress-forward.mjs`];
      if (req.image) {
        const host = hostLoader();
        if (!host) {
          await cg.remove();
          await proxy?.close();
          throw new Error("the sandbox cannot forward into an image: the host's dynamic loader (of Hangar's Node) cannot be read");
        }
        const inLib = `${hangarDir}/lib`;
        forwardBind.push(...hangarBinds, '--ro-bind', host.libDir, inLib);
        node = [`${inLib}/${basename(host.loader)}`, '--library-path', inLib, ...node];
      }
      inside = forwardedArgv(
        forwards.map((f) => ({ socket: `/run/hangar/fwd-${f.port}.sock`, port: f.port })),
        inside,
        { socat: req.image ? null : this.o.socat, node },
      );
    }
    if (req.network === 'egress') {
      const url = `http://127.0.0.1:${EGRESS_PORT}`;
      Object.assign(env, {
        HTTP_PROXY: url,
        HTTPS_PROXY: url,
        http_proxy: url,
        https_proxy: url,
        NO_PROXY: '',
        no_proxy: '',
        NODE_USE_ENV_PROXY: '1',
      });
    }
    // A project's files: the base version read-only at /.hangar/in, copied into the workspace
    // tmpfs by the sandbox itself (the host cannot reach into it), and the workspace copied out
    // to /.hangar/out when the program exits on its own (a killed tree copies nothing).
    const projectBind: string[] = [];
    if (req.project) {
      await chown(req.project.outDir, uid, gid);
      projectBind.push('--ro-bind', req.project.inDir, IN_PROJECT, '--bind', req.project.outDir, OUT_PROJECT);
      inside = ['/bin/sh', '-c', PROJECT_WRAPPER, 'hangar-project', ...inside];
    }
    const bwrap = [
      'bwrap',
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
      ...root,
      '--size',
      String(extras.tmpBytes ?? this.o.tmpBytes),
      '--tmpfs',
      '/tmp',
      // The workspace: a size-capped tmpfs of the sandbox's own, so a full disk is the task's
      // ENOSPC and its pages count against the task's memory; it vanishes with the sandbox.
      '--perms',
      '0700',
      '--size',
      String(this.o.workspaceBytes),
      '--tmpfs',
      '/workspace',
      ...forwardBind,
      ...projectBind,
      ...(extras.binds ?? []).flatMap((b) => [b.writable ? '--bind' : '--ro-bind', b.source, b.target]),
      '--chdir',
      extras.cwd ?? '/workspace',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--hostname',
      'sandbox',
      '--clearenv',
      ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
      '--remount-ro',
      '/',
      '--',
      ...inside,
    ];
    const chain = [
      ...(extras.batch ? ['chrt', '--batch', '0'] : []),
      ...(this.o.engine === 'unshare'
        ? unshareArgv(bwrap, { uid, gid })
        : ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', '--', ...bwrap]),
    ];
    extras.onCpuControl?.(
      (cpus) => cg.setCpus(cpus),
      async () => cg.memoryPeakBytes(),
    );
    const launch: Launch = {
      file: '/bin/sh',
      // Join every controller before exec, so no fork of the task is ever outside its cgroups;
      // the open-files limit is the shell's ulimit (soft and hard), one exec less than prlimit.
      argv: [
        '-c',
        'for f in $HANGAR_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; ulimit -n "$HANGAR_NOFILE" || exit 125; exec "$@"',
        'hangar-sandbox',
        ...chain,
      ],
      env: {
        PATH: BASE_PATH,
        HANGAR_CGROUP_PROCS: cg.procsFiles.join(' '),
        HANGAR_NOFILE: String(this.o.openFiles),
      },
    };
    return {
      launch,
      async finish(result: ExecutionResult): Promise<ExecutionResult> {
        // Anything left (a daemon that outlived the main process) dies now, then we measure.
        await cg.killAll();
        const s = await cg.stats();
        const accounting = {
          peakMemoryBytes: s.memoryPeakBytes,
          cpuUserMs: s.cpuUserMs === null ? null : Math.round(s.cpuUserMs),
          cpuSystemMs: s.cpuSystemMs === null ? null : Math.round(s.cpuSystemMs),
          cpuThrottledMs: s.cpuThrottledMs === null ? null : Math.round(s.cpuThrottledMs),
          cpuThrottledPeriods: s.cpuThrottledPeriods,
          wallMs: result.finishedAt - result.startedAt,
          exitCode: result.exitCode,
          signal: result.signal,
          oomKilled: s.oomKilled,
          pidsRefused: s.pidsRefused,
          ...(proxy ? { egress: { connections: proxy.stats.allowed, refused: proxy.stats.denied } } : {}),
        };
        const metadata = { ...((result.detailedResults.metadata as Record<string, unknown> | undefined) ?? {}), accounting };
        const out: ExecutionResult = { ...result, detailedResults: { ...result.detailedResults, metadata } };
        if (s.oomKilled && result.status === 'FAILED') {
          const message = `killed by the kernel: memory limit of ${req.resources.memory} MB exceeded`;
          out.failure = { code: 'OOM_KILLED', message, retryable: false, exitCode: result.exitCode, signal: result.signal };
          out.detailedResults = { success: false, error: { message }, metadata };
        }
        return out;
      },
      async cleanup() {
        await proxy?.close();
        await cg.remove();
      },
    };
  }
}

/** Whether `tool` is an executable file in one of `path`'s directories (as a shell would find it). */
function onPath(tool: string, path: string): boolean {
  return path.split(':').some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return statSync(join(dir, tool)).isFile();
    } catch {
      return false;
    }
  });
}

export interface SandboxTools {
  ok: boolean;
  problems: string[];
  bwrapVersion: string | null;
  engine: SandboxEngine | null;
}

/** One answer per process, preference and PATH: the host's tools do not change under a running
 *  process, and every platform start (a test process starts dozens) asked again with seven
 *  process spawns (~130 ms). */
const toolsSeen = new Map<string, SandboxTools>();

/**
 * Which sandbox this host offers, and why not when it offers none. `prefer` 'auto' takes
 * bubblewrap when installed, else the util-linux fallback; 'bwrap' or 'unshare' insist.
 * The util-linux tools are looked up on PATH; bwrap is run once for its version.
 */
export function sandboxTools(prefer: 'auto' | SandboxEngine = 'auto'): SandboxTools {
  const key = `${prefer}\0${process.env.PATH ?? ''}\0${process.getuid?.()}`;
  let seen = toolsSeen.get(key);
  if (!seen) toolsSeen.set(key, (seen = probeSandboxTools(prefer)));
  return { ...seen, problems: [...seen.problems] };
}

function probeSandboxTools(prefer: 'auto' | SandboxEngine): SandboxTools {
  const problems: string[] = [];
  const v = spawnSync('bwrap', ['--version'], { encoding: 'utf8' });
  const bwrapVersion = v.status === 0 ? v.stdout.trim() : null;
  for (const tool of ['setpriv', 'chrt']) {
    if (!onPath(tool, process.env.PATH ?? '')) problems.push(`${tool} (util-linux) is missing`);
  }
  let engine: SandboxEngine | null = null;
  const fallback = ['unshare', 'pivot_root', 'mount'].filter((t) => !onPath(t, '/usr/sbin:/usr/bin:/sbin:/bin'));
  if (prefer !== 'unshare' && bwrapVersion) engine = 'bwrap';
  else if (prefer !== 'bwrap' && fallback.length === 0) engine = 'unshare';
  else {
    if (prefer !== 'unshare') problems.push('bubblewrap (bwrap) is not installed: apt-get install bubblewrap');
    if (prefer !== 'bwrap') problems.push(`the util-linux fallback lacks ${fallback.join(', ')}`);
  }
  if (process.getuid?.() !== 0) problems.push('the worker is not root: it cannot make per-task cgroups or switch to the sandbox uid');
  // The fallback was chosen but cannot work either: bubblewrap is the first thing to install.
  if (problems.length > 0 && engine === 'unshare' && prefer === 'auto')
    problems.unshift('bubblewrap (bwrap) is not installed: apt-get install bubblewrap');
  return { ok: problems.length === 0 && engine !== null, problems, bwrapVersion, engine };
}
