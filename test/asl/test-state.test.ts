/** TestState's pure parts: which state a request tests, what it may ask, and one state's run with its inspection data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Environment } from '../../src/core/asl/context.ts';
import { type Json, StatesFailure } from '../../src/core/asl/errors.ts';
import type { TaskResolver } from '../../src/core/asl/run.ts';
import { locateState, type StateUnderTest, TEST_STATE_NAME, type TestStateAsk, testStateProblem } from '../../src/core/asl/test-state.ts';
import { runTestState, type TestStateRun } from '../../src/core/asl/test-state-run.ts';

const env: Environment = {
  execution: {
    id: 'arn:aws:states:us-east-1:000000000000:execution:TestStateMachine:x',
    name: 'x',
    input: {},
    startTime: '2026-01-01T00:00:00.000Z',
    roleArn: 'arn:aws:iam::000000000000:role/r',
    stateMachineId: 'arn:aws:states:us-east-1:000000000000:stateMachine:TestStateMachine',
    stateMachineName: 'TestStateMachine',
    redriveCount: 0,
  },
  now: () => Date.parse('2026-01-01T00:00:00.000Z'),
  random: () => 0.5,
};

const noAsk: TestStateAsk = {
  mock: undefined,
  context: undefined,
  retrierRetryCount: undefined,
  errorCausedByState: undefined,
  mapIterationFailureCount: undefined,
  mapItemReaderData: undefined,
};

function under(definition: Json, stateName?: string): StateUnderTest {
  const located = locateState(definition, stateName);
  assert.equal(located.kind, 'found', JSON.stringify(located));
  return (located as { under: StateUnderTest }).under;
}

const noTasks: TaskResolver = async () => {
  throw new Error('no task should run');
};

function run(definition: unknown, o: Partial<TestStateRun> & { stateName?: string } = {}, tasks = noTasks) {
  const { stateName, ...rest } = o;
  return runTestState(
    { under: under(definition as Json, stateName), input: {}, variables: {}, inspectionLevel: 'DEBUG', ...noAsk, ...rest },
    env,
    tasks,
  );
}

describe('TestState: the state under test', () => {
  it('tests one state under TestState, with a Succeed for each state it names', () => {
    const u = under({ Type: 'Choice', Choices: [{ Variable: '$.a', IsPresent: true, Next: 'Yes' }], Default: 'No' });
    assert.equal(u.name, TEST_STATE_NAME);
    assert.deepEqual(Object.keys(u.machine.States).sort(), ['No', 'TestState', 'Yes']);
  });

  it('finds a named state in a whole machine, a Parallel branch or a Map processor included', () => {
    const machine = {
      StartAt: 'P',
      QueryLanguage: 'JSONata',
      States: {
        P: { Type: 'Parallel', Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Pass', End: true } } }], End: true },
      },
    };
    const u = under(machine, 'Inner');
    assert.equal(u.state.Type, 'Pass');
    // The branch inherits the machine's query language.
    assert.equal(u.machine.QueryLanguage, 'JSONata');
    assert.deepEqual(locateState(machine, 'Nope'), { kind: 'missing', message: "The state 'Nope' is not in the definition" });
  });

  it('refuses an invalid state or machine with its diagnostics', () => {
    const bad = locateState({ Type: 'Pass', Next: 'X', End: true }, undefined);
    assert.equal(bad.kind, 'invalid');
    const noType = locateState({ Result: 1 }, undefined);
    assert.equal(noType.kind, 'invalid');
    const machine = locateState({ StartAt: 'Missing', States: { A: { Type: 'Pass', End: true } } }, 'A');
    assert.equal(machine.kind, 'invalid');
  });

  it('says what a request may not ask of a state', () => {
    const pass = under({ Type: 'Pass', End: true });
    const task = (resource: string) => under({ Type: 'Task', Resource: resource, End: true });
    const result = { kind: 'result' as const, result: {}, validation: 'STRICT' as const };
    assert.match(testStateProblem(pass, { ...noAsk, mock: result }) ?? '', /only be specified for Task, Map or Parallel/);
    assert.match(testStateProblem(task('arn:aws:states:::lambda:invoke.waitForTaskToken'), noAsk) ?? '', /with a mock/);
    assert.match(testStateProblem(task('arn:aws:states:us-east-1:123456789012:activity:a'), noAsk) ?? '', /with a mock/);
    assert.match(testStateProblem(task('arn:aws:states:::lambda:invoke'), { ...noAsk, context: {} }) ?? '', /context/);
    const map = under({ Type: 'Map', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true });
    assert.match(testStateProblem(map, noAsk) ?? '', /Map state can only be tested with a mock/);
    const error = { kind: 'error' as const, error: 'E', cause: undefined };
    assert.equal(testStateProblem(map, { ...noAsk, mock: error, errorCausedByState: 'I' }), undefined);
    assert.match(testStateProblem(map, { ...noAsk, mock: error, errorCausedByState: 'J' }) ?? '', /not a state/);
  });

  it('checks a mocked lambda:invoke result against its response (STRICT and PRESENT), not with NONE', () => {
    const t = under({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true });
    const mock = (result: Json, validation: 'STRICT' | 'PRESENT' | 'NONE' = 'STRICT') => ({
      ...noAsk,
      mock: { kind: 'result' as const, result, validation },
    });
    assert.equal(testStateProblem(t, mock({ StatusCode: 200, Payload: { x: 1 } })), undefined);
    assert.match(testStateProblem(t, mock({ StatusCode: '200' })) ?? '', /'StatusCode' must be a number/);
    assert.match(testStateProblem(t, mock({ Nope: 1 }, 'PRESENT')) ?? '', /'Nope'/);
    assert.equal(testStateProblem(t, mock({ Nope: 1 }, 'NONE')), undefined);
  });
});

describe('TestState: one state run', () => {
  it('shows each JSONPath step of a Pass state at DEBUG, and only the output at INFO', async () => {
    const pass = { Type: 'Pass', InputPath: '$.order', Parameters: { 'id.$': '$.id', fixed: 1 }, ResultPath: '$.picked', Next: 'After' };
    const input = { order: { id: 7, other: true }, keep: 'me' };
    const debug = await run(pass, { input });
    assert.equal(debug.status, 'SUCCEEDED');
    assert.equal(debug.nextState, 'After');
    const expectedOutput = { order: { id: 7, other: true }, keep: 'me', picked: { id: 7, fixed: 1 } };
    assert.deepEqual(debug.output, expectedOutput);
    assert.deepEqual(debug.inspection, {
      input,
      afterInputPath: { id: 7, other: true },
      afterParameters: { id: 7, fixed: 1 },
      result: { id: 7, fixed: 1 },
      afterResultPath: expectedOutput,
    });
    const info = await run(pass, { input, inspectionLevel: 'INFO' });
    assert.deepEqual(info.inspection, {});
    assert.deepEqual(info.output, expectedOutput);
  });

  it('runs a Task through the resolver: result, ResultSelector, ResultPath', async () => {
    const seen: Json[] = [];
    const tasks: TaskResolver = async (r) => {
      seen.push(r.parameters);
      return { Payload: { sum: 3 }, StatusCode: 200 };
    };
    const task = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'add', 'Payload.$': '$' },
      ResultSelector: { 'sum.$': '$.Payload.sum' },
      ResultPath: '$.out',
      End: true,
    };
    const r = await run(task, { input: { a: 1 } }, tasks);
    assert.deepEqual(seen, [{ FunctionName: 'add', Payload: { a: 1 } }]);
    assert.equal(r.status, 'SUCCEEDED');
    assert.equal(r.nextState, undefined);
    assert.deepEqual(r.output, { a: 1, out: { sum: 3 } });
    assert.deepEqual(r.inspection.result, { Payload: { sum: 3 }, StatusCode: 200 });
    assert.deepEqual(r.inspection.afterResultSelector, { sum: 3 });
    assert.deepEqual(r.inspection.afterResultPath, { a: 1, out: { sum: 3 } });
  });

  it('reports a matching retrier as RETRIABLE with its back-off, and past MaxAttempts the catcher as CAUGHT_ERROR', async () => {
    const task = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f' },
      Retry: [
        { ErrorEquals: ['Other'], MaxAttempts: 5 },
        { ErrorEquals: ['Boom'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover', ResultPath: '$.error' }],
      End: true,
    };
    const mock = { kind: 'error' as const, error: 'Boom', cause: 'it broke' };
    const first = await run(task, { mock, input: { a: 1 } });
    assert.equal(first.status, 'RETRIABLE');
    assert.deepEqual([first.error, first.cause, first.nextState], ['Boom', 'it broke', undefined]);
    assert.deepEqual(first.inspection.errorDetails, { retryIndex: 1, retryBackoffIntervalSeconds: 2 });
    const second = await run(task, { mock, retrierRetryCount: 1, inspectionLevel: 'INFO' });
    assert.deepEqual(second.inspection, { errorDetails: { retryIndex: 1, retryBackoffIntervalSeconds: 6 } });
    const caught = await run(task, { mock, retrierRetryCount: 2, input: { a: 1 } });
    assert.equal(caught.status, 'CAUGHT_ERROR');
    assert.equal(caught.nextState, 'Recover');
    assert.deepEqual(caught.output, { a: 1, error: { Error: 'Boom', Cause: 'it broke' } });
    assert.deepEqual(caught.inspection.errorDetails, { catchIndex: 0 });
  });

  it('fails a Fail state and a Choice without a match, and names the Choice rule’s Next', async () => {
    const fail = await run({ Type: 'Fail', Error: 'Nope', Cause: 'because' });
    assert.deepEqual([fail.status, fail.error, fail.cause], ['FAILED', 'Nope', 'because']);
    const choice = { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 1, Next: 'Big' }], Default: 'Small' };
    assert.equal((await run(choice, { input: { n: 2 } })).nextState, 'Big');
    assert.equal((await run(choice, { input: { n: 0 } })).nextState, 'Small');
    const noDefault = await run({ Type: 'Choice', Choices: [{ Variable: '$.n', IsPresent: true, Next: 'A' }] });
    assert.deepEqual([noDefault.status, noDefault.error], ['FAILED', 'States.NoChoiceMatched']);
  });

  it('does not wait in a Wait state', async () => {
    const r = await run({ Type: 'Wait', Seconds: 3600, Next: 'Later' }, { input: { x: 1 } });
    assert.deepEqual([r.status, r.nextState, r.output], ['SUCCEEDED', 'Later', { x: 1 }]);
  });

  it('evaluates a JSONata state with variables: Arguments, result, Output and Assign', async () => {
    const task = {
      Type: 'Task',
      QueryLanguage: 'JSONata',
      Resource: 'arn:aws:states:::lambda:invoke',
      Arguments: { FunctionName: 'f', Payload: { n: '{% $states.input.n * $factor %}' } },
      Output: '{% $states.result.Payload %}',
      Assign: { last: '{% $states.result.Payload.n %}' },
      End: true,
    };
    const mock = { kind: 'result' as const, result: { Payload: { n: 42 } }, validation: 'STRICT' as const };
    const r = await run(task, { mock, input: { n: 21 }, variables: { factor: 2 } });
    assert.equal(r.status, 'SUCCEEDED');
    assert.deepEqual(r.output, { n: 42 });
    assert.deepEqual(r.inspection.afterArguments, { FunctionName: 'f', Payload: { n: 42 } });
    assert.deepEqual(r.inspection.variables, { factor: 2, last: 42 });
    assert.equal(r.inspection.afterInputPath, undefined);
  });

  it('answers a mocked Map with its iterations’ inputs, and fails it past its tolerated failures', async () => {
    const map = {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'v.$': '$$.Map.Item.Value' },
      ToleratedFailureCount: 1,
      ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
      End: true,
    };
    const mock = { kind: 'result' as const, result: [1, 2], validation: 'STRICT' as const };
    const r = await run(map, { mock, input: { items: ['a', 'b'] } });
    assert.equal(r.status, 'SUCCEEDED');
    assert.deepEqual(r.output, [1, 2]);
    assert.deepEqual(r.inspection.afterItemsPath, ['a', 'b']);
    assert.deepEqual(r.inspection.afterItemSelector, [{ v: 'a' }, { v: 'b' }]);
    assert.equal(r.inspection.toleratedFailureCount, 1);
    const over = await run(map, { mock, input: { items: ['a', 'b'] }, mapIterationFailureCount: 2 });
    assert.deepEqual([over.status, over.error], ['FAILED', 'States.ExceedToleratedFailureThreshold']);
  });

  it('fails with the task’s error when the resolver fails it, and a bad path with States.Runtime', async () => {
    const tasks: TaskResolver = async () => {
      throw new StatesFailure('Lambda.ResourceNotFoundException', 'no such function');
    };
    const r = await run(
      { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'x' }, End: true },
      {},
      tasks,
    );
    assert.deepEqual([r.status, r.error], ['FAILED', 'Lambda.ResourceNotFoundException']);
    const bad = await run({ Type: 'Pass', InputPath: '$.missing', End: true }, { input: {} });
    assert.deepEqual([bad.status, bad.error], ['FAILED', 'States.Runtime']);
  });
});
