/** The sandbox: bubblewrap (or its util-linux fallback, unshare.ts) + per-task cgroups, behind the
 *  ProcessExecutor's Launcher hook (launcher.ts). */
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { CgroupDriver } from './cgroups.ts';
import { ProcessExecutor } from '../process-executor.ts';
import { BwrapLauncher, sandboxTools, type SandboxEngine } from './bwrap.ts';
import { detectCgroups } from './cgroups.ts';
import { EgressGuard } from './egress.ts';
import { ImageStore } from '../../images/index.ts';
import { findSocat } from './forward.ts';

export { BwrapLauncher, sandboxTools, type SandboxEngine, type SandboxOptions } from './bwrap.ts';
export { EgressGuard, nonPublicRange, parseAllowlist, startEgressProxy } from './egress.ts';
export { detectCgroups, type CgroupDriver, type CgroupLimits, type CgroupStats, type TaskCgroup } from './cgroups.ts';

export interface SandboxSetup {
  uid: number;
  pidsMax: number;
  tmpBytes: number;
  openFiles: number;
  workspaceBytes: number;
  maxOutputBytes: number;
  networkTestUrl: string;
  /** Destinations tasks with network 'egress' may reach although not public (HANGAR_EGRESS_ALLOW);
   *  the network test URL's host and port are added. */
  egressAllow: string[];
  /** 'auto': bubblewrap if installed, else the util-linux fallback; or insist on one. */
  engine?: 'auto' | SandboxEngine;
  /** Where registered images live (ImageStore); none = tasks cannot name an image. */
  imagesDir?: string;
  /** Directory under which the pool puts workspaces; the sandbox uid must be able to reach it. */
  workDir: string;
  /** Names this worker's cgroup subtree. */
  scope: string;
  /** 'probe' (`hangar doctor`): leave the caller's cgroup as it was (detectCgroups). */
  cgroupMode?: 'worker' | 'probe';
  /** false: the Node forwarder in front of networked programs even where socat is installed
   *  (the fallback's tests); default: socat when the host has it (forward.ts). */
  socat?: boolean;
}

/** Scopes are `<host>-<pid>-<random>` (the worker id); a scope whose pid is gone is dead. */
function scopeAlive(scope: string): boolean {
  const m = /^(.*)-(\d+)-[0-9a-f]+$/.exec(scope);
  if (!m) return true; // Not ours to judge (doctor or test scopes).
  if (m[1] !== hostname()) return true;
  try {
    process.kill(Number(m[2]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a SIGKILLed worker left: its task cgroups (their processes died with the sandbox, and
 *  the workspace tmpfs with the sandbox's mount namespace). Any worker on the host may sweep. */
async function sweepDeadWorkers(driver: CgroupDriver): Promise<void> {
  await driver.sweepDead(scopeAlive);
}

export interface SandboxReport {
  executor: ProcessExecutor | null;
  problems: string[];
  /** What isolation is in force, for logs and `hangar doctor`. */
  description: string;
  /** The cgroups could not be proven without moving the caller's processes (a probe's, see detectCgroups). */
  unproven?: boolean;
}

/**
 * Detects bwrap, util-linux and cgroups, then proves the sandbox with one real run of /bin/true.
 * Returns no executor, with the reasons, when any part is missing.
 */
export async function createSandboxExecutor(s: SandboxSetup): Promise<SandboxReport> {
  const tools = sandboxTools(s.engine ?? 'auto');
  const cg = await detectCgroups(s.scope, { mode: s.cgroupMode });
  const problems = [...tools.problems, ...(cg.driver ? [] : cg.problems)];
  if (!tools.ok || !cg.driver) return { executor: null, problems, description: 'none', unproven: tools.ok && cg.unproven };
  // bwrap runs as the unprivileged uid and opens host paths itself (the attempt's directory it
  // starts in, image roots under the data directory): every ancestor must let it pass (o+x),
  // with no listing granted (0711). The proof run below fails, naming the path, if an ancestor
  // bars the way. The work directory and the data directory holding it are ours to open up.
  await chmod(s.workDir, 0o711).catch(() => {});
  await chmod(dirname(s.workDir), 0o711).catch(() => {});
  await sweepDeadWorkers(cg.driver);
  const egress = new EgressGuard([...s.egressAllow, ...testUrlRule(s.networkTestUrl)]);
  const socat = s.socat === false ? null : findSocat();
  const executor = new ProcessExecutor({
    maxOutputBytes: s.maxOutputBytes,
    networkTestUrl: s.networkTestUrl,
    launcher: new BwrapLauncher({
      uid: s.uid,
      gid: s.uid,
      pidsMax: s.pidsMax,
      tmpBytes: s.tmpBytes,
      openFiles: s.openFiles,
      workspaceBytes: s.workspaceBytes,
      cgroups: cg.driver,
      egress,
      engine: tools.engine!,
      socat,
      images: s.imagesDir ? new ImageStore(s.imagesDir) : undefined,
    }),
  });
  const engine = tools.engine === 'bwrap' ? tools.bwrapVersion : 'util-linux unshare + pivot_root (no bwrap)';
  const forwarder = socat ? `socat (${socat})` : 'Node (no socat)';
  const description = `${engine} as uid ${s.uid}; ${cg.driver.description}; forwarder ${forwarder}`;
  // Its own id: two executors proved at once in one process (the test suites make one per
  // engine together) shared a workspace and a cgroup name, and one's cleanup broke the other.
  const proofId = `proof-${process.pid}-${randomBytes(4).toString('hex')}`;
  const proof = await executor.run({
    taskId: proofId,
    attempt: 1,
    command: 'proof',
    args: ['/bin/true'],
    shell: null,
    env: {},
    metadata: {},
    resources: { cpu: 256, memory: 64 },
    network: 'none',
    image: null,
    // Generous: under software emulation (QEMU without KVM, scripts/vm) this run took 24 s,
    // and a slow host is not one that cannot sandbox. A healthy host answers in ~30 ms.
    timeoutMs: 60_000,
    workspace: `${s.workDir}/${proofId}`,
    signal: new AbortController().signal,
  });
  if (proof.status !== 'SUCCESS') {
    await executor.close();
    const stderr = proof.stderr.data.toString().trim();
    const why = `${proof.failure?.message ?? 'failed'}${stderr ? ` (${stderr})` : ''}`;
    const hint = /Permission denied/.test(why) ? `; uid ${s.uid} must be able to traverse (o+x) every directory above ${s.workDir}` : '';
    return { executor: null, problems: [`a sandboxed /bin/true failed: ${why}${hint}`], description };
  }
  return { executor, problems: [], description };
}

/** The built-in network-test's target is always reachable: host:port of its URL. */
function testUrlRule(url: string): string[] {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return [`${u.hostname}:${port}`];
  } catch {
    return [];
  }
}
