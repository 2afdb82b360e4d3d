/**
 * The Hangar run.ts starts for the example, in either shape, on fresh data that stop() removes:
 *
 * - embedded: `hangar up` on a temporary data directory (SQLite, blobs on disk);
 * - scale-out: `hangar server` + one `hangar worker` sharing a fresh schema of the PostgreSQL at
 *   `postgres` and a bucket of a local S3-compatible server (s3rver, as the tests run it), and a
 *   database of the directory's own on the same PostgreSQL, owned by a role of its own
 *   (`databaseUrl`: where Store, Index and search keep it, with full-text search).
 *
 * `egressAllow`: the private addresses tasks may reach through the egress proxy (the fixture's);
 * on scale-out the directory's PostgreSQL is added.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startS3 } from '../../shared/s3.ts';

const HANGAR_BIN = fileURLToPath(new URL('../../../bin/hangar', import.meta.url));

export const SHAPES = ['embedded', 'scale-out'] as const;
export type Shape = (typeof SHAPES)[number];

export interface LocalHangar {
  shape: Shape;
  url: string;
  adminKey: string;
  /** Where its files are (embedded: all its data). */
  dataDir: string;
  /** The directory's own PostgreSQL database (scale-out), or null: SQLite in the project. */
  databaseUrl: string | null;
  /** Stops its processes and removes its data; `keepData`: leaves the embedded data directory. */
  stop(keepData?: boolean): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const newAdminKey = () => `hk_${randomBytes(32).toString('base64url').replace(/[-_]/g, '0').slice(0, 43)}`;

/** A temporary directory the sandbox's uid can traverse: functions' code is bound in from under it. */
function dataDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-directory-'));
  chmodSync(dir, 0o711);
  return dir;
}

/** `hangar <role>`; its lines go to stderr (stdout is the example's: the story, with --json). */
function spawnHangar(role: string, env: Record<string, string>): ChildProcess & { lines(): string } {
  const child = spawn(HANGAR_BIN, [role], {
    env: { ...process.env, HANGAR_LOG_LEVEL: process.env.HANGAR_LOG_LEVEL ?? 'warn', HANGAR_EXIT_WITH_PARENT: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const s of [child.stdout!, child.stderr!])
    s.on('data', (d: Buffer) => {
      out += d;
      process.stderr.write(d);
    });
  return Object.assign(child, { lines: () => out });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Waits until `ready` says so; throws (what stops it having been stopped) if it exits or 60 s pass. */
async function waitFor(child: ChildProcess, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within 60 s`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const answers = (url: string) => () =>
  fetch(`${url}/health`).then(
    (r) => r.ok || r.status === 503,
    () => false,
  );

/** Runs `undo` (in reverse order) if `start` throws, then rethrows. */
async function orUndo<T>(undo: (() => Promise<void> | void)[], start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    for (const u of undo.reverse()) await Promise.resolve(u()).catch(() => {});
    throw e;
  }
}

export async function startEmbedded(egressAllow: string[]): Promise<LocalHangar> {
  const dataDir = dataDirectory();
  const port = await freePort();
  const adminKey = newAdminKey();
  const child = spawnHangar('up', {
    HANGAR_PORT: String(port),
    HANGAR_DATA_DIR: join(dataDir, 'data'),
    HANGAR_ADMIN_KEY: adminKey,
    HANGAR_EGRESS_ALLOW: egressAllow.join(','),
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (keepData = false) => {
    await stopProcess(child);
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  await orUndo([stop], () => waitFor(child, 'hangar up', answers(url)));
  return { shape: 'embedded', url, adminKey, dataDir, databaseUrl: null, stop };
}

/** `postgres`: a PostgreSQL URL whose user may create schemas, roles and databases (CI's: trust auth, user postgres). */
export async function startScaleOut(egressAllow: string[], postgres: string): Promise<LocalHangar> {
  const undo: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const u of undo.splice(0).reverse()) await u();
  };
  const suffix = randomBytes(6).toString('hex');
  const schema = `hangar_directory_${suffix}`;
  const database = `directory_${suffix}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: postgres });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return orUndo([stop], async () => {
    const dataDir = dataDirectory();
    undo.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The directory's database is owned by a role of its own, which is what the tasks log in
    // as (DATABASE_URL): they can do anything in it (unaccent is a trusted extension, its owner
    // may create it) and nothing to Hangar's schema or other databases.
    const password = randomBytes(16).toString('hex');
    const makeDatabase = async () => {
      await admin(`CREATE ROLE ${database} LOGIN PASSWORD '${password}'`);
      undo.push(() => admin(`DROP ROLE IF EXISTS ${database}`));
      await admin(`CREATE DATABASE ${database} OWNER ${database}`);
      undo.push(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    };
    // The bucket and the database at once (Hangar makes its schema itself); each undone if the
    // other fails.
    const [s3, made] = await Promise.allSettled([startS3('hangar-directory'), makeDatabase()]);
    if (s3.status === 'fulfilled') undo.push(() => s3.value.close());
    if (s3.status === 'rejected') throw s3.reason;
    if (made.status === 'rejected') throw made.reason;
    undo.push(() => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const databaseUrl = new URL(postgres);
    databaseUrl.pathname = `/${database}`;
    databaseUrl.username = database;
    databaseUrl.password = password;
    const adminKey = newAdminKey();
    const shared = {
      ...s3.value.env,
      HANGAR_DATABASE_URL: postgres,
      HANGAR_DATABASE_SCHEMA: schema,
      HANGAR_SECRETS_KEY: randomBytes(32).toString('base64'),
      HANGAR_ADMIN_KEY: adminKey,
      // Tasks reach the directory's database through the worker's egress proxy, which refuses
      // loopback and private addresses unless allowed: this one is.
      HANGAR_EGRESS_ALLOW: [...egressAllow, `${databaseUrl.hostname}:${databaseUrl.port || 5432}`].join(','),
    };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Both at once: whichever comes first migrates the schema, the other waits on its lock.
    const server = spawnHangar('server', { ...shared, HANGAR_PORT: String(port), HANGAR_DATA_DIR: join(dataDir, 'server') });
    undo.push(() => stopProcess(server));
    const worker = spawnHangar('worker', { ...shared, HANGAR_URL: url, HANGAR_DATA_DIR: join(dataDir, 'worker') });
    undo.push(() => stopProcess(worker));
    await Promise.all([
      waitFor(server, 'hangar server', answers(url)),
      waitFor(worker, 'hangar worker', async () => /hangar: worker \S+ running/.test(worker.lines())),
    ]);
    return { shape: 'scale-out' as const, url, adminKey, dataDir, databaseUrl: databaseUrl.href, stop };
  });
}
