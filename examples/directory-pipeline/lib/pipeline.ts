/**
 * The pipeline on a Hangar: deploy it (a project holding the directory's scripts — and, on the
 * embedded shape, its SQLite database —, three functions, the scraper's circuit breaker, the
 * state machine), run it, search what it stored. run.ts and the end-to-end test both drive a
 * Hangar through these.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
// The archives the API takes, made as `hangar function deploy --dir` and `hangar project
// upload` make them (the example runs from Hangar's checkout).
import { zipDirectory } from '../../../src/cli/zip.ts';
import { pack, unpack } from '../../../src/projects/index.ts';
import { type Hangar, HangarApiError, until } from './hangar.ts';

const here = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
/** Hangar's checkout, which the example runs from. */
const ROOT = here('../..');

export const STATE_MACHINE = 'directory-pipeline';
export const PROJECT = 'directory';

/**
 * The scraper's breaker: 6 failures within 30 s open it (a few studios failing now and then do
 * not: one site down fails 3 times in a run), 5 s of cooldown, then one probe. Short, so the
 * example shows a whole cycle in seconds; a real directory would wait minutes.
 */
export const BREAKER = { failureThreshold: 6, windowSeconds: 30, cooldownSeconds: 5, probes: 1 };

/** Where the directory is kept: SQLite (FTS5) in the project, or PostgreSQL (full-text search). */
export type Backend = 'sqlite' | 'postgres';

export interface Deployed {
  projectId: string;
  backend: Backend;
}

/**
 * What the tasks of the directory's scripts (Store, Index, search) add to their request, per
 * backend: on PostgreSQL, the secret naming the database (project/directory.mjs picks the
 * backend by it) and egress, as the database is reached through the worker's egress proxy
 * (project/tunnel.mjs), which the operator allows to reach it (HANGAR_EGRESS_ALLOW).
 */
export const DIRECTORY_TASK: Record<Backend, { network?: 'egress'; secrets?: string[] }> = {
  sqlite: {},
  postgres: { network: 'egress', secrets: ['DATABASE_URL'] },
};

/** The state machine, its Store and Index states given the backend's task settings. */
export function definitionFor(backend: Backend): string {
  const asl = JSON.parse(readFileSync(here('state-machine.asl.json'), 'utf8'));
  for (const state of ['Store', 'Index']) Object.assign(asl.States[state].Parameters, DIRECTORY_TASK[backend]);
  return JSON.stringify(asl, null, 2);
}

/**
 * Copies the package `name` (as Hangar's own checkout resolves it from `from`) and its
 * dependencies into `into`/node_modules, keeping their layout: what `npm install pg` would put
 * in the project. /opt/hangar/node resolves `import 'pg'` from the script's directory, the
 * task's workspace, so the project carries it. Only what Node runs: no optional dependencies
 * (pg's is pg-cloudflare, for Cloudflare Workers), TypeScript sources, declarations, source
 * maps, tests or READMEs — 74 files of 313 KB instead of 138 of 1 MB, which every task in the
 * project unpacks and packs again as its next version.
 */
function copyPackage(name: string, into: string, from = here('.'), seen = new Set<string>()): void {
  let dir = from;
  while (!existsSync(join(dir, 'node_modules', name, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error(`cannot find the package ${name} from ${from}`);
    dir = dirname(dir);
  }
  const pkg = join(dir, 'node_modules', name);
  if (seen.has(pkg)) return;
  seen.add(pkg);
  const runs = (path: string) => {
    const rel = relative(pkg, path);
    return !/(^|\/)(src|test)$|\.(map|ts)$|\.test\.js$|^README\.md$/i.test(rel);
  };
  cpSync(pkg, join(into, relative(ROOT, pkg)), { recursive: true, filter: runs });
  const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  for (const dep of Object.keys(meta.dependencies ?? {})) copyPackage(dep, into, pkg, seen);
}

/** The project's files, as deploy() uploads them, into `dir`: the scripts (project/), and pg for PostgreSQL. */
export function copyProjectFiles(dir: string, backend: Backend): void {
  cpSync(here('project'), dir, { recursive: true });
  if (backend === 'postgres') copyPackage('pg', dir);
}

/**
 * Everything the pipeline needs, created or brought up to date; `mapsUrl` is the maps API's
 * base URL; `databaseUrl`, if given, the PostgreSQL database the directory is kept in (else
 * SQLite in the project).
 */
export async function deploy(h: Hangar, opts: { mapsUrl: string; mapsApiKey: string; databaseUrl?: string | null }): Promise<Deployed> {
  const backend: Backend = opts.databaseUrl ? 'postgres' : 'sqlite';
  await h.call('PUT', '/secrets/MAPS_API_KEY', { value: opts.mapsApiKey });
  if (opts.databaseUrl) await h.call('PUT', '/secrets/DATABASE_URL', { value: opts.databaseUrl });
  // The project: its scripts (and pg, for PostgreSQL) and, once a run stored something in
  // SQLite, directory.db. An upload is the whole of the next version, so an existing project's
  // files are downloaded, the scripts put over them, and the lot uploaded: the database stays.
  const { projects } = await h.call<{ projects: { projectId: string; name: string; latestVersion: number }[] }>('GET', '/projects');
  const project =
    projects.find((p) => p.name === PROJECT) ??
    (await h.call<{ projectId: string; name: string; latestVersion: number }>('POST', '/projects', { name: PROJECT }));
  const files = mkdtempSync(join(tmpdir(), 'directory-project-'));
  try {
    if (project.latestVersion > 0) {
      const res = await h.raw('GET', `/projects/${project.projectId}/files`);
      if (!res.ok) throw new HangarApiError('GET', `/projects/${project.projectId}/files`, res.status, await res.text());
      await unpack(Buffer.from(await res.arrayBuffer()), files);
    }
    copyProjectFiles(files, backend);
    await h.call('PUT', `/projects/${project.projectId}/files`, await pack(files));
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
  const fn = (name: string, config: Record<string, unknown>) =>
    h.call('PUT', `/functions/${name}`, {
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      zip: zipDirectory(here(`functions/${name}`)).toString('base64'),
      ...config,
    });
  await fn('discover', {
    memoryMb: 256,
    timeoutS: 60,
    network: 'egress',
    environment: { MAPS_API_URL: opts.mapsUrl },
    secrets: ['MAPS_API_KEY'],
    description: 'Finds tattoo studios in a city with the maps API',
  });
  // Seed 001: the scraping functions get 1 GB and 15 minutes.
  await fn('find-artists', {
    memoryMb: 1024,
    timeoutS: 900,
    network: 'egress',
    description: "Reads the artists a studio's website lists",
  });
  await fn('validate', { memoryMb: 128, timeoutS: 10, description: 'Cleans one studio’s scraped artists' });
  // Ten instances of the scraper started before the first run (the Map's concurrency), and only
  // then its breaker, which starts closed with nothing counted: a cold start that overruns the
  // 10 s init limit on a loaded machine is a function failure, and ten at once in the Map's first
  // wave could open the breaker with no site failing.
  // Best effort: whatever they answer (an earlier deployment's breaker may be open), they end.
  await Promise.all(
    Array.from({ length: 10 }, () => h.raw('POST', '/functions/find-artists/invoke', { warmup: true }).then((r) => r.arrayBuffer())),
  );
  await h.call('PUT', '/functions/find-artists/circuit-breaker', BREAKER);
  const definition = definitionFor(backend);
  try {
    await h.call('POST', '/state-machines', { name: STATE_MACHINE, definition });
  } catch (e) {
    if (!(e instanceof HangarApiError) || e.status !== 409) throw e;
    await h.call('PATCH', `/state-machines/${STATE_MACHINE}`, { definition });
  }
  return { projectId: project.projectId, backend };
}

export interface Execution {
  id: string;
  status: string;
  output: { studios: number; deadLetters: number; storeTask: string; indexTask: string } | null;
  error: string | null;
  cause: string | null;
  startedAt: string;
  stoppedAt: string | null;
}

/** Runs the pipeline over a city's studios (or, `studios`, over the ones given) to its end. */
export async function runPipeline(
  h: Hangar,
  d: Deployed,
  input: { city: string } | { studios: unknown[] },
  timeoutMs = 600_000,
): Promise<Execution> {
  const started = await h.call<{ id: string }>('POST', `/state-machines/${STATE_MACHINE}/executions`, {
    input: { project: d.projectId, ...input },
  });
  return until(
    `execution ${started.id}`,
    async () => {
      const e = await h.call<Execution>('GET', `/executions/${started.id}`);
      return e.status === 'RUNNING' ? undefined : e;
    },
    timeoutMs,
    250,
  );
}

export interface Found {
  name: string;
  styles: string;
  instagram: string;
  studioId: string;
  studio: string;
}

export interface DeadLetter {
  studioId: string;
  /** The item as the Map had it: what a redrive runs again. */
  studio: { id: string; name: string; address: string; website: string };
  error: string;
  cause: string | null;
  failures: number;
  execution: string | null;
  lastFailedAt: string;
}

export interface Report {
  searches: Record<string, Found[]>;
  deadLetters: DeadLetter[];
  /** `indexed`: the search index's documents, one per artist once Index ran. */
  counts: { studios: number; artists: number; deadLetters: number; indexed: number };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Searches the index, and reads the dead-letter queue, with a task in the project (search.mjs). */
export async function report(h: Hangar, d: Deployed, queries: string[]): Promise<Report> {
  const { taskId } = await h.call<{ taskId: string }>('POST', '/tasks', {
    project: d.projectId,
    queue: 'directory',
    shell: `exec /opt/hangar/node search.mjs ${queries.map(quote).join(' ')}`,
    timeout: 60,
    ...DIRECTORY_TASK[d.backend],
  });
  const t = await until(
    `search task ${taskId}`,
    async () => {
      const t = await h.call<{ status: string }>('GET', `/tasks/${taskId}`);
      return ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED', 'OOM_KILLED'].includes(t.status) ? t : undefined;
    },
    60_000,
    100,
  );
  const out = await h.call<string>('GET', `/tasks/${taskId}/logs?stream=stdout`);
  if (t.status !== 'SUCCESS') {
    const err = await h.call<string>('GET', `/tasks/${taskId}/logs?stream=stderr`);
    throw new Error(`search task ${taskId} ended ${t.status}: ${err}`);
  }
  return JSON.parse(out) as Report;
}

/** Runs the pipeline again over every studio in the dead-letter queue (it leaves when stored). */
export async function redrive(h: Hangar, d: Deployed): Promise<Execution | null> {
  const { deadLetters } = await report(h, d, []);
  return deadLetters.length ? runPipeline(h, d, { studios: deadLetters.map((l) => l.studio) }) : null;
}

export interface BreakerState {
  state: 'closed' | 'open' | 'half-open';
  failuresInWindow: number;
  openedAt: number | null;
  nextProbeAt: number | null;
}

export const breaker = (h: Hangar) => h.call<BreakerState>('GET', '/functions/find-artists/circuit-breaker');
