/** The layers point one way (STYLE.md rule 1): no import cycle in src/, and the use cases
 *  (src/app) and the core (src/core) know nothing of HTTP or of the surfaces. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module a file imports or re-exports (type-only ones too), as written. */
function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

it('src/ has no import cycle', () => {
  const all = files(SRC);
  const graph = new Map(
    all.map((f) => [
      f,
      imports(f)
        .filter((m) => m.startsWith('.'))
        .map((m) => resolve(dirname(f), m)),
    ]),
  );
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(' -> '));
      else if (!state.has(d) && graph.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const f of all) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

it('src/app and src/core import neither fastify nor the surfaces', () => {
  const bad = [...files(join(SRC, 'app')), ...files(join(SRC, 'core'))].flatMap((f) =>
    imports(f)
      .filter((m) => /^(fastify|@fastify\/)/.test(m) || /\/(api|cli|ui)\//.test(m))
      .map((m) => `${relative(SRC, f)}: ${m}`),
  );
  assert.deepEqual(bad, []);
});
