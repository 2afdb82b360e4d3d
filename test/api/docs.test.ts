/** The API's documents: /openapi.json covers every route, and the endpoint table of the API
 *  reference (docs/api.md, linked from the README) lists every path the document has. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { configMarkdown } from '../../src/config/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  doc = (await p.inject({ method: 'GET', url: '/openapi.json', auth: null })).json();
});
after(async () => p.close());

it('/openapi.json documents /metrics (Prometheus text, admin only) and both redrive routes', () => {
  const metrics = doc.paths['/metrics']?.get;
  assert.ok(metrics, 'GET /metrics is documented');
  assert.deepEqual(Object.keys(metrics.responses['200'].content ?? {}), ['text/plain']);
  assert.ok(metrics.responses['403'], 'admin only');
  assert.ok(doc.paths['/tasks/{id}/redrive']?.post);
  assert.ok(doc.paths['/dlq/{id}/redrive']?.post);
});

it("the API reference's endpoint table names every path of /openapi.json", () => {
  const page = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const start = page.indexOf('## Endpoints');
  const table = page.slice(start, page.indexOf('\n## ', start + 1));
  const missing = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .map((m) => `${m.toUpperCase()} ${path}`)
      .filter(() => !table.includes(`${path}\``) && !table.includes(`${path}?`)),
  );
  assert.deepEqual(missing, []);
});

it('docs/settings.md has every setting as `hangar config --markdown` prints it (the schema is the source)', () => {
  const page = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
  const stale = configMarkdown()
    .split('\n')
    .slice(2)
    .filter((row) => !page.includes(row))
    .map((row) => row.slice(0, 60));
  assert.deepEqual(stale, [], 'rows differing from the schema: regenerate the table with `hangar config --markdown`');
});
