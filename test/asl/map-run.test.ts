/**
 * Map Runs in the core: which Maps start one, its id and ARN (drawn from the execution's random
 * source, the ResultWriter's folder the same id), the events of a Distributed Map in AWS's
 * order, and its counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  abortedCounts,
  childMachineDefinition,
  type ExecutionInfo,
  isDistributed,
  mapResult,
  mapRunCounts,
  mapRunPlan,
  mapRunUpdateProblem,
  runExecution,
  type StateMachineDefinition,
  type StatesFailure,
} from '../../src/core/asl/index.ts';

const execution: ExecutionInfo = {
  id: 'arn:aws:states:eu-west-1:123456789012:execution:orders:e1',
  name: 'e1',
  input: {},
  startTime: '2025-02-04T01:49:50.000Z',
  roleArn: 'arn:aws:iam::123456789012:role/r',
  stateMachineId: 'arn:aws:states:eu-west-1:123456789012:stateMachine:orders',
  stateMachineName: 'orders',
  redriveCount: 0,
};

const processor = (mode?: string) => ({
  ...(mode ? { ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' } } : {}),
  StartAt: 'Check',
  States: {
    Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 0, Next: 'Bad' }], Default: 'Ok' },
    Ok: { Type: 'Pass', End: true },
    Bad: { Type: 'Fail', Error: 'Zero', Cause: 'zero' },
  },
});

function machine(map: Record<string, unknown>, mode = 'DISTRIBUTED'): StateMachineDefinition {
  return {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: processor(mode), End: true, ...map } },
  } as unknown as StateMachineDefinition;
}

/** A random source whose UUIDs are the same on every run. */
function seeded(seed = 1): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

describe('map runs in the core', () => {
  it('a Map is Distributed by its ProcessorConfig, or by an ItemReader or ResultWriter', () => {
    assert.equal(isDistributed({ Type: 'Map', ItemProcessor: processor('DISTRIBUTED') } as never), true);
    assert.equal(isDistributed({ Type: 'Map', ItemProcessor: processor('INLINE') } as never), false);
    assert.equal(isDistributed({ Type: 'Map', ItemProcessor: processor() } as never), false);
    assert.equal(isDistributed({ Type: 'Map', ItemProcessor: processor(), ResultWriter: {} } as never), true);
  });

  it("names the run after the machine and the state's Label (or name), with a UUID from the random source", () => {
    const a = mapRunPlan({ Type: 'Map', ItemProcessor: processor('DISTRIBUTED'), Label: 'Batch' } as never, 'Each', execution, () => 'u-1');
    assert.deepEqual(a, {
      id: 'u-1',
      label: 'Batch',
      arn: 'arn:aws:states:eu-west-1:123456789012:mapRun:orders/Batch:u-1',
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:orders/Batch',
    });
    assert.equal(
      mapRunPlan({ Type: 'Map', ItemProcessor: processor('DISTRIBUTED') } as never, 'Each', execution, () => 'u')?.label,
      'Each',
    );
    let drawn = 0;
    assert.equal(
      mapRunPlan({ Type: 'Map', ItemProcessor: processor('INLINE') } as never, 'Each', execution, () => String(++drawn)),
      null,
    );
    assert.equal(drawn, 0, 'an Inline Map draws no random number');
  });

  it('writes MapRunStarted after MapStateStarted and MapRunSucceeded before MapStateSucceeded; an Inline Map writes none', async () => {
    const r = await runExecution(machine({}), { items: [1, 2] }, { execution, random: seeded() });
    assert.equal(r.status, 'SUCCEEDED');
    const types = r.events.map((e) => e.type);
    const at = (t: string) => types.indexOf(t as never);
    assert.ok(at('MapStateStarted') >= 0 && at('MapRunStarted') === at('MapStateStarted') + 1, types.join());
    assert.equal(at('MapStateSucceeded'), at('MapRunSucceeded') + 1, types.join());
    assert.ok(at('MapRunSucceeded') > types.lastIndexOf('MapIterationSucceeded' as never));
    const started = r.events[at('MapRunStarted')];
    assert.match(String(started.details?.mapRunArn), /^arn:aws:states:eu-west-1:123456789012:mapRun:orders\/Each:[0-9a-f-]{36}$/);
    // The same random source, the same id: an execution replayed names the same run.
    const again = await runExecution(machine({}), { items: [1, 2] }, { execution, random: seeded() });
    assert.deepEqual(again.events.find((e) => e.type === 'MapRunStarted')?.details, started.details);

    const inline = await runExecution(machine({}, 'INLINE'), { items: [1, 2] }, { execution, random: seeded() });
    assert.equal(
      inline.events.some((e) => e.type.startsWith('MapRun')),
      false,
    );
  });

  it('a failed run writes MapRunFailed with the error and cause, then MapStateFailed', async () => {
    const r = await runExecution(machine({ ToleratedFailureCount: 0 }), { items: [1, 0] }, { execution, random: seeded() });
    assert.equal(r.status, 'FAILED');
    const failed = r.events.filter((e) => e.type === 'MapRunFailed' || e.type === 'MapStateFailed');
    assert.deepEqual(
      failed.map((e) => [e.type, e.details]),
      [
        [
          'MapRunFailed',
          { error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' },
        ],
        [
          'MapStateFailed',
          { error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' },
        ],
      ],
    );
    const tolerated = await runExecution(machine({ ToleratedFailureCount: 1 }), { items: [1, 0] }, { execution, random: seeded() });
    assert.equal(tolerated.status, 'SUCCEEDED');
    assert.ok(tolerated.events.some((e) => e.type === 'MapRunSucceeded'));
  });

  it("a ResultWriter's folder is the Map Run's id", async () => {
    const writes: string[] = [];
    const r = await runExecution(
      machine({ ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'out' } } }),
      { items: [1] },
      { execution, random: seeded(), writeResults: async (req) => void writes.push(...req.files.map((f) => f.key)) },
    );
    assert.equal(r.status, 'SUCCEEDED');
    const arn = String(r.events.find((e) => e.type === 'MapRunStarted')?.details?.mapRunArn);
    const id = arn.slice(arn.lastIndexOf(':') + 1);
    assert.ok(writes.includes(`out/${id}/manifest.json`), writes.join());
    assert.equal(r.status === 'SUCCEEDED' && (r.output as { MapRunArn: string }).MapRunArn, arn);
  });

  it('counts items by status, and an abort counts the running ones aborted', () => {
    const running = mapRunCounts({ total: 5, started: 3, running: 1, failed: 1 }, false);
    assert.deepEqual(running, {
      pending: 2,
      running: 1,
      succeeded: 1,
      failed: 1,
      timedOut: 0,
      aborted: 0,
      total: 5,
      resultsWritten: 0,
      failuresNotRedrivable: 0,
      pendingRedrive: 0,
    });
    assert.equal(mapRunCounts({ total: 2, started: 2, running: 0, failed: 1 }, true).resultsWritten, 2);
    assert.deepEqual(abortedCounts(running), { ...running, running: 0, aborted: 1 });
    // Without a tolerance the first failure's error fails the Map, but a child stopped alone has none of its own.
    assert.throws(
      () =>
        mapResult({ count: undefined, percentage: undefined }, [
          { ok: true, output: 1 },
          { ok: false, error: 'Enough', cause: undefined, aborted: true },
        ]),
      (e: StatesFailure) => e.error === 'States.ExceedToleratedFailureThreshold',
    );
    assert.throws(
      () => mapResult({ count: undefined, percentage: undefined }, [{ ok: false, error: 'Zero', cause: 'no zeros' }]),
      (e: StatesFailure) => e.error === 'Zero',
    );
    // Children stopped alone are failures to the tolerance (in `failed` of the progress) but shown aborted.
    const stopped = mapRunCounts({ total: 4, started: 4, running: 1, failed: 2, aborted: 1 }, false);
    assert.deepEqual([stopped.succeeded, stopped.failed, stopped.aborted, stopped.running], [1, 1, 1, 1]);
  });

  it("checks UpdateMapRun's numbers", () => {
    assert.equal(mapRunUpdateProblem({ maxConcurrency: 2 }), null);
    assert.match(String(mapRunUpdateProblem({})), /At least one/);
    assert.match(String(mapRunUpdateProblem({ maxConcurrency: -1 })), /maxConcurrency/);
    assert.match(String(mapRunUpdateProblem({ toleratedFailureCount: 1.5 })), /toleratedFailureCount/);
    assert.match(String(mapRunUpdateProblem({ toleratedFailurePercentage: 101 })), /toleratedFailurePercentage/);
  });
});

describe("a Map Run's child state machine", () => {
  it('is the ItemProcessor of the Distributed Map with that label, wherever it is, in its parent query language', () => {
    const inner: StateMachineDefinition = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    const definition: StateMachineDefinition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Par',
      States: {
        Par: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'Inline',
              States: {
                Inline: { Type: 'Map', ItemProcessor: inner, End: true },
                Deep: { Type: 'Map', Label: 'deep', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, ...inner }, End: true },
              },
            },
          ],
        },
      },
    };
    assert.deepEqual(childMachineDefinition(definition, 'deep'), { ...inner, QueryLanguage: 'JSONata' });
    // An Inline Map starts no Map Run, and a label nobody has finds nothing.
    assert.equal(childMachineDefinition(definition, 'Inline'), null);
    assert.equal(childMachineDefinition(definition, 'Deep'), null);
  });
});
