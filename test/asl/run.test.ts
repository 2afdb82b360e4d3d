import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  enterState,
  type Json,
  runExecution,
  type StateMachineDefinition,
  StatesFailure,
  type Step,
  stepEvents,
  type TaskRequest,
} from '../../src/core/asl/index.ts';

const start = Date.UTC(2026, 0, 1);

/** A Task resolver that fails the first `failures` calls with `error`, then echoes its parameters. */
function flaky(failures: number, error = 'Boom') {
  const calls: TaskRequest[] = [];
  const resolve = async (r: TaskRequest): Promise<Json> => {
    calls.push(r);
    if (calls.length <= failures) throw new StatesFailure(error, `call ${calls.length}`);
    return { echoed: r.parameters };
  };
  return { calls, resolve };
}

const task = (extra: object): StateMachineDefinition => ({
  StartAt: 'T',
  States: {
    T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', End: true, ...extra },
    Caught: { Type: 'Pass', End: true },
  },
});

describe('the in-memory runner', () => {
  it('ends a real-clock execution at its deadline, in a Wait or a Task that never answers', { timeout: 30_000 }, async () => {
    const clock = {
      now: () => Date.now(),
      sleep: (ms: number) => sleepFor(ms),
      timer: (ms: number, fn: () => void) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
    };
    const waits: StateMachineDefinition = { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } };
    const w = await runExecution(waits, {}, { clock });
    assert.deepEqual([w.status, 'error' in w ? w.error : null], ['TIMED_OUT', 'States.Timeout']);
    const calls: TaskRequest[] = [];
    const hangs = (r: TaskRequest) => {
      calls.push(r);
      return new Promise<Json>(() => {});
    };
    // deadlineMs (an EXPRESS execution's five minutes) ends it as TimeoutSeconds does, in a Map's iterations too.
    const map: StateMachineDefinition = {
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemProcessor: task({}), End: true } },
    };
    const m = await runExecution(map, [1, 2], { clock, resolveTask: hangs, deadlineMs: Date.now() + 200 });
    assert.equal(m.status, 'TIMED_OUT');
    assert.equal(calls.length, 2);
    // A deadline already past: nothing runs.
    const late = await runExecution(task({}), {}, { clock, resolveTask: hangs, deadlineMs: Date.now() - 1 });
    assert.equal(late.status, 'TIMED_OUT');
    assert.equal(calls.length, 2);
  });

  it('retries with back-off on a virtual clock, then succeeds', async () => {
    const f = flaky(2);
    const r = await runExecution(
      task({ Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 3, BackoffRate: 2 }] }),
      { x: 1 },
      { startMs: start, resolveTask: f.resolve },
    );
    assert.equal(r.status, 'SUCCEEDED');
    assert.deepEqual(r.status === 'SUCCEEDED' && r.output, { echoed: { x: 1 } });
    assert.equal(f.calls.length, 3);
    // 3 s then 6 s of back-off, and the context counts retries.
    assert.equal(r.events.at(-1)!.timestamp - start, 9000);
    assert.deepEqual(
      f.calls.map((c) => (c.context as { State: { RetryCount: number } }).State.RetryCount),
      [0, 1, 2],
    );
  });

  it('catches after the retries run out, putting the error at ResultPath', async () => {
    const f = flaky(5);
    const def = task({
      Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
    });
    const r = await runExecution(def, { x: 1 }, { startMs: start, resolveTask: f.resolve });
    assert.deepEqual(r.status === 'SUCCEEDED' && r.output, { x: 1, error: { Error: 'Boom', Cause: 'call 2' } });
    assert.equal(f.calls.length, 2);
  });

  it('does not catch States.Runtime with States.ALL', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', OutputPath: '$.missing', End: true } } }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'C' }],
          End: true,
        },
        C: { Type: 'Pass', End: true },
      },
    };
    const r = await runExecution(def, {}, { startMs: start });
    assert.deepEqual([r.status, r.status !== 'SUCCEEDED' && r.error], ['FAILED', 'States.Runtime']);
  });

  it('fails a Map with the inner error, or with ExceedToleratedFailureThreshold past its tolerance', async () => {
    const map = (extra: object): StateMachineDefinition => ({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'C',
            States: {
              C: { Type: 'Choice', Choices: [{ Variable: '$', NumericGreaterThan: 1, Next: 'F' }], Default: 'OK' },
              F: { Type: 'Fail', Error: 'TooBig', Cause: 'item over 1' },
              OK: { Type: 'Succeed' },
            },
          },
          End: true,
          ...extra,
        },
      },
    });
    const plain = await runExecution(map({}), [1, 2, 3], { startMs: start });
    assert.deepEqual(plain.status !== 'SUCCEEDED' && [plain.error, plain.cause], ['TooBig', 'item over 1']);
    const tolerated = await runExecution(map({ ToleratedFailureCount: 2 }), [1, 2, 3], { startMs: start });
    // A tolerated failure's place in the output holds its error output.
    assert.deepEqual(tolerated.status === 'SUCCEEDED' && tolerated.output, [
      1,
      { Error: 'TooBig', Cause: 'item over 1' },
      { Error: 'TooBig', Cause: 'item over 1' },
    ]);
    // With both limits, the Map fails only when both are exceeded.
    const both = await runExecution(map({ ToleratedFailureCount: 1, ToleratedFailurePercentage: 70 }), [1, 2, 3], { startMs: start });
    assert.equal(both.status, 'SUCCEEDED');
    const exceeded = await runExecution(map({ ToleratedFailurePercentage: 50 }), [1, 2, 3], { startMs: start });
    assert.equal(exceeded.status !== 'SUCCEEDED' && exceeded.error, 'States.ExceedToleratedFailureThreshold');
  });

  it('writes history in Step Functions event types', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: 60, Next: 'M' },
        M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
      },
    };
    const r = await runExecution(def, [7], { startMs: start });
    assert.deepEqual(
      r.events.map((e) => e.type),
      [
        'ExecutionStarted',
        'WaitStateEntered',
        'WaitStateExited',
        'MapStateEntered',
        'MapStateStarted',
        'MapIterationStarted',
        'PassStateEntered',
        'PassStateExited',
        'MapIterationSucceeded',
        'MapStateSucceeded',
        'MapStateExited',
        'ExecutionSucceeded',
      ],
    );
    // The wait was skipped, not slept: its end is 60 s later on the virtual clock.
    assert.equal(r.events[3].timestamp - start, 60_000);
  });

  it("applies a Choice state's Assign and its matched rule's, the rule's winning", async () => {
    const def: StateMachineDefinition = {
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Assign: { a: 'state', b: 'state' },
          Choices: [{ Variable: '$.x', NumericEquals: 1, Assign: { b: 'rule' }, Next: 'P' }],
          Default: 'P',
        },
        P: { Type: 'Pass', Parameters: { 'a.$': '$a', 'b.$': '$b' }, End: true },
      },
    };
    const r = await runExecution(def, { x: 1 }, { startMs: start });
    assert.deepEqual(r.status === 'SUCCEEDED' && r.output, { a: 'state', b: 'rule' });
  });

  it('batches Map items with ItemBatcher', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemSelector: { 'v.$': '$$.Map.Item.Value' },
          ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'tag.$': '$.tag' } },
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    const r = await runExecution(def, { tag: 't', items: [1, 2, 3] }, { startMs: start });
    assert.deepEqual(r.status === 'SUCCEEDED' && r.output, [
      { Items: [{ v: 1 }, { v: 2 }], BatchInput: { tag: 't' } },
      { Items: [{ v: 3 }], BatchInput: { tag: 't' } },
    ]);
  });

  it('hands the resolver the Task timeouts, TimeoutSecondsPath read from the input', async () => {
    const f = flaky(0);
    await runExecution(task({ TimeoutSecondsPath: '$.t', HeartbeatSeconds: 5 }), { t: 30 }, { startMs: start, resolveTask: f.resolve });
    assert.deepEqual([f.calls[0].timeoutSeconds, f.calls[0].heartbeatSeconds], [30, 5]);
  });

  it('hands a callback Task its token as $$.Task.Token', async () => {
    const f = flaky(0);
    const def = task({ Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', Parameters: { 'token.$': '$$.Task.Token' } });
    await runExecution(def, {}, { startMs: start, resolveTask: f.resolve, random: () => 0.5 });
    assert.match((f.calls[0].parameters as { token: string }).token, /^[0-9a-f-]{36}$/);
  });

  it('fails a path it cannot parse with States.Runtime, not an exception', async () => {
    const r = await runExecution(
      { StartAt: 'P', States: { P: { Type: 'Pass', InputPath: "$['a','b']", End: true } } },
      {},
      { startMs: start },
    );
    assert.deepEqual([r.status, r.status !== 'SUCCEEDED' && r.error], ['FAILED', 'States.Runtime']);
  });

  it('fails an execution that reaches its event cap with States.Runtime, its end recorded past the cap', async () => {
    const r = await runExecution(
      {
        StartAt: 'M',
        States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } },
      },
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      { startMs: start, maxEvents: 20 },
    );
    assert.deepEqual([r.status, r.status !== 'SUCCEEDED' && r.error], ['FAILED', 'States.Runtime']);
    assert.equal(r.events.length, 21);
    assert.equal(r.events.at(-1)?.type, 'ExecutionFailed');
  });

  it('without a history (EXPRESS) makes no events, yet ends the same way and keeps the event cap', async () => {
    const map = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'v.$': '$' }, End: true } } },
          Next: 'Q',
        },
        Q: { Type: 'Pass', End: true },
      },
    } as StateMachineDefinition;
    const kept = await runExecution(map, [1, 2, 3], { startMs: start });
    const none = await runExecution(map, [1, 2, 3], { startMs: start, history: false });
    assert.deepEqual(none, { ...kept, events: [] });
    assert.ok(kept.events.length > 0);
    // The cap counts the events it does not make: the same execution, the same failure.
    const capped = await runExecution(map, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { startMs: start, maxEvents: 20, history: false });
    assert.deepEqual([capped.status, capped.status !== 'SUCCEEDED' && capped.error, capped.events], ['FAILED', 'States.Runtime', []]);
  });

  it('still refuses a Pass chain whose output grows past 256 KiB, though an unchanged output is not measured again', async () => {
    const big = 'x'.repeat(200_000);
    const r = await runExecution(
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Next: 'B' },
          B: { Type: 'Pass', Parameters: { 'a.$': '$.s', 'b.$': '$.s' }, Next: 'C' },
          C: { Type: 'Pass', End: true },
        },
      },
      { s: big },
      { startMs: start },
    );
    assert.deepEqual([r.status, r.status !== 'SUCCEEDED' && r.error], ['FAILED', 'States.DataLimitExceeded']);
  });
});

describe('the transition function', () => {
  it('returns a Wait as an instruction to resume at a time, with what follows', async () => {
    const def: StateMachineDefinition = {
      StartAt: 'W',
      States: { W: { Type: 'Wait', TimestampPath: '$.at', Next: 'X' }, X: { Type: 'Succeed' } },
    };
    const execution = {
      id: 'e',
      name: 'e',
      input: {},
      startTime: '',
      roleArn: '',
      stateMachineId: '',
      stateMachineName: '',
      redriveCount: 0,
    };
    const pos = { state: 'W', input: { at: '2026-01-01T00:01:00Z' }, enteredTime: '', enteredEventId: 2, retryCounts: [], variables: {} };
    const step = await enterState(def, pos, { execution, now: () => start, random: Math.random });
    assert.deepEqual(step, { kind: 'wait', untilMs: start + 60_000, after: { kind: 'next', next: 'X', output: pos.input, variables: {} } });
    // A wait writes no event of its own; the state's exit is written when it goes on.
    assert.deepEqual(stepEvents('Wait', 'W', step), []);
    assert.deepEqual(stepEvents('Wait', 'W', (step as { after: Step }).after), [
      { type: 'WaitStateExited', details: { name: 'W', output: pos.input } },
    ]);
  });
});
