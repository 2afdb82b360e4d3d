/**
 * The durable workflow runner (app/workflow-runner.ts) over a real store, SQLite and PostgreSQL: executions run
 * to their end through stored commits, park while they wait, are picked up by another runner
 * when theirs is gone, and answer callbacks and stops. Task states go to resolvers written here
 * (the seam the functions resolver plugs into; the real one is exercised through the API tests).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  answerTask,
  createStateMachine,
  describeChildExecution,
  describeExecution,
  describeMapRun,
  executionHistory,
  listMapRunExecutions,
  listMapRuns,
  redriveExecution,
  StoreWorkflowRunner,
  startExecution,
  startSyncExecution,
  stopExecution,
  updateMapRun,
  type WorkflowsApp,
} from '../../src/app/index.ts';
import {
  childName,
  type Json,
  type ResultWriteRequest,
  StatesFailure,
  type TaskRequest,
  type TaskResolver,
} from '../../src/core/asl/index.ts';
import type { Execution } from '../../src/core/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { EXPRESS_MAX_RUNS } from '../../src/app/express-runner.ts';
import { type ExpressStarts, SqliteStore, type StateMachineVersions, type Workflows } from '../../src/store/index.ts';
import { until } from '../helpers/platform.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';
import { mapRunCounts } from '../helpers/workflows.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-wf-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
after(() => dropTestSchemas());
let n = 0;
const USER = 'u1';
const FN_F = 'arn:aws:lambda:us-east-1:123456789012:function:f';
const clock = { now: () => Date.now() };

type Backend = 'sqlite' | 'postgres';

type TestStore = { workflows: Workflows; expressStarts: ExpressStarts; stateMachineVersions: StateMachineVersions; close(): Promise<void> };

interface Rig {
  store: TestStore;
  app: WorkflowsApp;
  runner: StoreWorkflowRunner;
  newRunner(o?: { leaseMs?: number; holdMs?: number }): StoreWorkflowRunner;
  close(): Promise<void>;
}

async function openStore(backend: Backend): Promise<TestStore> {
  if (backend === 'sqlite') return new SqliteStore({ path: join(dir, `s${n++}.db`), clock });
  return openTestStore({ clock, poolSize: 4 });
}

/** Wraps the store's workflows to count its commits. */
function counting(): { wrap: (real: Workflows) => Workflows; commits: () => number } {
  let n = 0;
  const wrap = (real: Workflows) =>
    Object.create(real, {
      commit: {
        value: (...a: Parameters<Workflows['commit']>) => {
          n++;
          return real.commit(...a);
        },
      },
    }) as Workflows;
  return { wrap, commits: () => n };
}

/** A Map's processor: each item doubled by a task. */
const DOUBLE = {
  StartAt: 'Double',
  States: {
    Double: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:d', Parameters: { 'i.$': '$' }, End: true },
  },
};

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`durable workflow runner (${backend})`, () => {
    async function rig(
      tasks: TaskResolver = async () => ({}),
      o: {
        leaseMs?: number;
        holdMs?: number;
        expressMaxDurationMs?: number;
        wrap?: (w: Workflows) => Workflows;
        writeResults?: (userId: string, request: ResultWriteRequest) => Promise<void>;
      } = {},
    ): Promise<Rig> {
      const store = await openStore(backend);
      const workflows = o.wrap ? o.wrap(store.workflows) : store.workflows;
      const runners: StoreWorkflowRunner[] = [];
      const newRunner = (
        ro: { leaseMs?: number; holdMs?: number; expressMaxDurationMs?: number } = {
          leaseMs: o.leaseMs,
          holdMs: o.holdMs,
          expressMaxDurationMs: o.expressMaxDurationMs,
        },
      ) => {
        const r = new StoreWorkflowRunner(
          {
            workflows,
            expressStarts: store.expressStarts,
            clock,
            log: createLogger('silent'),
            tasks: () => tasks,
            region: 'us-east-1',
            accountOf: () => '123456789012',
            ...(o.writeResults ? { writeResults: o.writeResults } : {}),
          },
          { pollMs: 20, ...ro },
        );
        r.begin();
        runners.push(r);
        return r;
      };
      const runner = newRunner();
      const app: WorkflowsApp = { workflows, stateMachineVersions: store.stateMachineVersions, clock, workflowRunner: runner };
      return {
        store,
        app,
        runner,
        newRunner,
        async close() {
          for (const r of runners) await r.close();
          await store.close();
        },
      };
    }

    async function settle(app: WorkflowsApp, id: string, timeoutMs = 10_000): Promise<Execution> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const e = await describeExecution(app, USER, id);
        if (e.status !== 'RUNNING') return e;
        if (Date.now() > end) throw new Error(`execution ${id} still RUNNING after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    async function run(r: Rig, definition: object, input: Json = {}, name?: string): Promise<Execution> {
      const machine = `m${n++}`;
      await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(definition) });
      const started = await startExecution(r.app, USER, machine, { input: JSON.stringify(input), ...(name ? { name } : {}) });
      assert.equal(started.type, 'STANDARD');
      return settle(r.app, started.type === 'STANDARD' ? started.execution.id : '');
    }

    /** A state machine of one Task that waits for its token (handed to the function as Payload.token). */
    async function callbackMachine(r: Rig): Promise<string> {
      const machine = `m${n++}`;
      await createStateMachine(r.app, USER, {
        name: machine,
        definition: JSON.stringify({
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
              End: true,
            },
          },
        }),
      });
      return machine;
    }

    async function types(r: Rig, id: string): Promise<string[]> {
      return (await executionHistory(r.app, USER, id, { limit: 1000 })).map((e) => e.type);
    }

    it('runs a Pass chain to its output, each state in the history', async () => {
      const r = await rig();
      try {
        const e = await run(
          r,
          {
            StartAt: 'A',
            States: {
              A: { Type: 'Pass', Result: { x: 1 }, ResultPath: '$.a', Next: 'B' },
              B: { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.a.x, $.n)' }, End: true },
            },
          },
          { n: 41 },
        );
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { sum: 42 });
        assert.deepEqual(await types(r, e.id), [
          'ExecutionStarted',
          'PassStateEntered',
          'PassStateExited',
          'PassStateEntered',
          'PassStateExited',
          'ExecutionSucceeded',
        ]);
        const history = await executionHistory(r.app, USER, e.id, { limit: 1000 });
        assert.deepEqual(
          history.map((h) => h.id),
          [1, 2, 3, 4, 5, 6],
        );
        assert.ok(history.slice(1).every((h, i) => h.previousEventId === i + 1));
      } finally {
        await r.close();
      }
    });

    it('runs JSONata states: a Task with Arguments and Output, a Map whose ItemProcessor takes the JSONata of its machine', async () => {
      const r = await rig(async (req: TaskRequest) => {
        const p = req.parameters as { n: number };
        if (p.n < 0) throw new StatesFailure('Negative', `n = ${p.n}`);
        return { doubled: p.n * 2 };
      });
      try {
        const e = await run(
          r,
          {
            QueryLanguage: 'JSONata',
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                Items: '{% $states.input.ns %}',
                ItemProcessor: {
                  StartAt: 'T',
                  States: {
                    T: {
                      Type: 'Task',
                      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
                      Arguments: { n: '{% $states.input %}' },
                      Output: '{% $states.result.doubled %}',
                      Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput.Error %}', Next: 'Caught' }],
                      End: true,
                    },
                    Caught: { Type: 'Pass', End: true },
                  },
                },
                Assign: { total: '{% $sum($states.result[$type($) = "number"]) %}' },
                Next: 'Done',
              },
              Done: { Type: 'Pass', Output: { results: '{% $states.input %}', total: '{% $total %}' }, End: true },
            },
          },
          { ns: [1, -2, 3] },
        );
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { results: [2, 'Negative', 6], total: 8 });
      } finally {
        await r.close();
      }
    });

    it('runs Task states, retries them as their Retry says and catches what is left', async () => {
      let calls = 0;
      const r = await rig(async (req: TaskRequest) => {
        calls++;
        const p = req.parameters as { fail?: number; v?: number };
        if (p.fail !== undefined && calls <= p.fail) throw new StatesFailure('Boom', `call ${calls}`);
        if (req.resource.endsWith(':never')) throw new StatesFailure('Never', 'always');
        return { got: p.v ?? null };
      });
      try {
        const e = await run(r, {
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
              Parameters: { fail: 2, v: 7 },
              Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 3 }],
              Next: 'U',
            },
            U: {
              Type: 'Task',
              Resource: 'arn:aws:lambda:us-east-1:123456789012:function:never',
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Done' }],
              End: true,
            },
            Done: { Type: 'Succeed' },
          },
        });
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { got: 7, caught: { Error: 'Never', Cause: 'always' } });
        assert.equal(calls, 4);
        const t = await types(r, e.id);
        assert.equal(t.filter((x) => x === 'TaskScheduled').length, 4);
        assert.equal(t.filter((x) => x === 'TaskFailed').length, 3);
      } finally {
        await r.close();
      }
    });

    it('a redriven execution is claimed by another runner once its own is gone, and runs only the state that failed', async () => {
      const calls: Record<string, number> = {};
      const r = await rig(async (req: TaskRequest) => {
        const p = req.parameters as { step: string; redrives?: number };
        calls[p.step] = (calls[p.step] ?? 0) + 1;
        if (p.step === 'b' && calls.b === 1) throw new StatesFailure('Flaky', 'first time');
        return { step: p.step, redrives: p.redrives ?? null };
      });
      try {
        const task = (step: string, next?: string) => ({
          Type: 'Task',
          Resource: FN_F,
          Parameters: { step, 'redrives.$': '$$.Execution.RedriveCount' },
          ResultPath: `$.${step}`,
          ...(next ? { Next: next } : { End: true }),
        });
        const failed = await run(r, { StartAt: 'A', States: { A: task('a', 'B'), B: task('b') } });
        assert.deepEqual([failed.status, failed.error], ['FAILED', 'Flaky']);
        // The runner that ran it is gone; the redrive is a store write any runner picks up.
        await r.runner.close();
        const redriven = await redriveExecution({ ...r.app, workflowRunner: null }, USER, failed.id, 'tok');
        assert.deepEqual([redriven.status, redriven.redriveCount], ['RUNNING', 1]);
        r.newRunner();
        const done = await settle(r.app, failed.id);
        assert.equal(done.status, 'SUCCEEDED', done.cause ?? undefined);
        assert.deepEqual(JSON.parse(done.output!), { a: { step: 'a', redrives: 0 }, b: { step: 'b', redrives: 1 } });
        assert.deepEqual(calls, { a: 1, b: 2 });
        const t = await types(r, failed.id);
        assert.deepEqual(t.slice(t.indexOf('ExecutionFailed')), [
          'ExecutionFailed',
          'ExecutionRedriven',
          'TaskStateEntered',
          'TaskScheduled',
          'TaskStarted',
          'TaskSucceeded',
          'TaskStateExited',
          'ExecutionSucceeded',
        ]);
      } finally {
        await r.close();
      }
    });

    it("a redriven Map's output is in item order, its rerun iteration in its place", async () => {
      let failures = 0;
      const r = await rig(async (req: TaskRequest) => {
        const { i } = req.parameters as { i: number };
        if (i === 2 && failures++ === 0) throw new StatesFailure('Flaky', 'item 2');
        return i * 2;
      });
      try {
        const map = { Type: 'Map', ItemsPath: '$.items', ItemProcessor: DOUBLE, End: true };
        const failed = await run(r, { StartAt: 'M', States: { M: map } }, { items: [1, 2, 3] });
        assert.deepEqual([failed.status, failed.error], ['FAILED', 'Flaky']);
        await redriveExecution(r.app, USER, failed.id);
        const done = await settle(r.app, failed.id);
        assert.equal(done.status, 'SUCCEEDED', done.cause ?? undefined);
        assert.deepEqual(JSON.parse(done.output!), [2, 4, 6]);
      } finally {
        await r.close();
      }
    });

    // AWS: "For workflows that include an Inline Map or Parallel state, RedriveExecution reschedules
    // and redrives only the iterations and branches that failed or aborted". A Map iteration that
    // failed in a Parallel of its own, its failure tolerated, ends while the Map runs on: what
    // succeeded in it must outlive that commit, for a stop or for another runner.
    for (const how of ['is stopped', 'fails on the runner that took it over'] as const)
      it(`a tolerated Map iteration that failed in its Parallel reruns only the failed branch when the execution ${how}, then is redriven`, async () => {
        const calls: string[] = [];
        let phase: 'first' | 'after' | 'redriven' = 'first';
        let id: string | undefined;
        const seen = async (type: string) => id !== undefined && (await types(r, id)).includes(type);
        const r = await rig(
          async (req: TaskRequest) => {
            const { b, i } = req.parameters as { b: string; i: number };
            calls.push(`${b}${i}`);
            if (phase === 'redriven') return `${b}${i}`;
            if (i === 1 && b === 'L') return 'L1';
            // Item 1's R fails once its L has succeeded (so L is kept as succeeded, not as running).
            if (i === 1) {
              await until(() => seen('TaskSucceeded'));
              throw new StatesFailure('Flaky', 'R1');
            }
            if (phase === 'after') throw new StatesFailure('Flaky', `${b}${i}`);
            return new Promise<Json>(() => {});
          },
          { leaseMs: 300 },
        );
        try {
          const branch = (b: string) => ({
            StartAt: b,
            States: { [b]: { Type: 'Task', Resource: FN_F, Parameters: { b, 'i.$': '$' }, End: true } },
          });
          const machine = `m${n++}`;
          const definition = {
            StartAt: 'Each',
            States: {
              Each: {
                Type: 'Map',
                ItemsPath: '$.items',
                ToleratedFailureCount: 1,
                ItemProcessor: { StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [branch('L'), branch('R')], End: true } } },
                End: true,
              },
            },
          };
          await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(definition) });
          const items = how === 'is stopped' ? [1, 2] : [1, 2, 3];
          const s = await startExecution(r.app, USER, machine, { input: JSON.stringify({ items }) });
          id = s.type === 'STANDARD' ? s.execution.id : '';
          // Item 1 failed (tolerated); the others' tasks still run.
          await until(() => seen('MapIterationFailed'));
          if (how === 'is stopped') await stopExecution(r.app, USER, id, { error: 'Stop' });
          else {
            // Its runner goes; another takes the execution over, where items 2 and 3 fail it.
            await r.runner.close();
            phase = 'after';
            r.newRunner({ leaseMs: 300 });
          }
          const ended = await settle(r.app, id);
          assert.equal(ended.status, how === 'is stopped' ? 'ABORTED' : 'FAILED');
          phase = 'redriven';
          const before = calls.length;
          await redriveExecution(r.app, USER, id);
          const done = await settle(r.app, id);
          assert.equal(done.status, 'SUCCEEDED', done.cause ?? undefined);
          assert.deepEqual(
            JSON.parse(done.output!),
            items.map((i) => [`L${i}`, `R${i}`]),
          );
          // Item 1's L succeeded: it is not run again; its R, and what the other items did not finish, are.
          const rerun = calls.slice(before).sort();
          assert.deepEqual(rerun, ['R1', ...items.slice(1).flatMap((i) => [`L${i}`, `R${i}`])].sort());
        } finally {
          await r.close();
        }
      });

    it('retries after a jittered back-off (a fraction of a millisecond is no wake-up time a store refuses)', async () => {
      let calls = 0;
      const r = await rig(async () => {
        calls++;
        throw new StatesFailure('Boom', `call ${calls}`);
      });
      const jittered = { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2, JitterStrategy: 'FULL' };
      try {
        const e = await run(r, { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN_F, Retry: [jittered], End: true } } });
        assert.deepEqual([e.status, e.error, e.cause, calls], ['FAILED', 'Boom', 'call 3', 3]);
      } finally {
        await r.close();
      }
    });

    it('runs a Map at its concurrency and a Parallel, outputs in order', async () => {
      let running = 0;
      let most = 0;
      const r = await rig(async (req) => {
        running++;
        most = Math.max(most, running);
        await new Promise((res) => setTimeout(res, 5));
        running--;
        return (req.parameters as { i: number }).i * 2;
      });
      try {
        const e = await run(
          r,
          {
            StartAt: 'P',
            States: {
              P: {
                Type: 'Parallel',
                Branches: [
                  {
                    StartAt: 'M',
                    States: {
                      M: {
                        Type: 'Map',
                        ItemsPath: '$.items',
                        MaxConcurrency: 3,
                        ItemProcessor: DOUBLE,
                        End: true,
                      },
                    },
                  },
                  { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
                ],
                End: true,
              },
            },
          },
          { items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        );
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), [[2, 4, 6, 8, 10, 12, 14, 16, 18, 20], 'b']);
        assert.ok(most <= 3, `at most 3 at once, saw ${most}`);
        const t = await types(r, e.id);
        assert.equal(t.filter((x) => x === 'MapIterationStarted').length, 10);
        assert.equal(t.filter((x) => x === 'MapIterationSucceeded').length, 10);
        // Nothing of it is left in the store once it ended.
        const rt = await r.store.workflows.loadRuntime(e.id);
        assert.deepEqual(rt.frames, []);
      } finally {
        await r.close();
      }
    });

    it('commits task results that land while a commit is in flight together, in order', async () => {
      // 20 iterations whose results arrive at once: one commit for those that wait, not one each.
      const { wrap, commits } = counting();
      const held: (() => void)[] = [];
      const r = await rig(
        async (req) => {
          await new Promise<void>((res) => {
            held.push(res);
            if (held.length === 20) for (const f of held) f();
          });
          return (req.parameters as { i: number }).i * 2;
        },
        { wrap },
      );
      try {
        const items = Array.from({ length: 20 }, (_, i) => i);
        const e = await run(
          r,
          { StartAt: 'M', States: { M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: DOUBLE, End: true } } },
          { items },
        );
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(
          JSON.parse(e.output!),
          items.map((i) => i * 2),
        );
        assert.ok(commits() < 10, `20 results in ${commits()} commits`);
        assert.equal((await types(r, e.id)).filter((x) => x === 'TaskSucceeded').length, 20);
      } finally {
        await r.close();
      }
    });

    it("stores an execution's first transition with its start: a one-Task execution then commits once, at its end", async () => {
      const { wrap, commits } = counting();
      const r = await rig(async () => ({ done: true }), { wrap });
      try {
        const e = await run(r, {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', End: true } },
        });
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { done: true });
        assert.equal(commits(), 1);
        const h = await executionHistory(r.app, USER, e.id, { limit: 100 });
        assert.deepEqual(
          h.map((x) => x.type),
          [
            'ExecutionStarted',
            'TaskStateEntered',
            'TaskScheduled',
            'TaskStarted',
            'TaskSucceeded',
            'TaskStateExited',
            'ExecutionSucceeded',
          ],
        );
        assert.deepEqual(
          h.map((x) => x.id),
          [1, 2, 3, 4, 5, 6, 7],
        );
      } finally {
        await r.close();
      }
    });

    it('runs an EXPRESS execution past 25,000 events (no history cap on EXPRESS)', async () => {
      const r = await rig();
      try {
        const definition = {
          StartAt: 'M',
          States: {
            M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, ResultPath: null, End: true },
          },
        };
        await createStateMachine(r.app, USER, { name: 'wide', type: 'EXPRESS', definition: JSON.stringify(definition) });
        // About four events an item: 28,000 and more.
        const items = Array.from({ length: 7000 }, (_, i) => i);
        const e = await startSyncExecution(r.app, USER, 'wide', { input: JSON.stringify(items) });
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
      } finally {
        await r.close();
      }
    });

    it('fails a Map past its tolerance with the failing iteration error, and a Parallel with its branch error', async () => {
      const r = await rig(async (req) => {
        if ((req.parameters as { i: number }).i % 2 === 0) throw new StatesFailure('Even', 'no evens');
        return 1;
      });
      try {
        const e = await run(
          r,
          {
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                ItemsPath: '$.items',
                ItemProcessor: {
                  StartAt: 'T',
                  States: {
                    T: {
                      Type: 'Task',
                      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:t',
                      Parameters: { 'i.$': '$' },
                      End: true,
                    },
                  },
                },
                End: true,
              },
            },
          },
          { items: [1, 2, 3] },
        );
        assert.equal(e.status, 'FAILED');
        assert.equal(e.error, 'Even');
        const p = await run(r, {
          StartAt: 'P',
          States: {
            P: {
              Type: 'Parallel',
              Branches: [
                { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Branch', Cause: 'one' } } },
                { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } },
              ],
              End: true,
            },
          },
        });
        assert.equal(p.status, 'FAILED');
        assert.equal(p.error, 'Branch');
        assert.equal(p.cause, 'one');
      } finally {
        await r.close();
      }
    });

    it('ends FAILED with neither error nor cause from a Fail state that names none, at the top or in a Map', async () => {
      const r = await rig();
      try {
        const top = await run(r, { StartAt: 'F', States: { F: { Type: 'Fail' } } });
        assert.deepEqual([top.status, top.error, top.cause], ['FAILED', null, null]);
        const inMap = await run(
          r,
          {
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                ItemsPath: '$.items',
                ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail' } } },
                Catch: [{ ErrorEquals: ['Other'], Next: 'Caught' }],
                End: true,
              },
              Caught: { Type: 'Pass', End: true },
            },
          },
          { items: [1] },
        );
        assert.deepEqual([inMap.status, inMap.error, inMap.cause], ['FAILED', null, null]);
      } finally {
        await r.close();
      }
    });

    it('parks a waiting execution (no lease held) and goes on when its time comes', async () => {
      const r = await rig(async () => ({}), { holdMs: 0 });
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          definition: JSON.stringify({
            StartAt: 'W',
            States: { W: { Type: 'Wait', Seconds: 1, Next: 'P' }, P: { Type: 'Pass', End: true } },
          }),
        });
        const s = await startExecution(r.app, USER, machine, { input: '{"a":1}' });
        assert.equal(s.type, 'STANDARD');
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        // While it waits, nobody holds it: any runner may claim it once due.
        await new Promise((res) => setTimeout(res, 200));
        const claimedNow = await r.store.workflows.claimExecutions('someone-else', Date.now(), 1000, 10);
        assert.deepEqual(
          claimedNow.map((e) => e.id),
          [],
        );
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { a: 1 });
        assert.ok(e.stoppedAt! - e.startedAt >= 1000);
      } finally {
        await r.close();
      }
    });

    it('another runner takes over an execution whose runner is gone, running its task again', async () => {
      let calls = 0;
      let hang = true;
      const contexts: Json[] = [];
      const r = await rig(
        async (req) => {
          calls++;
          contexts.push(req.context);
          if (hang) return new Promise<Json>(() => {});
          return { done: calls };
        },
        { leaseMs: 300 },
      );
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          definition: JSON.stringify({
            StartAt: 'T',
            States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', End: true } },
          }),
        });
        const s = await startExecution(r.app, USER, machine, { input: JSON.stringify({ big: 'the input' }) });
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        while (calls === 0) await new Promise((res) => setTimeout(res, 5));
        // The first runner stops (as if its process died): its lease lapses, the task's result never comes.
        await r.runner.close();
        hang = false;
        r.newRunner({ leaseMs: 300 });
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { done: 2 });
        assert.equal(calls, 2);
        // The task runs again with the same $$, the execution's input in it (stored apart, put back).
        assert.equal(JSON.stringify(contexts[1]), JSON.stringify(contexts[0]));
        assert.deepEqual((contexts[1] as { Execution: { Input: Json } }).Execution.Input, { big: 'the input' });
      } finally {
        await r.close();
      }
    });

    /** The EXPRESS starts kept now (taken, so only at a test's end). */
    const keptExpress = (r: Rig) => r.store.expressStarts.claimExpressStarts('probe', Date.now() + 3_600_000, 1, 100);

    for (const how of ['closes (lets it go)', 'dies (its lease lapses)'] as const)
      it(`runs an asynchronous EXPRESS execution again from its start when its runner ${how}`, async () => {
        const inputs: Json[] = [];
        let hang = true;
        let ended = false;
        const r = await rig(
          async (req) => {
            inputs.push(req.parameters ?? null);
            if (hang) return new Promise<Json>(() => {});
            ended = true;
            return { ok: true };
          },
          { leaseMs: 300 },
        );
        let dead: StoreWorkflowRunner | undefined;
        try {
          const machine = `m${n++}`;
          await createStateMachine(r.app, USER, {
            name: machine,
            type: 'EXPRESS',
            definition: JSON.stringify({
              StartAt: 'T',
              States: { T: { Type: 'Task', Resource: FN_F, Parameters: { 'n.$': '$.n' }, End: true } },
            }),
          });
          // The first runner: begun (then closed), or never begun (no renewals: as if its process died).
          const first =
            how === 'closes (lets it go)'
              ? r.runner
              : (dead = new StoreWorkflowRunner(
                  {
                    workflows: r.store.workflows,
                    expressStarts: r.store.expressStarts,
                    clock,
                    log: createLogger('silent'),
                    tasks: () => async (req) => {
                      inputs.push(req.parameters ?? null);
                      return new Promise<Json>(() => {});
                    },
                    region: 'us-east-1',
                    accountOf: () => '123456789012',
                  },
                  { leaseMs: 300 },
                ));
          const app: WorkflowsApp = { ...r.app, workflowRunner: first };
          const s = await startExecution(app, USER, machine, { input: JSON.stringify({ n: 7 }) });
          assert.equal(s.type, 'EXPRESS');
          await until(async () => inputs.length === 1);
          if (how === 'closes (lets it go)') await r.runner.close();
          hang = false;
          if (how === 'closes (lets it go)') r.newRunner({ leaseMs: 300 });
          await until(async () => ended, 10_000);
          assert.deepEqual(inputs, [{ n: 7 }, { n: 7 }]);
          // Forgotten once it ended: nothing left to run again.
          await until(async () => (await keptExpress(r)).length === 0);
        } finally {
          // The "dead" runner's execution still waits on its task here (and on its 5-minute
          // deadline's timer): gone with its process in life, closed here.
          await dead?.close();
          await r.close();
        }
      });

    it('ends an EXPRESS execution TIMED_OUT at its maximum duration, in a Wait or a Task, and forgets it', async () => {
      const r = await rig(() => new Promise<Json>(() => {}), { expressMaxDurationMs: 300 });
      try {
        const waits = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: waits,
          type: 'EXPRESS',
          definition: JSON.stringify({
            StartAt: 'W',
            States: { W: { Type: 'Wait', Seconds: 3600, Next: 'T' }, T: { Type: 'Task', Resource: FN_F, End: true } },
          }),
        });
        const sync = await startSyncExecution(r.app, USER, waits, {});
        assert.equal(sync.status, 'TIMED_OUT');
        assert.equal(sync.error, 'States.Timeout');
        // A Task that never answers ends the same way; the kept start is forgotten.
        const hangs = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: hangs,
          type: 'EXPRESS',
          definition: JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: FN_F, End: true } } }),
        });
        const s = await startExecution(r.app, USER, hangs, {});
        assert.equal(s.type, 'EXPRESS');
        await until(async () => (await keptExpress(r)).length === 0, 10_000);
      } finally {
        await r.close();
      }
    });

    it('lets go of an asynchronous EXPRESS execution taken too many times without ending, without running it', async () => {
      const ran: Json[] = [];
      const r = await rig(async (req) => {
        ran.push(req.parameters ?? null);
        return {};
      });
      try {
        await r.runner.close();
        // A start whose every run died: kept by a runner that never ran it, then taken (and
        // dropped, as dying runners do) until one more take passes the cap.
        const s = {
          id: `poison-${n++}`,
          userId: USER,
          stateMachineName: 'poison',
          name: 'p',
          definition: JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: FN_F, Parameters: { p: 1 }, End: true } } }),
          roleArn: 'arn:aws:iam::123456789012:role/r',
          input: '{}',
          startedAt: Date.now(),
        };
        await r.store.expressStarts.addExpressStart(s, 'dead-0', Date.now() - 1);
        for (let k = 1; k < EXPRESS_MAX_RUNS; k++) {
          const taken = await r.store.expressStarts.claimExpressStarts(`dead-${k}`, Date.now(), -1, 10);
          assert.deepEqual(
            taken.map((t) => t.id),
            [s.id],
          );
        }
        r.newRunner({ leaseMs: 300 });
        await until(async () => (await keptExpress(r)).length === 0, 10_000);
        assert.deepEqual(ran, []);
      } finally {
        await r.close();
      }
    });

    it('keeps nothing of a synchronous EXPRESS execution (its caller is told of its end)', async () => {
      const r = await rig(async () => ({ ok: true }));
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          type: 'EXPRESS',
          definition: JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: FN_F, End: true } } }),
        });
        const result = await startSyncExecution(r.app, USER, machine, {});
        assert.equal(result.status, 'SUCCEEDED');
        assert.deepEqual(await keptExpress(r), []);
      } finally {
        await r.close();
      }
    });

    /** A Distributed Map of DOUBLE over the input, with these fields. */
    const distributed = (map: object = {}) => ({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...DOUBLE },
          End: true,
          ...map,
        },
      },
    });

    /** The Map Run ids of the history's MapRunStarted events. */
    async function startedRuns(r: Rig, id: string): Promise<string[]> {
      return (await executionHistory(r.app, USER, id, { limit: 1000 }))
        .filter((e) => e.type === 'MapRunStarted')
        .map(
          (e) =>
            String((JSON.parse(e.details ?? '{}') as { mapRunArn: string }).mapRunArn)
              .split(':')
              .at(-1) ?? '',
        );
    }

    it("records a Distributed Map's Map Run: its events in AWS's order, its row ended with its counts", async () => {
      const r = await rig(async (req) => {
        const i = (req.parameters as { i: number }).i;
        if (i === 0) throw new StatesFailure('Zero', 'no zeros');
        return i * 2;
      });
      try {
        const e = await run(r, distributed({ MaxConcurrency: 2, ToleratedFailureCount: 1, Label: 'Doubles' }), [1, 0, 3]);
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        const history = await types(r, e.id);
        const at = (t: string) => history.indexOf(t);
        assert.equal(at('MapRunStarted'), at('MapStateStarted') + 1, history.join());
        assert.equal(at('MapStateSucceeded'), at('MapRunSucceeded') + 1, history.join());
        const [runId] = await startedRuns(r, e.id);
        const runs = await listMapRuns(r.app, USER, e.id, {});
        assert.deepEqual(
          runs.map((m) => m.id),
          [runId],
        );
        const m = await describeMapRun(r.app, USER, runId);
        assert.equal(m.status, 'SUCCEEDED');
        assert.match(m.arn, new RegExp(`^arn:aws:states:us-east-1:123456789012:mapRun:${e.stateMachineName}/Doubles:${runId}$`));
        assert.equal(m.stateMachineArn, `arn:aws:states:us-east-1:123456789012:stateMachine:${e.stateMachineName}/Doubles`);
        assert.deepEqual([m.maxConcurrency, m.toleratedFailureCount, m.toleratedFailurePercentage], [2, 1, 0]);
        assert.ok(m.stoppedAt !== null && m.stoppedAt >= m.startedAt);
        assert.deepEqual(m.counts, mapRunCounts({ succeeded: 2, failed: 1, total: 3, resultsWritten: 3 }));
        await assert.rejects(describeMapRun(r.app, 'someone-else', runId), /Map Run does not exist/);
        // An Inline Map has none.
        const inline = await run(r, { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: DOUBLE, End: true } } }, [1]);
        assert.deepEqual(await listMapRuns(r.app, USER, inline.id, {}), []);
        assert.equal((await types(r, inline.id)).filter((t) => t.startsWith('MapRun')).length, 0);
      } finally {
        await r.close();
      }
    });

    it("shows a Map Run's iterations as child executions: newest first, paged and filtered, each with its input, outcome and own history", async () => {
      const r = await rig(async (req) => {
        const i = (req.parameters as { i: number }).i;
        if (i === 0) throw new StatesFailure('Zero', 'no zeros');
        return i * 2;
      });
      try {
        const e = await run(r, distributed({ MaxConcurrency: 2, ToleratedFailureCount: 1, Label: 'Doubles' }), [1, 0, 3]);
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        const [runId] = await startedRuns(r, e.id);
        const m = await describeMapRun(r.app, USER, runId);
        const children = await listMapRunExecutions(r.app, USER, runId, {});
        assert.deepEqual(
          children.map((c) => [c.index, c.status, c.name]),
          [
            [2, 'SUCCEEDED', childName(runId, 2)],
            [1, 'FAILED', childName(runId, 1)],
            [0, 'SUCCEEDED', childName(runId, 0)],
          ],
        );
        // DescribeMapRun's counts are what the list shows.
        const count = (s: string) => children.filter((c) => c.status === s).length;
        assert.deepEqual(
          [m.counts.succeeded, m.counts.failed, m.counts.total - m.counts.pending],
          [count('SUCCEEDED'), count('FAILED'), 3],
        );
        const [child] = children;
        assert.equal(child.executionArn, `arn:aws:states:us-east-1:123456789012:execution:${e.stateMachineName}/Doubles:${child.name}`);
        assert.equal(child.stateMachineArn, m.stateMachineArn);
        assert.ok(child.stoppedAt !== null && child.stoppedAt >= child.startedAt && child.startedAt >= m.startedAt);
        // Paged by index, and filtered by status.
        const first = await listMapRunExecutions(r.app, USER, runId, { limit: 2 });
        assert.deepEqual(
          first.map((c) => c.index),
          [2, 1],
        );
        assert.deepEqual(
          (await listMapRunExecutions(r.app, USER, runId, { limit: 2, after: 1 })).map((c) => c.index),
          [0],
        );
        assert.deepEqual(
          (await listMapRunExecutions(r.app, USER, runId, { status: 'FAILED' })).map((c) => c.index),
          [1],
        );
        assert.deepEqual(await listMapRunExecutions(r.app, USER, runId, { status: 'RUNNING' }), []);
        await assert.rejects(listMapRunExecutions(r.app, 'someone-else', runId, {}), /Map Run does not exist/);

        const path = `${e.stateMachineName}/Doubles`;
        const ok = await describeChildExecution(r.app, USER, path, childName(runId, 2));
        assert.deepEqual([ok.status, ok.view.input, ok.view.output, ok.view.error], ['SUCCEEDED', '3', '6', null]);
        assert.deepEqual(
          ok.view.events.map((h) => h.type),
          [
            'ExecutionStarted',
            'TaskStateEntered',
            'TaskScheduled',
            'TaskStarted',
            'TaskSucceeded',
            'TaskStateExited',
            'ExecutionSucceeded',
          ],
        );
        assert.deepEqual(
          ok.view.events.map((h) => [h.id, h.previousEventId]),
          ok.view.events.map((_, i) => [i + 1, i]),
        );
        const failed = await describeChildExecution(r.app, USER, path, childName(runId, 1));
        assert.deepEqual(
          [failed.status, failed.view.input, failed.view.output, failed.view.error, failed.view.cause],
          ['FAILED', '0', null, 'Zero', 'no zeros'],
        );
        assert.equal(failed.view.events.at(-1)?.type, 'ExecutionFailed');
        // Another user's, another machine's or label's, or a name of no iteration: none.
        await assert.rejects(describeChildExecution(r.app, 'someone-else', path, childName(runId, 2)), /Execution does not exist/);
        await assert.rejects(
          describeChildExecution(r.app, USER, `${e.stateMachineName}/Other`, childName(runId, 2)),
          /Execution does not exist/,
        );
        await assert.rejects(describeChildExecution(r.app, USER, path, childName(runId, 3)), /Execution does not exist/);
        await assert.rejects(describeChildExecution(r.app, USER, path, 'not-a-uuid'), /Execution does not exist/);
      } finally {
        await r.close();
      }
    });

    it("tells apart the children of Map Runs that run side by side and one inside another's iterations", async () => {
      const distributedOf = (label: string, processor: object, more: object = {}) => ({
        Type: 'Map',
        Label: label,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...processor },
        End: true,
        ...more,
      });
      const pass = (name: string) => ({ StartAt: name, States: { [name]: { Type: 'Pass', End: true } } });
      const r = await rig();
      try {
        const e = await run(
          r,
          {
            StartAt: 'Both',
            States: {
              Both: {
                Type: 'Parallel',
                End: true,
                Branches: [
                  {
                    StartAt: 'A',
                    States: {
                      A: distributedOf('Outer', { StartAt: 'I', States: { I: distributedOf('Inner', pass('P'), { ItemsPath: '$.xs' }) } }),
                    },
                  },
                  { StartAt: 'B', States: { B: distributedOf('Side', pass('Q')) } },
                ],
              },
            },
          },
          [{ xs: [1, 2] }, { xs: [3] }],
        );
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        const runs = await listMapRuns(r.app, USER, e.id, {});
        const label = (m: { stateMachineArn: string }) => m.stateMachineArn.split('/').at(-1);
        assert.deepEqual(runs.map(label).sort(), ['Inner', 'Inner', 'Outer', 'Side']);
        const inputs: Record<string, string[]> = {};
        for (const m of runs) {
          const children = await listMapRunExecutions(r.app, USER, m.id, {});
          assert.deepEqual(
            children.map((c) => c.status),
            Array(m.counts.total).fill('SUCCEEDED'),
            label(m),
          );
          const path = m.stateMachineArn.split(':stateMachine:')[1];
          for (const c of children.reverse()) {
            const d = await describeChildExecution(r.app, USER, path, c.name);
            (inputs[label(m) ?? ''] ??= []).push(d.view.input);
            const types = d.view.events.map((h) => h.type);
            const names = d.view.events.map((h) => (JSON.parse(h.details ?? '{}') as { name?: string }).name).filter(Boolean);
            assert.deepEqual(
              d.view.events.map((h) => h.previousEventId < h.id),
              types.map(() => true),
            );
            if (label(m) === 'Outer') {
              // Its own nested Map Run is in its history, with that run's iterations; nothing of the other branch's.
              assert.deepEqual([types.filter((t) => t === 'MapRunStarted').length, names.includes('Q')], [1, false]);
              assert.equal(types.filter((t) => t === 'MapIterationStarted').length, JSON.parse(d.view.input).xs.length);
              assert.equal(d.view.output, JSON.stringify(JSON.parse(d.view.input).xs));
            } else assert.deepEqual(types, ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
          }
        }
        assert.deepEqual(inputs.Outer, ['{"xs":[1,2]}', '{"xs":[3]}']);
        assert.deepEqual(inputs.Side, ['{"xs":[1,2]}', '{"xs":[3]}']);
        assert.deepEqual(inputs.Inner.sort(), ['1', '2', '3']);
      } finally {
        await r.close();
      }
    });

    it('a Map Run past its tolerance ends FAILED, with MapRunFailed before MapStateFailed', async () => {
      const r = await rig(async () => {
        throw new StatesFailure('Boom', 'every item fails');
      });
      try {
        const e = await run(r, distributed({ ToleratedFailurePercentage: 10 }), [1, 2]);
        assert.equal(e.status, 'FAILED');
        assert.equal(e.error, 'States.ExceedToleratedFailureThreshold');
        const history = await types(r, e.id);
        assert.equal(history.indexOf('MapStateFailed'), history.indexOf('MapRunFailed') + 1, history.join());
        const [m] = await listMapRuns(r.app, USER, e.id, {});
        assert.equal(m.status, 'FAILED');
        assert.equal(m.counts.failed + m.counts.pending, 2);
        assert.equal(m.toleratedFailurePercentage, 10);
      } finally {
        await r.close();
      }
    });

    it('a Map Run whose Parallel branch is stopped (another branch failed) ends ABORTED, with MapRunAborted', async () => {
      const boom = 'arn:aws:lambda:us-east-1:123456789012:function:boom';
      // The Map's tasks never end; the other branch's task fails once they run.
      const r = await rig(async (req) => {
        if (req.resource !== boom) return new Promise<Json>(() => {});
        throw new StatesFailure('Boom', 'the other branch');
      });
      try {
        const other = { StartAt: 'T', States: { T: { Type: 'Task', Resource: boom, End: true } } };
        const both = { StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [distributed(), other], End: true } } };
        const e = await run(r, both, [1, 2]);
        assert.equal(e.status, 'FAILED');
        assert.equal(e.error, 'Boom');
        const [m] = await listMapRuns(r.app, USER, e.id, {});
        assert.deepEqual([m.status, m.counts.aborted, m.counts.running], ['ABORTED', 2, 0]);
        assert.ok(m.stoppedAt !== null);
        const history = await types(r, e.id);
        assert.ok(history.indexOf('MapRunAborted') > history.indexOf('MapRunStarted'), history.join());
        assert.ok(history.indexOf('MapRunAborted') < history.indexOf('ExecutionFailed'), history.join());
      } finally {
        await r.close();
      }
    });

    it('another runner taking over a Distributed Map goes on with the same Map Run', async () => {
      let hang = true;
      let calls = 0;
      const r = await rig(
        async (req) => {
          calls++;
          if (hang) return new Promise<Json>(() => {});
          return (req.parameters as { i: number }).i * 2;
        },
        { leaseMs: 300 },
      );
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(distributed({ MaxConcurrency: 1 })) });
        const s = await startExecution(r.app, USER, machine, { input: JSON.stringify([1, 2]) });
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        while (calls === 0) await new Promise((res) => setTimeout(res, 5));
        const [before] = await listMapRuns(r.app, USER, id, {});
        assert.deepEqual([before.status, before.counts.running, before.counts.pending], ['RUNNING', 1, 1]);
        await r.runner.close();
        hang = false;
        r.newRunner({ leaseMs: 300 });
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        assert.deepEqual(await startedRuns(r, id), [before.id]);
        const runs = await listMapRuns(r.app, USER, id, {});
        assert.deepEqual(
          runs.map((m) => [m.id, m.status, m.counts.succeeded]),
          [[before.id, 'SUCCEEDED', 2]],
        );
      } finally {
        await r.close();
      }
    });

    it("UpdateMapRun raises a running Map's MaxConcurrency at once; StopExecution aborts its Map Run", async () => {
      const waiting: (() => void)[] = [];
      const r = await rig(async () => new Promise<Json>((res) => waiting.push(() => res(1))));
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(distributed({ MaxConcurrency: 1 })) });
        const s = await startExecution(r.app, USER, machine, { input: JSON.stringify([1, 2, 3, 4]) });
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        await until(async () => waiting.length === 1);
        const [m] = await listMapRuns(r.app, USER, id, {});
        await assert.rejects(updateMapRun(r.app, USER, m.id, { maxConcurrency: -1 }), /maxConcurrency/);
        const updated = await updateMapRun(r.app, USER, m.id, { maxConcurrency: 3 });
        assert.equal(updated.maxConcurrency, 3);
        await until(async () => waiting.length === 3);
        await until(async () => (await describeMapRun(r.app, USER, m.id)).counts.running === 3);
        const stopped = await stopExecution(r.app, USER, id, { error: 'Enough', cause: 'stopped' });
        assert.equal(stopped.status, 'ABORTED');
        const aborted = await describeMapRun(r.app, USER, m.id);
        assert.deepEqual([aborted.status, aborted.counts.aborted, aborted.counts.running, aborted.counts.pending], ['ABORTED', 3, 0, 1]);
        assert.deepEqual((await types(r, id)).slice(-2), ['MapRunAborted', 'ExecutionAborted']);
        // Its running iterations' children are ABORTED at its stop; the one not started is not listed.
        const children = await listMapRunExecutions(r.app, USER, m.id, {});
        assert.deepEqual(
          children.map((c) => [c.index, c.status, c.stoppedAt]),
          [2, 1, 0].map((i) => [i, 'ABORTED', aborted.stoppedAt]),
        );
        const path = m.stateMachineArn.split(':stateMachine:')[1];
        assert.equal((await describeChildExecution(r.app, USER, path, childName(m.id, 0))).view.events.at(-1)?.type, 'ExecutionAborted');
        await assert.rejects(describeChildExecution(r.app, USER, path, childName(m.id, 3)), /Execution does not exist/);
        await assert.rejects(updateMapRun(r.app, USER, m.id, { maxConcurrency: 4 }), /not running/);
        for (const w of waiting) w();
      } finally {
        await r.close();
      }
    });

    it('UpdateMapRun through another runner reaches the running Map through its inbox', async () => {
      const waiting: (() => void)[] = [];
      const r = await rig(async () => new Promise<Json>((res) => waiting.push(() => res(1))));
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(distributed({ MaxConcurrency: 1 })) });
        const s = await startExecution(r.app, USER, machine, { input: JSON.stringify([1, 2, 3]) });
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        await until(async () => waiting.length === 1);
        const [m] = await listMapRuns(r.app, USER, id, {});
        const elsewhere: WorkflowsApp = { ...r.app, workflowRunner: r.newRunner() };
        await updateMapRun(elsewhere, USER, m.id, { maxConcurrency: 0 });
        await until(async () => waiting.length === 3);
        while (waiting.length > 0) waiting.shift()?.();
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        const done = await describeMapRun(r.app, USER, m.id);
        assert.deepEqual([done.status, done.maxConcurrency, done.counts.succeeded], ['SUCCEEDED', 0, 3]);
      } finally {
        await r.close();
      }
    });

    it("redoes a Map's ResultWriter export after a takeover: the same map run, the same files", async () => {
      const writes: ResultWriteRequest[] = [];
      let hang = true;
      const r = await rig(async (req) => ({ doubled: ((req.parameters as { i: number }).i ?? 0) * 2 }), {
        leaseMs: 300,
        writeResults: async (_user, request) => {
          writes.push(request);
          if (hang) return new Promise<void>(() => {});
        },
      });
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          definition: JSON.stringify({
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                ItemProcessor: DOUBLE,
                ResultWriter: {
                  Resource: 'arn:aws:states:::s3:putObject',
                  Parameters: { Bucket: 'out', Prefix: 'runs' },
                  WriterConfig: { Transformation: 'COMPACT' },
                },
                End: true,
              },
            },
          }),
        });
        const s = await startExecution(r.app, USER, machine, { input: JSON.stringify([1, 2]) });
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        while (writes.length === 0) await new Promise((res) => setTimeout(res, 5));
        // The runner dies while writing: the next one writes the stored request again.
        await r.runner.close();
        hang = false;
        r.newRunner({ leaseMs: 300 });
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        assert.equal(writes.length, 2);
        assert.deepEqual(writes[1], writes[0]);
        const output = JSON.parse(e.output!);
        assert.equal(output.ResultWriterDetails.Key, writes[0].files.at(-1)?.key);
        assert.deepEqual(JSON.parse(writes[0].files[0].body), [{ doubled: 2 }, { doubled: 4 }]);
        const history = await types(r, id);
        assert.deepEqual(history.slice(-3), ['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
        // The export's folder is the Map Run's id.
        const [runId] = await startedRuns(r, id);
        assert.equal(writes[0].files.at(-1)?.key, `runs/${runId}/manifest.json`);
        assert.equal((await describeMapRun(r.app, USER, runId)).status, 'SUCCEEDED');
      } finally {
        await r.close();
      }
    });

    it('waits for a task token, answered by SendTaskSuccess or SendTaskFailure', async () => {
      const tokens: string[] = [];
      const r = await rig(async (req) => {
        tokens.push((req.parameters as { Payload: { token: string } }).Payload.token);
        return {};
      });
      try {
        const machine = await callbackMachine(r);
        const ids: string[] = [];
        for (const _ of [1, 2]) {
          const s = await startExecution(r.app, USER, machine, {});
          ids.push(s.type === 'STANDARD' ? s.execution.id : '');
        }
        while (tokens.length < 2) await new Promise((res) => setTimeout(res, 5));
        // The two tasks launch in the order their commits are stored, not always the start order.
        if ((await r.store.workflows.findTaskToken(tokens[0]))?.executionId !== ids[0]) tokens.reverse();
        await assert.rejects(answerTask(r.app, 'someone-else', tokens[0], { kind: 'success', output: '{}' }), /No task waits/);
        await answerTask(r.app, USER, tokens[0], { kind: 'heartbeat' });
        await answerTask(r.app, USER, tokens[0], { kind: 'success', output: '{"ok":true}' });
        await answerTask(r.app, USER, tokens[1], { kind: 'failure', error: 'Nope', cause: 'said no' });
        const a = await settle(r.app, ids[0]);
        const b = await settle(r.app, ids[1]);
        assert.equal(a.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(a.output!), { ok: true });
        assert.equal(b.status, 'FAILED');
        assert.equal(b.error, 'Nope');
        await assert.rejects(answerTask(r.app, USER, tokens[0], { kind: 'success', output: '{}' }), /No task waits/);
      } finally {
        await r.close();
      }
    });

    it('a callback answered through another runner reaches the execution through its inbox', async () => {
      const tokens: string[] = [];
      const r = await rig(
        async (req) => {
          tokens.push((req.parameters as { Payload: { token: string } }).Payload.token);
          return {};
        },
        { holdMs: 0 },
      );
      try {
        const machine = await callbackMachine(r);
        const s = await startExecution(r.app, USER, machine, {});
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        while (tokens.length < 1) await new Promise((res) => setTimeout(res, 5));
        const other = r.newRunner({ holdMs: 0 });
        await answerTask({ ...r.app, workflowRunner: other }, USER, tokens[0], { kind: 'success', output: '[1]' });
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), [1]);
      } finally {
        await r.close();
      }
    });

    it('the task a callback answered from the inbox moves on to runs once (not again as one stored running)', async () => {
      const tokens: string[] = [];
      let nextCalls = 0;
      const r = await rig(
        async (req): Promise<Json> => {
          if (req.resource === FN_F) {
            nextCalls++;
            return { next: true };
          }
          tokens.push((req.parameters as { Payload: { token: string } }).Payload.token);
          return {};
        },
        { holdMs: 0 },
      );
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          definition: JSON.stringify({
            StartAt: 'Cb',
            States: {
              Cb: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
                Next: 'T',
              },
              T: { Type: 'Task', Resource: FN_F, End: true },
            },
          }),
        });
        const s = await startExecution(r.app, USER, machine, {});
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        while (tokens.length < 1) await new Promise((res) => setTimeout(res, 5));
        // Its runner gone, the answer goes through the inbox, and the runner that claims the
        // execution loads it with the answer, which enters T.
        await r.runner.close();
        const other = r.newRunner({ holdMs: 0 });
        await answerTask({ ...r.app, workflowRunner: other }, USER, tokens[0], { kind: 'success', output: '{}' });
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { next: true });
        assert.equal(nextCalls, 1);
      } finally {
        await r.close();
      }
    });

    it('a callback answered through another runner reaches an execution its runner still holds (inbox read at each poll)', async () => {
      const tokens: string[] = [];
      let release: () => void = () => {};
      const slow = new Promise<Json>((res) => (release = () => res('slow done')));
      const r = await rig(async (req) => {
        if (req.resource.endsWith(':slow')) return slow;
        tokens.push((req.parameters as { Payload: { token: string } }).Payload.token);
        return {};
      });
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          definition: JSON.stringify({
            StartAt: 'P',
            States: {
              P: {
                Type: 'Parallel',
                Branches: [
                  {
                    StartAt: 'Cb',
                    States: {
                      Cb: {
                        Type: 'Task',
                        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                        Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
                        End: true,
                      },
                    },
                  },
                  {
                    StartAt: 'Slow',
                    States: { Slow: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', End: true } },
                  },
                ],
                End: true,
              },
            },
          }),
        });
        const s = await startExecution(r.app, USER, machine, {});
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        while (tokens.length < 1) await new Promise((res) => setTimeout(res, 5));
        // The first runner holds it (a task in flight); the answer reaches another runner.
        const other = r.newRunner();
        await answerTask({ ...r.app, workflowRunner: other }, USER, tokens[0], { kind: 'success', output: '"called back"' });
        await until(async () => (await types(r, id)).includes('TaskSucceeded'), 10_000, 10);
        assert.equal((await describeExecution(r.app, USER, id)).status, 'RUNNING');
        release();
        const e = await settle(r.app, id);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), ['called back', 'slow done']);
      } finally {
        release();
        await r.close();
      }
    });

    it('takes up an execution it claims while the commit that parks it is still being stored', async () => {
      // A message posted (by another runner) while this one's park commit waits for its fsync makes
      // the execution due: this runner's own poll claims it while it still holds it.
      const tokens: string[] = [];
      let parkStored: () => void = () => {};
      const parked = new Promise<void>((res) => (parkStored = res));
      const slowPark = (real: Workflows) =>
        Object.create(real, {
          commit: {
            value: async (...a: Parameters<Workflows['commit']>) => {
              const ok = await real.commit(...a);
              if (a[2].leaseUntil === null) {
                parkStored();
                await new Promise((res) => setTimeout(res, 300));
              }
              return ok;
            },
          },
        }) as Workflows;
      const r = await rig(
        async (req) => {
          tokens.push((req.parameters as { Payload: { token: string } }).Payload.token);
          return {};
        },
        { holdMs: 0, leaseMs: 30_000, wrap: slowPark },
      );
      try {
        const machine = await callbackMachine(r);
        const s = await startExecution(r.app, USER, machine, {});
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        await parked;
        const record = await r.store.workflows.findTaskToken(tokens[0]);
        assert.ok(record);
        const body = { kind: 'answer', frameId: record.frameId, token: record.token, answer: { kind: 'success', output: '[1]' } };
        assert.ok(await r.store.workflows.postMessage(id, JSON.stringify(body), Date.now()));
        // Well before its 30 s lease would lapse.
        const e = await settle(r.app, id, 5_000);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), [1]);
      } finally {
        await r.close();
      }
    });

    it('StopExecution aborts it with the error and cause given', async () => {
      const r = await rig();
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, {
          name: machine,
          definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }),
        });
        const s = await startExecution(r.app, USER, machine, {});
        const id = s.type === 'STANDARD' ? s.execution.id : '';
        const stopped = await stopExecution(r.app, USER, id, { error: 'Why', cause: 'because' });
        assert.equal(stopped.status, 'ABORTED');
        const e = await describeExecution(r.app, USER, id);
        assert.equal(e.status, 'ABORTED');
        assert.equal(e.error, 'Why');
        assert.equal((await types(r, id)).at(-1), 'ExecutionAborted');
      } finally {
        await r.close();
      }
    });

    it('starts nested executions: .sync:2 waits for the child and takes its output, .sync a failing child fails the task', async () => {
      const r = await rig();
      try {
        await createStateMachine(r.app, USER, {
          name: 'child-ok',
          definition: JSON.stringify({
            StartAt: 'P',
            States: { P: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.v, $.v)' }, End: true } },
          }),
        });
        await createStateMachine(r.app, USER, {
          name: 'child-bad',
          definition: JSON.stringify({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'ChildError', Cause: 'bad child' } } }),
        });
        const arn = (m: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:${m}`;
        const e = await run(
          r,
          {
            StartAt: 'Ok',
            States: {
              Ok: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync:2',
                Parameters: { StateMachineArn: arn('child-ok'), Input: { 'v.$': '$.v' } },
                ResultSelector: { 'out.$': '$.Output', 'status.$': '$.Status' },
                ResultPath: '$.ok',
                Next: 'Bad',
              },
              Bad: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync',
                Parameters: { StateMachineArn: arn('child-bad') },
                Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.bad', Next: 'Fire' }],
                End: true,
              },
              Fire: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution',
                Parameters: { StateMachineArn: arn('child-ok'), Input: { v: 1 }, Name: 'fire-and-forget' },
                ResultSelector: { 'arn.$': '$.ExecutionArn' },
                ResultPath: '$.fired',
                End: true,
              },
            },
          },
          { v: 21 },
        );
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        const out = JSON.parse(e.output!);
        assert.deepEqual(out.ok, { out: { doubled: 42 }, status: 'SUCCEEDED' });
        assert.equal(out.bad.Error, 'States.TaskFailed');
        assert.equal(JSON.parse(out.bad.Cause).Error, 'ChildError');
        assert.equal(out.fired.arn, 'arn:aws:states:us-east-1:123456789012:execution:child-ok:fire-and-forget');
        const children = await r.store.workflows.listExecutions(USER, { stateMachineName: 'child-ok', limit: 10 });
        assert.ok(children.some((c) => c.parentId === e.id));
      } finally {
        await r.close();
      }
    });

    // A .sync parent taken over once its child has ended: it reads the child's end if the child is
    // still there, and fails (never starting a second child) if retention deleted it meanwhile.
    for (const child of ['kept', 'deleted'] as const)
      it(`a startExecution.sync Task taken over after its child ended (${child}) starts no second child`, async () => {
        let childRuns = 0;
        let hang = true;
        const r = await rig(
          async () => {
            childRuns++;
            return hang ? new Promise<Json>(() => {}) : { late: true };
          },
          { leaseMs: 300 },
        );
        try {
          const childMachine = `child${n++}`;
          const task = { Type: 'Task', Resource: FN_F, End: true };
          await createStateMachine(r.app, USER, { name: childMachine, definition: JSON.stringify({ StartAt: 'T', States: { T: task } }) });
          const machine = `m${n++}`;
          const parent = {
            StartAt: 'Run',
            States: {
              Run: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync',
                Parameters: { StateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${childMachine}` },
                End: true,
              },
            },
          };
          await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(parent) });
          const s = await startExecution(r.app, USER, machine, {});
          const id = s.type === 'STANDARD' ? s.execution.id : '';
          const children = () => r.store.workflows.listExecutions(USER, { stateMachineName: childMachine, limit: 10 });
          await until(async () => childRuns === 1);
          // The parent's task keeps its child's id (stored) ...
          const keeps = (f: { doc: string }) => (JSON.parse(f.doc) as { child?: string }).child !== undefined;
          await until(async () => (await r.store.workflows.loadRuntime(id)).frames.some(keeps));
          // ... when its runner goes (as if its process died) while the parent waits on its child.
          await r.runner.close();
          const [started] = await children();
          await stopExecution(r.app, USER, started.id, { error: 'Stopped', cause: 'by the test' });
          if (child === 'deleted') assert.deepEqual(await r.store.workflows.purgeExecutions(Date.now() + 1, 100), [started.id]);
          hang = false;
          r.newRunner({ leaseMs: 300 });
          const e = await settle(r.app, id);
          assert.deepEqual([e.status, e.error], ['FAILED', 'States.TaskFailed']);
          const arn = `arn:aws:states:us-east-1:123456789012:execution:${childMachine}:${started.name}`;
          if (child === 'kept')
            assert.deepEqual(JSON.parse(e.cause!), {
              ExecutionArn: arn,
              Input: '{}',
              InputDetails: { Included: true },
              Name: started.name,
              StartDate: started.startedAt,
              StateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${childMachine}`,
              Status: 'ABORTED',
              StopDate: (await children())[0].stoppedAt,
              Error: 'Stopped',
              Cause: 'by the test',
            });
          else assert.ok(e.cause?.startsWith(`Execution Does Not Exist: '${arn}'`), e.cause ?? undefined);
          // One child only, ever: its task ran once.
          assert.equal(childRuns, 1);
          assert.deepEqual(
            (await children()).map((c) => c.id),
            child === 'kept' ? [started.id] : [],
          );
        } finally {
          await r.close();
        }
      });

    /** A Task of 1 s whose resource never answers, its timeout caught into $.caught. */
    const timesOut = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow',
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.caught', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    };

    it('fails a Task past its TimeoutSeconds with States.Timeout and an empty cause, as AWS reports it to Catch', async () => {
      const r = await rig(() => new Promise<Json>(() => {}));
      try {
        const e = await run(r, timesOut);
        assert.equal(e.status, 'SUCCEEDED');
        assert.deepEqual(JSON.parse(e.output!), { caught: { Error: 'States.Timeout', Cause: '' } });
        assert.ok((await types(r, e.id)).includes('TaskTimedOut'));
      } finally {
        await r.close();
      }
    });

    it('times an EXPRESS Task out at its TimeoutSeconds, as a STANDARD one', async () => {
      const r = await rig(() => new Promise<Json>(() => {}));
      try {
        const machine = `m${n++}`;
        await createStateMachine(r.app, USER, { name: machine, definition: JSON.stringify(timesOut), type: 'EXPRESS' });
        const e = await startSyncExecution(r.app, USER, machine, {});
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        assert.deepEqual(JSON.parse(e.output!), { caught: { Error: 'States.Timeout', Cause: '' } });
      } finally {
        await r.close();
      }
    });

    it('keeps no heartbeat clock for a request-response Task (no token to beat with): it outlasts HeartbeatSeconds', async () => {
      const r = await rig(() => new Promise<Json>((resolve) => setTimeout(() => resolve({ done: true }), 1500)));
      try {
        const e = await run(r, {
          StartAt: 'T',
          States: {
            T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', HeartbeatSeconds: 1, End: true },
          },
        });
        assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
        assert.deepEqual(JSON.parse(e.output!), { done: true });
      } finally {
        await r.close();
      }
    });

    it('an execution past its TimeoutSeconds ends TIMED_OUT', async () => {
      const r = await rig();
      try {
        const e = await run(r, { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } });
        assert.equal(e.status, 'TIMED_OUT');
        assert.equal(e.error, 'States.Timeout');
        assert.equal((await types(r, e.id)).at(-1), 'ExecutionTimedOut');
      } finally {
        await r.close();
      }
    });
  });
}
