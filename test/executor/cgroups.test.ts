/**
 * Per-task cgroups on this host (research/sandbox.md: v1 controllers, cgroup2 at
 * /sys/fs/cgroup/unified). Real processes join a real task cgroup; limits, accounting and the
 * kill-all are checked by their effect. Skipped, with the reason, where no cgroup is usable.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { detectCgroups } from '../../src/executor/sandbox/cgroups.ts';
import { delegateV2 } from '../../src/executor/sandbox/cgroups-v2.ts';
import { CgroupTree, DEBIAN12_CONTROLLERS } from '../helpers/cgroupfs.ts';

const detected = await detectCgroups(`test-${process.pid}`);
const skip = detected.driver ? false : `no usable cgroups: ${detected.problems.join('; ')}`;

/** Runs `script` with sh inside the cgroup: the shell joins every controller, then execs. */
function runIn(procsFiles: string[], script: string): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const join = procsFiles.map((f) => `echo $$ > '${f}'`).join(' && ');
    const child = spawn('/bin/sh', ['-c', `${join} && exec /bin/sh -c '${script}'`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('task cgroups', { skip }, () => {
  const driver = detected.driver!;
  after(async () => {
    await driver.dispose();
    assert.equal(existsSync(driver.description.split(' under ')[1]), false, 'the worker subtree is removed');
  });

  it("changes a running task's CPU quota", async () => {
    const cg = await driver.create(`cpu-${Date.now()}`, { memoryBytes: 64 << 20, cpus: 1, pidsMax: 64 });
    try {
      const dirs = cg.procsFiles.map((f) => dirname(f));
      const v1 = dirs.map((d) => join(d, 'cpu.cfs_quota_us')).find((f) => existsSync(f));
      const file = v1 ?? join(dirs[0], 'cpu.max');
      const quota = () => Number(readFileSync(file, 'utf8').trim().split(' ')[0]);
      assert.equal(quota(), 250_000);
      await cg.setCpus(0.25);
      assert.equal(quota(), 62_500);
      await cg.setCpus(0.0001);
      assert.equal(quota(), 1000, "the kernel's minimum");
    } finally {
      await cg.remove();
    }
  });

  it('enforces the memory limit and reports the OOM kill and the peak', async () => {
    const cg = await driver.create(`mem-${Date.now()}`, { memoryBytes: 64 << 20, cpus: 1, pidsMax: 64 });
    try {
      // 200 MiB through a pipe buffer held by dd: far over 64 MiB.
      const r = await runIn(cg.procsFiles, 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo exit=$?');
      assert.match(r.out, /exit=137/);
      const s = await cg.stats();
      assert.equal(s.oomKilled, true);
      assert.ok(s.memoryPeakBytes !== null && s.memoryPeakBytes <= 64 << 20 && s.memoryPeakBytes > 32 << 20, String(s.memoryPeakBytes));
      assert.equal(cg.memoryPeakBytes(), s.memoryPeakBytes, 'the synchronous reading of the peak is the same file');
    } finally {
      await cg.killAll();
      await cg.remove();
    }
  });

  it('caps the number of processes', async () => {
    const cg = await driver.create(`pids-${Date.now()}`, { memoryBytes: 256 << 20, cpus: 1, pidsMax: 8 });
    try {
      // dash gives up at the first refused fork; what matters is that the kernel refused it.
      await runIn(cg.procsFiles, 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done');
      const s = await cg.stats();
      assert.ok(s.pidsRefused > 0, 'forks past pids.max were refused');
    } finally {
      await cg.killAll();
      await cg.remove();
    }
  });

  it('accounts CPU time under the quota', async () => {
    const cg = await driver.create(`cpu-${Date.now()}`, { memoryBytes: 256 << 20, cpus: 0.25, pidsMax: 16 });
    try {
      const started = Date.now();
      await runIn(cg.procsFiles, 'end=$(($(date +%s)+2)); while [ $(date +%s) -lt $end ]; do :; done');
      const wall = Date.now() - started;
      const s = await cg.stats();
      const cpu = (s.cpuUserMs ?? 0) + (s.cpuSystemMs ?? 0);
      // A busy loop for `wall` ms at 0.25 CPU: about a quarter of it (generous bounds; the
      // ±20 % check belongs to the sandbox's security suite).
      assert.ok(cpu > wall * 0.1 && cpu < wall * 0.45, `cpu ${cpu} ms in ${wall} ms`);
    } finally {
      await cg.killAll();
      await cg.remove();
    }
  });

  it('kills every process of the task, including ones that left its session, then removes it', async () => {
    const cg = await driver.create(`kill-${Date.now()}`, { memoryBytes: 256 << 20, cpus: 1, pidsMax: 64 });
    const r = runIn(cg.procsFiles, 'setsid sleep 300 & (trap "" TERM; sleep 300) & sleep 300 & echo ready; wait');
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(await cg.killAll(), true);
    const done = await r;
    assert.ok(done.signal === 'SIGKILL' || done.code !== 0);
    await cg.remove();
    for (const f of cg.procsFiles) assert.equal(existsSync(f), false, `${f} removed`);
  });
});

/**
 * cgroup v2 hosts, as systemd 252 (Debian 12) lays them out, in a directory: which controllers
 * this process's own cgroup has, what doctor may touch, what a worker does.
 */
describe('cgroup v2 detection', () => {
  const SERVICE = '/system.slice/hangar.service';
  /** An ordinary unit: systemd enables memory and pids for system.slice's children, not cpu. */
  const plainService = (procs: number[]) =>
    new CgroupTree(DEBIAN12_CONTROLLERS, {
      '/': { subtree: ['memory', 'pids'] },
      '/system.slice': { subtree: ['memory', 'pids'] },
      [SERVICE]: { procs },
    });
  /** The same unit with Delegate=yes: every controller, the subtree is the service's. */
  const delegatedService = (procs: number[]) =>
    new CgroupTree(DEBIAN12_CONTROLLERS, {
      '/': { subtree: ['cpu', 'memory', 'pids', 'io'] },
      '/system.slice': { subtree: ['cpu', 'memory', 'pids', 'io'] },
      [SERVICE]: { procs },
    });
  const cgroupFile = (path: string) => `0::${path}\n`;

  it("reads the service's own cgroup.controllers: without Delegate=yes, cpu is named missing with the fix, and nothing is touched", async () => {
    const tree = plainService([process.pid]);
    try {
      const before = tree.cgroups();
      const r = await detectCgroups('w1', { cgroup2Root: tree.root, procSelfCgroup: cgroupFile(SERVICE) });
      assert.equal(r.driver, null);
      assert.ok(!r.unproven);
      const why = r.problems.join('\n');
      assert.match(why, /\/system\.slice\/hangar\.service lacks the cpu controller \(its cgroup\.controllers: memory pids\)/);
      assert.doesNotMatch(why, /lacks the (memory|pids)/);
      assert.match(why, /Delegate=yes \(contrib\/systemd\/hangar\.service\)/);
      // The parents' files that would carry cpu down, each named.
      assert.ok(why.includes(`echo '+cpu' > ${join(tree.root, 'cgroup.subtree_control')}`), why);
      assert.ok(why.includes(`echo '+cpu' > ${join(tree.root, 'system.slice/cgroup.subtree_control')}`), why);
      assert.deepEqual(tree.cgroups(), before, 'no cgroup made');
      assert.equal(tree.read(SERVICE, 'cgroup.procs'), `${process.pid}\n`, 'no process moved');
      assert.deepEqual(tree.list(SERVICE, 'cgroup.subtree_control'), []);
    } finally {
      tree.close();
    }
  });

  it('names every missing controller, and one the kernel does not offer on v2 at all', async () => {
    // cpu bound to a v1 hierarchy: the v2 root does not list it; pids not enabled below the root.
    const tree = new CgroupTree(['memory', 'pids', 'io'], { '/': { subtree: ['memory'] }, '/hangar-test': { procs: [process.pid] } });
    try {
      const r = await detectCgroups('w1', { cgroup2Root: tree.root, procSelfCgroup: cgroupFile('/hangar-test') });
      assert.equal(r.driver, null);
      const why = r.problems.join('\n');
      assert.match(why, /lacks the cpu, pids controllers/);
      assert.match(why, /cpu: not offered by this kernel's cgroup v2 at all/);
      // Not a systemd unit: the fix is the root's subtree_control.
      assert.ok(
        why.includes(`pids: not enabled by the parent cgroups. Fix, as root: echo '+pids' > ${join(tree.root, 'cgroup.subtree_control')}`),
        why,
      );
    } finally {
      tree.close();
    }
  });

  it("with Delegate=yes, a worker moves the unit's processes into <own>/worker and enables memory, cpu and pids down to its scope", async () => {
    const wrapper = process.ppid; // npm or a shell that started hangar, in the same unit
    const tree = delegatedService([wrapper, process.pid]);
    try {
      const sub = await delegateV2(tree.root, SERVICE, 'w1', 'worker');
      assert.equal(sub.base, join(tree.root, SERVICE, 'hangar', 'w1'));
      assert.ok(tree.cgroups().includes(`${SERVICE}/worker`));
      // Each pid was written to the leaf's cgroup.procs (a regular file keeps the last one).
      assert.equal(tree.read(`${SERVICE}/worker`, 'cgroup.procs'), String(process.pid));
      assert.equal(tree.read(SERVICE, 'cgroup.subtree_control'), '+memory +cpu +pids');
      assert.equal(tree.read(`${SERVICE}/hangar`, 'cgroup.subtree_control'), '+memory +cpu +pids');
      assert.equal(tree.read(`${SERVICE}/hangar/w1`, 'cgroup.subtree_control'), '+memory +cpu +pids');
      assert.match(
        sub.notes.join(),
        /moved 1 other process of \/system\.slice\/hangar\.service into \/system\.slice\/hangar\.service\/worker/,
      );
    } finally {
      tree.close();
    }
  });

  it('a worker already in <own>/worker (restarted, or started by the autoscaler) uses the subtree above it', async () => {
    const tree = new CgroupTree(DEBIAN12_CONTROLLERS, {
      '/': { subtree: ['cpu', 'memory', 'pids'] },
      '/system.slice': { subtree: ['cpu', 'memory', 'pids'] },
      [SERVICE]: { subtree: ['memory', 'cpu', 'pids'] },
      [`${SERVICE}/worker`]: { procs: [process.ppid, process.pid] },
      [`${SERVICE}/hangar`]: { subtree: ['memory', 'cpu', 'pids'] },
    });
    try {
      const sub = await delegateV2(tree.root, `${SERVICE}/worker`, 'w2', 'worker');
      assert.equal(sub.base, join(tree.root, SERVICE, 'hangar', 'w2'));
      assert.ok(!tree.cgroups().includes(`${SERVICE}/worker/worker`), 'no worker inside worker');
      assert.equal(tree.read(`${SERVICE}/worker`, 'cgroup.procs'), `${process.ppid}\n${process.pid}\n`);
    } finally {
      tree.close();
    }
  });

  it("doctor (probe) moves none of its caller's processes: from a login shell it says why it cannot prove v2, and makes nothing", async () => {
    const SCOPE = '/user.slice/user-0.slice/session-3.scope';
    const shell = process.ppid;
    const tree = new CgroupTree(DEBIAN12_CONTROLLERS, {
      '/': { subtree: ['cpu', 'memory', 'pids'] },
      '/user.slice': { subtree: ['cpu', 'memory', 'pids'] },
      '/user.slice/user-0.slice': { subtree: ['cpu', 'memory', 'pids'] },
      [SCOPE]: { procs: [shell, process.pid] },
    });
    try {
      const before = tree.cgroups();
      const r = await detectCgroups('doctor-1', { mode: 'probe', cgroup2Root: tree.root, procSelfCgroup: cgroupFile(SCOPE) });
      assert.equal(r.driver, null);
      assert.equal(r.unproven, true, 'not proven, rather than unusable');
      const why = r.problems.join('\n');
      assert.match(
        why,
        /1 other process \(the caller's shell among them\) are in it\. doctor does not move them; a worker started here would move them into \/user\.slice\/user-0\.slice\/session-3\.scope\/worker/,
      );
      assert.match(why, /systemd-run --scope -p Delegate=yes bin\/hangar doctor/);
      assert.deepEqual(tree.cgroups(), before, 'no <own>/worker, no <own>/hangar');
      assert.equal(tree.read(SCOPE, 'cgroup.procs'), `${shell}\n${process.pid}\n`);
      assert.deepEqual(tree.list(SCOPE, 'cgroup.subtree_control'), []);
    } finally {
      tree.close();
    }
  });

  it('doctor alone in its cgroup moves only itself, and release() puts it back and disables what it enabled', async () => {
    const tree = delegatedService([process.pid]);
    try {
      const sub = await delegateV2(tree.root, SERVICE, 'doctor-1', 'probe');
      const leaf = `${SERVICE}/doctor-${process.pid}`;
      assert.ok(tree.cgroups().includes(leaf));
      assert.equal(tree.read(leaf, 'cgroup.procs'), String(process.pid));
      assert.equal(tree.read(SERVICE, 'cgroup.subtree_control'), '+memory +cpu +pids');
      await sub.release();
      // A regular directory cannot imitate the kernel's rmdir of a cgroup, so the undo is
      // checked by what it wrote: the process back in <own>, the controllers disabled again.
      assert.equal(tree.read(SERVICE, 'cgroup.procs'), String(process.pid));
      assert.equal(tree.read(SERVICE, 'cgroup.subtree_control'), '-memory -cpu -pids');
      assert.equal(tree.read(`${SERVICE}/hangar`, 'cgroup.subtree_control'), '-memory -cpu -pids');
    } finally {
      tree.close();
    }
  });

  it('a read-only cgroup filesystem (as in a container) is named, before any process is moved', {
    skip: process.getuid?.() !== 0 && 'needs root (mount namespace)',
  }, async () => {
    const tree = delegatedService([process.pid, process.ppid]);
    try {
      // The tree bound read-only in a mount namespace of its own, as /sys/fs/cgroup is in a container.
      const script = `const { delegateV2 } = await import(${JSON.stringify(new URL('../../src/executor/sandbox/cgroups-v2.ts', import.meta.url).pathname)});
        try { await delegateV2(process.argv[1], ${JSON.stringify(SERVICE)}, 'w1', 'worker'); console.log('ok'); } catch (err) { console.log(err.message); }`;
      const { stdout } = await promisify(execFile)('unshare', [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind -o ro "$1" "$1" && exec "$2" --input-type=module -e "$3" "$1"',
        'sh',
        tree.root,
        process.execPath,
        script,
      ]);
      assert.match(stdout, /cgroup\.subtree_control is read-only \(EROFS\): the cgroup filesystem is mounted read-only/);
      assert.ok(!tree.cgroups().includes(`${SERVICE}/worker`), 'nothing moved');
    } finally {
      tree.close();
    }
  });
});
