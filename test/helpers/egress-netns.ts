/**
 * The real egress proxy in a network namespace with nothing but loopback (egress-netns-child.ts),
 * reached, as a sandbox reaches it, through its unix socket: a unix socket on the file system
 * crosses network namespaces. Egress tests aim at non-public addresses on purpose; run here, a
 * guard that lets one through gets ENETUNREACH (or a listener of the namespace), never the network.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// As root a plain network namespace; otherwise one inside a user namespace, where allowed.
const UNSHARE = process.getuid?.() === 0 ? ['--net'] : ['--map-root-user', '--net'];
const UP_LO = ['sh', '-c', 'ip link set lo up && exec "$@"', 'sh'];

/** Why this host cannot make such a namespace, or false. */
export function emptyNetnsProblems(): string | false {
  const r = spawnSync('unshare', [...UNSHARE, '--', ...UP_LO, 'true'], { encoding: 'utf8' });
  if (r.error) return `cannot run unshare: ${r.error.message}`;
  return r.status === 0 ? false : `cannot make a network namespace with loopback up: ${r.stderr.trim()}`;
}

export interface NetnsProxy {
  socketPath: string;
  /** Answers on every address of the namespace (all loopback): "reached <address>". */
  openPort: number;
  /** 127.0.0.1:okPort is allowlisted and answers "ok"; [::1]:okPort answers "decoy". */
  okPort: number;
  stats(): Promise<{ allowed: number; denied: string[]; calls: Record<string, number> }>;
  close(): Promise<void>;
}

export async function startProxyInEmptyNetns(dir: string): Promise<NetnsProxy> {
  const socketPath = join(dir, 'netns-proxy.sock');
  const child = spawn(
    'unshare',
    [
      ...UNSHARE,
      '--',
      ...UP_LO,
      process.execPath,
      '--disable-warning=ExperimentalWarning',
      join(import.meta.dirname, 'egress-netns-child.ts'),
      socketPath,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`the namespaced proxy ended (exit ${child.exitCode ?? child.signalCode})`);
    return JSON.parse(line.value);
  };
  const { openPort, okPort } = (await next()) as { openPort: number; okPort: number };
  return {
    socketPath,
    openPort,
    okPort,
    stats() {
      child.stdin!.write('stats\n');
      return next();
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}
