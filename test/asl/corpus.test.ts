/**
 * Runs every case of the recorded ASL corpus (../shared/conformance/asl/cases/pure, outcomes
 * recorded against AWS) through the in-memory runner. Cases known to fail are listed with a
 * reason in known-failures.json: a case not listed must pass, and a listed case that passes
 * is reported so the list can shrink.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { it } from 'node:test';
import { runExecution, type StateMachineDefinition, UnsupportedDefinitionError } from '../../src/core/asl/index.ts';
import { validateDefinition } from '../../src/core/asl/validate.ts';
import { difference, type Expectation } from './corpus-compare.ts';

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
const knownPath = join(import.meta.dirname, 'known-failures.json');

it('runs the ASL conformance corpus (pure cases)', {
  skip: dir ? false : 'the corpus ../shared/conformance/asl is not beside this clone',
}, async (t) => {
  const known: Record<string, string> = JSON.parse(readFileSync(knownPath, 'utf8'));
  const files = readdirSync(dir!)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const regressions: string[] = [];
  const newlyPassing: string[] = [];
  let passed = 0;
  let jsonata = 0;
  for (const file of files) {
    const name = file.slice(0, -'.json'.length);
    const c: Case = JSON.parse(readFileSync(join(dir!, file), 'utf8'));
    let problem: string | undefined;
    try {
      const result = await runExecution(c.definition, (c.input ?? {}) as never, {
        startMs: recordedMs(c.source?.recorded),
        random: seeded(1),
        type: c.stateMachineType,
      });
      problem = difference(c.expect, result);
    } catch (e) {
      if (e instanceof UnsupportedDefinitionError) {
        jsonata++;
        continue;
      }
      problem = `threw ${(e as Error).stack?.split('\n').slice(0, 2).join(' ')}`;
    }
    if (problem === undefined) {
      passed++;
      if (known[name] !== undefined) newlyPassing.push(name);
    } else if (known[name] === undefined) regressions.push(`${name}: ${problem}`);
  }
  const stale = Object.keys(known).filter((k) => !files.includes(`${k}.json`));
  const applicable = files.length - jsonata;
  t.diagnostic(
    `passed ${passed} of ${files.length} (${applicable} without JSONata: ${((passed / applicable) * 100).toFixed(1)}%); JSONata unsupported: ${jsonata}`,
  );
  console.log(
    `asl corpus: passed ${passed}/${files.length}; ${passed}/${applicable} of the cases without JSONata; ${jsonata} JSONata cases unsupported`,
  );
  for (const n of newlyPassing) t.diagnostic(`now passes, remove it from known-failures.json: ${n}`);
  for (const n of stale) t.diagnostic(`not in the corpus, remove it from known-failures.json: ${n}`);
  assert.deepEqual(regressions, [], `cases failing that known-failures.json does not list:\n${regressions.join('\n')}`);
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
