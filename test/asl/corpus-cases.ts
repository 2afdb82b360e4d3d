/**
 * The recorded ASL corpus (../shared/conformance/asl, its README says the format) as the corpus
 * tests read it: where it is, its cases, and how a run of them is judged against a list of known
 * failures (corpus.test.ts through the in-memory runner, corpus-api.test.ts through the API).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { type StateMachineDefinition, usesJsonata } from '../../src/core/asl/index.ts';
import type { Expectation } from './corpus-compare.ts';

export interface CaseFunction {
  code: string;
  runtime?: string;
  handler?: string;
}

export interface Case {
  id: string;
  definition: StateMachineDefinition;
  input: unknown;
  expect: Expectation;
  source?: { recorded?: string };
  stateMachineType?: 'STANDARD' | 'EXPRESS';
  startSync?: boolean;
  inputOmitted?: boolean;
  clockDependent?: boolean;
  waitSeconds?: number;
  retrySecondsMax?: number;
  timeoutSeconds?: number;
  functions?: Record<string, CaseFunction>;
}

export type Category = 'pure' | 'lambda';

/** The corpus's `cases` directory: in `shared/` beside the clone (/work/main → /work/shared) or
 *  higher up (a worktree under /work/wt/). */
export function corpusDir(): string | undefined {
  let dir = resolve(import.meta.dirname, '../..');
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    const candidate = join(dir, 'shared/conformance/asl/cases');
    if (existsSync(join(candidate, 'pure'))) return candidate;
  }
  return undefined;
}

/** A category's cases by name (the file name without `.json`), in name order; none when absent. */
export function readCases(cases: string, category: Category): { name: string; c: Case }[] {
  const dir = join(cases, category);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.json'.length), c: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Case }));
}

/** "13-12-2023, 07:09:17" (UTC): the clock of the recording, for waits measured from it. */
export function recordedMs(recorded: string | undefined): number | undefined {
  const m = recorded && /^(\d{2})-(\d{2})-(\d{4}), (\d{2}):(\d{2}):(\d{2})$/.exec(recorded);
  return m ? Date.UTC(+m[3], +m[2] - 1, +m[1], +m[4], +m[5], +m[6]) : undefined;
}

/** A known-failures file of this directory: case name → why it fails. */
export function knownFailures(file: string): Record<string, string> {
  return JSON.parse(readFileSync(join(import.meta.dirname, file), 'utf8'));
}

export interface Tally {
  /** Every case's name. */
  names: string[];
  passed: number;
  /** Cases using JSONata, and how many of them passed. */
  jsonata: number;
  jsonataPassed: number;
  regressions: string[];
  newlyPassing: string[];
}

export function newTally(names: string[]): Tally {
  return { names, passed: 0, jsonata: 0, jsonataPassed: 0, regressions: [], newlyPassing: [] };
}

/** Counts one case's outcome: `problem` undefined when it passed. */
export function record(tally: Tally, known: Record<string, string>, name: string, c: Case, problem: string | undefined): void {
  const jsonata = usesJsonata(c.definition);
  if (jsonata) tally.jsonata++;
  if (problem === undefined) {
    tally.passed++;
    if (jsonata) tally.jsonataPassed++;
    if (known[name] !== undefined) tally.newlyPassing.push(name);
  } else if (known[name] === undefined) tally.regressions.push(`${name}: ${problem}`);
}

/**
 * Reports a category's run and fails on a case failing that `knownFile` does not list; with
 * `strict`, also on a listed case that passes now or is no longer in the corpus (the list must
 * shrink as the engine gets better), else those are only reported.
 */
export function report(
  t: TestContext,
  label: string,
  known: Record<string, string>,
  tally: Tally,
  knownFile: string,
  strict = false,
): void {
  const jsonPath = tally.names.length - tally.jsonata;
  const line = `${label}: passed ${tally.passed}/${tally.names.length}; JSONPath ${tally.passed - tally.jsonataPassed}/${jsonPath}; JSONata ${tally.jsonataPassed}/${tally.jsonata}`;
  t.diagnostic(line);
  console.log(line);
  const stale = [
    ...tally.newlyPassing.map((n) => `now passes, remove it from ${knownFile}: ${n}`),
    ...Object.keys(known)
      .filter((k) => !tally.names.includes(k))
      .map((n) => `not in the corpus, remove it from ${knownFile}: ${n}`),
  ];
  for (const s of stale) t.diagnostic(s);
  assert.deepEqual(tally.regressions, [], `cases failing that ${knownFile} does not list:\n${tally.regressions.join('\n')}`);
  if (strict) assert.deepEqual(stale, [], stale.join('\n'));
}
