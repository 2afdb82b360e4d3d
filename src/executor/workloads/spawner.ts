/**
 * The spawn helper: a small process that starts the attempts' processes for a worker (see
 * ../spawner.ts for why).
 *   node spawner.mjs   (started by a worker, with an IPC channel)
 * Requests come over the IPC channel: { id, file, argv, cwd, env, stdio }, where each stdio
 * entry is null (/dev/null) or { path, direction }: a FIFO whose other end the worker holds
 * (../fifos.ts). The helper opens the process's end, unlinks the FIFO and hands the descriptor
 * to the process, so output goes straight to the worker, never through here. Every process
 * starts in a session of its own (detached), as the worker's own spawns did. Answers:
 * { id, pid } once started, { id, error: { code, message } } if it could not start, and
 * { id, exit: [code, signal] } when it ends. When the worker goes away (the channel closes),
 * every process group started here is killed and the helper exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, unlink } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

interface Pipe {
  path: string;
  /** What the process does with it: reads (stdin) or writes. */
  direction: 'read' | 'write';
}

interface Request {
  id: number;
  file: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdio: (Pipe | null)[];
}

if (typeof process.send !== 'function') {
  process.stderr.write('usage: spawner (started by a Hangar worker, with an IPC channel)\n');
  process.exit(125);
}
const send = (m: unknown) => {
  if (process.connected) process.send!(m);
};

/** Process groups started here and not yet ended. */
const groups = new Set<number>();

async function start(r: Request): Promise<void> {
  // The worker holds a keeper of each FIFO until it hears back, so these opens do not wait. If
  // it died meanwhile one would: opened off the event loop, the channel's close is still heard.
  const opened = await Promise.allSettled(
    r.stdio.map((p) => (p === null ? null : open(p.path, p.direction === 'read' ? constants.O_RDONLY : constants.O_WRONLY))),
  );
  for (const p of r.stdio) if (p) unlink(p.path, () => {});
  const handles = opened.map((o) => (o.status === 'fulfilled' ? o.value : null));
  const release = () => Promise.allSettled(handles.map((h) => h?.close()));
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await release();
    const e = failed.reason as NodeJS.ErrnoException;
    send({ id: r.id, error: { code: 'EPROTO', message: `a pipe of the process could not be opened: ${e.message}` } });
    return;
  }
  let child: ChildProcess;
  try {
    const stdio = handles.map((h: FileHandle | null) => (h === null ? 'ignore' : h.fd));
    child = spawn(r.file, r.argv, { cwd: r.cwd, env: r.env, detached: true, stdio });
  } catch (err) {
    await release();
    const e = err as NodeJS.ErrnoException;
    send({ id: r.id, error: { code: e.code ?? 'EINVAL', message: e.message } });
    return;
  }
  // The process holds its own copies of the descriptors; these would keep them open after it ends.
  void release();
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (child.pid === undefined) send({ id: r.id, error: { code: err.code ?? 'EINVAL', message: err.message } });
  });
  child.on('spawn', () => {
    if (child.pid !== undefined) groups.add(child.pid);
    send({ id: r.id, pid: child.pid });
  });
  child.on('exit', (code, signal) => {
    if (child.pid !== undefined) groups.delete(child.pid);
    send({ id: r.id, exit: [code, signal] });
  });
}

process.on('message', (m: Request) => void start(m));
// Signals meant for the worker may reach this too (it has a session of its own, so a terminal's
// Ctrl-C does not, but systemd's stop goes to the whole unit): the worker then drains, letting
// running attempts finish, and they need this alive. It ends when the worker does (the channel
// closes).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
process.on('disconnect', () => {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  // Not process.exit(): it waits for the thread pool, where an open of a FIFO whose worker
  // died waits for ever (seen: helpers left behind, blocked in wait_for_partner).
  process.kill(process.pid, 'SIGKILL');
});
send({ ready: true });
