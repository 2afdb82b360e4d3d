/**
 * The directory-pipeline example's parts, without a Hangar (so they run where the sandbox
 * does not, unlike test/e2e/directory-pipeline.test.ts): the handlers against the fixture
 * server — what they read, how they name failures for Retry and Catch — and the project's
 * store, index and search scripts on a database in a temporary directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INVALID_ENTRIES, STUDIOS } from '../../examples/directory-pipeline/fixture/data.ts';
import { type Fixture, MAPS_API_KEY, startFixture } from '../../examples/directory-pipeline/fixture/server.ts';

type Handler = (event: unknown) => Promise<Record<string, unknown>>;
const EXAMPLE = fileURLToPath(new URL('../../examples/directory-pipeline/', import.meta.url));
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

describe('directory-pipeline: store, index and search in a project directory', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'directory-project-'));
    cpSync(join(EXAMPLE, 'project'), dir, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string, args: string[] = [], env: Record<string, string> = {}) =>
    new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [script, ...args], { cwd: dir, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
        err ? reject(new Error(`${script}: ${stderr}`)) : resolve(stdout),
      ),
    );
  const studio = (i: number) => ({ id: berlin[i].id, name: berlin[i].name, address: berlin[i].address, website: 'http://x/' });

  it('stores results and dead letters, indexes them, finds them; a stored studio leaves the queue', async () => {
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

    // The same studio failing again counts; stored later, it leaves the queue.
    await run('store.mjs', [], { RESULTS: JSON.stringify([results[2]]) });
    assert.equal(JSON.parse(await run('search.mjs')).deadLetters[0].failures, 2);
    await run('store.mjs', [], { RESULTS: JSON.stringify([{ studio: studio(2), artists: berlin[2].artists, rejected: 0 }]) });
    await run('index.mjs');
    const last = JSON.parse(await run('search.mjs', [`"${berlin[2].name}"`]));
    assert.deepEqual(last.deadLetters, []);
    assert.deepEqual(last.counts, { studios: 3, artists: 9, deadLetters: 0 });
    assert.equal(last.searches[`"${berlin[2].name}"`].length, 3);
  });
});
