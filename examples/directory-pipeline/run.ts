/**
 * Seed 001's data-aggregation pipeline on Hangar, in one command:
 *
 *   npm run example:directory-pipeline              # or: node examples/directory-pipeline/run.ts (Node 24)
 *
 * Starts the fixture server (the maps API and the studios' websites), starts a Hangar of its own
 * (lib/local-hangar.ts; egress allowed to the fixture only), deploys the pipeline and runs the
 * story of lib/scenario.ts, printing what each run did.
 *
 *   --shape S      embedded (default): `hangar up` on a temporary data directory, the directory
 *                  in SQLite (FTS5) in the project; scale-out: `hangar server` + one `hangar
 *                  worker` on a fresh PostgreSQL schema and a local S3 bucket, the directory in a
 *                  PostgreSQL database of its own (full-text search)
 *   --postgres URL     the PostgreSQL of --shape scale-out (default postgres://postgres@127.0.0.1:5432/postgres;
 *                  its user makes a schema and a database, dropped at the end)
 *   --url URL      use a running Hangar instead (HANGAR_API_KEY: a user key; it must allow the
 *                  fixture with HANGAR_EGRESS_ALLOW=<fixture address>, see --fixture-port)
 *   --database-url URL   with --url: keep the directory in this PostgreSQL database (that Hangar
 *                  must allow its host:port in HANGAR_EGRESS_ALLOW too)
 *   --fixture-port N   the fixture's port (default: any free one)
 *   --keep         leave the Hangar running until Ctrl-C (an embedded one's data directory,
 *                  printed, is kept)
 *   --json         print the story as JSON on stdout (the progress goes to stderr)
 */
import { parseArgs } from 'node:util';
import { MAPS_API_KEY, startFixture } from './fixture/server.ts';
import { Hangar } from './lib/hangar.ts';
import { type LocalHangar, SHAPES, type Shape, startEmbedded, startScaleOut } from './lib/local-hangar.ts';
import { deploy } from './lib/pipeline.ts';
import { runScenario } from './lib/scenario.ts';

const { values: opts } = parseArgs({
  options: {
    shape: { type: 'string', default: 'embedded' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    url: { type: 'string' },
    'database-url': { type: 'string' },
    'fixture-port': { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
const shape = opts.shape as Shape;
if (!SHAPES.includes(shape)) throw new Error(`--shape: ${SHAPES.join(' or ')}, not ${opts.shape}`);

const fixture = await startFixture(Number(opts['fixture-port']));
say(`fixture server (maps API and studio websites) on ${fixture.url}`);
/** The Hangar this command starts, once asked to (a stop during its start waits for it, then stops it). */
let local: Promise<LocalHangar> | null = null;

let stopping: Promise<void> | null = null;
/** Stops what this command started (once): its Hangar, its data (but an embedded one's with --keep), the fixture. */
function stop(): Promise<void> {
  stopping ??= (async () => {
    await local?.then(
      (l) => l.stop(opts.keep),
      () => {}, // A failed start undid itself.
    );
    await fixture.close();
  })();
  return stopping;
}
// Ctrl-C or a kill: the same clean-up (with --keep, Ctrl-C is how a kept Hangar is stopped).
let waitingForCtrlC = false;
const signalled = new Promise<void>((resolve) => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
});
void signalled.then(async () => {
  await stop();
  process.exit(waitingForCtrlC ? 0 : 130);
});

try {
  let h: Hangar;
  let admin: Hangar | null = null;
  let databaseUrl = opts['database-url'] ?? null;
  if (opts.url) {
    const key = process.env.HANGAR_API_KEY;
    if (!key) throw new Error('--url needs HANGAR_API_KEY (a user key)');
    h = new Hangar(opts.url, key);
    say(`using the Hangar at ${opts.url}: it must allow egress to ${new URL(fixture.url).host} (HANGAR_EGRESS_ALLOW)`);
  } else {
    const allow = [new URL(fixture.url).host];
    local = shape === 'scale-out' ? startScaleOut(allow, opts.postgres) : startEmbedded(allow);
    const l = await local;
    databaseUrl = l.databaseUrl;
    say(
      l.shape === 'scale-out'
        ? `hangar server on ${l.url} and one hangar worker, on PostgreSQL and S3 (files in ${l.dataDir}); the directory in ${databaseUrl}`
        : `hangar up on ${l.url} (data in ${l.dataDir})`,
    );
    admin = new Hangar(l.url, l.adminKey);
    const { key } = await admin.call<{ key: string }>('POST', '/keys', { userId: 'directory' });
    h = new Hangar(l.url, key);
    say(`a key for user "directory": ${key}`);
  }
  const d = await deploy(h, { mapsUrl: fixture.url, mapsApiKey: MAPS_API_KEY, databaseUrl });
  say(
    `deployed: project ${d.projectId}, functions discover, find-artists, validate, state machine directory-pipeline; ` +
      (databaseUrl ? 'the directory in PostgreSQL (full-text search)' : 'the directory in SQLite in the project (FTS5)'),
  );
  const story = await runScenario(h, d, fixture, say, admin);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...story, projectId: d.projectId, backend: d.backend })}\n`);
  if (opts.keep && local) {
    say(`kept running: ${(await local).url} (HANGAR_API_KEY as above); Ctrl-C to stop`);
    waitingForCtrlC = true;
    await signalled;
  }
} finally {
  await stop();
}
