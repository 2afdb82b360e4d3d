import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      // The helper leads a group of its own too, so a terminal's Ctrl-C to the worker's group
      // cannot reach a process between the helper's fork and that process's setsid.
      assert.equal(proc(p.ppid)?.pgrp, p.ppid, "the helper is out of the worker's process group");
      c.stdin!.end('hello\n');
      const r = await outputOf(c);
      assert.deepEqual(r, { out: 'out:hello\n', err: 'err\n', code: 7, signal: null });
      assert.equal(report, 'report\n');
    } finally {
      await s.close();
    }
  });

  for (const useHelper of [true, false]) {
    test(`a process's stdin, stdout and stderr are pipes it can reopen by path (${useHelper ? 'helper' : 'no helper'})`, async () => {
      const s = new Spawner({ useHelper });
      try {
        await s.ready();
        // A socket (what Node's own 'pipe' stdio is) cannot be opened through /proc/self/fd:
        // `echo > /dev/stdout` failed with ENXIO before. `-p` is true for a pipe (FIFO) only.
        const script = [
          'for f in /dev/stdin /dev/stdout /dev/stderr; do [ -p "$f" ] || echo "$f is not a pipe" >&2; done',
          // stdin is read through fd 0: a FIFO, unlike pipe(2)'s pipes, waits at open for a
          // writer, and the worker has closed it. Only built-in workloads get a stdin pipe.
          'cat > /dev/stdout',
          'echo to-err | tee /dev/stderr > /dev/null',
          'echo report > /proc/self/fd/3',
        ].join('; ');
        const c = s.spawn('/bin/sh', ['-c', script], { cwd: tmpdir(), env: ENV, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
        let report = '';
        c.stdio[3]?.on('data', (d: Buffer) => (report += d));
        c.stdin!.end('from-stdin\n');
        const r = await outputOf(c);
        assert.deepEqual(r, { out: 'from-stdin\n', err: 'to-err\n', code: 0, signal: null });
        assert.equal(report, 'report\n');
      } finally {
        await s.close();
      }
    });
  }

  test('the pipes leave nothing on disk: unlinked once open, their directory gone at close', async () => {
    const s = new Spawner();
    const mine = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`hangar-fifo-${process.pid}-`));
    try {
      await s.ready();
      const [dir] = mine();
      assert.ok(dir, 'a directory of FIFOs made ahead');
      assert.equal(statSync(join(tmpdir(), dir)).mode & 0o777, 0o700, 'private to this user');
      const before = readdirSync(join(tmpdir(), dir)).length;
      const c = s.spawn('/bin/sh', ['-c', 'sleep 0.3; echo done'], { cwd: tmpdir(), env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      await once(c, 'spawn');
      assert.equal(readdirSync(join(tmpdir(), dir)).length, before - 2, "the running process's two FIFOs are unlinked");
      assert.equal((await outputOf(c)).out, 'done\n');
    } finally {
      await s.close();
    }
    assert.deepEqual(mine(), []);
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
    const worker = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out += d));
    assert.ok(await until(() => /\d+\n/.test(out), 15_000), 'the worker started its process');
    const pid = Number(out.trim());
    assert.ok(proc(pid), 'the process runs');
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    assert.ok(await until(() => proc(pid) === null, 5000), 'the process died with the worker');
    const left = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`hangar-fifo-${worker.pid}-`));
    assert.equal(left().length, 1, 'it left its directory of FIFOs');
    const next = new Spawner();
    await next.ready();
    await next.close();
    assert.deepEqual(left(), [], 'the next worker to start removes it');
  });
});
