/** Hangar's roles as processes of their own (`hangar server`, `hangar worker`, `hangar up`), for
 *  the scale-out benchmarks (bench/function-hop.ts, bench/workflows.ts). */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';

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

/** The settings every role of one scale-out cluster shares: one PostgreSQL schema, one data
 *  directory (its blob directory shared, so no S3 is needed on one machine), one admin key. */
export function clusterEnv(pgUrl: string, schema: string, dataDir: string, adminKey: string): Record<string, string> {
  return {
    HANGAR_DATABASE_URL: pgUrl,
    HANGAR_DATABASE_SCHEMA: schema,
    HANGAR_SECRETS_KEY: randomBytes(32).toString('base64'),
    HANGAR_ADMIN_KEY: adminKey,
    HANGAR_DATA_DIR: dataDir,
    // startRole waits for a worker's "functions listening", logged at info.
    HANGAR_LOG_LEVEL: 'info',
    HANGAR_RATE_LIMIT: '0',
    HANGAR_WORKERS: '2',
  };
}

/** Stops the roles (SIGTERM, then waits for each), drops their schemas and removes the directory. */
export async function stopCluster(procs: ChildProcess[], pgUrl: string, schemas: string[], dir: string): Promise<void> {
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
  rmSync(dir, { recursive: true, force: true });
}
