import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '../../src/core/asl/errors.ts';
import { invalidDefinitionMessage, validateDefinition, validateDefinitionText } from '../../src/core/asl/validate.ts';

const codes = (def: Json) => validateDefinition(def).map((d) => `${d.code} ${d.location}`);

describe('definition validation', () => {
  it('accepts a valid definition', () => {
    assert.deepEqual(codes({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } }), []);
  });

  it('reports bad JSON and empty definitions', () => {
    assert.equal(validateDefinitionText('{')[0].code, 'INVALID_JSON_DESCRIPTION');
    assert.equal(validateDefinitionText(' ')[0].code, 'MISSING_DESCRIPTION');
  });

  it('reports a bad StartAt, missing targets, unknown types, missing Next/End and unreachable states', () => {
    // With no valid StartAt every state would be unreachable; that is not repeated per state.
    assert.deepEqual(codes({ StartAt: 'X', States: { A: { Type: 'Succeed' } } }), ['MISSING_TRANSITION_TARGET /StartAt']);
    assert.deepEqual(codes({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nope' } } }), [
      'MISSING_TRANSITION_TARGET /States/A/Next',
      'MISSING_END_STATE /',
    ]);
    assert.deepEqual(codes({ StartAt: 'A', States: { A: { Type: 'Sleep', End: true } } }), ['SCHEMA_VALIDATION_FAILED /States/A/Type']);
    assert.deepEqual(codes({ StartAt: 'A', States: { A: { Type: 'Pass' } } }), [
      'SCHEMA_VALIDATION_FAILED /States/A',
      'MISSING_END_STATE /',
    ]);
    assert.deepEqual(codes({ StartAt: 'A', States: { A: { Type: 'Succeed' }, B: { Type: 'Succeed' } } }), ['UNREACHABLE_STATE /States/B']);
    assert.deepEqual(codes({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:x', Result: 1, End: true } } }), [
      'SCHEMA_VALIDATION_FAILED /States/A/Result',
    ]);
  });

  it('reports malformed Choice rules', () => {
    const choice = (rule: Json) =>
      codes({ StartAt: 'C', States: { C: { Type: 'Choice', Choices: [rule], Default: 'D' }, D: { Type: 'Succeed' } } });
    assert.deepEqual(choice({ Variable: '$.x', StringEquals: 'a', Next: 'D' }), []);
    assert.deepEqual(choice({ Variable: '$.x', StringEquals: 1, Next: 'D' }), [
      'SCHEMA_VALIDATION_FAILED /States/C/Choices/0/StringEquals',
    ]);
    assert.deepEqual(choice({ Variable: '$.x', StringEquals: 'a' }), ['SCHEMA_VALIDATION_FAILED /States/C/Choices/0']);
    assert.deepEqual(choice({ Variable: '$.x', StringEquals: 'a', NumericEquals: 1, Next: 'D' }), [
      'SCHEMA_VALIDATION_FAILED /States/C/Choices/0',
    ]);
    assert.deepEqual(choice({ Not: { Variable: '$.x', IsNull: true, Next: 'D' }, Next: 'D' }), [
      'SCHEMA_VALIDATION_FAILED /States/C/Choices/0/Not/Next',
    ]);
    assert.deepEqual(choice({ Variable: '$.x', TimestampEquals: 'yesterday', Next: 'D' }), [
      'SCHEMA_VALIDATION_FAILED /States/C/Choices/0/TimestampEquals',
    ]);
  });

  it('requires States.ALL alone and last in Retry and Catch', () => {
    const t = (extra: Json) =>
      codes({
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:x', Next: 'N', ...(extra as object) }, N: { Type: 'Succeed' } },
      });
    assert.deepEqual(t({ Retry: [{ ErrorEquals: ['States.ALL', 'E'] }] }), ['SCHEMA_VALIDATION_FAILED /States/T/Retry/0/ErrorEquals']);
    assert.deepEqual(
      t({
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'N' },
          { ErrorEquals: ['E'], Next: 'N' },
        ],
      }),
      ['SCHEMA_VALIDATION_FAILED /States/T/Catch/0/ErrorEquals'],
    );
    assert.deepEqual(t({ Retry: [{ ErrorEquals: ['E'], MaxAttempts: -1, BackoffRate: 0.5 }] }), [
      'SCHEMA_VALIDATION_FAILED /States/T/Retry/0/MaxAttempts',
      'SCHEMA_VALIDATION_FAILED /States/T/Retry/0/BackoffRate',
    ]);
  });

  it('checks paths, templates and nested branches', () => {
    assert.deepEqual(
      codes({ StartAt: 'A', States: { A: { Type: 'Pass', ResultPath: '$.a[*]', Parameters: { 'x.$': 'States.Nope()' }, End: true } } }),
      ['SCHEMA_VALIDATION_FAILED /States/A/ResultPath', 'SCHEMA_VALIDATION_FAILED /States/A/Parameters/x.$'],
    );
    assert.deepEqual(
      codes({
        StartAt: 'P',
        States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { Y: { Type: 'Succeed' } } }], End: true } },
      }),
      ['MISSING_TRANSITION_TARGET /States/P/Branches/0/StartAt'],
    );
    assert.deepEqual(
      codes({
        StartAt: 'P',
        States: {
          P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { X: { Type: 'Succeed' }, Y: { Type: 'Succeed' } } }], End: true },
        },
      }),
      ['UNREACHABLE_STATE /States/P/Branches/0/States/Y'],
    );
  });

  it("formats CreateStateMachine's InvalidDefinition message", () => {
    const d = validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nope' }, B: { Type: 'Succeed' } } });
    assert.equal(
      invalidDefinitionMessage(d),
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next', 'UNREACHABLE_STATE: State 'B' is not reachable at /States/B'",
    );
  });
});
