/**
 * Real pipes for an attempt's stdin, stdout and stderr. Node gives a child process Unix socket
 * pairs, never pipes (libuv makes a socketpair for every 'pipe' stdio), and a socket cannot be
 * reopened by path: `echo hi > /dev/stdout`, `tee /dev/stderr` or Python's
 * `open("/dev/stdout", "w")` failed in every task with ENXIO ("No such device or address").
 * Under Docker, ECS and Lambda those descriptors are pipes, and programs rely on it.
 *
 * Node cannot call pipe(2) either, but it can open a named pipe: each pipe here is a FIFO made
 * ahead of time in a private directory, opened at both ends, then unlinked, which leaves an
 * ordinary pipe that exists only as those descriptors. FIFOs are made in batches by one
 * `mkfifo` process (started like an attempt's process, so never by forking the worker), and
 * taken as attempts start.
 *
 * Opening order matters, because a FIFO's open waits for the other end: the worker first opens
 * a keeper (openWorkerEnd) that is both ends, so no open of that FIFO waits until the keeper
 * is closed, once the process has its end.
 *
 * One difference from pipe(2)'s pipes remains: reopening a FIFO by path (/dev/stdin through
 * /proc/self/fd) waits while it has no other end, where a pipe's reopen does not. It matters
 * only for stdin once the worker has closed it, and only built-in workloads get a stdin pipe
 * (a program's stdin is /dev/null).
 *
 * The FIFOs are mode 0666 in a 0700 directory: nobody can reach them by path but this user,
 * and a sandboxed process (another uid) can reopen its own descriptors through /proc/self/fd,
 * which checks the FIFO's own mode (with 0600, `echo > /dev/stdout` as the sandbox user was
 * refused, as it is under Docker for a non-root user).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pidDir } from './pid-dirs.ts';

const { O_RDONLY, O_WRONLY, O_RDWR } = constants;

/** FIFOs made at a time: one `mkfifo` per ~40 attempts of 3 descriptors. */
const BATCH = 128;
/** Below this many left, the next batch is made in the background. */
const LOW = 48;

/** Which way data flows for the process: it reads (stdin) or writes (stdout, stderr, fd 3). */
export type PipeDirection = 'read' | 'write';

/** One descriptor of a process: the FIFO's path, and whether the process reads or writes it. */
export interface PipeSpec {
  path: string;
  direction: PipeDirection;
}

/** Opens the process's end of a FIFO while the worker holds a keeper of it (so it does not wait). */
export function openProcessEnd(spec: PipeSpec): number {
  return openSync(spec.path, spec.direction === 'read' ? O_RDONLY : O_WRONLY);
}

/**
 * The worker's end of a FIFO, and a keeper: a second descriptor, O_RDWR (which Linux opens at
 * once, with no other end yet), held until the process's end is open. While it is held, every
 * other open of the FIFO finds its other end there and does not wait, and what the worker
 * writes into the process's stdin stays in the pipe even if the worker closes its end first
 * (a pipe's buffer goes with its last descriptor). Close the keeper once the process has its end.
 */
export function openWorkerEnd(spec: PipeSpec): { fd: number; keeper: number } {
  const keeper = openSync(spec.path, O_RDWR);
  try {
    return { fd: openSync(spec.path, spec.direction === 'read' ? O_WRONLY : O_RDONLY), keeper };
  } catch (err) {
    closeSync(keeper);
    throw err;
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

const MKFIFO = ['/usr/bin/mkfifo', '/bin/mkfifo'].find((p) => existsSync(p)) ?? 'mkfifo';

/** Runs `mkfifo` with these arguments to its end; rejects unless it exits 0. */
export type RunMkfifo = (file: string, argv: string[]) => Promise<void>;

export class FifoPool {
  private dir: string | null = null;
  private ready: string[] = [];
  private made = 0;
  private filling: Promise<void> | null = null;
  private closed = false;
  private readonly run: RunMkfifo;

  constructor(run: RunMkfifo) {
    this.run = run;
  }

  private directory(): string {
    this.dir ??= pidDir('hangar-fifo-');
    return this.dir;
  }

  private names(n: number): string[] {
    const dir = this.directory();
    return Array.from({ length: n }, () => join(dir, String(++this.made)));
  }

  /** Makes the next batch unless one is on its way; resolves when it is there (or failed). */
  fill(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.filling ??= (async () => {
      const batch = this.names(BATCH);
      try {
        await this.run(MKFIFO, ['-m', '666', ...batch]);
        if (!this.closed) this.ready.push(...batch);
      } catch {
        // take() makes what it needs itself.
      }
    })().finally(() => (this.filling = null));
    return this.filling;
  }

  /** `n` FIFOs, now. When the pool is empty (a burst), they are made here, synchronously. */
  take(n: number): string[] {
    if (this.ready.length < n) {
      const extra = this.names(n - this.ready.length);
      execFileSync(MKFIFO, ['-m', '666', ...extra], { stdio: 'ignore' });
      this.ready.push(...extra);
    }
    const taken = this.ready.splice(0, n);
    if (this.ready.length < LOW) void this.fill();
    return taken;
  }

  /** Removes the directory and what is left in it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    this.ready = [];
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
