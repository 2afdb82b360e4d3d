/**
 * GetExecutionHistory's event shapes (src/aws/sfn/history.ts): Hangar's history records, as
 * core/asl writes them, in Step Functions' HistoryEvent shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistoryMapper, resourceName } from '../../src/aws/sfn/history.ts';
import type { HistoryEventRecord } from '../../src/core/index.ts';

const ROLE = 'arn:aws:iam::123456789012:role/R';
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:greet';

function records(list: [type: string, previous: number, details?: object][]): HistoryEventRecord[] {
  return list.map(([type, previousEventId, details], i) => ({
    id: i + 1,
    previousEventId,
    type,
    timestamp: 1_700_000_000_000 + i * 1000,
    details: details === undefined ? null : JSON.stringify(details),
  }));
}

const mapper = (all: HistoryEventRecord[], includeData = true) =>
  new HistoryMapper({ region: 'us-east-1', roleArn: ROLE, includeData }, async (after, limit) =>
    all.filter((e) => e.id > after).slice(0, limit),
  );

describe('GetExecutionHistory event shapes', () => {
  it('names a service integration by its service and action, a Lambda ARN with LambdaFunction events', () => {
    assert.deepEqual(resourceName('arn:aws:states:::lambda:invoke'), { resourceType: 'lambda', resource: 'invoke' });
    assert.deepEqual(resourceName('arn:aws:states:::lambda:invoke.waitForTaskToken'), {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
    assert.deepEqual(resourceName('arn:aws:states:::states:startExecution.sync:2'), {
      resourceType: 'states',
      resource: 'startExecution.sync:2',
    });
  });

  it('maps an execution with a Pass, an integration Task and a Lambda Task', async () => {
    const all = records([
      ['ExecutionStarted', 0, { input: { a: 1 } }],
      ['PassStateEntered', 1, { name: 'P', input: { a: 1 } }],
      ['PassStateExited', 2, { name: 'P', output: { a: 1 } }],
      ['TaskStateEntered', 3, { name: 'T', input: { a: 1 } }],
      ['TaskScheduled', 4, { resource: 'arn:aws:states:::lambda:invoke', parameters: { FunctionName: 'greet' } }],
      ['TaskStarted', 5, { resource: 'arn:aws:states:::lambda:invoke' }],
      ['TaskSucceeded', 6, { output: { Payload: 'hi' } }],
      ['TaskStateExited', 7, { name: 'T', output: { Payload: 'hi' } }],
      ['TaskStateEntered', 8, { name: 'L', input: {} }],
      ['TaskScheduled', 9, { resource: FN, parameters: { x: 1 } }],
      ['TaskStarted', 10, { resource: FN }],
      ['TaskFailed', 11, { error: 'Boom', cause: 'bad' }],
      ['ExecutionFailed', 12, { error: 'Boom', cause: 'bad' }],
    ]);
    // The page starts after the Tasks were scheduled: their resources are read from before it.
    const events = await mapper(all).map(all.slice(6));
    assert.deepEqual(events[0], {
      timestamp: 1_700_000_006,
      type: 'TaskSucceeded',
      id: 7,
      previousEventId: 6,
      taskSucceededEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        output: '{"Payload":"hi"}',
        outputDetails: { truncated: false },
      },
    });
    assert.deepEqual(events[1].stateExitedEventDetails, { name: 'T', output: '{"Payload":"hi"}', outputDetails: { truncated: false } });
    assert.equal(events[3].type, 'LambdaFunctionScheduled');
    assert.deepEqual(events[3].lambdaFunctionScheduledEventDetails, { resource: FN, input: '{"x":1}', inputDetails: { truncated: false } });
    assert.equal(events[4].type, 'LambdaFunctionStarted');
    assert.equal(events[5].type, 'LambdaFunctionFailed');
    assert.deepEqual(events[5].lambdaFunctionFailedEventDetails, { error: 'Boom', cause: 'bad' });
    assert.deepEqual(events[6].executionFailedEventDetails, { error: 'Boom', cause: 'bad' });

    const first = await mapper(all).map(all.slice(0, 6));
    assert.deepEqual(first[0].executionStartedEventDetails, { input: '{"a":1}', inputDetails: { truncated: false }, roleArn: ROLE });
    assert.deepEqual(first[1].stateEnteredEventDetails, { name: 'P', input: '{"a":1}', inputDetails: { truncated: false } });
    assert.deepEqual(first[4].taskScheduledEventDetails, {
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
      parameters: '{"FunctionName":"greet"}',
    });
    assert.deepEqual(first[5].taskStartedEventDetails, { resourceType: 'lambda', resource: 'invoke' });

    // includeExecutionData: false leaves inputs and outputs out.
    const bare = await mapper(all, false).map(all.slice(0, 3));
    assert.deepEqual(bare[0].executionStartedEventDetails, { inputDetails: { truncated: false }, roleArn: ROLE });
    assert.deepEqual(bare[2].stateExitedEventDetails, { name: 'P', outputDetails: { truncated: false } });
  });

  it("names a Map's iterations by their Map state, and gives ends and branches their details", async () => {
    const all = records([
      ['ExecutionStarted', 0, { input: [1, 2] }],
      ['MapStateEntered', 1, { name: 'M', input: [1, 2] }],
      ['MapStateStarted', 2, { length: 2 }],
      ['MapIterationStarted', 3, { index: 0 }],
      ['PassStateEntered', 4, { name: 'Inner', input: 1 }],
      ['PassStateExited', 5, { name: 'Inner', output: 1 }],
      ['MapIterationSucceeded', 6, { index: 0 }],
      ['MapStateSucceeded', 7],
      ['MapStateExited', 8, { name: 'M', output: [1] }],
      ['ExecutionAborted', 9, { error: 'Stop', cause: null }],
    ]);
    const events = await mapper(all).map(all.slice(2));
    assert.deepEqual(events[0].mapStateStartedEventDetails, { length: 2 });
    assert.deepEqual(events[1].mapIterationStartedEventDetails, { name: 'M', index: 0 });
    assert.deepEqual(events[4].mapIterationSucceededEventDetails, { name: 'M', index: 0 });
    assert.deepEqual(events[5], { timestamp: 1_700_000_007, type: 'MapStateSucceeded', id: 8, previousEventId: 7 });
    assert.deepEqual(events[7].executionAbortedEventDetails, { error: 'Stop' });
  });
});
