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

/** Modules a file loads when it runs: static imports and re-exports that are not type-only. */
function runtimeImports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s(?!type\s)[^'";]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map(
    (m) => m[1] ?? m[2],
  );
}

it('a client command loads none of the server: the CLI reaches store, executor, the ASL engine and fastify only by dynamic import', () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const m of runtimeImports(f)) {
      if (m.startsWith('.')) walk(resolve(dirname(f), m));
      else if (!m.startsWith('node:')) packages.add(m.startsWith('@') ? m.split('/').slice(0, 2).join('/') : m.split('/')[0]);
    }
  };
  walk(join(SRC, 'cli', 'main.ts'));
  const reached = [...seen].map((f) => relative(SRC, f));
  // The few leaf modules the client needs from server directories (ids, errors, the egress
  // allowlist's parser for config validation) are allowed by name; anything else is a chain
  // that pulls the server into every `hangar list`.
  const allowed = new Set(['store/ids.ts', 'executor/sandbox/egress.ts', 'executor/sandbox/address.ts']);
  const server = reached.filter((f) => /^(store|executor|app|api|aws|worker|functions|blobs|core\/asl)\//.test(f) && !allowed.has(f));
  assert.deepEqual(server, []);
  assert.deepEqual(
    [...packages].filter((p) => /^(fastify|@fastify|pg|hyparquet|jsonata|@aws-sdk|@smithy|ws|pino|prom-client)$/.test(p)),
    [],
  );
});
