/** IAM's wildcards (core/wildcard.ts), as a Lambda authorizer's policy Resource and a
 *  permission's SourceArn use them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arnLike, stringMatches, wildcardMatches } from '../../src/core/index.ts';

describe('wildcardMatches', () => {
  it('* any run, ? one character, everything else literally', () => {
    assert.ok(wildcardMatches('a*c', 'abbbc'));
    assert.ok(wildcardMatches('a*c', 'ac'));
    assert.ok(wildcardMatches('a?c', 'abc'));
    assert.ok(!wildcardMatches('a?c', 'ac'));
    assert.ok(wildcardMatches('a.(b)+$', 'a.(b)+$'));
    assert.ok(!wildcardMatches('a.c', 'abc'), 'a dot is a dot');
    assert.ok(!wildcardMatches('abc', 'abcd'));
    assert.ok(!wildcardMatches('abcd', 'abc'));
    assert.ok(wildcardMatches('*', 'x/y\nz'));
    assert.ok(wildcardMatches('*', ''));
    assert.ok(wildcardMatches('', ''));
    assert.ok(!wildcardMatches('', 'a'));
    assert.ok(!wildcardMatches('?', ''));
    assert.ok(wildcardMatches('**a**', 'bab'));
    assert.ok(wildcardMatches('a*b*c', 'aXbYbZc'), 'a later b is tried when the first fails');
    assert.ok(!wildcardMatches('a*b*c', 'aXbYc!'));
  });

  it('matches route ARNs as API Gateway policies name them', () => {
    const arn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/GET/pets/7';
    assert.ok(wildcardMatches('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*', arn));
    assert.ok(wildcardMatches('arn:aws:execute-api:*:*:abcdef1234/*/GET/pets/*', arn));
    assert.ok(wildcardMatches('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/GET/pets/?', arn));
    assert.ok(!wildcardMatches('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/POST/*', arn));
  });

  // A regular expression made from such a pattern backtracks exponentially; this one answers at
  // once. The timeout turns a regression into a failure rather than a hung run.
  it('answers a pattern of many stars against a long value without backtracking for ever', { timeout: 10_000 }, () => {
    const pattern = `${'*a'.repeat(40)}*b`;
    assert.ok(!wildcardMatches(pattern, 'a'.repeat(5000)));
    assert.ok(wildcardMatches(pattern, `${'a'.repeat(5000)}b`));
    assert.ok(!arnLike(`arn:${'*:'.repeat(30)}x`, `arn:${':'.repeat(4000)}`));
    assert.ok(!stringMatches('a'.repeat(5000), pattern), "a Choice rule's StringMatches too");
  });
});

describe('stringMatches (a Choice rule)', () => {
  it('* any run; \\* a star and \\\\ a backslash; ? itself', () => {
    assert.ok(stringMatches('log-2024.txt', 'log-*.txt'));
    assert.ok(stringMatches('a*b', 'a\\*b'));
    assert.ok(!stringMatches('axb', 'a\\*b'));
    assert.ok(stringMatches('a\\b', 'a\\\\b'));
    assert.ok(stringMatches('a?c', 'a?c'));
    assert.ok(!stringMatches('abc', 'a?c'), 'no ? wildcard in StringMatches');
    assert.ok(stringMatches('', '*'));
  });
});
