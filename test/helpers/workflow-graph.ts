/**
 * A state machine with a Choice, a Parallel (two branches, one ending in a Succeed) and a Map
 * over Pass/Choice/Fail states that tolerates one failed item, caught around: the shapes the
 * dashboard's workflow graph draws and colours. `runToEnd` runs it on a real platform through
 * the native REST API and answers the execution and its history.
 */
import { until, type TestPlatform } from './platform.ts';

export const PIPELINE = {
  Comment: 'Choice, Parallel and Map over Pass states',
  StartAt: 'Classify',
  States: {
    Classify: {
      Type: 'Choice',
      Choices: [{ Variable: '$.kind', StringEquals: 'many', Next: 'Fan' }],
      Default: 'Single',
    },
    Single: { Type: 'Pass', End: true },
    Fan: {
      Type: 'Parallel',
      ResultPath: '$.fan',
      Next: 'Each',
      Branches: [
        { StartAt: 'Left', States: { Left: { Type: 'Pass', Result: 'L', End: true } } },
        { StartAt: 'Right', States: { Right: { Type: 'Pass', Result: 'R', Next: 'RightDone' }, RightDone: { Type: 'Succeed' } } },
      ],
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ToleratedFailureCount: 1,
      ResultPath: '$.each',
      ItemProcessor: {
        StartAt: 'Check',
        States: {
          Check: { Type: 'Choice', Choices: [{ Variable: '$.bad', IsPresent: true, Next: 'Broken' }], Default: 'Double' },
          Double: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, $.n)' }, End: true },
          Broken: { Type: 'Fail', Error: 'Item.Bad', Cause: 'a bad item' },
        },
      },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recover' }],
      Next: 'Done',
    },
    Recover: { Type: 'Pass', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

/** Item 1 fails (to Broken), items 0 and 2 double their n. */
export const PIPELINE_INPUT = { kind: 'many', items: [{ n: 1 }, { n: 2, bad: true }, { n: 3 }] };

/** Creates the machine (if need be), runs one execution to its end, answers it and its history. */
export async function runToEnd(p: TestPlatform, name: string, definition: object, input: unknown) {
  const created = await p.inject({ method: 'POST', url: '/state-machines', payload: { name, definition } });
  if (created.statusCode >= 300) throw new Error(`create ${name}: ${created.statusCode} ${created.body}`);
  const started = await p.inject({ method: 'POST', url: `/state-machines/${name}/executions`, payload: { input } });
  if (started.statusCode !== 201) throw new Error(`start ${name}: ${started.statusCode} ${started.body}`);
  const id: string = started.json().id;
  const execution = await until(async () => {
    const e = (await p.inject({ method: 'GET', url: `/executions/${id}` })).json();
    return e.status === 'RUNNING' ? null : e;
  }, 30_000);
  const events = (await p.inject({ method: 'GET', url: `/executions/${id}/history?limit=500` })).json().events;
  return { id, execution, events };
}
