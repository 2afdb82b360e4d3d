/**
 * Runs inside a sandbox in front of its program, when the sandbox reaches host unix sockets
 * (sandbox/bwrap.ts: the egress proxy of a task with `network: "egress"`, a function
 * instance's Runtime API):
 *   node egress-forward.ts <unix socket> <port> [<unix socket> <port>…] -- <program> [args…]
 * Listens on 127.0.0.1:<port> for each pair (the sandbox's own loopback; HTTP_PROXY, or
 * AWS_LAMBDA_RUNTIME_API, points there), passes every connection through its <unix socket>,
 * then runs the program with the same stdin, stdout, stderr (and fd 3, the built-in workloads'
 * result pipe) and exits as it exits. See sandbox/egress.ts.
 * The fallback: where the host has socat, sandbox/forward.ts runs it instead (a Node start here
 * costs ~60 ms of CPU in the task's quota and ~15 MB of its memory when idle).
 */
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const pairs = sep > 0 ? argv.slice(0, sep) : [];
const [program, ...args] = sep > 0 ? argv.slice(sep + 1) : [];
if (pairs.length === 0 || pairs.length % 2 !== 0 || !program) {
  process.stderr.write('usage: egress-forward <socket> <port> [<socket> <port>...] -- <program> [args...]\n');
  process.exit(125);
}

function forward(socketPath: string): Server {
  return createServer((client) => {
    const up = connect(socketPath);
    client.pipe(up);
    up.pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
}

function hasFd(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function listen(server: Server, port: string): Promise<void> {
  return new Promise((resolve) => {
    server.on('error', (err) => {
      process.stderr.write(`egress-forward: cannot listen on 127.0.0.1:${port}: ${err.message}\n`);
      process.exit(125);
    });
    server.listen(Number(port), '127.0.0.1', resolve);
  });
}

const servers: Server[] = [];
const listening: Promise<void>[] = [];
for (let i = 0; i < pairs.length; i += 2) {
  const server = forward(pairs[i]);
  servers.push(server);
  listening.push(listen(server, pairs[i + 1]));
}

void Promise.all(listening).then(() => {
  const child = spawn(program, args, { stdio: [0, 1, 2, ...(hasFd(3) ? [3] : [])] });
  const forwardSignal = (sig: NodeJS.Signals) => () => child.kill(sig);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, forwardSignal(sig));
  child.on('error', (err) => {
    process.stderr.write(`egress-forward: cannot run ${program}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    for (const server of servers) server.close();
    if (signal) {
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(sig);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
});
