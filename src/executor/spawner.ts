/**
 * Starting an attempt's process without forking the worker. On Linux, Node's spawn forks the
 * calling process (libuv uses fork, not vfork or posix_spawn), so its cost grows with the
 * process's memory: the page tables are copied, on the event loop's thread. A worker with the
 * API, the store and the SDKs loaded is ~190 MB resident, and each spawn blocked it for ~3.6
 * ms, about a third of its CPU per sandboxed /bin/true (bench/sandbox.ts) and a stall of every
 * request it was serving meanwhile. So processes are started by a small helper process
 * (workloads/spawner.ts) that the worker starts once: the worker sends it a message naming the
 * process's descriptors, which are real pipes (fifos.ts): the worker holds one end of each, the
 * helper opens the other for the process, so output flows to the worker directly, never through
 * the helper. The worker still signals the process group itself (same user, same PID namespace).
 *
 * If the helper cannot be started, the worker spawns itself (same pipes); if it dies, the
 * processes it started are killed (their exit status is lost: they end as killed by SIGKILL,
 * and the worker's usual rules apply) and the next spawn starts a new helper.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { compiledWorkload } from './compiled-workloads.ts';
import { FifoPool, openProcessEnd, openWorkerEnd, unlinkQuietly, type PipeSpec } from './fifos.ts';

/** What the executor uses of a started process. */
export interface Spawned extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: readonly (Readable | Writable | null | undefined)[];
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** One entry per descriptor from 0: ignored (/dev/null), or a pipe to the worker (stdin is
   *  written by the worker, every other descriptor is read). */
  stdio: ('ignore' | 'pipe')[];
}

interface Answer {
  id: number;
  pid?: number;
  error?: { code: string; message: string };
  exit?: [number | null, NodeJS.Signals | null];
}

/** A started process as the executor sees it; emits 'spawn', 'error' (not started), 'exit' and
 *  'close' (exited and every pipe at its end), as ChildProcess does. */
class PipedChild extends EventEmitter implements Spawned {
  pid: number | undefined = undefined;
  readonly stdio: (Socket | null)[];
  private open: number;
  private exited = false;
  /** Held until the process has its ends of the pipes (fifos.ts openWorkerEnd). */
  private keepers: number[];

  constructor(streams: (Socket | null)[], keepers: number[]) {
    super();
    this.stdio = streams;
    this.keepers = keepers;
    const live = streams.filter((s): s is Socket => s !== null);
    this.open = live.length;
    for (const s of live) {
      s.on('error', () => {});
      s.once('close', () => {
        this.open--;
        this.maybeClose();
      });
    }
  }
  get stdin(): Socket | null {
    return this.stdio[0] ?? null;
  }
  get stdout(): Socket | null {
    return this.stdio[1] ?? null;
  }
  get stderr(): Socket | null {
    return this.stdio[2] ?? null;
  }

  /** The process has its ends (or will never have them): the keepers go. */
  release(): void {
    for (const fd of this.keepers) closeSync(fd);
    this.keepers = [];
  }

  answer(a: Answer): void {
    this.release();
    if (a.pid !== undefined) {
      this.pid = a.pid;
      this.emit('spawn');
    } else if (a.error) {
      for (const s of this.stdio) s?.destroy();
      this.emit('error', Object.assign(new Error(`spawn: ${a.error.message}`), { code: a.error.code }));
    } else if (a.exit) {
      this.ended(a.exit[0], a.exit[1]);
    }
  }

  ended(code: number | null, signal: NodeJS.Signals | null): void {
    this.release();
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.exited && this.open === 0) this.emit('close');
  }
}

/** The worker's ends of a process's pipes, as a child (streams null for ignored descriptors). */
function pipedChild(specs: (PipeSpec | null)[]): PipedChild {
  const opened: { fd: number; keeper: number }[] = [];
  try {
    for (const spec of specs) if (spec) opened.push(openWorkerEnd(spec));
  } catch (err) {
    for (const o of opened) closeSync(o.fd), closeSync(o.keeper);
    throw err;
  }
  let i = 0;
  const streams = specs.map((spec) => {
    if (spec === null) return null;
    const { fd } = opened[i++];
    return spec.direction === 'read'
      ? new Socket({ fd, readable: false, writable: true })
      : new Socket({ fd, readable: true, writable: false });
  });
  return new PipedChild(
    streams,
    opened.map((o) => o.keeper),
  );
}

export class Spawner {
  private helper: ChildProcess | null = null;
  private starting: Promise<ChildProcess | null> | null = null;
  private next = 1;
  private readonly children = new Map<number, PipedChild>();
  private closed = false;
  /** Set when the helper is not wanted or could not be started: spawn directly from then on. */
  private broken: boolean;
  private readonly onFallback: (err: Error) => void;
  private readonly fifos: FifoPool;
  private firstFill: Promise<void> | null = null;

  /** `useHelper` false: Node's own spawn, always. `onFallback`: told once if the helper cannot be started. */
  constructor(o: { useHelper?: boolean; onFallback?: (err: Error) => void } = {}) {
    this.broken = o.useHelper === false;
    this.onFallback = o.onFallback ?? (() => {});
    this.fifos = new FifoPool((file, argv) => this.runToEnd(file, argv));
  }

  /** Starts the helper if it is not running and makes the first pipes; resolves once it can take
   *  requests (or is given up on). */
  async ready(): Promise<void> {
    if (this.closed) return;
    if (!this.helper && !this.broken) {
      this.starting ??= this.startHelper().finally(() => (this.starting = null));
      await this.starting;
    }
    this.firstFill ??= this.fifos.fill();
    await this.firstFill;
  }

  private startHelper(): Promise<ChildProcess | null> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = fork(compiledWorkload('spawner.ts'), [], {
          execArgv: ['--max-semi-space-size=1'],
          // A session of its own: a terminal's Ctrl-C to the worker's process group must not
          // reach a process the helper is starting. Between its fork and its setsid, such a
          // process is still in the helper's group with signals blocked; a SIGINT then stays
          // pending and kills it once it unblocks them (seen: a task SIGNALLED 30 ms into a drain).
          detached: true,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
      } catch (err) {
        this.giveUp(err as Error);
        resolve(null);
        return;
      }
      let up = false;
      const failed = (err: Error) => {
        if (up) return;
        child.kill('SIGKILL');
        this.giveUp(err);
        resolve(null);
      };
      const timer = setTimeout(() => failed(new Error('the spawn helper did not start within 10 s')), 10_000);
      child.once('error', (err) => failed(err));
      child.on('message', (m: Answer | { ready: true }) => {
        if ('ready' in m) {
          clearTimeout(timer);
          up = true;
          this.helper = child;
          // It must not keep the worker's process alive on its own, only while it runs
          // something (holding()).
          child.unref();
          child.channel?.unref();
          resolve(child);
          return;
        }
        const c = this.children.get(m.id);
        if (!c) return;
        if (m.exit || m.error) {
          this.children.delete(m.id);
          this.holding();
        }
        c.answer(m);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!up) return failed(new Error(`the spawn helper exited at start (${signal ?? code})`));
        if (this.helper === child) this.helper = null;
        // Its processes died with it (or are killed now); their exit statuses are lost.
        for (const [id, c] of this.children) {
          this.children.delete(id);
          if (c.pid !== undefined) {
            try {
              process.kill(-c.pid, 'SIGKILL');
            } catch {
              // gone already
            }
            c.ended(null, 'SIGKILL');
          } else {
            c.answer({ id, error: { code: 'ECHILD', message: 'the spawn helper exited' } });
          }
        }
      });
    });
  }

  /** While a process it started runs, the helper's channel keeps the worker alive: its exit comes that way. */
  private holding(): void {
    if (this.children.size > 0) this.helper?.channel?.ref();
    else this.helper?.channel?.unref();
  }

  private giveUp(err: Error): void {
    if (this.broken) return;
    this.broken = true;
    this.onFallback(err);
  }

  /** Starts `file` with `argv` in a session of its own (detached), through the helper when it
   *  is up; its 'pipe' descriptors are pipes to this process. Throws if the pipes cannot be made. */
  spawn(file: string, argv: string[], o: SpawnOptions): Spawned {
    const pipes = o.stdio.filter((s) => s === 'pipe').length;
    const paths = pipes > 0 ? this.fifos.take(pipes) : [];
    let taken = 0;
    const specs = o.stdio.map((s, fd): PipeSpec | null =>
      s === 'pipe' ? { path: paths[taken++], direction: fd === 0 ? 'read' : 'write' } : null,
    );
    let child: PipedChild;
    try {
      child = pipedChild(specs);
    } catch (err) {
      for (const p of paths) unlinkQuietly(p);
      throw err;
    }
    const helper = this.helper;
    if (helper?.connected) {
      const id = this.next++;
      this.children.set(id, child);
      this.holding();
      // The helper unlinks them once it has opened them; if it never does (it died), the pool's
      // directory goes at close.
      helper.send({ id, file, argv, cwd: o.cwd, env: o.env, stdio: specs });
      return child;
    }
    this.spawnHere(child, file, argv, o, specs);
    return child;
  }

  /** Node's own spawn (a fork of this process), with the same pipes. */
  private spawnHere(child: PipedChild, file: string, argv: string[], o: SpawnOptions, specs: (PipeSpec | null)[]): void {
    const fds: (number | 'ignore')[] = [];
    let proc: ChildProcess;
    try {
      for (const spec of specs) fds.push(spec === null ? 'ignore' : openProcessEnd(spec));
      proc = spawn(file, argv, { cwd: o.cwd, env: o.env, detached: true, stdio: fds });
    } catch (err) {
      for (const s of child.stdio) s?.destroy();
      throw err;
    } finally {
      for (const spec of specs) if (spec) unlinkQuietly(spec.path);
      // The process holds its own copies; these would keep its pipes open after it ends.
      for (const fd of fds) if (fd !== 'ignore') closeSync(fd);
      child.release();
    }
    proc.on('error', (err: NodeJS.ErrnoException) => {
      if (proc.pid === undefined) child.answer({ id: 0, error: { code: err.code ?? 'EINVAL', message: err.message } });
    });
    proc.on('spawn', () => child.answer({ id: 0, pid: proc.pid }));
    proc.on('exit', (code, signal) => child.ended(code, signal));
  }

  /** Runs a process with no descriptors to its end (mkfifo for the pool). */
  private async runToEnd(file: string, argv: string[]): Promise<void> {
    const c = this.spawn(file, argv, { cwd: '/', env: {}, stdio: ['ignore', 'ignore', 'ignore'] });
    const code = await new Promise<number | null>((resolve, reject) => {
      c.once('error', reject);
      c.once('exit', (exitCode: number | null) => resolve(exitCode));
    });
    if (code !== 0) throw new Error(`${file} exited with ${code}`);
  }

  /** Stops the helper (after the executor has ended its processes) and removes the pipes' directory. */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.fifos.close();
    const h = this.helper;
    this.helper = null;
    if (h && h.exitCode === null && h.signalCode === null) {
      // Referenced while it goes: a close that is awaited must keep the process alive.
      h.ref();
      const gone = new Promise((r) => h.once('exit', r));
      h.disconnect();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      h.kill('SIGKILL');
    }
  }
}
