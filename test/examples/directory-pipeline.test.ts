/**
 * The directory-pipeline example's parts, without a Hangar (so they run where the sandbox
 * does not, unlike test/e2e/directory-pipeline.test.ts): the handlers against the fixture
 * server — what they read, how they name failures for Retry and Catch — and the project's
 * store, index and search scripts on a database in a temporary directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INVALID_ENTRIES, STUDIOS } from '../../examples/directory-pipeline/fixture/data.ts';
import { type Fixture, MAPS_API_KEY, startFixture } from '../../examples/directory-pipeline/fixture/server.ts';
import { type Backend, copyProjectFiles } from '../../examples/directory-pipeline/lib/pipeline.ts';
import { EgressGuard, startEgressProxy } from '../../src/executor/sandbox/index.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { freePort } from '../helpers/process.ts';
import pg from 'pg';

type Handler = (event: unknown) => Promise<Record<string, unknown>>;
const EXAMPLE = fileURLToPath(new URL('../../examples/directory-pipeline/', import.meta.url));
const FORWARDER = fileURLToPath(new URL('../../src/executor/workloads/egress-forward.ts', import.meta.url));
const handler = async (name: string): Promise<Handler> =>
  ((await import(join(EXAMPLE, 'functions', name, 'index.mjs'))) as { handler: Handler }).handler;

const berlin = STUDIOS.filter((s) => s.city === 'berlin');
const studioOf = (fixture: Fixture, id: string) => {
  const s = STUDIOS.find((x) => x.id === id)!;
  return { id: s.id, name: s.name, address: s.address, website: `${fixture.url}/sites/${s.id}/` };
};

describe('directory-pipeline: the functions against the fixture server', () => {
  let fixture: Fixture;
  before(async () => {
    // The handlers log as Lambda handlers do; not into the test's output.
    mock.method(console, 'log', () => {});
    fixture = await startFixture();
    process.env.MAPS_API_URL = fixture.url;
    process.env.MAPS_API_KEY = MAPS_API_KEY;
  });
  after(async () => {
    delete process.env.MAPS_API_URL;
    delete process.env.MAPS_API_KEY;
    mock.restoreAll();
    await fixture.close();
  });

  it('discover reads every page of the maps API; a refusal is a MapsApiError', async () => {
    const discover = await handler('discover');
    const out = (await discover({ city: 'berlin' })) as { studios: { id: string; website: string }[] };
    assert.deepEqual(
      out.studios.map((s) => s.id),
      berlin.map((s) => s.id),
      'two pages of 10 and 2',
    );
    assert.ok(out.studios.every((s) => s.website.startsWith(`${fixture.url}/sites/`)));
    fixture.setFaults({ mapsDown: true });
    await assert.rejects(discover({ city: 'berlin' }), { name: 'MapsApiError' });
    fixture.setFaults({});
    process.env.MAPS_API_KEY = 'wrong';
    await assert.rejects(discover({ city: 'berlin' }), (e: Error) => e.name === 'MapsApiError' && /REQUEST_DENIED/.test(e.message));
    process.env.MAPS_API_KEY = MAPS_API_KEY;
  });

  it('find-artists reads every entry of a page; 5xx is SiteUnavailable, 4xx SiteNotFound', async () => {
    const find = await handler('find-artists');
    const studio = studioOf(fixture, berlin[0].id);
    const out = (await find({ studio })) as { artists: { name: string; styles: string[]; instagram: string }[] };
    assert.deepEqual(
      out.artists,
      [...berlin[0].artists, ...INVALID_ENTRIES.map((a) => ({ ...a, name: a.name.trim() }))],
      'as written (trimmed), invalid ones too',
    );
    fixture.setFaults({ studios: { [studio.id]: { mode: 'flaky', times: 1 } } });
    await assert.rejects(find({ studio }), { name: 'SiteUnavailable' });
    await find({ studio });
    fixture.setFaults({ outage: true });
    await assert.rejects(find({ studio }), { name: 'SiteUnavailable' });
    fixture.setFaults({});
    await assert.rejects(find({ studio: { ...studio, website: `${fixture.url}/sites/nowhere/` } }), { name: 'SiteNotFound' });
  });

  it('validate keeps the artists and says why it drops the rest', async () => {
    const validate = await handler('validate');
    const studio = studioOf(fixture, berlin[0].id);
    const raw = [...berlin[0].artists, ...INVALID_ENTRIES, { ...berlin[0].artists[0], instagram: '@MARA.x' }];
    const out = (await validate({ studio, artists: raw })) as { artists: unknown[]; rejected: { reason: string }[] };
    assert.deepEqual(out.artists, berlin[0].artists);
    assert.deepEqual(
      out.rejected.map((r) => r.reason),
      ['no name', 'not a name', 'listed twice'],
    );
  });
});

/**
 * A project directory with the scripts (and, for PostgreSQL, a fresh database of its own:
 * DATABASE_URL, as the scale-out deployment gives it), and a way to run them there as the task
 * does (`env` over the test's, without a proxy: the tests reach PostgreSQL directly).
 */
async function projectDirectory(backend: Backend) {
  const dir = mkdtempSync(join(tmpdir(), 'directory-project-'));
  copyProjectFiles(dir, backend);
  const database = `directory_t_${randomBytes(6).toString('hex')}`;
  const databaseUrl = new URL(TEST_DATABASE_URL);
  databaseUrl.pathname = `/${database}`;
  if (backend === 'postgres') await admin(`CREATE DATABASE ${database}`);
  const base: Record<string, string | undefined> = { ...process.env, HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' };
  if (backend === 'postgres') base.DATABASE_URL = databaseUrl.href;
  else delete base.DATABASE_URL;
  return {
    dir,
    databaseUrl: databaseUrl.href,
    run: (script: string, args: string[] = [], env: Record<string, string> = {}, argv0: string[] = [process.execPath]) =>
      new Promise<string>((resolve, reject) =>
        execFile(argv0[0], [...argv0.slice(1), script, ...args], { cwd: dir, env: { ...base, ...env } }, (err, stdout, stderr) =>
          err ? reject(new Error(`${script}: ${stderr}`)) : resolve(stdout),
        ),
      ),
    async close() {
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

async function admin(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const studio = (i: number) => ({ id: berlin[i].id, name: berlin[i].name, address: berlin[i].address, website: 'http://x/' });

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`directory-pipeline: store, index and search in a project directory (${backend})`, () => {
    let p: Awaited<ReturnType<typeof projectDirectory>>;
    before(async () => {
      p = await projectDirectory(backend);
    });
    after(() => p.close());

    it('stores results and dead letters, indexes them, finds them; a stored studio leaves the queue', async () => {
      const { run } = p;
      const results = [
        { studio: studio(0), artists: berlin[0].artists, rejected: 2 },
        { studio: studio(1), artists: berlin[1].artists, rejected: 2 },
        { deadLetter: { studio: studio(2), error: 'SiteUnavailable', cause: '{"errorMessage":"HTTP 500"}' } },
      ];
      assert.deepEqual(JSON.parse(await run('store.mjs', [], { RESULTS: JSON.stringify(results), EXECUTION: 'e1' })), {
        stored: 2,
        artists: 6,
        deadLetters: 1,
      });
      assert.deepEqual(JSON.parse(await run('index.mjs')), { indexed: 6 });
      const name = berlin[1].artists[0].name;
      const found = JSON.parse(await run('search.mjs', [name.split(' ')[1], `"${berlin[0].name}"`]));
      assert.ok(found.searches[name.split(' ')[1]].some((f: { name: string }) => f.name === name));
      assert.deepEqual(
        found.searches[`"${berlin[0].name}"`].map((f: { name: string }) => f.name).sort(),
        berlin[0].artists.map((a) => a.name).sort(),
        'by studio name',
      );
      assert.deepEqual(
        found.deadLetters.map((l: { studioId: string; error: string; failures: number }) => [l.studioId, l.error, l.failures]),
        [[berlin[2].id, 'SiteUnavailable', 1]],
      );
      assert.deepEqual(found.deadLetters[0].studio, studio(2), 'the item, for a redrive');
      assert.equal(found.deadLetters[0].execution, 'e1');
      assert.ok(!Number.isNaN(Date.parse(found.deadLetters[0].lastFailedAt)));

      // The same studio failing again counts; stored later, it leaves the queue.
      await run('store.mjs', [], { RESULTS: JSON.stringify([results[2]]) });
      assert.equal(JSON.parse(await run('search.mjs')).deadLetters[0].failures, 2);
      await run('store.mjs', [], { RESULTS: JSON.stringify([{ studio: studio(2), artists: berlin[2].artists, rejected: 0 }]) });
      const before = JSON.parse(await run('search.mjs'));
      assert.deepEqual(before.counts, { studios: 3, artists: 9, deadLetters: 0, indexed: 6 }, 'stored, not indexed yet');
      await run('index.mjs');
      const last = JSON.parse(await run('search.mjs', [`"${berlin[2].name}"`]));
      assert.deepEqual(last.deadLetters, []);
      assert.deepEqual(last.counts, { studios: 3, artists: 9, deadLetters: 0, indexed: 9 });
      assert.equal(last.searches[`"${berlin[2].name}"`].length, 3);
    });

    it("reads FTS5's query syntax: AND, OR, NOT, phrases; any case, accents or none", async () => {
      const { run } = p;
      const mk = (id: string, name: string, address: string, artists: [string, string[]][]) => ({
        studio: { id, name, address, website: 'http://x/' },
        artists: artists.map(([n, styles]) => ({ name: n, styles, instagram: `@${n.toLowerCase().replace(/\W/g, '')}` })),
        rejected: 0,
      });
      // Words no fixture studio has, as the directory already holds the test above's.
      await run('store.mjs', [], {
        RESULTS: JSON.stringify([
          mk('q-1', 'Nord Needle', 'Holstenstraße 1, Kiel', [
            ['Léonie Dupont', ['fine dotwork', 'irezumi']],
            ['Jonas Wolfram', ['ornamental']],
          ]),
          mk('q-2', 'Süd Studio', 'Prinzipalmarkt 2, Münster', [['Leonie Stein', ['irezumi', 'chicano']]]),
        ]),
      });
      await run('index.mjs');
      const names = (found: { name: string }[]) => found.map((f) => f.name).sort();
      const queries = [
        'leonie',
        'LÉONIE DUPONT',
        'irezumi AND kiel',
        'irezumi NOT kiel',
        'wolfram OR stein',
        '"fine dotwork"',
        '"dotwork fine"',
        'sud',
      ];
      const { searches } = JSON.parse(await run('search.mjs', queries));
      assert.deepEqual(names(searches.leonie), ['Leonie Stein', 'Léonie Dupont']);
      assert.deepEqual(names(searches['LÉONIE DUPONT']), ['Léonie Dupont']);
      assert.deepEqual(names(searches['irezumi AND kiel']), ['Léonie Dupont']);
      assert.deepEqual(names(searches['irezumi NOT kiel']), ['Leonie Stein']);
      assert.deepEqual(names(searches['wolfram OR stein']), ['Jonas Wolfram', 'Leonie Stein']);
      assert.deepEqual(names(searches['"fine dotwork"']), ['Léonie Dupont']);
      assert.deepEqual(names(searches['"dotwork fine"']), []);
      assert.deepEqual(names(searches.sud), ['Leonie Stein'], 'by studio, without its accent');
    });

    if (backend === 'postgres')
      it('keeps its data in PostgreSQL: tables, a tsvector index with GIN, no file in the project', async () => {
        const client = new pg.Client({ connectionString: p.databaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query(
            `SELECT indexdef FROM pg_indexes WHERE tablename = 'artists_search' AND indexdef LIKE '%USING gin (document)%'`,
          );
          assert.equal(rows.length, 1);
          const docs = await client.query(
            `SELECT count(*)::int AS n FROM artists_search WHERE document @@ websearch_to_tsquery('directory', 'japanese')`,
          );
          assert.equal(
            docs.rows[0].n,
            berlin
              .slice(0, 3)
              .flatMap((s) => s.artists)
              .filter((a) => a.styles.includes('japanese')).length,
          );
        } finally {
          await client.end();
        }
        assert.ok(!existsSync(join(p.dir, 'directory.db')));
      });
  });
}

describe('directory-pipeline: the scripts reach PostgreSQL through the egress proxy, as in the sandbox', () => {
  // What a task with network "egress" has: Hangar's egress proxy (here on a unix socket in a
  // temporary directory) and its forwarder in front of the program, listening where HTTPS_PROXY
  // points (in the sandbox, 127.0.0.1:3128 of its own loopback; here a free port).
  let p: Awaited<ReturnType<typeof projectDirectory>>;
  let sockets: string;
  before(async () => {
    p = await projectDirectory('postgres');
    sockets = mkdtempSync(join(tmpdir(), 'directory-egress-'));
  });
  after(async () => {
    await p.close();
    rmSync(sockets, { recursive: true, force: true });
  });

  async function throughProxy(allow: string[], script: string, env: Record<string, string> = {}) {
    const socket = join(sockets, `${randomBytes(4).toString('hex')}.sock`);
    const proxy = await startEgressProxy(socket, new EgressGuard(allow));
    const port = await freePort();
    try {
      const url = `http://127.0.0.1:${port}`;
      return await p.run(script, [], { HTTPS_PROXY: url, HTTP_PROXY: url, ...env }, [
        process.execPath,
        '--disable-warning=ExperimentalWarning',
        FORWARDER,
        socket,
        String(port),
        '--',
        process.execPath,
      ]);
    } finally {
      await proxy.close();
    }
  }

  it('stores, indexes and searches through a CONNECT tunnel when the operator allows the database', async () => {
    const { host } = new URL(p.databaseUrl);
    const results = [{ studio: studio(0), artists: berlin[0].artists, rejected: 0 }];
    assert.deepEqual(JSON.parse(await throughProxy([host], 'store.mjs', { RESULTS: JSON.stringify(results) })), {
      stored: 1,
      artists: 3,
      deadLetters: 0,
    });
    assert.deepEqual(JSON.parse(await throughProxy([host], 'index.mjs')), { indexed: 3 });
    const { counts } = JSON.parse(await throughProxy([host], 'search.mjs'));
    assert.deepEqual(counts, { studios: 1, artists: 3, deadLetters: 0, indexed: 3 });
  });

  it('fails, saying why, when the proxy refuses the database', async () => {
    await assert.rejects(throughProxy([], 'search.mjs'), /refused CONNECT 127\.0\.0\.1:5432: HTTP\/1\.1 403[\s\S]*HANGAR_EGRESS_ALLOW/);
  });
});
