/**
 * Per-task cgroups on this host (research/sandbox.md: v1 controllers, cgroup2 at
 * /sys/fs/cgroup/unified). Real processes join a real task cgroup; limits, accounting and the
 * kill-all are checked by their effect. Skipped, with the reason, where no cgroup is usable.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { detectCgroups } from '../../src/executor/sandbox/cgroups.ts';

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

  it('enforces the memory limit and reports the OOM kill and the peak', async () => {
    const cg = await driver.create(`mem-${Date.now()}`, { memoryBytes: 64 << 20, cpus: 1, pidsMax: 64 });
    try {
      // 200 MiB through a pipe buffer held by dd: far over 64 MiB.
      const r = await runIn(cg.procsFiles, 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo exit=$?');
      assert.match(r.out, /exit=137/);
      const s = await cg.stats();
      assert.equal(s.oomKilled, true);
      assert.ok(s.memoryPeakBytes !== null && s.memoryPeakBytes <= 64 << 20 && s.memoryPeakBytes > 32 << 20, String(s.memoryPeakBytes));
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
