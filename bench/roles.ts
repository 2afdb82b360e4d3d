/** Hangar's roles as processes of their own (`hangar server`, `hangar worker`, `hangar up`), for
 *  the scale-out benchmarks (bench/function-hop.ts, bench/workflows.ts). */
import { type ChildProcess, spawn } from 'node:child_process';

const BIN = new URL('../bin/hangar', import.meta.url).pathname;

/** Starts `hangar ROLE` with `env`; resolves once it serves HTTP on `port` (or, with no port, once
 *  its function host listens). */
export async function startRole(
  role: string,
  env: Record<string, string>,
  port: number | null,
): Promise<{ child: ChildProcess; url: string | null }> {
  const child = spawn(BIN, [role], {
    env: { ...process.env, ...env, ...(port ? { HANGAR_PORT: String(port) } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = port ? `http://127.0.0.1:${port}` : null;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${role} exited:\n${out}`);
    if (
      url
        ? await fetch(`${url}/health`).then(
            (r) => r.status > 0,
            () => false,
          )
        : /functions listening/.test(out)
    )
      break;
    if (Date.now() > deadline) throw new Error(`${role} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url };
}
