import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '../../src/core/asl/errors.ts';
import { invalidDefinitionMessage, validateDefinition, validateDefinitionText } from '../../src/core/asl/validate.ts';

const codes = (def: Json) => validateDefinition(def).map((d) => `${d.code} ${d.location}`);
/** The codes of a machine of one Map state M with these fields (a ResultWriter, an ItemReader), in this query language. */
const mapCodes = (fields: Json, language?: string) =>
  codes({
    ...(language ? { QueryLanguage: language } : {}),
    StartAt: 'M',
    States: {
      M: { Type: 'Map', ItemProcessor: { StartAt: 'W', States: { W: { Type: 'Pass', End: true } } }, End: true, ...(fields as object) },
    },
  });

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
    assert.deepEqual(
      codes({
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', Result: 1, End: true } },
      }),
      ['SCHEMA_VALIDATION_FAILED /States/A/Result'],
    );
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
        States: {
          T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', Next: 'N', ...(extra as object) },
          N: { Type: 'Succeed' },
        },
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
    const diagnostics = (state: Json, top?: 'JSONata') =>
      validateDefinition({ ...(top ? { QueryLanguage: top } : {}), StartAt: 'S', States: { S: state, N: { Type: 'Succeed' } } }).map(
        (d) => `${d.code} ${d.location} ${d.message}`,
      );

    it('accepts JSONata states with Arguments, Output, Assign and expressions in their fields', () => {
      assert.deepEqual(
        one(
          {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f',
            Arguments: { a: '{% $states.input.a %}', lit: ' {% not an expression %} ', n: '{% $count($states.input.xs[x > 1]) %}' },
            TimeoutSeconds: '{% 10 %}',
            Assign: { r: '{% $states.result %}', f: '{% $map($states.input.xs, function($v){ $v.x }) %}' },
            Output: '{% $states.result.x %}',
            Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput %}', Next: 'N' }],
            Next: 'N',
          },
          'JSONata',
        ),
        [],
      );
    });

    it("refuses the other language's fields in AWS's words", () => {
      assert.deepEqual(diagnostics({ Type: 'Pass', QueryLanguage: 'JSONata', InputPath: '$.a', Next: 'N' }), [
        "SCHEMA_VALIDATION_FAILED /States/S/InputPath The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
      ]);
      assert.deepEqual(one({ Type: 'Wait', SecondsPath: '$.s', Next: 'N' }, 'JSONata'), ['SCHEMA_VALIDATION_FAILED /States/S/SecondsPath']);
      assert.deepEqual(one({ Type: 'Pass', Result: 1, Next: 'N' }, 'JSONata'), ['SCHEMA_VALIDATION_FAILED /States/S/Result']);
      // A JSONata field in a JSONPath state: AWS points at the state.
      assert.deepEqual(diagnostics({ Type: 'Pass', Output: {}, Next: 'N' }), [
        "SCHEMA_VALIDATION_FAILED /States/S The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
      ]);
      assert.deepEqual(one({ Type: 'Map', Items: [], ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Succeed' } } }, Next: 'N' }), [
        'SCHEMA_VALIDATION_FAILED /States/S',
      ]);
      assert.deepEqual(
        one(
          {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f',
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Next: 'N' }],
            Next: 'N',
          },
          'JSONata',
        ),
        ['SCHEMA_VALIDATION_FAILED /States/S/Catch/0/ResultPath'],
      );
      assert.deepEqual(
        one({
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f',
          Catch: [{ ErrorEquals: ['States.ALL'], Output: {}, Next: 'N' }],
          Next: 'N',
        }),
        ['SCHEMA_VALIDATION_FAILED /States/S/Catch/0'],
      );
    });

    it('refuses a JSONPath state in a state machine whose QueryLanguage is JSONata, nested ones too', () => {
      assert.deepEqual(diagnostics({ Type: 'Pass', QueryLanguage: 'JSONPath', Next: 'N' }, 'JSONata'), [
        "SCHEMA_VALIDATION_FAILED /States/S 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
      ]);
      const branch = { StartAt: 'X', States: { X: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } } };
      assert.deepEqual(one({ Type: 'Parallel', Branches: [branch], Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/Branches/0/States/X',
      ]);
      // The other way round is allowed: a JSONata state in a JSONPath state machine.
      assert.deepEqual(one({ Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 %}', Next: 'N' }, 'JSONPath'), []);
    });

    it("gives a nested state machine its parent machine's query language, not its Map's; an ItemProcessor names none", () => {
      const processor = { StartAt: 'X', States: { X: { Type: 'Pass', InputPath: '$.a', End: true } } };
      assert.deepEqual(one({ Type: 'Map', QueryLanguage: 'JSONata', ItemProcessor: processor, Next: 'N' }), []);
      assert.deepEqual(one({ Type: 'Map', ItemProcessor: processor, Next: 'N' }, 'JSONata'), [
        'SCHEMA_VALIDATION_FAILED /States/S/ItemProcessor/States/X/InputPath',
      ]);
      assert.deepEqual(diagnostics({ Type: 'Map', ItemProcessor: { ...processor, QueryLanguage: 'JSONPath' }, Next: 'N' }), [
        "SCHEMA_VALIDATION_FAILED /States/S/ItemProcessor Field 'QueryLanguage' is not supported",
      ]);
    });

    it('refuses expressions that do not parse (INVALID_JSONATA_EXPRESSION) with jsonata’s message, without its code', () => {
      assert.deepEqual(diagnostics({ Type: 'Pass', Output: '{% 1 + %}', Next: 'N' }, 'JSONata'), [
        'INVALID_JSONATA_EXPRESSION /States/S/Output Unexpected end of expression',
      ]);
      assert.deepEqual(diagnostics({ Type: 'Pass', Assign: { a: ['{% a[1,2) %}'] }, Next: 'N' }, 'JSONata'), [
        'INVALID_JSONATA_EXPRESSION /States/S/Assign/a/0 Expected "]", got ","',
      ]);
    });

    it('refuses what an expression cannot read where it stands (UNSUPPORTED_JSONATA_EXPRESSION)', () => {
      const output = (expr: string, type = 'Pass') =>
        diagnostics(
          {
            Type: type,
            ...(type === 'Task' ? { Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f' } : {}),
            Output: { v: `{% ${expr} %}` },
            Next: 'N',
          },
          'JSONata',
        );
      assert.deepEqual(output('phone'), [
        "UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Reference to 'phone' at the top level is not supported.",
      ]);
      assert.deepEqual(output('$.a'), [
        "UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Reference to '$' at the top level is not supported.",
      ]);
      assert.deepEqual(output('$$'), ["UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Reference to '$$' is not supported."]);
      assert.deepEqual(output('$map($states.input.a, function($x){ b })'), [
        "UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Reference to 'b' at the top level is not supported.",
      ]);
      assert.deepEqual(output('$states.result'), [
        "UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Field '$states.result' does not exist.",
      ]);
      assert.deepEqual(output('$states.result', 'Task'), []);
      assert.deepEqual(output('$states.errorOutput.Cause', 'Task'), [
        "UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Field '$states.errorOutput' does not exist.",
      ]);
      assert.deepEqual(output('$states.inputs'), [
        'UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v Unknown reserved states field: inputs',
      ]);
      // Names after the first step of a path, in predicates and in lambdas' own parameters are not top-level.
      assert.deepEqual(output('$states.input.a[b > 1].c ~> $map(function($x){ $x.d })'), []);
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
      assert.deepEqual(choice({ Condition: true, Next: 'N' }), ['SCHEMA_VALIDATION_FAILED /States/S/Choices/0']);
    });
  });

  it('checks Task resources, credentials and the fields of each query language', () => {
    const task = (state: Json, top: Json = {}) =>
      codes({ ...(top as object), StartAt: 'T', States: { T: { Type: 'Task', End: true, ...(state as object) } } });
    const fn = 'arn:aws:lambda:us-east-1:111111111111:function:f';
    assert.deepEqual(task({ Resource: `${fn}:$LATEST` }), []);
    assert.deepEqual(task({ Resource: `${fn}:live-2` }), []);
    assert.deepEqual(task({ Resource: 'arn:aws:states:::lambda:invoke' }), []);
    assert.deepEqual(task({ Resource: `${fn}:` }), ['INVALID_RESOURCE /States/T/Resource']);
    assert.deepEqual(task({ Resource: `${fn}:$*#` }), ['INVALID_RESOURCE /States/T/Resource']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, left unsubstituted
    assert.deepEqual(task({ Resource: '${lambdaArn}' }), ['INVALID_RESOURCE /States/T/Resource']);
    assert.deepEqual(task({ Resource: fn, Credentials: null }), ['SCHEMA_VALIDATION_FAILED /States/T/Credentials']);
    assert.deepEqual(task({ Resource: fn, Credentials: { 'RoleArn.$': 'not a path' } }), [
      'SCHEMA_VALIDATION_FAILED /States/T/Credentials/RoleArn.$',
    ]);
    assert.deepEqual(task({ Resource: fn, ResultPath: '$var' }), ['SCHEMA_VALIDATION_FAILED /States/T/ResultPath']);
    assert.deepEqual(task({ Resource: fn, Arguments: {} }), ['SCHEMA_VALIDATION_FAILED /States/T']);
    assert.deepEqual(task({ Resource: fn, Arguments: {}, Output: '{% $states.result %}' }, { QueryLanguage: 'JSONata' }), []);
    assert.deepEqual(task({ Resource: fn, Parameters: {}, ResultPath: '$.r' }, { QueryLanguage: 'JSONata' }), [
      'SCHEMA_VALIDATION_FAILED /States/T/Parameters',
      'SCHEMA_VALIDATION_FAILED /States/T/ResultPath',
    ]);
  });

  it('checks payload templates: a field given twice, literal arguments of numeric intrinsics', () => {
    const pass = (parameters: Json) => codes({ StartAt: 'A', States: { A: { Type: 'Pass', Parameters: parameters, End: true } } });
    assert.deepEqual(pass({ a: { b: 1, 'b.$': '$.b' } }), ['SCHEMA_VALIDATION_FAILED /States/A/Parameters/a/b.$']);
    assert.deepEqual(pass({ 'x.$': 'States.MathAdd($.a, 1)' }), []);
    assert.deepEqual(pass({ 'x.$': "States.MathAdd(1, '-1')" }), ['SCHEMA_VALIDATION_FAILED /States/A/Parameters/x.$']);
    assert.deepEqual(pass({ 'x.$': "States.Format('{}', States.ArrayGetItem($.a, 'one'))" }), [
      'SCHEMA_VALIDATION_FAILED /States/A/Parameters/x.$',
    ]);
  });

  it('checks Map limits and state names across nested machines', () => {
    const processor = { StartAt: 'W', States: { W: { Type: 'Pass', End: true } } };
    const map = (extra: Json) =>
      codes({ StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: processor, End: true, ...(extra as object) } } });
    assert.deepEqual(map({ ToleratedFailurePercentage: 100, MaxConcurrency: 0 }), []);
    assert.deepEqual(map({ ToleratedFailurePercentage: 105 }), ['SCHEMA_VALIDATION_FAILED /States/M/ToleratedFailurePercentage']);
    assert.deepEqual(map({ ToleratedFailureCount: -1 }), ['SCHEMA_VALIDATION_FAILED /States/M/ToleratedFailureCount']);
    assert.deepEqual(map({ ItemBatcher: { MaxItemsPerBatch: 2, MaxItemsPerBatchPath: '$.n' } }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemBatcher',
    ]);
    assert.deepEqual(
      map({ ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { MaxItems: 1, MaxItemsPath: '$.n' } } }),
      ['SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig'],
    );
    assert.deepEqual(
      codes({
        StartAt: 'M',
        States: { M: { Type: 'Map', ItemProcessor: processor, Next: 'W' }, W: { Type: 'Succeed' } },
      }),
      ['DUPLICATE_STATE_NAME /States/W'],
    );
  });

  it('checks a ResultWriter: WriterConfig, or Resource and Parameters (Arguments in JSONata), or all three', () => {
    const processor = { StartAt: 'W', States: { W: { Type: 'Pass', End: true } } };
    const map = (writer: Json, language?: string) => mapCodes({ ResultWriter: writer }, language);
    const put = 'arn:aws:states:::s3:putObject';
    assert.deepEqual(map({ WriterConfig: { Transformation: 'FLATTEN', OutputType: 'JSONL' } }), []);
    assert.deepEqual(map({ Resource: put, Parameters: { Bucket: 'b', 'Prefix.$': '$.p' } }), []);
    assert.deepEqual(map({ Resource: put, Parameters: { Bucket: 'b' }, WriterConfig: { Transformation: 'NONE' } }), []);
    assert.deepEqual(map({ Resource: put, Arguments: { Bucket: '{% $states.input.b %}' } }, 'JSONata'), []);
    assert.deepEqual(map({}), ['SCHEMA_VALIDATION_FAILED /States/M/ResultWriter']);
    assert.deepEqual(map({ Resource: put }), ['SCHEMA_VALIDATION_FAILED /States/M/ResultWriter']);
    assert.deepEqual(map({ Parameters: { Bucket: 'b' }, WriterConfig: {} }), ['SCHEMA_VALIDATION_FAILED /States/M/ResultWriter']);
    assert.deepEqual(map({ Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b' } }), [
      'INVALID_RESOURCE /States/M/ResultWriter/Resource',
    ]);
    assert.deepEqual(map({ WriterConfig: { Transformation: 'SQUASH', Compression: 'GZIP' } }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ResultWriter/WriterConfig/Transformation',
      'SCHEMA_VALIDATION_FAILED /States/M/ResultWriter/WriterConfig/Compression',
    ]);
    assert.deepEqual(map({ Resource: put, Parameters: { Bucket: 'b' } }, 'JSONata'), [
      'SCHEMA_VALIDATION_FAILED /States/M/ResultWriter/Parameters',
      'SCHEMA_VALIDATION_FAILED /States/M/ResultWriter',
    ]);
    const [empty] = validateDefinition({
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemProcessor: processor, ResultWriter: {}, End: true } },
    });
    assert.match(empty.message, /The ResultWriter field cannot be empty/);
  });

  it("checks an ItemReader: its Resource, and ReaderConfig's fields, values and combinations as AWS documents them", () => {
    const map = (reader: Json, language?: string) => mapCodes({ ItemReader: reader }, language);
    const get = 'arn:aws:states:::s3:getObject';
    const list = 'arn:aws:states:::s3:listObjectsV2';
    const read = (config: Json, resource = get) => map({ Resource: resource, ReaderConfig: config, Parameters: { Bucket: 'b', Key: 'k' } });
    assert.deepEqual(read({ InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['a'], CSVDelimiter: 'SEMICOLON', MaxItems: 5 }), []);
    assert.deepEqual(read({ InputType: 'PARQUET' }), []);
    assert.deepEqual(read({ InputType: 'MANIFEST' }), []);
    assert.deepEqual(read({ InputType: 'MANIFEST', ManifestType: 'S3_INVENTORY' }), []);
    assert.deepEqual(read({ InputType: 'JSONL', ManifestType: 'ATHENA_DATA' }), []);
    assert.deepEqual(read({ InputType: 'JSON', Transformation: 'LOAD_AND_FLATTEN' }, list), []);
    assert.deepEqual(read({ InputType: 'XML', CSVDelimiter: 'COLON', ManifestType: 'ORC', Transformation: 'UNZIP' }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/InputType',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/CSVDelimiter',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/ManifestType',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/Transformation',
    ]);
    assert.deepEqual(read({ Compression: 'GZIP', MaxItems: -1, CSVHeaders: [1] }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/Compression',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/MaxItems',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/CSVHeaders',
    ]);
    assert.deepEqual(read({ InputType: 'CSV', CSVHeaderLocation: 'GIVEN' }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig',
    ]);
    assert.deepEqual(read({ InputType: 'JSON', ManifestType: 'ATHENA_DATA' }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig',
    ]);
    assert.deepEqual(read({ InputType: 'CSV', ManifestType: 'S3_INVENTORY' }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig',
    ]);
    assert.deepEqual(read({ InputType: 'CSV', Transformation: 'LOAD_AND_FLATTEN' }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig',
    ]);
    assert.deepEqual(read({ Transformation: 'LOAD_AND_FLATTEN' }, list), ['SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig']);
    assert.deepEqual(read({ ManifestType: 'S3_INVENTORY' }, list), ['SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig']);
    assert.deepEqual(map({ Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: {} }), [
      'INVALID_RESOURCE /States/M/ItemReader/Resource',
    ]);
    assert.deepEqual(map({ Parameters: { Bucket: 'b' }, Reader: 1 }), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/Reader',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader',
    ]);
    // JSONata: Arguments, not Parameters; MaxItems may be an expression, MaxItemsPath is JSONPath's.
    assert.deepEqual(
      map({ Resource: get, Arguments: { Bucket: '{% $states.input.b %}', Key: 'k' }, ReaderConfig: { MaxItems: '{% 2 %}' } }, 'JSONata'),
      [],
    );
    assert.deepEqual(map({ Resource: get, Parameters: { Bucket: 'b' }, ReaderConfig: { MaxItemsPath: '$.n' } }, 'JSONata'), [
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/Parameters',
      'SCHEMA_VALIDATION_FAILED /States/M/ItemReader/ReaderConfig/MaxItemsPath',
    ]);
  });

  it("checks the JSONata expressions of a Map's ItemReader and ResultWriter Arguments as those of its other fields", () => {
    const map = (fields: Json) => mapCodes(fields, 'JSONata');
    const get = 'arn:aws:states:::s3:getObject';
    const put = 'arn:aws:states:::s3:putObject';
    assert.deepEqual(map({ ResultWriter: { Resource: put, Arguments: { Bucket: '{% $states.input.b %}', Prefix: '{% $p %}' } } }), []);
    assert.deepEqual(
      map({ ResultWriter: { Resource: put, Arguments: { Bucket: '{% $states.input.b. %}', Prefix: '{% $states.result %}' } } }),
      [
        'INVALID_JSONATA_EXPRESSION /States/M/ResultWriter/Arguments/Bucket',
        'UNSUPPORTED_JSONATA_EXPRESSION /States/M/ResultWriter/Arguments/Prefix',
      ],
    );
    assert.deepEqual(
      map({
        ItemReader: {
          Resource: get,
          Arguments: { Bucket: '{% bucket %}', Key: '{% $$.Execution %}' },
          ReaderConfig: { MaxItems: '{% ( %}' },
        },
      }),
      [
        'UNSUPPORTED_JSONATA_EXPRESSION /States/M/ItemReader/Arguments/Bucket',
        'UNSUPPORTED_JSONATA_EXPRESSION /States/M/ItemReader/Arguments/Key',
        'INVALID_JSONATA_EXPRESSION /States/M/ItemReader/ReaderConfig/MaxItems',
      ],
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
