/**
 * Regular expressions in JSONata states (`$match`, `$replace`, `$split`, `$contains`) cannot hold
 * the event loop: V8's linear-time fallback bounds the patterns it can run, a watchdog thread with
 * a time limit the others, and both keep JavaScript's results. Without the bounds this file
 * never ends: the event loop is held, so not even a test timeout fires.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ExecutionResult, type Json, runExecution, type StateMachineDefinition } from '../../src/core/asl/index.ts';
import { evaluateExpression, type ExpressionScope } from '../../src/core/asl/jsonata.ts';
import { REGEXP_REPEAT_TIME_LIMIT_MS, REGEXP_TIME_LIMIT_MS, runsInLinearTime } from '../../src/core/asl/regexp.ts';

const start = Date.UTC(2026, 0, 1);
const hostile = `${'a'.repeat(40)}!`;

const scope = (input: Json): ExpressionScope => ({ states: { input, context: {} }, variables: {}, random: () => 0.5, now: () => start });
const ev = (expression: string, input: Json) => evaluateExpression(`{% ${expression} %}`, 'Output', scope(input));

/** A JSONata state machine of one Pass state whose Output is the expression, over { s }. */
const machine = (expression: string): StateMachineDefinition => ({
  QueryLanguage: 'JSONata',
  StartAt: 'P',
  States: { P: { Type: 'Pass', Output: `{% ${expression} %}`, End: true } },
});
const run = (expression: string, s: string) => runExecution(machine(expression), { s }, { startMs: start });
const outcome = (r: ExecutionResult) => (r.status === 'SUCCEEDED' ? r.output : `${r.status} ${r.error}: ${r.cause}`);

/** What JavaScript's own RegExp finds, in the shape of JSONata's `$match`. */
const jsMatches = (source: string, flags: string, text: string) =>
  [...text.matchAll(new RegExp(source, `${flags}g`))].map((m) => ({ match: m[0], index: m.index, groups: m.slice(1) }));

describe('Regular expressions in JSONata', () => {
  it('run on the linear-time engine when V8 can: no lookahead, no backreference, no i flag, no large count', () => {
    assert.equal(runsInLinearTime('^(a+)+$', 'g'), true);
    assert.equal(runsInLinearTime('^(\\w+\\s?)*$', 'mg'), true);
    assert.equal(runsInLinearTime('^(?=(a+)+$)', 'g'), false);
    assert.equal(runsInLinearTime('^(a+)+\\1$', 'g'), false);
    assert.equal(runsInLinearTime('^(a+)+$', 'ig'), false);
    assert.equal(runsInLinearTime('a{1000}', 'g'), false);
  });

  it('finish a catastrophic pattern V8 can run linearly, with the right result ($match, $replace, $contains, $split)', async () => {
    const expression = `{
      "match": $count($match($states.input.s, /^(a+)+$/)),
      "replace": $replace($states.input.s, /^(a+)+$/, 'x'),
      "contains": $contains($states.input.s, /^(a+)+$/),
      "split": $split($states.input.s, /(a+)+b/)
    }`;
    assert.deepEqual(outcome(await run(expression, hostile)), { match: 0, replace: hostile, contains: false, split: [hostile] });
    assert.deepEqual(outcome(await run(expression, 'aaaa')), { match: 1, replace: 'x', contains: true, split: ['aaaa'] });
  });

  it("bound the regular expression jsonata makes of a function's signature, checked against its arguments", async () => {
    const args = [...Array(60).fill('1'), '"x"'].join(', ');
    const r = await run(`(function($a)<n+n+n+n+n+n+n+n+n+n+:n>{1})(${args})`, '');
    assert.match(
      outcome(r) as string,
      /^FAILED States.QueryEvaluationError: .* T0410: Argument 61 of function undefined does not match function signature$/,
    );
  });

  it('stop a catastrophic lookahead or backreference at the time limit with States.QueryEvaluationError; an execution beside them finishes', async () => {
    const lookahead = run('$contains($states.input.s, /^(?=(a+)+$)/)', hostile);
    const backreference = run('$match($states.input.s, /^(a+)+\\1$/)', hostile);
    const ordinary = run("$replace($states.input.s, /a/, 'b')", 'aa');
    const [l, b, o] = await Promise.all([lookahead, backreference, ordinary]);
    for (const [r, pattern] of [
      [l, '/^(?=(a+)+$)/'],
      [b, '/^(a+)+\\1$/'],
    ] as const) {
      assert.equal(r.status, 'FAILED');
      assert.equal(r.status === 'FAILED' && r.error, 'States.QueryEvaluationError');
      const cause = (r.status === 'FAILED' && r.cause) || '';
      const want = `threw an error during evaluation: the regular expression ${pattern} ran longer than ${REGEXP_TIME_LIMIT_MS} ms`;
      assert.ok(cause.includes(want), cause);
    }
    assert.equal(outcome(o), 'bb');
    // The watchdog thread stopped was replaced: the same patterns answer on ordinary input.
    assert.equal(outcome(await run('$contains($states.input.s, /^(?=(a+)+$)/)', 'aaa')), true);
    assert.deepEqual(outcome(await run('$match($states.input.s, /(a+)\\1/).groups', 'xaaaa')), ['aa']);
    // A pattern once stopped meets the shorter limit from then on.
    const again = await run('$contains($states.input.s, /^(?=(a+)+$)/)', hostile);
    assert.ok(
      again.status === 'FAILED' &&
        again.cause?.includes(`the regular expression /^(?=(a+)+$)/ ran longer than ${REGEXP_REPEAT_TIME_LIMIT_MS} ms`),
      outcome(again) as string,
    );
  });

  it("keep JavaScript's results: flags i and m, groups, named groups, global replace, split, on both engines", async () => {
    const text = 'Foo bar\nfoo BAR baz\nbarfoo foofoo';
    const cases: [string, string][] = [
      ['(f)(o+)', ''],
      ['^(\\w+) (\\w+)', 'm'],
      ['ba(r|z)$', 'm'],
      ['(?<word>foo)(?:bar)?', ''],
      ['FOO', 'i'],
      ['^b(a)r', 'im'],
      ['(\\w)\\1', ''],
      ['\\b\\w+(?= )', ''],
      ['(?<=foo)\\w+', ''],
      ['o{2}', ''],
    ];
    for (const [source, flags] of cases) {
      const got = await ev(`$match($states.input.s, /${source}/${flags})`, { s: text });
      const want = jsMatches(source, flags, text);
      assert.deepEqual(want.length === 1 ? [got] : got, want, `/${source}/${flags}`);
    }
    // $replace with $n in the replacement, over every match; $split on a pattern; on both engines.
    for (const flags of ['', 'i']) {
      assert.equal(
        await ev(`$replace($states.input.s, /(o+)(\\s|$)/${flags}, '<$1>$2')`, { s: text }),
        text.replace(new RegExp('(o+)(\\s|$)', `${flags}g`), '<$1>$2'),
      );
      assert.deepEqual(await ev(`$split($states.input.s, /\\s+b/${flags})`, { s: text }), text.split(new RegExp('\\s+b', flags)));
    }
    // A function as the replacement sees each match; the text changes from item to item.
    assert.deepEqual(
      await ev('$map(["xaay", "bb", "aazz"], function($s) { $replace($s, /(a)\\1/, function($m) { $uppercase($m.match) }) })', null),
      ['xAAy', 'bb', 'AAzz'],
    );
  });

  it('give the same results on the linear-time engine as on the backtracking one (what the fallback reruns)', () => {
    const cases: [string, string, string][] = [
      ['(a|ab)(c|bcd)(d*)', 'g', 'abcd abcd'],
      ['(?:(a)|b)+', 'g', 'abab ba'],
      ['(a*)+', 'g', 'aaa b'],
      ['(a*?)(a+)', 'g', 'aaaa'],
      ['^b\\w+$', 'gm', 'foo\nbar\nbaz'],
      ['(?<word>\\w+)@(\\w+)', 'g', 'a@b c@d'],
      ['.+?,', 'gs', 'a\nb,c,'],
    ];
    for (const [source, flags, text] of cases) {
      assert.equal(runsInLinearTime(source, flags), true, source);
      const all = (re: RegExp) => [...text.matchAll(re)].map((m) => [...m, m.index, m.groups]);
      assert.deepEqual(all(new RegExp(source, `${flags}l`)), all(new RegExp(source, flags)), source);
    }
  });
});
