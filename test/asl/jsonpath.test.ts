import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '../../src/core/asl/errors.ts';
import { evaluatePath, normalizedPath, parsePath, setAtPath } from '../../src/core/asl/jsonpath.ts';
import { applyResultPath, applyTemplate, filterPath } from '../../src/core/asl/payload.ts';
import type { Scope } from '../../src/core/asl/scope.ts';

const data = {
  a: { b: [1, 2, 3] },
  items: [
    { v: 1, s: 0 },
    { v: 2, s: 1 },
    { v: 3, s: 0 },
  ],
  'odd key': true,
};
const get = (path: string, root: Json = data) => evaluatePath(parsePath(path), root);

function scope(d: Json, variables: Record<string, Json> = {}): Scope {
  return { data: d, context: { Execution: { Name: 'e1' } }, variables, random: () => 0.5 };
}

describe('JSONPath', () => {
  it('reads definite paths as one value, or nothing', () => {
    assert.deepEqual(get('$.a.b[1]'), { found: true, value: 2 });
    assert.deepEqual(get("$['odd key']"), { found: true, value: true });
    assert.deepEqual(get('$.a.b[-1]'), { found: true, value: 3 });
    assert.deepEqual(get('$.a.c'), { found: false });
    assert.deepEqual(get('$.a.b[10]'), { found: false });
    assert.deepEqual(get('$'), { found: true, value: data });
  });

  it('reads indefinite paths as the list of matches', () => {
    assert.deepEqual(get('$.items[*].v'), { found: true, value: [1, 2, 3] });
    assert.deepEqual(get('$.items[1:].v'), { found: true, value: [2, 3] });
    assert.deepEqual(get('$.items[:1]'), { found: true, value: [{ v: 1, s: 0 }] });
    assert.deepEqual(get('$.items[?(@.s == 0)].v'), { found: true, value: [1, 3] });
    assert.deepEqual(get('$..v'), { found: true, value: [1, 2, 3] });
    assert.deepEqual(get('$.nothing[*]'), { found: true, value: [] });
  });

  it('keeps a backslash in a quoted name, unescaping only the quote (as Jayway does)', () => {
    const root = { 'Test\\""Name"': 'x' };
    assert.deepEqual(get(`$['Test\\""Name"']`, root), { found: true, value: 'x' });
  });

  it('quotes a path in normalised form for messages', () => {
    assert.equal(normalizedPath(parsePath('$.a.b[0]')), "$['a']['b'][0]");
  });

  it('puts a result at a reference path, creating objects on the way, never changing the input', () => {
    const input = { a: { x: 1 } };
    assert.deepEqual(setAtPath(input, parsePath('$.a.y.z'), 5), { a: { x: 1, y: { z: 5 } } });
    assert.deepEqual(input, { a: { x: 1 } });
    assert.equal(setAtPath('text', parsePath('$.a'), 5), undefined);
  });
});

describe('input and output processing', () => {
  it('InputPath/OutputPath null give {}; a missing path is States.Runtime', () => {
    assert.deepEqual(filterPath(null, scope(data)), {});
    assert.throws(() => filterPath('$.nope', scope(data)), {
      error: 'States.Runtime',
      cause: "Invalid path '$.nope' : No results for path: $['nope']",
    });
  });

  it('ResultPath null keeps the input, $ replaces it', () => {
    assert.deepEqual(applyResultPath(null, { a: 1 }, 2), { a: 1 });
    assert.deepEqual(applyResultPath('$', { a: 1 }, 2), 2);
    assert.deepEqual(applyResultPath('$.r', { a: 1 }, 2), { a: 1, r: 2 });
    assert.throws(() => applyResultPath('$.r', [1], 2), { error: 'States.ResultPathMatchFailure' });
  });

  it('evaluates .$ keys of a template at any depth: paths, $$, variables and intrinsics', () => {
    const out = applyTemplate(
      {
        'x.$': '$.a.b[0]',
        nested: { 'name.$': '$$.Execution.Name', list: [{ 'v.$': '$v' }] },
        'f.$': "States.Format('{}-{}', $.a.b[1], $v)",
        plain: '$.not',
      },
      scope(data, { v: 'var' }),
    );
    assert.deepEqual(out, { x: 1, nested: { name: 'e1', list: [{ v: 'var' }] }, f: '2-var', plain: '$.not' });
  });

  it("names the field and the input when a template's path matches nothing", () => {
    assert.throws(() => applyTemplate({ 'value.$': '$.missing' }, scope({ a: 1 })), {
      error: 'States.Runtime',
      cause: `The JSONPath '$.missing' specified for the field 'value.$' could not be found in the input '{"a":1}'`,
    });
  });
});
