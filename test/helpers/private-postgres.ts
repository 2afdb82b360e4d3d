/**
 * A PostgreSQL server of the test's own (initdb in a temp directory, its own port), for fault
 * tests that stop and restart it: the shared server on 5432 serves other tests at the same time.
 * Runs as the `postgres` user (initdb refuses root), through runuser.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './process.ts';

const run = promisify(execFile);

function bin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin/${name}`;
}

export interface PrivatePostgres {
  port: number;
  /** On 127.0.0.1. */
  url: string;
  /** `pg_ctl stop -m immediate`: the server dies as in a crash, no checkpoint. */
  crash(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** `listen`: addresses to accept connections on (trusted, as the shared test server is);
 *  `settings`: server settings (`-c name=value`). */
export async function startPrivatePostgres(
  listen: string[] = ['127.0.0.1'],
  settings: Record<string, string> = {},
): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-pg-'));
  chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const data = join(dir, 'data');
  const port = await freePort();
  const as = (args: string[]) => run('runuser', ['-u', 'postgres', '--', ...args], { cwd: dir });
  await as([bin('initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  appendFileSync(
    join(data, 'pg_hba.conf'),
    listen.map((a) => `host all all ${a}/32 trust\nhost all all ${a.replace(/\.\d+$/, '.0')}/24 trust\n`).join(''),
  );
  const start = () =>
    as([
      bin('pg_ctl'),
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=${listen.join(',')}${Object.entries(settings)
        .map(([k, v]) => ` -c ${k}=${v}`)
        .join('')}`,
      'start',
    ]).then(() => undefined);
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    crash: () => as([bin('pg_ctl'), '-D', data, '-m', 'immediate', 'stop']).then(() => undefined),
    start,
    async close() {
      await as([bin('pg_ctl'), '-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether this host can run a private PostgreSQL (binaries, a postgres user, root for runuser). */
export function privatePostgresProblems(): string | false {
  try {
    readdirSync('/usr/lib/postgresql');
  } catch {
    return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  }
  if (process.getuid?.() !== 0) return 'runuser needs root';
  return false;
}
