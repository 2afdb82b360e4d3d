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

  describe('by query language', () => {
    const one = (state: Json, top?: 'JSONata' | 'JSONPath') =>
      codes({ ...(top ? { QueryLanguage: top } : {}), StartAt: 'S', States: { S: state, N: { Type: 'Succeed' } } });
    const messages = (def: Json) => validateDefinition(def).map((d) => d.message);

    it('accepts JSONata states with Arguments, Output, Assign and expressions in their fields', () => {
      assert.deepEqual(
        one(
          {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f',
            Arguments: { a: '{% $states.input.a %}', lit: ' {% not an expression %} ' },
            TimeoutSeconds: '{% 10 %}',
            Assign: { r: '{% $states.result %}' },
            Output: '{% $states.result.x %}',
            Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput %}', Next: 'N' }],
            Next: 'N',
          },
          'JSONata',
        ),
        [],
      );
    });

    it('refuses the JSONPath fields in a JSONata state, and the JSONata fields in a JSONPath state', () => {
      assert.deepEqual(one({ Type: 'Pass', QueryLanguage: 'JSONata', InputPath: '$.a', Parameters: {}, ResultPath: '$.r', Next: 'N' }), [
        'SCHEMA_VALIDATION_FAILED /States/S/InputPath',
        'SCHEMA_VALIDATION_FAILED /States/S/Parameters',
        'SCHEMA_VALIDATION_FAILED /States/S/ResultPath',
      ]);
      assert.deepEqual(one({ Type: 'Wait', SecondsPath: '$.s', Next: 'N' }, 'JSONata'), ['SCHEMA_VALIDATION_FAILED /States/S/SecondsPath']);
      assert.deepEqual(one({ Type: 'Pass', Output: {}, Next: 'N' }), ['SCHEMA_VALIDATION_FAILED /States/S/Output']);
      assert.deepEqual(one({ Type: 'Map', Items: [], ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Succeed' } } }, Next: 'N' }), [
        'SCHEMA_VALIDATION_FAILED /States/S/Items',
      ]);
      assert.deepEqual(
        one(
          { Type: 'Task', Resource: 'arn:aws:lambda:x', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Next: 'N' }], Next: 'N' },
          'JSONata',
        ),
        ['SCHEMA_VALIDATION_FAILED /States/S/Catch/0/ResultPath'],
      );
    });

    it('refuses a JSONPath state in a state machine whose QueryLanguage is JSONata, nested ones too', () => {
      assert.deepEqual(one({ Type: 'Pass', QueryLanguage: 'JSONPath', Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/QueryLanguage',
      ]);
      const branch = { QueryLanguage: 'JSONPath', StartAt: 'X', States: { X: { Type: 'Succeed' } } };
      assert.deepEqual(one({ Type: 'Parallel', Branches: [branch], Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Branches/0/QueryLanguage',
      ]);
      // The other way round is allowed: a JSONata state in a JSONPath state machine.
      assert.deepEqual(one({ Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 %}', Next: 'N' }, 'JSONPath'), []);
    });

    it('gives a nested state machine the query language of the state that runs it', () => {
      const processor = { StartAt: 'X', States: { X: { Type: 'Pass', InputPath: '$.a', End: true } } };
      assert.deepEqual(one({ Type: 'Map', QueryLanguage: 'JSONata', ItemProcessor: processor, Next: 'N' }), [
        'SCHEMA_VALIDATION_FAILED /States/S/ItemProcessor/States/X/InputPath',
      ]);
      assert.deepEqual(one({ Type: 'Map', ItemProcessor: processor, Next: 'N' }), []);
    });

    it('refuses expressions that do not compile, and $states.result or $states.errorOutput where AWS does not define them', () => {
      assert.deepEqual(
        messages({ QueryLanguage: 'JSONata', StartAt: 'S', States: { S: { Type: 'Pass', Output: '{% 1 + %}', End: true } } }),
        ["The JSONata expression '1 +' is not valid: S0207: Unexpected end of expression"],
      );
      assert.deepEqual(one({ Type: 'Task', Resource: 'arn:aws:lambda:x', Arguments: '{% $states.result %}', Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Arguments',
      ]);
      assert.deepEqual(one({ Type: 'Pass', Output: { x: '{% $states.result %}' }, Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Output/x',
      ]);
      assert.deepEqual(one({ Type: 'Pass', Assign: { e: '{% $states.errorOutput %}' }, Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Assign/e',
      ]);
      assert.deepEqual(one({ Type: 'Pass', Assign: { states: 1 }, Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Assign/states',
      ]);
    });

    it('wants numbers or expressions in number fields, and Condition rules in a JSONata Choice', () => {
      assert.deepEqual(one({ Type: 'Wait', Seconds: '10', Next: 'N' }, 'JSONata'), ['SCHEMA_VALIDATION_FAILED /States/S/Seconds']);
      assert.deepEqual(one({ Type: 'Wait', Timestamp: 'soon', Next: 'N' }, 'JSONata'), ['SCHEMA_VALIDATION_FAILED /States/S/Timestamp']);
      const choice = (rule: Json, top?: 'JSONata') => one({ Type: 'Choice', Choices: [rule], Default: 'N' }, top);
      assert.deepEqual(choice({ Condition: '{% $states.input.a = 1 %}', Output: 'x', Assign: { y: 1 }, Next: 'N' }, 'JSONata'), []);
      assert.deepEqual(choice({ Condition: true, Next: 'N' }, 'JSONata'), []);
      assert.deepEqual(choice({ Variable: '$.a', IsNull: true, Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Choices/0/Variable',
        'SCHEMA_VALIDATION_FAILED /States/S/Choices/0/IsNull',
        'SCHEMA_VALIDATION_FAILED /States/S/Choices/0/Condition',
      ]);
      assert.deepEqual(choice({ Condition: 'yes', Next: 'N' }, 'JSONata'), ['SCHEMA_VALIDATION_FAILED /States/S/Choices/0/Condition']);
      assert.deepEqual(choice({ Condition: true, Next: 'N' }), ['SCHEMA_VALIDATION_FAILED /States/S/Choices/0/Condition']);
    });
  });

  it("formats CreateStateMachine's InvalidDefinition message", () => {
    const d = validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nope' }, B: { Type: 'Succeed' } } });
    assert.equal(
      invalidDefinitionMessage(d),
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next', 'UNREACHABLE_STATE: State 'B' is not reachable at /States/B'",
    );
  });
});
