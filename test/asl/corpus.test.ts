/**
 * Runs every case of the recorded ASL corpus (../shared/conformance/asl/cases/pure, outcomes
 * recorded against AWS) through the in-memory runner. Cases known to fail are listed with a
 * reason in known-failures.json: a case not listed must pass, and a listed case that passes
 * is reported so the list can shrink.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, it, type TestContext } from 'node:test';
import { runExecution, type StateMachineDefinition, type TaskResolver, usesJsonata } from '../../src/core/asl/index.ts';
import { validateDefinition } from '../../src/core/asl/validate.ts';
import { difference, type Expectation } from './corpus-compare.ts';
import { type PythonFunction, pythonLambdaResolver, stopPython } from './python-lambda.ts';

after(() => stopPython());

/** The corpus sits in `shared/` beside the clone (/work/main → /work/shared) or higher up (a worktree under /work/wt/). */
function corpusDir(): string | undefined {
  let dir = resolve(import.meta.dirname, '../..');
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    const candidate = join(dir, 'shared/conformance/asl/cases/pure');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface Case {
  id: string;
  definition: StateMachineDefinition;
  input: unknown;
  expect: Expectation;
  source?: { recorded?: string };
  stateMachineType?: 'STANDARD' | 'EXPRESS';
  functions?: Record<string, PythonFunction>;
}

/** "13-12-2023, 07:09:17" (UTC): the clock of the recording, for waits measured from it. */
function recordedMs(recorded: string | undefined): number | undefined {
  const m = recorded && /^(\d{2})-(\d{2})-(\d{4}), (\d{2}):(\d{2}):(\d{2})$/.exec(recorded);
  return m ? Date.UTC(+m[3], +m[2] - 1, +m[1], +m[4], +m[5], +m[6]) : undefined;
}

/** Seeded randomness, so a run can be repeated. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = corpusDir();

interface Tally {
  files: string[];
  passed: number;
  /** Cases using JSONata, and how many of them passed. */
  jsonata: number;
  jsonataPassed: number;
  regressions: string[];
  newlyPassing: string[];
}

async function runCategory(categoryDir: string, known: Record<string, string>, resolver?: (c: Case) => TaskResolver): Promise<Tally> {
  const files = readdirSync(categoryDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const tally: Tally = { files, passed: 0, jsonata: 0, jsonataPassed: 0, regressions: [], newlyPassing: [] };
  for (const file of files) {
    const name = file.slice(0, -'.json'.length);
    const c: Case = JSON.parse(readFileSync(join(categoryDir, file), 'utf8'));
    const jsonata = usesJsonata(c.definition);
    if (jsonata) tally.jsonata++;
    let problem: string | undefined;
    try {
      const result = await runExecution(c.definition, (c.input ?? {}) as never, {
        startMs: recordedMs(c.source?.recorded),
        random: seeded(1),
        type: c.stateMachineType,
        resolveTask: resolver?.(c),
      });
      problem = difference(c.expect, result);
    } catch (e) {
      problem = `threw ${(e as Error).stack?.split('\n').slice(0, 2).join(' ')}`;
    }
    if (problem === undefined) {
      tally.passed++;
      if (jsonata) tally.jsonataPassed++;
      if (known[name] !== undefined) tally.newlyPassing.push(name);
    } else if (known[name] === undefined) tally.regressions.push(`${name}: ${problem}`);
  }
  return tally;
}

function report(t: TestContext, category: string, known: Record<string, string>, tally: Tally, knownFile: string): void {
  const jsonPath = tally.files.length - tally.jsonata;
  const line = `asl corpus ${category}: passed ${tally.passed}/${tally.files.length}; JSONPath ${tally.passed - tally.jsonataPassed}/${jsonPath}; JSONata ${tally.jsonataPassed}/${tally.jsonata}`;
  t.diagnostic(line);
  console.log(line);
  for (const n of tally.newlyPassing) t.diagnostic(`now passes, remove it from ${knownFile}: ${n}`);
  for (const n of Object.keys(known).filter((k) => !tally.files.includes(`${k}.json`)))
    t.diagnostic(`not in the corpus, remove it from ${knownFile}: ${n}`);
  assert.deepEqual(tally.regressions, [], `cases failing that ${knownFile} does not list:\n${tally.regressions.join('\n')}`);
}

const skip = dir ? false : 'the corpus ../shared/conformance/asl is not beside this clone';

it('runs the ASL conformance corpus (pure cases)', { skip }, async (t) => {
  const known: Record<string, string> = JSON.parse(readFileSync(join(import.meta.dirname, 'known-failures.json'), 'utf8'));
  report(t, 'pure', known, await runCategory(dir!, known), 'known-failures.json');
});

it('runs the lambda cases of the corpus, their Python handlers run by python3', { skip }, async (t) => {
  const lambdaDir = join(dir!, '..', 'lambda');
  if (!existsSync(lambdaDir)) return t.skip('no lambda cases beside the pure ones');
  if (spawnSync('python3', ['--version']).status !== 0) return t.skip("python3 is not installed: it runs the cases' handlers");
  const known: Record<string, string> = JSON.parse(readFileSync(join(import.meta.dirname, 'known-failures-lambda.json'), 'utf8'));
  report(
    t,
    'lambda',
    known,
    await runCategory(lambdaDir, known, (c) => pythonLambdaResolver(c.functions ?? {})),
    'known-failures-lambda.json',
  );
});

it('accepts every definition of the corpus (AWS ran them all)', {
  skip: dir ? false : 'the corpus ../shared/conformance/asl is not beside this clone',
}, () => {
  const refused: string[] = [];
  for (const category of ['pure', 'lambda']) {
    const categoryDir = join(dir!, '..', category);
    if (!existsSync(categoryDir)) continue;
    for (const file of readdirSync(categoryDir).filter((f) => f.endsWith('.json'))) {
      const c: Case = JSON.parse(readFileSync(join(categoryDir, file), 'utf8'));
      const diagnostics = validateDefinition(c.definition as never);
      if (diagnostics.length > 0) refused.push(`${file}: ${JSON.stringify(diagnostics)}`);
    }
  }
  assert.deepEqual(refused, []);
});
