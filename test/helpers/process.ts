/** Real `hangar` processes for end-to-end tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sandboxTools } from '../../src/executor/index.ts';

export const HANGAR_BIN = fileURLToPath(new URL('../../bin/hangar', import.meta.url));

/**
 * The executor end-to-end tests run under: the default (the sandbox) wherever the host can
 * sandbox, as CI can; elsewhere (no bwrap, not root) the process executor, so that the API and
 * CLI tests still run. The sandbox's own suites skip there, saying why.
 */
export const TEST_EXECUTOR_ENV: Record<string, string> = sandboxTools().ok ? {} : { HANGAR_EXECUTOR: 'process' };

/** The admin key test platforms and processes accept (HANGAR_ADMIN_KEY): a canary too, it
 *  must never appear in the database, the blobs or a log. */
export const TEST_ADMIN_KEY = 'hk_TESTADMINcanary0000000000000000000000000000';
/** Headers of an admin request. */
export const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hangar <args>` once against the API at `url` with `key`: its exit code and output. */
export function runCli(url: string, key: string, args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      HANGAR_BIN,
      args,
      { env: { ...process.env, HANGAR_URL: url, HANGAR_API_KEY: key }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface HangarProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `hangar <args>` on `port` and resolves once GET /health answers. Without a port, on a
 *  free one — another if that was taken between freePort's check and the start (another test's
 *  listener on an ephemeral port: seen in CI as EADDRINUSE); `port` in the answer says which. */
export async function startHangar(args: string[], env: Record<string, string>, port?: number): Promise<HangarProcess & { port: number }> {
  if (port !== undefined) return { ...(await startHangarOn(args, env, port)), port };
  for (let tries = 1; ; tries++) {
    const free = await freePort();
    try {
      return { ...(await startHangarOn(args, env, free)), port: free };
    } catch (err) {
      if (tries >= 5 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

async function startHangarOn(args: string[], env: Record<string, string>, port: number): Promise<HangarProcess> {
  const child = spawn(HANGAR_BIN, args, {
    env: {
      ...process.env,
      HANGAR_PORT: String(port),
      HANGAR_LOG_LEVEL: 'warn',
      HANGAR_ADMIN_KEY: TEST_ADMIN_KEY,
      ...TEST_EXECUTOR_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hangar exited early:\n${out}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok || res.status === 503) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      // Not left behind: its pipes would hold the test process open for ever.
      child.kill('SIGKILL');
      throw new Error(`hangar did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, output: () => out, exited };
}
