import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { Spawner, type Spawned } from '../../src/executor/spawner.ts';

const ENV = { PATH: '/usr/bin:/bin' };

/** The process's state and parent from /proc, or null once it is gone (a zombie counts as gone). */
function proc(pid: number): { ppid: number; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return state === 'Z' ? null : { ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return null;
  }
}

async function until(fn: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return fn();
}

/** Runs to its end; returns stdout, stderr and the exit status. */
async function outputOf(c: Spawned): Promise<{ out: string; err: string; code: number | null; signal: string | null }> {
  let out = '';
  let err = '';
  c.stdout?.on('data', (d: Buffer) => (out += d));
  c.stderr?.on('data', (d: Buffer) => (err += d));
  const exit = once(c, 'exit') as Promise<[number | null, string | null]>;
  await once(c, 'close');
  const [code, signal] = await exit;
  return { out, err, code, signal };
}

describe('spawn helper', () => {
  test('starts the process in a session of its own, as a child of the helper, with its descriptors', async () => {
    const s = new Spawner();
    try {
      await s.ready();
      const c = s.spawn('/bin/sh', ['-c', 'read line; echo "out:$line"; echo err >&2; echo report >&3; sleep 0.3; exit 7'], {
        cwd: tmpdir(),
        env: ENV,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      });
      let report = '';
      c.stdio[3]?.on('data', (d: Buffer) => (report += d));
      await once(c, 'spawn');
      const pid = c.pid!;
      const p = proc(pid);
      assert.ok(p, 'the process runs');
      assert.equal(p.pgrp, pid, 'it leads its own process group');
      assert.notEqual(p.ppid, process.pid, 'the worker did not fork it');
      c.stdin!.end('hello\n');
      const r = await outputOf(c);
      assert.deepEqual(r, { out: 'out:hello\n', err: 'err\n', code: 7, signal: null });
      assert.equal(report, 'report\n');
    } finally {
      await s.close();
    }
  });

  test("a connection to the helper's socket without the token gets nothing of a process", async () => {
    const s = new Spawner();
    try {
      await s.ready();
      const probe = s.spawn('/bin/sleep', ['1'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      await once(probe, 'spawn');
      const helper = proc(probe.pid!)!.ppid;
      const name = readFileSync(`/proc/${helper}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1)!;
      // A stranger connects first, with a token of its own, and listens.
      const stranger = connect(`\0${name}`);
      await once(stranger, 'connect');
      stranger.write('0123456789abcdef0123456789abcdef');
      let stolen = '';
      stranger.on('data', (d: Buffer) => (stolen += d));
      const c = s.spawn('/bin/sh', ['-c', 'echo secret; echo secret >&2'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      const r = await outputOf(c);
      assert.deepEqual([r.out, r.err, r.code], ['secret\n', 'secret\n', 0]);
      assert.equal(stolen, '');
      stranger.destroy();
      await outputOf(probe);
    } finally {
      await s.close();
    }
  });

  test('without the helper (useHelper false) the worker forks the process itself', async () => {
    const s = new Spawner({ useHelper: false });
    await s.ready();
    const c = s.spawn('/bin/sh', ['-c', 'echo direct; sleep 0.2'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    await once(c, 'spawn');
    assert.equal(proc(c.pid!)?.ppid, process.pid);
    assert.equal((await outputOf(c)).out, 'direct\n');
    await s.close();
  });

  test('a program that cannot start is an error with its code, and no pid', async () => {
    const s = new Spawner();
    try {
      await s.ready();
      const c = s.spawn('/nonexistent/program', [], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      const [err] = (await once(c, 'error')) as [NodeJS.ErrnoException];
      assert.equal(err.code, 'ENOENT');
      assert.equal(c.pid, undefined);
    } finally {
      await s.close();
    }
  });

  test('when the helper dies its processes end as killed, and the next spawn starts a new helper', async () => {
    const s = new Spawner();
    try {
      await s.ready();
      const c = s.spawn('/bin/sleep', ['300'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      await once(c, 'spawn');
      const pid = c.pid!;
      const helper = proc(pid)!.ppid;
      const exit = once(c, 'exit');
      process.kill(helper, 'SIGKILL');
      assert.deepEqual(await exit, [null, 'SIGKILL']);
      assert.ok(await until(() => proc(pid) === null, 5000), 'the process is gone');

      await s.ready();
      const c2 = s.spawn('/bin/sh', ['-c', 'echo again; sleep 0.2'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      await once(c2, 'spawn');
      const parent = proc(c2.pid!)?.ppid;
      assert.ok(parent !== undefined && parent !== helper && parent !== process.pid, 'a new helper started it');
      assert.equal((await outputOf(c2)).out, 'again\n');
    } finally {
      await s.close();
    }
  });

  test("signals meant for the worker (Ctrl-C, a service manager's stop) leave the helper and its processes running", async () => {
    const s = new Spawner();
    try {
      await s.ready();
      const c = s.spawn('/bin/sh', ['-c', 'sleep 0.5; echo finished'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      await once(c, 'spawn');
      const helper = proc(c.pid!)!.ppid;
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.kill(helper, sig);
      const r = await outputOf(c);
      assert.deepEqual([r.out, r.code], ['finished\n', 0]);
      assert.ok(proc(helper), 'the helper still runs');
    } finally {
      await s.close();
    }
  });

  test('a worker killed outright takes the processes it started with it', async () => {
    const url = new URL('../../src/executor/spawner.ts', import.meta.url).href;
    const script = `
      import { Spawner } from ${JSON.stringify(url)};
      const s = new Spawner();
      await s.ready();
      const c = s.spawn('/bin/sleep', ['300'], { cwd: '/', env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
      c.on('spawn', () => console.log(c.pid));
      setInterval(() => {}, 1000);`;
    const worker = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out += d));
    assert.ok(await until(() => /\d+\n/.test(out), 15_000), 'the worker started its process');
    const pid = Number(out.trim());
    assert.ok(proc(pid), 'the process runs');
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    assert.ok(await until(() => proc(pid) === null, 5000), 'the process died with the worker');
  });
});
