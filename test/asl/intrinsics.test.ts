import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '../../src/core/asl/errors.ts';
import { evaluateIntrinsic, parseIntrinsic } from '../../src/core/asl/intrinsics.ts';
import type { Scope } from '../../src/core/asl/scope.ts';

const scope: Scope = { data: { s: 'a,b,,c', n: [1, 2, 2, 3], o: { k: 1 } }, context: {}, variables: { v: 7 }, random: () => 0.25 };
const run = (text: string): Json => evaluateIntrinsic(text, scope, 'x.$');

describe('intrinsic functions', () => {
  it('parses nested calls, strings with escapes, numbers, paths and variables', () => {
    assert.deepEqual(parseIntrinsic("States.Array('it\\'s', -1.5, $.n[0], $v, States.UUID())"), {
      kind: 'call',
      name: 'Array',
      args: [
        { kind: 'literal', value: "it's" },
        { kind: 'literal', value: -1.5 },
        { kind: 'path', text: '$.n[0]' },
        { kind: 'path', text: '$v' },
        { kind: 'call', name: 'UUID', args: [] },
      ],
    });
    assert.throws(() => parseIntrinsic('States.Nope(1)'));
  });

  it('formats arguments, Java-style for objects and arrays', () => {
    assert.equal(run("States.Format('{} and {}', $.s, 3)"), 'a,b,,c and 3');
    assert.equal(run("States.Format('{}', $.o)"), '{k=1}');
    assert.equal(run("States.Format('a \\{}')"), 'a {}');
    assert.throws(() => run("States.Format('{} {}', 1)"), { error: 'States.IntrinsicFailure' });
  });

  it('converts JSON and arrays', () => {
    assert.deepEqual(run(`States.StringToJson('{"a":[1]}')`), { a: [1] });
    assert.equal(run("States.StringToJson('')"), null);
    assert.equal(run('States.JsonToString($.o)'), '{"k":1}');
    assert.deepEqual(run('States.ArrayPartition($.n, 3)'), [[1, 2, 2], [3]]);
    assert.equal(run('States.ArrayContains($.n, 3)'), true);
    assert.deepEqual(run('States.ArrayRange(1, 9, 4)'), [1, 5, 9]);
    assert.deepEqual(run('States.ArrayRange(3, 1, -1)'), [3, 2, 1]);
    assert.equal(run('States.ArrayGetItem($.n, 3)'), 3);
    assert.equal(run('States.ArrayLength($.n)'), 4);
    assert.deepEqual(run('States.ArrayUnique($.n)'), [1, 2, 3]);
    assert.throws(() => run('States.ArrayGetItem($.n, 4)'), { error: 'States.IntrinsicFailure' });
    assert.throws(() => run('States.ArrayRange(0, 2000, 1)'), { error: 'States.IntrinsicFailure' });
  });

  it('encodes, hashes, merges, adds, splits', () => {
    assert.equal(run("States.Base64Encode('Hello World')"), 'SGVsbG8gV29ybGQ=');
    assert.equal(run("States.Base64Decode('SGVsbG8gV29ybGQ=')"), 'Hello World');
    assert.equal(run("States.Hash('abc', 'SHA-1')"), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.throws(() => run("States.Hash('abc', 'SHA-3')"), { error: 'States.IntrinsicFailure' });
    assert.deepEqual(run(`States.JsonMerge($.o, States.StringToJson('{"j":2}'), false)`), { k: 1, j: 2 });
    assert.throws(() => run('States.JsonMerge($.o, $.o, true)'), { error: 'States.IntrinsicFailure' });
    // Operands are rounded half up first, as AWS does (recorded: 1.49 + 1.5 = 3, -1.5 + 0 = -1).
    assert.equal(run('States.MathAdd(1.49, 1.5)'), 3);
    assert.equal(run('States.MathAdd(-1.5, 0)'), -1);
    assert.equal(run('States.MathAdd($v, -10)'), -3);
    assert.deepEqual(run("States.StringSplit($.s, ',')"), ['a', 'b', 'c']);
  });

  it('draws MathRandom and UUID from the injected randomness', () => {
    assert.equal(run('States.MathRandom(0, 100)'), 25);
    assert.match(run('States.UUID()') as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fails a path argument that matches nothing with States.Runtime', () => {
    assert.throws(() => run('States.ArrayLength($.missing)'), { error: 'States.Runtime' });
  });
});
