/**
 * The dashboard's workflow logic without a browser (src/api/ui/workflow-graph.js): a definition
 * as a graph, its layout, and an execution's history read back into per-state statuses — on the
 * history a real Hangar writes for a Choice, a Parallel and a Map with a failed item, and on
 * event lists for retries, catches, a running and a stopped execution.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  graphOf,
  type HistoryEvent,
  nodeAt,
  iterationCounts,
  layout,
  rowsOf,
  runOf,
  statusesOf,
  type Thread,
} from '../../src/api/ui/workflow-graph.js';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { PIPELINE, PIPELINE_INPUT, runToEnd } from '../helpers/workflow-graph.ts';

describe('graphOf', () => {
  it('has a node per state, nested ones under their Parallel or Map, and every kind of edge', () => {
    const g = graphOf(PIPELINE);
    assert.equal(g.startAt, 'Classify');
    assert.deepEqual(
      g.nodes.map((n) => [n.path, n.type, n.end]),
      [
        ['Classify', 'Choice', false],
        ['Single', 'Pass', true],
        ['Fan', 'Parallel', false],
        ['Each', 'Map', false],
        ['Recover', 'Pass', false],
        ['Done', 'Succeed', true],
      ],
    );
    assert.deepEqual(
      g.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`),
      [
        'Classify -choice-> Fan',
        'Classify -default-> Single',
        'Fan -next-> Each',
        'Each -next-> Done',
        'Each -catch-> Recover',
        'Recover -next-> Done',
      ],
    );
    assert.equal(g.edges.find((e) => e.kind === 'catch')!.label, 'States.ALL');
    const fan = g.nodes.find((n) => n.name === 'Fan')!;
    assert.deepEqual(
      fan.branches!.map((b) => [b.startAt, b.nodes.map((n) => n.path), b.edges.map((e) => `${e.from}->${e.to}`)]),
      [
        ['Fan/0/Left', ['Fan/0/Left'], []],
        ['Fan/1/Right', ['Fan/1/Right', 'Fan/1/RightDone'], ['Fan/1/Right->Fan/1/RightDone']],
      ],
    );
    const each = g.nodes.find((n) => n.name === 'Each')!;
    assert.deepEqual(
      each.processor!.nodes.map((n) => n.path),
      ['Each/*/Check', 'Each/*/Double', 'Each/*/Broken'],
    );
    assert.equal(nodeAt(g, 'Each/*/Broken')!.state.Error, 'Item.Bad');
    assert.equal(nodeAt(g, 'Fan/1/RightDone')!.type, 'Succeed');
    assert.equal(nodeAt(g, 'Nowhere'), null);
    // The older Iterator too; edges to states that do not exist are left out, not drawn to nowhere.
    const old = graphOf({
      StartAt: 'M',
      States: { M: { Type: 'Map', Iterator: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } }, Next: 'Gone' } },
    });
    assert.deepEqual(
      old.nodes[0].processor!.nodes.map((n) => n.path),
      ['M/*/X'],
    );
    assert.deepEqual(old.edges, []);
    assert.deepEqual(graphOf(null), { startAt: null, nodes: [], edges: [] });
  });

  it('puts states in rows by their BFS depth from StartAt; states it never reaches go last', () => {
    const g = graphOf({
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Next: 'B' },
        B: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'A' }], Default: 'C' },
        C: { Type: 'Succeed' },
        Lost: { Type: 'Pass', End: true },
      },
    });
    assert.deepEqual(rowsOf(g), [['A'], ['B'], ['C'], ['Lost']]);
    assert.deepEqual(rowsOf(graphOf(PIPELINE)), [['Classify'], ['Fan', 'Single'], ['Each'], ['Done', 'Recover']]);
  });
});

describe('layout', () => {
  const inside = (a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }) =>
    a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
  const overlap = (a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }) =>
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

  it('places every state, nested ones inside their group, none over another, rows top to bottom', () => {
    const lay = layout(graphOf(PIPELINE));
    const at = new Map(lay.nodes.map((n) => [n.path, n]));
    assert.deepEqual(
      [...at.keys()].sort(),
      [
        'Classify',
        'Done',
        'Each',
        'Each/*/Broken',
        'Each/*/Check',
        'Each/*/Double',
        'Fan',
        'Fan/0/Left',
        'Fan/1/Right',
        'Fan/1/RightDone',
        'Recover',
        'Single',
      ].sort(),
    );
    assert.ok(at.get('Fan')!.group && at.get('Each')!.group && !at.get('Classify')!.group);
    for (const p of ['Fan/0/Left', 'Fan/1/Right', 'Fan/1/RightDone']) assert.ok(inside(at.get(p)!, at.get('Fan')!), p);
    for (const p of ['Each/*/Check', 'Each/*/Double', 'Each/*/Broken']) assert.ok(inside(at.get(p)!, at.get('Each')!), p);
    const leaves = lay.nodes.filter((n) => !n.group);
    for (const a of leaves) for (const b of leaves) if (a !== b) assert.ok(!overlap(a, b), `${a.path} over ${b.path}`);
    for (const n of lay.nodes) assert.ok(n.x >= 0 && n.y >= 0 && n.x + n.w <= lay.width && n.y + n.h <= lay.height, n.path);
    assert.ok(at.get('Classify')!.y < at.get('Fan')!.y && at.get('Fan')!.y < at.get('Each')!.y && at.get('Each')!.y < at.get('Done')!.y);
    // Start above the first state, End below the last; an edge from Start, and to End from each end state.
    const [start, end] = lay.markers;
    assert.equal(start.kind, 'start');
    assert.ok(start.y < at.get('Classify')!.y && end.y > at.get('Done')!.y + at.get('Done')!.h);
    assert.deepEqual(
      lay.edges.filter((e) => e.kind === 'start').map((e) => e.to),
      ['Classify'],
    );
    assert.deepEqual(
      lay.edges.filter((e) => e.kind === 'end').map((e) => e.from),
      ['Single', 'Done'],
    );
    assert.equal(lay.edges.filter((e) => !['start', 'end'].includes(e.kind)).length, 6 + 1 + 2); // top, Right→RightDone, the Map's two
    for (const e of lay.edges) assert.match(e.d, /^M[\d.]+,[\d.]+ [CL]/);
  });

  it('draws a folded Parallel or Map as one state, without its insides', () => {
    const lay = layout(graphOf(PIPELINE), (p) => p !== 'Each');
    const each = lay.nodes.find((n) => n.path === 'Each')!;
    assert.equal(each.group, false);
    assert.equal(each.nested, true);
    assert.ok(!lay.nodes.some((n) => n.path.startsWith('Each/')));
    assert.ok(lay.nodes.some((n) => n.path.startsWith('Fan/')));
  });
});

describe('runOf on a history Hangar wrote', () => {
  let p: TestPlatform;
  let run: Thread;
  let events: HistoryEvent[];
  const graph = graphOf(PIPELINE);
  before(async () => {
    p = await testPlatform({}, { api: true, workers: false });
    const r = await runToEnd(p, 'pipeline', PIPELINE, PIPELINE_INPUT);
    assert.equal(r.execution.status, 'SUCCEEDED', JSON.stringify(r.execution));
    events = r.events;
    run = runOf(events, graph);
  });
  after(() => p?.close());

  it('colours the states taken and leaves the others grey', () => {
    assert.equal(run.status, 'succeeded');
    const s = statusesOf(graph, run);
    const of = (path: string) => s.get(path)!.status;
    assert.equal(of('Classify'), 'succeeded');
    assert.equal(of('Single'), 'not-run');
    assert.equal(of('Fan'), 'succeeded');
    assert.equal(of('Fan/0/Left'), 'succeeded');
    assert.equal(of('Fan/1/Right'), 'succeeded');
    assert.equal(of('Fan/1/RightDone'), 'succeeded');
    assert.equal(of('Each'), 'succeeded');
    assert.equal(of('Recover'), 'not-run');
    assert.equal(of('Done'), 'succeeded');
    // Each state's input and output as the history has them.
    assert.deepEqual(s.get('Classify')!.entry!.input, PIPELINE_INPUT);
    assert.equal(s.get('Fan/0/Left')!.entry!.output, 'L');
    assert.deepEqual((s.get('Fan')!.entry!.output as { fan: unknown }).fan, ['L', 'R']);
    assert.ok(s.get('Done')!.entry!.enteredAt <= s.get('Done')!.entry!.exitedAt!);
  });

  it('counts the Map iterations and shows the one picked', () => {
    const s0 = statusesOf(graph, run);
    assert.deepEqual(s0.get('Each')!.counts, { total: 3, running: 0, succeeded: 2, failed: 1, aborted: 0, pending: 0 });
    assert.equal(s0.get('Each')!.iteration, 0);
    assert.equal(s0.get('Each/*/Double')!.status, 'succeeded');
    assert.deepEqual(s0.get('Each/*/Double')!.entry!.output, { n: 2 });
    assert.equal(s0.get('Each/*/Broken')!.status, 'not-run');

    const s1 = statusesOf(graph, run, new Map([['Each', 1]]));
    assert.equal(s1.get('Each')!.iteration, 1);
    assert.equal(s1.get('Each/*/Check')!.status, 'succeeded');
    assert.equal(s1.get('Each/*/Double')!.status, 'not-run');
    assert.equal(s1.get('Each/*/Broken')!.status, 'failed');
    assert.deepEqual(s1.get('Each/*/Broken')!.entry!.input, { n: 2, bad: true });

    const s2 = statusesOf(graph, run, new Map([['Each', 2]]));
    assert.deepEqual(s2.get('Each/*/Double')!.entry!.output, { n: 6 });
    // Past the last iteration: nothing ran there.
    assert.equal(statusesOf(graph, run, new Map([['Each', 7]])).get('Each/*/Check')!.status, 'not-run');
  });

  it('counts a Task’s attempts and calls its failure, retried and then caught, caught', async () => {
    const calls = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'missing', 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handle' }],
          End: true,
        },
        Handle: { Type: 'Pass', End: true },
      },
    };
    const g = graphOf(calls);
    const r = await runToEnd(p, 'calls', calls, { a: 1 });
    const s = statusesOf(g, runOf(r.events, g));
    const call = s.get('Call')!;
    assert.equal(call.status, 'caught');
    assert.equal(call.entry!.attempts, 3);
    assert.equal(call.entry!.error, 'Lambda.ResourceNotFoundException');
    assert.match(call.entry!.cause!, /missing/);
    assert.deepEqual(call.entry!.input, { a: 1 });
    assert.equal(s.get('Handle')!.status, 'succeeded');
  });

  it('follows a Map in a Map to the inner iteration picked', async () => {
    const nested = {
      StartAt: 'Outer',
      States: {
        Outer: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            StartAt: 'Inner',
            States: {
              Inner: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'Leaf', States: { Leaf: { Type: 'Pass', End: true } } } },
            },
          },
        },
      },
    };
    const g = graphOf(nested);
    const r = await runToEnd(p, 'nested', nested, [[1, 2], [3]]);
    const run = runOf(r.events, g);
    const leaf = (outer: number, inner: number) =>
      statusesOf(
        g,
        run,
        new Map([
          ['Outer', outer],
          ['Outer/*/Inner', inner],
        ]),
      ).get('Outer/*/Inner/*/Leaf')!;
    assert.deepEqual([leaf(0, 0).entry!.input, leaf(0, 1).entry!.input, leaf(1, 0).entry!.input], [1, 2, 3]);
    assert.equal(leaf(1, 1).status, 'not-run');
    assert.deepEqual(statusesOf(g, run, new Map([['Outer', 1]])).get('Outer/*/Inner')!.counts, {
      total: 1,
      running: 0,
      succeeded: 1,
      failed: 0,
      aborted: 0,
      pending: 0,
    });
  });

  it('reads the same from the history in two halves as at once (the page polls)', () => {
    const half = runOf(events.slice(0, Math.floor(events.length / 2)), graph);
    assert.equal(half.status, 'running');
    assert.ok([...statusesOf(graph, half).values()].some((v) => v.status === 'running'));
    assert.deepEqual(
      [...statusesOf(graph, runOf(events, graph)).entries()].map(([k, v]) => [k, v.status]),
      [...statusesOf(graph, run).entries()].map(([k, v]) => [k, v.status]),
    );
  });
});

describe('runOf on event lists', () => {
  let id = 0;
  const ev = (type: string, details: object | null = null, previousEventId = id): HistoryEvent => ({
    id: ++id,
    previousEventId,
    type,
    timestamp: new Date(1_700_000_000_000 + id * 1000).toISOString(),
    details: details as Record<string, unknown> | null,
  });
  const TASKS = {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handle' }],
        Next: 'Wait',
      },
      Handle: { Type: 'Pass', Next: 'Wait' },
      Wait: { Type: 'Wait', Seconds: 600, End: true },
    },
  };
  const graph = graphOf(TASKS);

  it('counts a Task’s attempts, keeps its error, and calls a caught failure caught', () => {
    id = 0;
    const resource = TASKS.States.Call.Resource;
    const list = [ev('ExecutionStarted', { input: {} }), ev('TaskStateEntered', { name: 'Call', input: { a: 1 } })];
    for (let i = 0; i < 3; i++)
      list.push(
        ev('TaskScheduled', { resource, parameters: { a: 1 } }),
        ev('TaskStarted', { resource }),
        ev('TaskFailed', { resource, error: 'Boom', cause: `try ${i + 1}` }),
      );
    list.push(
      ev('TaskStateExited', { name: 'Call', output: { Error: 'Boom', Cause: 'try 3' } }),
      ev('PassStateEntered', { name: 'Handle', input: { Error: 'Boom' } }),
      ev('PassStateExited', { name: 'Handle', output: { Error: 'Boom' } }),
      ev('WaitStateEntered', { name: 'Wait', input: { Error: 'Boom' } }),
    );
    const s = statusesOf(graph, runOf(list, graph));
    const call = s.get('Call')!;
    assert.equal(call.status, 'caught');
    assert.equal(call.entry!.attempts, 3);
    assert.equal(call.entry!.error, 'Boom');
    assert.equal(call.entry!.cause, 'try 3');
    assert.equal(call.entry!.resource, resource);
    assert.equal(s.get('Handle')!.status, 'succeeded');
    assert.equal(s.get('Wait')!.status, 'running');

    // Stopped while it waited: the state it was in was aborted.
    const stopped = runOf([...list, ev('ExecutionAborted', { error: 'Stopped', cause: 'by hand' }, 0)], graph);
    assert.equal(stopped.status, 'aborted');
    assert.equal(stopped.error, 'Stopped');
    assert.equal(statusesOf(graph, stopped).get('Wait')!.status, 'aborted');
  });

  it('fails the state a failed execution stopped in, with the execution’s error', () => {
    id = 0;
    const resource = TASKS.States.Call.Resource;
    const list = [
      ev('ExecutionStarted', { input: {} }),
      ev('TaskStateEntered', { name: 'Call', input: {} }),
      ev('TaskScheduled', { resource, parameters: {} }),
      ev('TaskStarted', { resource }),
      ev('TaskSucceeded', { resource, output: 1 }),
      ev('TaskStateExited', { name: 'Call', output: 1 }),
      ev('WaitStateEntered', { name: 'Wait', input: 1 }),
      ev('ExecutionTimedOut', { error: 'States.Timeout', cause: 'too long' }),
    ];
    const run = runOf(list, graph);
    assert.equal(run.status, 'failed');
    const s = statusesOf(graph, run);
    assert.equal(s.get('Call')!.status, 'succeeded');
    assert.equal(s.get('Call')!.entry!.attempts, 1);
    assert.equal(s.get('Wait')!.status, 'failed');
    assert.equal(s.get('Wait')!.entry!.error, 'States.Timeout');
  });

  it('tells Map iterations that ran, run and wait (MaxConcurrency)', () => {
    id = 0;
    const map = {
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 5, End: true } } }, End: true } },
    };
    const g = graphOf(map);
    const list = [
      ev('ExecutionStarted', { input: [1, 2, 3, 4] }),
      ev('MapStateEntered', { name: 'M', input: [1, 2, 3, 4] }),
      ev('MapStateStarted', { length: 4 }),
    ];
    const first = ev('MapIterationStarted', { index: 0 });
    list.push(first);
    const second = ev('MapIterationStarted', { index: 1 });
    list.push(second);
    // Each iteration's events follow its own (previousEventId); the Map's follow the Map's.
    const waits = ev('WaitStateEntered', { name: 'W', input: 1 }, first.id);
    list.push(waits, ev('WaitStateEntered', { name: 'W', input: 2 }, second.id));
    list.push(ev('WaitStateExited', { name: 'W', output: 1 }, waits.id));
    list.push(ev('MapIterationSucceeded', { index: 0 }, second.id));
    const run = runOf(list, g);
    const entry = run.states.M[0];
    assert.deepEqual(iterationCounts(entry), { total: 4, running: 1, succeeded: 1, failed: 0, aborted: 0, pending: 2 });
    assert.equal(statusesOf(g, run).get('M/*/W')!.status, 'succeeded');
    assert.equal(statusesOf(g, run, new Map([['M', 1]])).get('M/*/W')!.status, 'running');
    assert.deepEqual(statusesOf(g, run, new Map([['M', 1]])).get('M/*/W')!.entry!.input, 2);
    assert.equal(statusesOf(g, run, new Map([['M', 3]])).get('M/*/W')!.status, 'not-run');
  });
});
