/**
 * Seed 001's data-aggregation pipeline on Hangar, in one command:
 *
 *   npm run example:directory-pipeline              # or: node examples/directory-pipeline/run.ts (Node 24)
 *
 * Starts the fixture server (the maps API and the studios' websites), starts an embedded Hangar
 * (`hangar up` on a temporary data directory, egress allowed to the fixture only), deploys the
 * pipeline and runs the story of lib/scenario.ts, printing what each run did.
 *
 *   --url URL      use a running Hangar instead (HANGAR_API_KEY: a user key; it must allow the
 *                  fixture with HANGAR_EGRESS_ALLOW=<fixture address>, see --fixture-port)
 *   --fixture-port N   the fixture's port (default: any free one)
 *   --keep         keep the embedded Hangar's data directory (printed) and leave it running
 *                  until Ctrl-C
 *   --json         print the story as JSON on stdout (the progress goes to stderr)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAPS_API_KEY, startFixture } from './fixture/server.ts';
import { Hangar } from './lib/hangar.ts';
import { deploy } from './lib/pipeline.ts';
import { runScenario } from './lib/scenario.ts';

const HANGAR_BIN = fileURLToPath(new URL('../../bin/hangar', import.meta.url));

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    'fixture-port': { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);

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

interface Embedded {
  url: string;
  adminKey: string;
  dataDir: string;
  child: ChildProcess;
}

/** `hangar up` on a fresh data directory, reaching the fixture (`egressAllow`) and nothing else private. */
async function startHangar(egressAllow: string): Promise<Embedded> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-directory-'));
  // The sandbox's uid must traverse it: functions' code is bound in from under it.
  chmodSync(dataDir, 0o711);
  const port = await freePort();
  const adminKey = `hk_${randomBytes(32).toString('base64url').replace(/[-_]/g, '0').slice(0, 43)}`;
  const child = spawn(HANGAR_BIN, ['up'], {
    env: {
      ...process.env,
      HANGAR_PORT: String(port),
      HANGAR_DATA_DIR: join(dataDir, 'data'),
      HANGAR_ADMIN_KEY: adminKey,
      HANGAR_EGRESS_ALLOW: egressAllow,
      HANGAR_LOG_LEVEL: process.env.HANGAR_LOG_LEVEL ?? 'warn',
      HANGAR_EXIT_WITH_PARENT: 'true',
    },
    // Its own lines go to stderr: stdout is the example's (the story, with --json).
    stdio: ['ignore', 2, 2],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const failed =
      child.exitCode !== null
        ? `hangar up exited with ${child.exitCode}`
        : Date.now() > deadline
          ? 'hangar up did not answer within 60 s'
          : null;
    if (failed) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(failed);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok || r.status === 503,
      () => false,
    );
    if (ok) return { url, adminKey, dataDir, child };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fixture = await startFixture(Number(opts['fixture-port']));
say(`fixture server (maps API and studio websites) on ${fixture.url}`);
let embedded: Embedded | null = null;

let stopping: Promise<void> | null = null;
/** Stops what this command started (once): the embedded Hangar, its data unless --keep, the fixture. */
function stop(): Promise<void> {
  stopping ??= (async () => {
    if (embedded) {
      const { child, dataDir } = embedded;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    }
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
  if (opts.url) {
    const key = process.env.HANGAR_API_KEY;
    if (!key) throw new Error('--url needs HANGAR_API_KEY (a user key)');
    h = new Hangar(opts.url, key);
    say(`using the Hangar at ${opts.url}: it must allow egress to ${new URL(fixture.url).host} (HANGAR_EGRESS_ALLOW)`);
  } else {
    embedded = await startHangar(new URL(fixture.url).host);
    say(`hangar up on ${embedded.url} (data in ${embedded.dataDir})`);
    admin = new Hangar(embedded.url, embedded.adminKey);
    const { key } = await admin.call<{ key: string }>('POST', '/keys', { userId: 'directory' });
    h = new Hangar(embedded.url, key);
    say(`a key for user "directory": ${key}`);
  }
  const d = await deploy(h, { mapsUrl: fixture.url, mapsApiKey: MAPS_API_KEY });
  say(`deployed: project ${d.projectId}, functions discover, find-artists, validate, state machine directory-pipeline`);
  const story = await runScenario(h, d, fixture, say, admin);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...story, projectId: d.projectId })}\n`);
  if (opts.keep && embedded) {
    say(`kept running: ${embedded.url} (HANGAR_API_KEY as above); Ctrl-C to stop`);
    waitingForCtrlC = true;
    await signalled;
  }
} finally {
  await stop();
}
