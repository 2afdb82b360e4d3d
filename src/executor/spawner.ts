/**
 * Starting an attempt's process without forking the worker. On Linux, Node's spawn forks the
 * calling process (libuv uses fork, not vfork or posix_spawn), so its cost grows with the
 * process's memory: the page tables are copied, on the event loop's thread. A worker with the
 * API, the store and the SDKs loaded is ~190 MB resident, and each spawn blocked it for ~3.6
 * ms, about a third of its CPU per sandboxed /bin/true (bench/sandbox.ts) and a stall of every
 * request it was serving meanwhile. So processes are started by a small helper process
 * (workloads/spawner.ts) that the worker starts once: the worker sends it a message and opens
 * one Unix-socket connection per descriptor; the helper hands those connections to the process
 * as its stdin, stdout, stderr and fd 3, so output flows to the worker directly. The worker
 * still signals the process group itself (same user, same PID namespace).
 *
 * The socket is an abstract one (Linux): nothing on disk to leave behind when a worker is
 * killed outright. Whoever connects must present a token of 128 random bits that only the worker
 * and the helper know, or is dropped; sandboxed processes cannot reach it at all (a network
 * namespace of their own). If the helper cannot be started, spawns fall back to Node's own; if
 * it dies, the processes it started are killed (their exit status is lost: they end as killed
 * by SIGKILL, and the worker's usual rules apply) and the next spawn starts a new helper.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { compiledWorkload } from './compiled-workloads.ts';

/** What the executor uses of a started process: ChildProcess has it, and so does HelperChild. */
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
  /** One entry per descriptor from 0: ignored, or a stream to the worker. */
  stdio: ('ignore' | 'pipe')[];
}

interface Answer {
  id: number;
  pid?: number;
  error?: { code: string; message: string };
  exit?: [number | null, NodeJS.Signals | null];
}

/** A process started by the helper; emits 'spawn', 'error' (not started), 'exit' and 'close', as ChildProcess does. */
class HelperChild extends EventEmitter implements Spawned {
  pid: number | undefined = undefined;
  readonly stdio: (Socket | null)[];
  private open: number;
  private exited = false;

  constructor(sockets: (Socket | null)[]) {
    super();
    this.stdio = sockets;
    const live = sockets.filter((s): s is Socket => s !== null);
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

  answer(a: Answer): void {
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
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.exited && this.open === 0) this.emit('close');
  }
}

export class Spawner {
  private helper: ChildProcess | null = null;
  private starting: Promise<ChildProcess | null> | null = null;
  /** The name of the helper's abstract socket (without its leading NUL), new for each helper. */
  private name = '';
  private next = 1;
  private readonly children = new Map<number, HelperChild>();
  private closed = false;
  /** Set when the helper is not wanted or could not be started: spawn directly from then on. */
  private broken: boolean;
  private readonly onFallback: (err: Error) => void;

  /** `useHelper` false: Node's own spawn, always. `onFallback`: told once if the helper cannot be started. */
  constructor(o: { useHelper?: boolean; onFallback?: (err: Error) => void } = {}) {
    this.broken = o.useHelper === false;
    this.onFallback = o.onFallback ?? (() => {});
  }

  /** Starts the helper if it is not running; resolves once it can take requests (or is given up on). */
  ready(): Promise<unknown> {
    if (this.helper || this.broken || this.closed) return Promise.resolve();
    this.starting ??= this.startHelper().finally(() => (this.starting = null));
    return this.starting;
  }

  private startHelper(): Promise<ChildProcess | null> {
    this.name = `hangar-spawner-${process.pid}-${randomBytes(8).toString('hex')}`;
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = fork(compiledWorkload('spawner.ts'), [this.name], {
          execArgv: ['--max-semi-space-size=1'],
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

  /** Starts `file` with `argv` in a session of its own (detached), through the helper when it is up. */
  spawn(file: string, argv: string[], o: SpawnOptions): Spawned {
    const helper = this.helper;
    if (!helper || !helper.connected) return spawn(file, argv, { cwd: o.cwd, env: o.env, detached: true, stdio: o.stdio });
    const id = this.next++;
    // 128 random bits each, as 32 hex characters (TOKEN_BYTES in workloads/spawner.ts).
    const tokens = o.stdio.map((s) => (s === 'pipe' ? randomBytes(16).toString('hex') : null));
    const sockets = tokens.map((t) => {
      if (t === null) return null;
      const s = connect(`\0${this.name}`);
      s.write(t);
      return s;
    });
    const child = new HelperChild(sockets);
    this.children.set(id, child);
    this.holding();
    helper.send({ id, file, argv, cwd: o.cwd, env: o.env, stdio: tokens });
    return child;
  }

  /** Stops the helper (after the executor has ended its processes). */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
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
