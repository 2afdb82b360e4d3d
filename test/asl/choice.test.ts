import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, parseTimestamp } from '../../src/core/asl/choice.ts';
import { stringMatches } from '../../src/core/wildcard.ts';
import type { Json, JsonObject } from '../../src/core/asl/errors.ts';
import type { Scope } from '../../src/core/asl/scope.ts';

const data = {
  s: 'banana',
  n: 5,
  b: true,
  t: '2024-01-01T00:00:00Z',
  nul: null,
  other: { n: 5, s: 'apple', t: '2024-01-01T01:00:00+01:00' },
};
const scope: Scope = { data, context: {}, variables: { limit: 4 }, random: Math.random };
const holds = (rule: Json) => evaluateRule(rule as JsonObject, scope);

describe('Choice rules', () => {
  it('compares strings, numbers, booleans and timestamps, with values of the wrong type never matching', () => {
    assert.equal(holds({ Variable: '$.s', StringEquals: 'banana' }), true);
    assert.equal(holds({ Variable: '$.s', StringGreaterThan: 'apple' }), true);
    assert.equal(holds({ Variable: '$.s', StringLessThanEquals: 'banana' }), true);
    assert.equal(holds({ Variable: '$.n', NumericGreaterThanEquals: 5 }), true);
    assert.equal(holds({ Variable: '$.n', NumericLessThan: 5 }), false);
    assert.equal(holds({ Variable: '$.s', NumericEquals: 5 }), false);
    assert.equal(holds({ Variable: '$.b', BooleanEquals: true }), true);
    assert.equal(holds({ Variable: '$.t', TimestampLessThan: '2024-01-01T00:00:01Z' }), true);
    assert.equal(holds({ Variable: '$.t', TimestampEquals: '2024-01-01T01:00:00+01:00' }), true);
  });

  it('compares with another path or a variable in the *Path forms', () => {
    assert.equal(holds({ Variable: '$.n', NumericEqualsPath: '$.other.n' }), true);
    assert.equal(holds({ Variable: '$.n', NumericGreaterThanPath: '$limit' }), true);
    assert.equal(holds({ Variable: '$.s', StringGreaterThanPath: '$.other.s' }), true);
    assert.equal(holds({ Variable: '$.t', TimestampEqualsPath: '$.other.t' }), true);
  });

  it('tests types and presence; a missing variable fails with States.Runtime except for IsPresent', () => {
    assert.equal(holds({ Variable: '$.nul', IsNull: true }), true);
    assert.equal(holds({ Variable: '$.n', IsNumeric: true }), true);
    assert.equal(holds({ Variable: '$.s', IsString: false }), false);
    assert.equal(holds({ Variable: '$.b', IsBoolean: true }), true);
    assert.equal(holds({ Variable: '$.t', IsTimestamp: true }), true);
    assert.equal(holds({ Variable: '$.s', IsTimestamp: true }), false);
    assert.equal(holds({ Variable: '$.missing', IsPresent: false }), true);
    assert.throws(() => holds({ Variable: '$.missing', StringEquals: 'x' }), { error: 'States.Runtime' });
  });

  it('combines rules with And, Or and Not', () => {
    const yes = { Variable: '$.n', NumericEquals: 5 };
    const no = { Variable: '$.n', NumericEquals: 6 };
    assert.equal(holds({ And: [yes, yes] }), true);
    assert.equal(holds({ And: [yes, no] }), false);
    assert.equal(holds({ Or: [no, yes] }), true);
    assert.equal(holds({ Not: no }), true);
  });

  it('matches * wildcards, with \\* a literal star', () => {
    assert.equal(stringMatches('log-2024.txt', 'log-*.txt'), true);
    assert.equal(stringMatches('a*b', 'a\\*b'), true);
    assert.equal(stringMatches('axb', 'a\\*b'), false);
    assert.equal(stringMatches('abc', '*'), true);
  });

  it('accepts RFC 3339 timestamps only', () => {
    assert.ok(parseTimestamp('2016-03-14T01:59:00.123456789Z'));
    assert.equal(parseTimestamp('2016-03-14 01:59:00Z'), undefined);
    assert.equal(parseTimestamp('2016-13-05T21:29:29Z'), undefined);
    assert.equal(parseTimestamp('2023-02-30T00:00:00Z'), undefined);
    assert.equal(parseTimestamp('2023-12-13T07:10:32.000000'), undefined);
  });
});
