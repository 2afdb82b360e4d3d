/**
 * The spawn helper: a small process that starts the attempts' processes for a worker (see
 * ../spawner.ts for why).
 *   node spawner.mjs <name of an abstract unix socket (Linux), without its leading NUL>
 * Requests come over the IPC channel: { id, file, argv, cwd, env, stdio }, where each stdio
 * entry is null (ignored) or a token. For each token the worker has connected to the socket and
 * written the token first; that connection becomes the process's descriptor (stdin, stdout,
 * stderr, fd 3), so its output goes straight to the worker, never through here. Every process
 * starts in a session of its own (detached), as the worker's own spawns did. Answers:
 * { id, pid } once started, { id, error: { code, message } } if it could not start, and
 * { id, exit: [code, signal] } when it ends. When the worker goes away (the channel closes),
 * every process group started here is killed and the helper exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';

interface Request {
  id: number;
  file: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdio: (string | null)[];
}

/** A token is 128 random bits written as 32 hex characters (../spawner.ts). */
const TOKEN_BYTES = 32;
/** A connection whose request does not come (or a request whose connection does not) is dropped after this. */
const MATCH_MS = 10_000;
/** Connections waiting for their request at most: the socket is abstract, so anyone on the host
 *  (not in a sandbox: those have a network namespace of their own) can connect, and without the
 *  token gets nothing, but must not be able to make this hold connections without limit. */
const MAX_WAITING = 1024;

const name = process.argv[2];
if (!name || typeof process.send !== 'function') {
  process.stderr.write('usage: spawner <socket name> (started by a Hangar worker, with an IPC channel)\n');
  process.exit(125);
}
const send = (m: unknown) => {
  if (process.connected) process.send!(m);
};

/** Connections that presented a token no request has asked for yet. */
const arrived = new Map<string, Socket>();
/** Requests waiting for the connection with this token. */
const awaited = new Map<string, (s: Socket | null) => void>();
/** Connections not yet handed to a request, each dropped after MATCH_MS. */
const unmatched = new Map<Socket, NodeJS.Timeout>();
/** Process groups started here and not yet ended. */
const groups = new Set<number>();

function matched(socket: Socket): Socket {
  clearTimeout(unmatched.get(socket));
  unmatched.delete(socket);
  return socket;
}

const server = createServer({ pauseOnConnect: true }, (socket) => {
  socket.on('error', () => {});
  if (unmatched.size >= MAX_WAITING) {
    socket.destroy();
    return;
  }
  let token: string | null = null;
  unmatched.set(
    socket,
    setTimeout(() => {
      unmatched.delete(socket);
      if (token !== null) arrived.delete(token);
      socket.destroy();
    }, MATCH_MS),
  );
  socket.once('close', () => {
    if (!unmatched.has(socket)) return;
    clearTimeout(unmatched.get(socket));
    unmatched.delete(socket);
    if (token !== null && arrived.get(token) === socket) arrived.delete(token);
  });
  let got = Buffer.alloc(0);
  const onReadable = () => {
    // Read the token and nothing more: what follows belongs to the process.
    while (got.length < TOKEN_BYTES) {
      const part = socket.read(TOKEN_BYTES - got.length) ?? socket.read();
      if (part === null) return;
      got = Buffer.concat([got, part]);
    }
    socket.off('readable', onReadable);
    token = got.subarray(0, TOKEN_BYTES).toString('latin1');
    const waiter = awaited.get(token);
    if (waiter) {
      awaited.delete(token);
      waiter(matched(socket));
      return;
    }
    arrived.set(token, socket);
  };
  socket.on('readable', onReadable);
});

function connection(token: string): Promise<Socket | null> {
  const a = arrived.get(token);
  if (a) {
    arrived.delete(token);
    return Promise.resolve(matched(a));
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      awaited.delete(token);
      resolve(null);
    }, MATCH_MS);
    awaited.set(token, (s) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}

async function start(r: Request): Promise<void> {
  const sockets = await Promise.all(r.stdio.map((t) => (t === null ? null : connection(t))));
  const release = () => {
    for (const s of sockets) s?.destroy();
  };
  if (sockets.some((s, i) => s === null && r.stdio[i] !== null)) {
    release();
    send({ id: r.id, error: { code: 'EPROTO', message: 'a descriptor of the process never connected' } });
    return;
  }
  let child: ChildProcess;
  try {
    child = spawn(r.file, r.argv, { cwd: r.cwd, env: r.env, detached: true, stdio: sockets.map((s) => s ?? 'ignore') });
  } catch (err) {
    release();
    const e = err as NodeJS.ErrnoException;
    send({ id: r.id, error: { code: e.code ?? 'EINVAL', message: e.message } });
    return;
  }
  // The process holds its own copies of the descriptors; these would keep them open after it ends.
  release();
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
// Signals meant for the worker reach this too (a terminal's Ctrl-C goes to the whole process
// group, systemd's stop to the whole unit): the worker then drains, letting running attempts
// finish, and they need this alive. It ends when the worker does (the channel closes).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
process.on('disconnect', () => {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  process.exit(0);
});
server.listen(`\0${name}`, () => send({ ready: true }));
