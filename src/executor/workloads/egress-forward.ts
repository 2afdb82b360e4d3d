/**
 * Runs inside a sandbox with `network: "egress"`, in front of the task:
 *   node egress-forward.ts <unix socket> <port> -- <program> [args…]
 * Listens on 127.0.0.1:<port> (the sandbox's own loopback; HTTP_PROXY points there), passes
 * every connection to the worker's egress proxy through <unix socket>, then runs the program
 * with the same stdin, stdout, stderr (and fd 3, the built-in workloads' result pipe) and exits
 * as it exits. See sandbox/egress.ts.
 */
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const [socketPath, portText, sep, program, ...args] = process.argv.slice(2);
if (!socketPath || !portText || sep !== '--' || !program) {
  process.stderr.write('usage: egress-forward <socket> <port> -- <program> [args...]\n');
  process.exit(125);
}

const server = createServer((client) => {
  const up = connect(socketPath);
  client.pipe(up);
  up.pipe(client);
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
  client.on('close', () => up.destroy());
  up.on('close', () => client.destroy());
});

function hasFd(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

server.listen(Number(portText), '127.0.0.1', () => {
  const child = spawn(program, args, { stdio: [0, 1, 2, ...(hasFd(3) ? [3] : [])] });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, forward(sig));
  child.on('error', (err) => {
    process.stderr.write(`egress-forward: cannot run ${program}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    server.close();
    if (signal) {
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(sig);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
});
server.on('error', (err) => {
  process.stderr.write(`egress-forward: cannot listen on 127.0.0.1:${portText}: ${err.message}\n`);
  process.exit(125);
});
