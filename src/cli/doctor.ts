/**
 * `hangar doctor`: which isolation this host offers, proven by one real sandboxed run; and,
 * in the scale-out shape, whether this host reaches the shared database (its migrations, and
 * how far this host's clock is from the database's) and can write to the bucket.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.ts';
import { createSandboxExecutor, sandboxTools } from '../executor/index.ts';
import { codeDirOf, instancesUnreachable } from '../functions/index.ts';
import { openBlobs, sandboxSetup } from '../runtime/index.ts';
import { CLOCK_WARN_MS, DatabaseClock } from '../store/postgres/clock.ts';
import { AUTOVACUUM_OFF } from '../store/postgres/warnings.ts';
import { systemClock } from '../core/index.ts';

/** Past this, leases, offers and expiries compared across hosts go wrong by as much. */

export interface DoctorReport {
  /** `unproven`: doctor would have had to move its caller's processes to prove the cgroups (v2); a worker started there would move them and could work. */
  sandbox: { available: boolean; unproven: boolean; description: string; problems: string[]; proofMs: number | null };
  bwrapVersion: string | null;
  /** Which sandbox the worker would use: bubblewrap, the util-linux fallback, or none. */
  engine: 'bwrap' | 'unshare' | null;
  root: boolean;
  executor: Config['executor'];
  verdict: string;
  /** The shared database (scale-out shape); null with the embedded SQLite store. */
  database: DatabaseCheck | null;
  /** The bucket (scale-out shape); null with the data directory's blobs. */
  bucket: { name: string; writable: boolean; problem: string | null } | null;
  /** Whether the sandbox's uid reaches what function instances bind (the code under the data
   *  directory, the runtimes); null where functions would not run (no sandbox). */
  functions: { reachable: boolean; problem: string | null } | null;
}

export interface DatabaseCheck {
  reachable: boolean;
  problem: string | null;
  /** PostgreSQL's version string. */
  version: string | null;
  /** Migrations applied in the schema, and how many this version of Hangar has. */
  migrations: { applied: number; known: number } | null;
  /** The database's clock minus this host's, ms (half the round trip is allowed for). */
  clockOffsetMs: number | null;
  /** Whether the server's autovacuum is on (null: not read). */
  autovacuum: boolean | null;
}

/** Connects with the configured URL and reads version, migrations and clock; never throws. */
async function checkDatabase(config: Config): Promise<DatabaseCheck> {
  const { default: pg } = await import('pg');
  const { migrationFiles } = await import('../store/postgres/migrate.ts');
  const known = migrationFiles().length;
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>('SELECT version() AS v');
    // Measured as every node measures it (best of three round trips).
    const clock = new DatabaseClock(systemClock);
    await clock.sync(client);
    const table = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      `${config.databaseSchema}.schema_migrations`,
    ]);
    const applied = table.rows[0].t
      ? Number((await client.query(`SELECT count(*)::int AS n FROM ${config.databaseSchema}.schema_migrations`)).rows[0].n)
      : 0;
    const autovacuum = (await client.query<{ on: boolean }>(`SELECT current_setting('autovacuum') = 'on' AS on`)).rows[0].on;
    return {
      reachable: true,
      problem: null,
      version: rows[0].v,
      migrations: { applied, known },
      clockOffsetMs: clock.offsetMs,
      autovacuum,
    };
  } catch (err) {
    return { reachable: false, problem: (err as Error).message, version: null, migrations: null, clockOffsetMs: null, autovacuum: null };
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkBucket(config: Config): Promise<NonNullable<DoctorReport['bucket']>> {
  const blobs = await openBlobs(config);
  try {
    return { name: config.s3Bucket ?? '', writable: await blobs.check(), problem: null };
  } catch (err) {
    return { name: config.s3Bucket ?? '', writable: false, problem: (err as Error).message };
  } finally {
    await blobs.close().catch(() => {});
  }
}

/** What a report's problems come to: the lines to warn with (empty: none). */
export function doctorWarnings(r: DoctorReport): string[] {
  const out: string[] = [];
  const db = r.database;
  if (db && !db.reachable) out.push(`the database cannot be reached: ${db.problem}`);
  if (db?.migrations && db.migrations.applied < db.migrations.known) {
    out.push(
      db.migrations.applied === 0
        ? 'the schema is not created yet (the first server or worker to start creates it)'
        : `${db.migrations.known - db.migrations.applied} migrations not applied yet (the next server or worker to start applies them)`,
    );
  }
  if (db?.migrations && db.migrations.applied > db.migrations.known)
    out.push(
      `the schema is newer than this Hangar (${db.migrations.applied} migrations, this version knows ${db.migrations.known}): upgrade this host`,
    );
  if (db?.clockOffsetMs !== null && db?.clockOffsetMs !== undefined && Math.abs(db.clockOffsetMs) > CLOCK_WARN_MS) {
    out.push(
      `this host's clock is ${Math.abs(db.clockOffsetMs)} ms ${db.clockOffsetMs > 0 ? 'behind' : 'ahead of'} the database's: Hangar keeps its times in the database's clock (leases, offers, history), but this host's logs, metrics and execution times use its own; sync it (NTP)`,
    );
  }
  if (db?.autovacuum === false) out.push(AUTOVACUUM_OFF);
  if (r.bucket && !r.bucket.writable)
    out.push(`the bucket ${r.bucket.name} cannot be written${r.bucket.problem ? `: ${r.bucket.problem}` : ''}`);
  if (r.functions?.problem) out.push(r.functions.problem);
  return out;
}

/** Exit 1 when the sandbox, the database or the bucket fails (warnings alone do not). */
export function doctorFailed(r: DoctorReport): boolean {
  return !r.sandbox.available || (r.database !== null && !r.database.reachable) || (r.bucket !== null && !r.bucket.writable);
}

export async function doctor(config: Config): Promise<DoctorReport> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const workDir = await mkdtemp(join(dataDir, 'doctor-'));
  const tools = sandboxTools(config.sandboxEngine);
  const started = performance.now();
  const shared = Promise.all([config.databaseUrl ? checkDatabase(config) : null, config.s3Bucket ? checkBucket(config) : null]);
  try {
    const sbx = await createSandboxExecutor(
      sandboxSetup(config, { networkTestUrl: 'http://127.0.0.1:9/', workDir, scope: `doctor-${process.pid}`, cgroupMode: 'probe' }),
    );
    const proofMs = sbx.executor ? Math.round(performance.now() - started) : null;
    await sbx.executor?.close();
    const available = sbx.executor !== null;
    const unproven = sbx.unproven === true;
    const verdict = available
      ? config.executor === 'sandbox'
        ? 'tasks run sandboxed'
        : 'the sandbox works here; tasks run UNSANDBOXED until HANGAR_EXECUTOR=sandbox'
      : unproven
        ? 'the sandbox is not proven from here (see above): a worker started here would move the processes of this cgroup aside and could work'
        : config.executor === 'sandbox'
          ? 'HANGAR_EXECUTOR=sandbox, but the sandbox does not work here: workers will refuse to start'
          : 'no sandbox here: tasks run as plain processes with no isolation (HANGAR_EXECUTOR=process)';
    // Functions run only sandboxed: where tasks would, check what their instances bind.
    const unreachable = available ? await instancesUnreachable(codeDirOf(dataDir), config.sandboxUid) : null;
    return {
      sandbox: { available, unproven, description: sbx.description, problems: sbx.problems, proofMs },
      bwrapVersion: tools.bwrapVersion,
      engine: tools.engine,
      root: process.getuid?.() === 0,
      executor: config.executor,
      verdict,
      database: (await shared)[0],
      bucket: (await shared)[1],
      functions: available ? { reachable: unreachable === null, problem: unreachable } : null,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
