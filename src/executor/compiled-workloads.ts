/**
 * The built-in workloads (and the egress forwarder) as plain JavaScript, for the child
 * processes that run them. Node runs a .ts file by stripping its types as it loads it, and in
 * a fresh process that first means loading the stripper, a WebAssembly module: measured on the
 * egress forwarder, 0.25 s of CPU per start against 0.10 s for the same code stripped ahead.
 * A task's CPU quota stretches that (the default 256 units are a quarter of a core): a `noop`
 * task took 1.3 s in the sandbox. So each process strips them once, at first use, into a
 * directory of its own, and its children run those.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('./workloads/', import.meta.url));

/** Relative imports of .ts files, in static and dynamic imports and re-exports. */
const RELATIVE_TS = /(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]*)\.ts\2/g;

let compiled: string | null = null;

/** The directory holding every workload file as .mjs (same names otherwise): made, readable by
 *  the sandbox user, on the first call; removed when this process exits. */
export function compiledWorkloadsDir(): string {
  if (compiled) return compiled;
  const dir = mkdtempSync(join(tmpdir(), 'hangar-workloads-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const name of readdirSync(SOURCE_DIR)) {
    if (!name.endsWith('.ts')) continue;
    const js = stripTypeScriptTypes(readFileSync(join(SOURCE_DIR, name), 'utf8'), { mode: 'strip' }).replace(RELATIVE_TS, '$1$2$3.mjs$2');
    writeFileSync(join(dir, name.replace(/\.ts$/, '.mjs')), js, { mode: 0o644 });
  }
  chmodSync(dir, 0o755);
  compiled = dir;
  return dir;
}

/** The compiled form of a workloads file, e.g. 'child.ts'. */
export function compiledWorkload(name: string): string {
  return join(compiledWorkloadsDir(), name.replace(/\.ts$/, '.mjs'));
}
