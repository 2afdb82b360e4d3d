/**
 * Runs every case of the recorded ASL corpus (../shared/conformance/asl/cases/pure, outcomes
 * recorded against AWS) through the in-memory runner. Cases known to fail are listed with a
 * reason in known-failures.json: a case not listed must pass, and a listed case that passes
 * is reported so the list can shrink.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, it } from 'node:test';
import { runExecution, type TaskResolver } from '../../src/core/asl/index.ts';
import { validateDefinition } from '../../src/core/asl/validate.ts';
import {
  type Case,
  type Category,
  corpusDir,
  knownFailures,
  newTally,
  readCases,
  record,
  recordedMs,
  report,
  type Tally,
} from './corpus-cases.ts';
import { difference } from './corpus-compare.ts';
import { pythonLambdaResolver, stopPython } from './python-lambda.ts';

after(() => stopPython());

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

async function runCategory(category: Category, known: Record<string, string>, resolver?: (c: Case) => TaskResolver): Promise<Tally> {
  const cases = readCases(dir!, category);
  const tally = newTally(cases.map((x) => x.name));
  for (const { name, c } of cases) {
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
    record(tally, known, name, c, problem);
  }
  return tally;
}

const skip = dir ? false : 'the corpus ../shared/conformance/asl is not beside this clone';

it('runs the ASL conformance corpus (pure cases)', { skip }, async (t) => {
  const known = knownFailures('known-failures.json');
  report(t, 'asl corpus pure', known, await runCategory('pure', known), 'known-failures.json');
});

it('runs the lambda cases of the corpus, their Python handlers run by python3', { skip }, async (t) => {
  if (readCases(dir!, 'lambda').length === 0) return t.skip('no lambda cases beside the pure ones');
  if (spawnSync('python3', ['--version']).status !== 0) return t.skip("python3 is not installed: it runs the cases' handlers");
  const known = knownFailures('known-failures-lambda.json');
  report(
    t,
    'asl corpus lambda',
    known,
    await runCategory('lambda', known, (c) => pythonLambdaResolver(c.functions ?? {})),
    'known-failures-lambda.json',
  );
});

it('accepts every definition of the corpus (AWS ran them all)', { skip }, () => {
  const refused: string[] = [];
  for (const category of ['pure', 'lambda'] as const)
    for (const { name, c } of readCases(dir!, category)) {
      const diagnostics = validateDefinition(c.definition as never);
      if (diagnostics.length > 0) refused.push(`${name}.json: ${JSON.stringify(diagnostics)}`);
    }
  assert.deepEqual(refused, []);
});
