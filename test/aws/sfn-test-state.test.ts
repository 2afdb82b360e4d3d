/**
 * TestState through the real AWS SDK (@aws-sdk/client-sfn) against a started Hangar: one state
 * run on its own with its inspection data — Pass, Choice, Fail, a Task that invokes a real Hangar
 * function, Retry and Catch reported as RETRIABLE and CAUGHT_ERROR, mocks, JSONata, variables, a
 * state of a whole machine — and Step Functions' refusals of bad definitions and bad requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SFNClient, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: SFNClient;
let aliceKey: { keyId: string; key: string };

before(async () => {
  // Workers too: an unmocked Task's function runs in their sandbox.
  p = await testPlatform();
  aliceKey = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  alice = sfnClient(p.url!, aliceKey);
});
after(() => p.close());

const test = (state: unknown, o: Omit<TestStateCommandInput, 'definition'> = {}) =>
  alice.send(new TestStateCommand({ definition: JSON.stringify(state), ...o }));

async function deploy(name: string, source: string): Promise<void> {
  const zip = makeZip({ 'index.js': source }).toString('base64');
  const r = await p.inject({
    method: 'PUT',
    url: `/functions/${name}`,
    auth: aliceKey.key,
    payload: { zip, runtime: 'nodejs22.x', handler: 'index.handler' },
  });
  assert.equal(r.statusCode, 201, r.body);
}

describe('TestState through the AWS SDK', () => {
  it('shows each JSONPath step of a Pass state at DEBUG', async () => {
    const r = await test(
      { Type: 'Pass', InputPath: '$.order', Parameters: { 'id.$': '$.id', source: 'test' }, ResultPath: '$.picked', Next: 'Ship' },
      { input: JSON.stringify({ order: { id: 7, lines: 2 }, keep: true }), inspectionLevel: 'DEBUG' },
    );
    assert.equal(r.status, 'SUCCEEDED');
    assert.equal(r.nextState, 'Ship');
    assert.deepEqual(JSON.parse(r.output!), { order: { id: 7, lines: 2 }, keep: true, picked: { id: 7, source: 'test' } });
    const d = r.inspectionData!;
    assert.deepEqual(JSON.parse(d.input!), { order: { id: 7, lines: 2 }, keep: true });
    assert.deepEqual(JSON.parse(d.afterInputPath!), { id: 7, lines: 2 });
    assert.deepEqual(JSON.parse(d.afterParameters!), { id: 7, source: 'test' });
    assert.deepEqual(JSON.parse(d.result!), { id: 7, source: 'test' });
    assert.deepEqual(JSON.parse(d.afterResultPath!), JSON.parse(r.output!));
    // INFO (the default) shows the output alone.
    const info = await test({ Type: 'Pass', Result: 1, End: true });
    assert.deepEqual([info.status, info.output, info.nextState, info.inspectionData], ['SUCCEEDED', '1', undefined, undefined]);
  });

  it("names a Choice's next state, fails a Fail state, and tests a named state of a whole machine", async () => {
    const choice = { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }], Default: 'Small' };
    assert.equal((await test(choice, { input: '{"n":11}' })).nextState, 'Big');
    assert.equal((await test(choice, { input: '{"n":1}' })).nextState, 'Small');
    const fail = await test({ Type: 'Fail', Error: 'OrderRejected', Cause: 'out of stock' });
    assert.deepEqual([fail.status, fail.error, fail.cause, fail.output], ['FAILED', 'OrderRejected', 'out of stock', undefined]);
    const machine = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Parameters: { 'twice.$': 'States.MathAdd($.n, $.n)' }, End: true } },
    };
    const b = await test(machine, { stateName: 'B', input: '{"n":4}' });
    assert.deepEqual([b.status, b.output, b.nextState], ['SUCCEEDED', '{"twice":8}', undefined]);
  });

  it('runs a Task that invokes a real Hangar function', { skip: NO_SANDBOX }, async () => {
    await deploy('add', 'exports.handler = async (e) => ({ sum: e.a + e.b });');
    const r = await test(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'add', 'Payload.$': '$' },
        ResultSelector: { 'sum.$': '$.Payload.sum' },
        ResultPath: '$.result',
        Next: 'Done',
      },
      { input: '{"a":2,"b":3}', inspectionLevel: 'TRACE' },
    );
    assert.equal(r.status, 'SUCCEEDED', `${r.error}: ${r.cause}`);
    assert.equal(r.nextState, 'Done');
    assert.deepEqual(JSON.parse(r.output!), { a: 2, b: 3, result: { sum: 5 } });
    const d = r.inspectionData!;
    assert.deepEqual(JSON.parse(d.afterParameters!), { FunctionName: 'add', Payload: { a: 2, b: 3 } });
    const raw = JSON.parse(d.result!);
    assert.deepEqual([raw.StatusCode, raw.Payload], [200, { sum: 5 }]);
    assert.deepEqual(JSON.parse(d.afterResultSelector!), { sum: 5 });
  });

  it("reports a real function's error with a matching Retry as RETRIABLE, then exhausted as CAUGHT_ERROR", {
    skip: NO_SANDBOX,
  }, async () => {
    await deploy('flaky', "exports.handler = async () => { const e = new Error('try later'); e.name = 'Flaky'; throw e; };");
    const state = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'flaky' },
      Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Apologise' }],
      End: true,
    };
    const first = await test(state, { input: '{"id":1}' });
    assert.equal(first.status, 'RETRIABLE', `${first.error}: ${first.cause}`);
    assert.equal(first.error, 'Flaky');
    assert.equal(first.nextState, undefined);
    assert.deepEqual(first.inspectionData?.errorDetails, { retryIndex: 0, retryBackoffIntervalSeconds: 3 });
    const second = await test(state, { input: '{"id":1}', stateConfiguration: { retrierRetryCount: 1 } });
    assert.deepEqual(second.inspectionData?.errorDetails, { retryIndex: 0, retryBackoffIntervalSeconds: 6 });
    const caught = await test(state, { input: '{"id":1}', stateConfiguration: { retrierRetryCount: 2 } });
    assert.equal(caught.status, 'CAUGHT_ERROR');
    assert.equal(caught.nextState, 'Apologise');
    assert.equal(caught.error, 'Flaky');
    const output = JSON.parse(caught.output!);
    assert.equal(output.id, 1);
    assert.equal(output.failure.Error, 'Flaky');
    assert.deepEqual(caught.inspectionData?.errorDetails, { catchIndex: 0 });
  });

  it('answers a Task, a Map and a Parallel with their mocks', async () => {
    const task = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'nowhere' }, End: true };
    const ok = await test(task, { mock: { result: '{"StatusCode":200,"Payload":{"ok":true}}' }, inspectionLevel: 'DEBUG' });
    assert.equal(ok.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(ok.output!), { StatusCode: 200, Payload: { ok: true } });
    const caught = await test(
      { ...task, Catch: [{ ErrorEquals: ['Lambda.ServiceException'], Next: 'Fallback' }] },
      { mock: { errorOutput: { error: 'Lambda.ServiceException', cause: 'mocked' } } },
    );
    assert.deepEqual(
      [caught.status, caught.nextState, caught.error, caught.cause],
      ['CAUGHT_ERROR', 'Fallback', 'Lambda.ServiceException', 'mocked'],
    );
    assert.deepEqual(JSON.parse(caught.output!), { Error: 'Lambda.ServiceException', Cause: 'mocked' });
    // STRICT (the default) checks the mock against lambda:invoke's response; NONE does not.
    const strict = await refusedBy(test(task, { mock: { result: '{"StatusCode":"200"}' } }));
    assert.equal(strict.name, 'ValidationException');
    const none = await test(task, { mock: { result: '{"StatusCode":"200"}', fieldValidationMode: 'NONE' } });
    assert.equal(none.status, 'SUCCEEDED');

    const map = {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ItemProcessor: { StartAt: 'Each', States: { Each: { Type: 'Pass', End: true } } },
      ResultPath: '$.done',
      End: true,
    };
    const m = await test(map, { input: '{"items":[1,2,3]}', mock: { result: '["a","b","c"]' }, inspectionLevel: 'DEBUG' });
    assert.equal(m.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(m.output!), { items: [1, 2, 3], done: ['a', 'b', 'c'] });
    assert.deepEqual(JSON.parse(m.inspectionData!.afterItemsPath!), [1, 2, 3]);
    assert.equal(m.inspectionData!.maxConcurrency, 2);
    const failedMap = await test(map, {
      input: '{"items":[1]}',
      mock: { errorOutput: { error: 'Boom' } },
      stateConfiguration: { errorCausedByState: 'Each' },
    });
    assert.deepEqual([failedMap.status, failedMap.error], ['FAILED', 'Boom']);
    const parallel = { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }], Next: 'After' };
    const par = await test(parallel, { mock: { result: '[{"b":1}]' } });
    assert.deepEqual([par.status, par.output, par.nextState], ['SUCCEEDED', '[{"b":1}]', 'After']);
    // A Map or Parallel runs only mocked; a mock is only for Task, Map and Parallel.
    assert.equal((await refusedBy(test(parallel))).name, 'ValidationException');
    assert.equal((await refusedBy(test({ Type: 'Pass', End: true }, { mock: { result: '{}' } }))).name, 'ValidationException');
  });

  it('evaluates a JSONata state with variables, and shows the variables after it', async () => {
    const r = await test(
      {
        Type: 'Pass',
        QueryLanguage: 'JSONata',
        Assign: { total: '{% $total + $states.input.price %}' },
        Output: { charged: '{% $states.input.price * $rate %}' },
        Next: 'Next',
      },
      { input: '{"price":10}', variables: '{"total":5,"rate":2}', inspectionLevel: 'DEBUG' },
    );
    assert.equal(r.status, 'SUCCEEDED', `${r.error}: ${r.cause}`);
    assert.deepEqual(JSON.parse(r.output!), { charged: 20 });
    assert.deepEqual(JSON.parse(r.inspectionData!.variables!), { total: 15, rate: 2 });
    // A JSONPath state reads them too.
    const path = await test({ Type: 'Pass', Parameters: { 'seen.$': '$rate' }, End: true }, { variables: '{"rate":3}' });
    assert.equal(path.output, '{"seen":3}');
  });

  it('refuses an invalid definition with InvalidDefinition, and bad fields with ValidationException', async () => {
    const invalid = await refusedBy(test({ Type: 'Pass', Next: 'X', End: true }));
    assert.equal(invalid.name, 'InvalidDefinition');
    assert.equal(invalid.status, 400);
    assert.equal((await refusedBy(alice.send(new TestStateCommand({ definition: '{not json' })))).name, 'InvalidDefinition');
    assert.equal((await refusedBy(test({ Type: 'Nope' }))).name, 'InvalidDefinition');
    const pass = { Type: 'Pass', End: true };
    assert.equal((await refusedBy(test(pass, { input: '{oops' }))).name, 'InvalidExecutionInput');
    assert.equal((await refusedBy(test(pass, { inspectionLevel: 'LOUD' as never }))).name, 'ValidationException');
    assert.equal((await refusedBy(test(pass, { variables: '[1]' }))).name, 'ValidationException');
    const missing = await refusedBy(test({ StartAt: 'A', States: { A: pass } }, { stateName: 'B' }));
    assert.equal(missing.name, 'ValidationException');
    assert.match(missing.message, /'B'/);
  });
});
