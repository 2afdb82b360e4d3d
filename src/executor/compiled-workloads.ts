/**
 * The built-in workloads (and the egress forwarder) as plain JavaScript, for the child
 * processes that run them. Node runs a .ts file by stripping its types as it loads it, and in
 * a fresh process that first means loading the stripper, a WebAssembly module: measured on the
 * egress forwarder, 0.25 s of CPU per start against 0.10 s for the same code stripped ahead.
 * A task's CPU quota stretches that (the default 256 units are a quarter of a core): a `noop`
 * task took 1.3 s in the sandbox. So they are stripped once, at first use, and children run
 * those.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('./workloads/', import.meta.url));

/** Relative imports of .ts files, in static and dynamic imports and re-exports. */
const RELATIVE_TS = /(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]*)\.ts\2/g;

let compiled: string | null = null;

/**
 * The directory holding every workload file as .mjs (same names otherwise), readable by the
 * sandbox user. Named by this user and the sources' hash, so the processes of one version
 * share it and a worker killed outright leaves nothing new behind; made once, atomically (a
 * private directory renamed into place). One that is there but not this user's alone (another
 * user made the name first) is not trusted: this process then strips into a private one.
 */
export function compiledWorkloadsDir(): string {
  if (compiled) return compiled;
  const files = readdirSync(SOURCE_DIR)
    .filter((name) => name.endsWith('.ts'))
    .sort();
  const hash = createHash('sha256');
  const js = files.map((name) => {
    const code = stripTypeScriptTypes(readFileSync(join(SOURCE_DIR, name), 'utf8'), { mode: 'strip' }).replace(RELATIVE_TS, '$1$2$3.mjs$2');
    hash.update(name).update('\0').update(code).update('\0');
    return [name.replace(/\.ts$/, '.mjs'), code] as const;
  });
  const uid = process.getuid?.() ?? 0;
  const shared = join(tmpdir(), `hangar-workloads-${uid}-${hash.digest('hex').slice(0, 16)}`);
  if (ours(shared, uid)) return (compiled = shared);
  const dir = mkdtempSync(join(tmpdir(), 'hangar-workloads-'));
  for (const [name, code] of js) writeFileSync(join(dir, name), code, { mode: 0o644 });
  chmodSync(dir, 0o755);
  try {
    renameSync(dir, shared);
    return (compiled = shared);
  } catch {
    // Another process of this version got there first (or the name is taken): use theirs if
    // it is this user's, else keep the private copy for this process's life.
    if (ours(shared, uid)) {
      rmSync(dir, { recursive: true, force: true });
      return (compiled = shared);
    }
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return (compiled = dir);
  }
}

/** A directory (not a link) owned by `uid` that no one else may write to. */
function ours(dir: string, uid: number): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The compiled form of a workloads file, e.g. 'child.ts'. */
export function compiledWorkload(name: string): string {
  return join(compiledWorkloadsDir(), name.replace(/\.ts$/, '.mjs'));
}
