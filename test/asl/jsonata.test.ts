import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AslState,
  type ExecutionResult,
  type Json,
  runExecution,
  type StateMachineDefinition,
  StatesFailure,
  type TaskRequest,
} from '../../src/core/asl/index.ts';
import { type ExpressionScope, evaluateExpression, evaluateTemplate, isExpression } from '../../src/core/asl/jsonata.ts';

const start = Date.UTC(2026, 0, 1);

const scope = (over: Partial<ExpressionScope> = {}): ExpressionScope => ({
  states: { input: { a: [1, 2, 3] }, context: { Execution: { Name: 'e' } } },
  variables: { v: 'x' },
  random: () => 0.5,
  now: () => start,
  ...over,
});

const cause = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatesFailure);
    assert.equal(e.error, 'States.QueryEvaluationError');
    return e.cause;
  }
  assert.fail('expected a States.QueryEvaluationError');
};

const output = (r: ExecutionResult) => (r.status === 'SUCCEEDED' ? r.output : `${r.status} ${r.error}: ${r.cause}`);

describe('JSONata expressions', () => {
  it('are strings that start with {% and end with %}, nothing around them', () => {
    assert.equal(isExpression('{% 1 %}'), true);
    assert.equal(isExpression(' {% 1 %} '), false);
    assert.equal(isExpression('$states.input'), false);
  });

  it('see $states and the variables, and return plain JSON', async () => {
    assert.deepEqual(await evaluateExpression('{% $states.input.a[$ > 1] %}', 'Output', scope()), [2, 3]);
    assert.equal(await evaluateExpression('{% $v & $states.context.Execution.Name %}', 'Output', scope()), 'xe');
    assert.deepEqual(await evaluateTemplate({ k: ['{% $count($states.input.a) %}', ' {% 1 %} '] }, 'Output', scope()), {
      k: [3, ' {% 1 %} '],
    });
    assert.deepEqual(await evaluateExpression('{% {"inf": 1/0, "gone": $nothing} %}', 'Output', scope()), { inf: null });
  });

  it('fail with States.QueryEvaluationError in the words AWS uses', async () => {
    assert.equal(
      await cause(evaluateTemplate({ r: '{% $nothing %}' }, 'Output', scope())),
      "The JSONata expression '$nothing' specified for the field 'Output/r' returned nothing (undefined).",
    );
    assert.equal(
      await cause(evaluateExpression('{% $nope(1) %}', 'Assign/x', scope())),
      "The JSONata expression '$nope(1)' specified for the field 'Assign/x' threw an error during evaluation. T1006: Attempted to invoke a non-function",
    );
    // Inside an array the index follows in brackets.
    assert.match((await cause(evaluateTemplate({ r: [1, '{% $nothing %}'] }, 'Output', scope()))) ?? '', /the field 'Output\/r\[1\]'/);
    // A JSONata error without a code (here Step Functions' own $partition) follows a colon.
    assert.match((await cause(evaluateExpression('{% $partition([1], 0) %}', 'Output', scope()))) ?? '', /during evaluation: Function /);
    assert.equal(
      await cause(evaluateExpression('{% function($x){$x} %}', 'Items', scope())),
      "The JSONata expression 'function($x){$x}' specified for the field 'Items' returned an unsupported result type.",
    );
  });

  it("have Step Functions' functions, with the injected randomness and clock, and no $eval", async () => {
    const ev = (e: string, over?: Partial<ExpressionScope>) => evaluateExpression(`{% ${e} %}`, 'Output', scope(over));
    assert.deepEqual(await ev('$partition([1,2,3,4,5], 2)'), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(await ev('$range(0, 10, 5)'), [0, 5, 10]);
    assert.equal(await ev("$hash('a', 'SHA-1')"), '86f7e437faa5a7fce15d1ddcb9eaeaea377667b8');
    assert.deepEqual(await ev('$parse(\'{"a": [1]}\')'), { a: [1] });
    assert.equal(await ev('$random()'), 0.5);
    assert.equal(await ev('$random(7)'), await ev('$random(7)', { random: () => 0.1 }));
    assert.match(String(await ev('$uuid()')), /^8{8}-8{4}-4888-8888-8{12}$/);
    assert.equal(await ev('$millis()'), start);
    assert.equal(await ev('$now()'), '2026-01-01T00:00:00.000Z');
    assert.match((await cause(ev("$eval('1')"))) ?? '', /T1006/);
  });
});

describe('JSONata states', () => {
  const lambda = 'arn:aws:lambda:us-east-1:111111111111:function:f';
  const echo = (requests: TaskRequest[] = []) => ({
    resolveTask: async (r: TaskRequest): Promise<Json> => {
      requests.push(r);
      if (isFailing(r.parameters)) throw new StatesFailure('Boom', 'it broke');
      return { got: r.parameters };
    },
  });
  const isFailing = (p: Json) => typeof p === 'object' && p !== null && !Array.isArray(p) && p.fail === true;
  /** A JSONata state machine starting at a Task T on a Lambda function. */
  const taskMachine = (t: Partial<AslState>, others: Record<string, AslState> = {}): StateMachineDefinition => ({
    QueryLanguage: 'JSONata',
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: lambda, ...t }, ...others },
  });

  it('run a Task: Arguments in, $states.result to Assign and Output; TimeoutSeconds from an expression', async () => {
    const requests: TaskRequest[] = [];
    const def = taskMachine(
      {
        Arguments: { n: '{% $states.input.n + 1 %}' },
        TimeoutSeconds: '{% $states.input.n * 10 %}',
        Assign: { saved: '{% $states.result.got.n %}' },
        Output: { result: '{% $states.result %}', input: '{% $states.input %}' },
        Next: 'P',
      },
      { P: { Type: 'Pass', Output: '{% $saved %}', End: true } },
    );
    const r = await runExecution(def, { n: 1 }, { startMs: start, ...echo(requests) });
    assert.equal(output(r), 2);
    assert.deepEqual(requests[0].parameters, { n: 2 });
    assert.equal(requests[0].timeoutSeconds, 10);
  });

  it('give a Task without Arguments its input, and a Task without Output its result', async () => {
    const def = taskMachine({ End: true });
    assert.deepEqual(output(await runExecution(def, { a: 1 }, { startMs: start, ...echo() })), { got: { a: 1 } });
  });

  it('evaluate Assign and Output with the variables from before the state', async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { x: 1 }, Next: 'B' },
        B: { Type: 'Pass', Assign: { x: '{% $x + 1 %}' }, Output: '{% $x %}', Next: 'C' },
        C: { Type: 'Pass', Output: { before: '{% $states.input %}', now: '{% $x %}' }, End: true },
      },
    };
    assert.deepEqual(output(await runExecution(def, {}, { startMs: start })), { before: 1, now: 2 });
  });

  it('report the Assign error first; give a Parallel without Arguments its input', async () => {
    const both: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Assign: { x: '{% $a %}' }, Output: '{% $b %}', End: true } },
    };
    assert.match(String(output(await runExecution(both, {}, { startMs: start }))), /'\$a' specified for the field 'Assign\/x'/);
    const parallel: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', End: true } } }], End: true } },
    };
    assert.deepEqual(output(await runExecution(parallel, { i: 1 }, { startMs: start })), [{ i: 1 }]);
  });

  it("catch with $states.errorOutput, Output defaulting to it; a failing expression's error can be caught", async () => {
    const def = taskMachine(
      {
        Arguments: '{% $states.input %}',
        Catch: [{ ErrorEquals: ['States.ALL'], Assign: { err: '{% $states.errorOutput.Error %}' }, Next: 'Q' }],
        End: true,
      },
      { Q: { Type: 'Pass', Output: { caught: '{% $states.input %}', err: '{% $err %}' }, End: true } },
    );
    assert.deepEqual(output(await runExecution(def, { fail: true }, { startMs: start, ...echo() })), {
      caught: { Error: 'Boom', Cause: 'it broke' },
      err: 'Boom',
    });
    const badCatcher = taskMachine({
      Arguments: '{% $states.input %}',
      Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $nope %}', Next: 'T' }],
      End: true,
    });
    assert.equal(
      output(await runExecution(badCatcher, { fail: true }, { startMs: start, ...echo() })),
      "FAILED States.QueryEvaluationError: An error occurred while executing the state 'T' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Catch[0]/Output' returned nothing (undefined).",
    );
    const bad: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Arguments: '{% $missing %}',
          Branches: [{ StartAt: 'X', States: { X: { Type: 'Succeed' } } }],
          End: true,
          Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'Q' }],
        },
        Q: { Type: 'Pass', Output: '{% $states.input.Cause %}', End: true },
      },
    };
    assert.equal(
      output(await runExecution(bad, {}, { startMs: start })),
      "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$missing' specified for the field 'Arguments' returned nothing (undefined).",
    );
  });

  it("choose by Condition; the matched rule's Output replaces the state's, its Assign goes over the state's", async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $states.input.n > 1 %}', Output: 'big', Assign: { b: 2 }, Next: 'Done' }],
          Default: 'Done',
          Output: 'small',
          Assign: { a: 1, b: 1 },
        },
        Done: { Type: 'Pass', Output: { out: '{% $states.input %}', a: '{% $a %}', b: '{% $b %}' }, End: true },
      },
    };
    assert.deepEqual(output(await runExecution(def, { n: 5 }, { startMs: start })), { out: 'big', a: 1, b: 2 });
    assert.deepEqual(output(await runExecution(def, { n: 0 }, { startMs: start })), { out: 'small', a: 1, b: 1 });
    const notBoolean = { ...def, States: { ...def.States, C: { ...def.States.C, Choices: [{ Condition: '{% 1 %}', Next: 'Done' }] } } };
    assert.match(
      String(output(await runExecution(notBoolean, {}, { startMs: start }))),
      /'1' specified for the field 'Choices\[0\]\/Condition' returned an unexpected result type\. Expected 'boolean', but was 'number' for value: 1$/,
    );
  });

  it("run a Map over Items with an ItemSelector that sees $states.context.Map.Item; its processor takes its machine's language", async () => {
    const map = {
      Type: 'Map',
      QueryLanguage: 'JSONata',
      Items: '{% $states.input.xs %}',
      ItemSelector: { i: '{% $states.context.Map.Item.Index %}', v: '{% $states.context.Map.Item.Value %}', k: '{% $states.input.k %}' },
      MaxConcurrency: '{% 1 %}',
      Output: '{% $states.result %}',
      End: true,
    } as const;
    const jsonata: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'M',
      States: {
        M: {
          ...map,
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input.k & $states.input.v %}', End: true } } },
        },
      },
    };
    assert.deepEqual(output(await runExecution(jsonata, { xs: ['a', 'b'], k: '-' }, { startMs: start })), ['-a', '-b']);
    // A JSONata Map in a JSONPath state machine runs JSONPath states (measured on AWS).
    const jsonPath: StateMachineDefinition = {
      StartAt: 'M',
      States: {
        M: { ...map, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'got.$': '$.i' }, End: true } } } },
      },
    };
    assert.deepEqual(output(await runExecution(jsonPath, { xs: ['a', 'b'], k: '-' }, { startMs: start })), [{ got: 0 }, { got: 1 }]);
  });

  it('wait for Seconds from an expression, and fail with Error and Cause from expressions', async () => {
    const def: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: '{% $states.input.s %}', Next: 'F' },
        F: { Type: 'Fail', Error: "{% 'E' & $states.input.s %}", Cause: '{% $string($states.context.State.Name) %}' },
      },
    };
    const r = await runExecution(def, { s: 30 }, { startMs: start });
    assert.deepEqual([r.status, r.status === 'FAILED' && r.error, r.status === 'FAILED' && r.cause], ['FAILED', 'E30', 'F']);
    assert.equal(r.events.at(-1)!.timestamp - start, 30_000);
  });

  it('mix with JSONPath states: variables cross, each state reads its own language', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Parameters: { 'v.$': '$.v' }, Assign: { seen: 'yes' }, Next: 'B' },
        B: { Type: 'Pass', QueryLanguage: 'JSONata', Output: { v: '{% $states.input.v %}', seen: '{% $seen %}', path: '$.v' }, End: true },
      },
    };
    assert.deepEqual(output(await runExecution(def, { v: 3 }, { startMs: start })), { v: 3, seen: 'yes', path: '$.v' });
  });
});
