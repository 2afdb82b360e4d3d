/**
 * /state-machines, /executions, /task-tokens on a started Hangar (inject): the state machines'
 * lifecycle, refusals as problem+json with their codes (an invalid definition lists where),
 * executions read, listed, paged and filtered, their history, and tenancy. Executions are
 * written into the real store as a runner writes them (helpers/workflows.ts) where the test is
 * about reading them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import { distributedMachine, seedExecution } from '../helpers/workflows.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

const pass = (result: unknown = 1) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

before(async () => {
  // Workers too: a Task's function runs in their sandbox.
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key as string;
  alice = await key('alice');
  bob = await key('bob');
});
after(() => p.close());

describe('/state-machines', () => {
  it('creates (idempotently), reads, lists, updates and deletes a state machine', async () => {
    const text = JSON.stringify(pass());
    const created = await as(alice, 'POST', '/state-machines', { name: 'hello', definition: text });
    assert.equal(created.statusCode, 201, created.body);
    const m = created.json();
    assert.equal(m.name, 'hello');
    assert.equal(m.userId, 'alice');
    assert.equal(m.type, 'STANDARD');
    assert.equal(m.definition, text);
    assert.match(m.roleArn, /^arn:aws:iam::\d{12}:role\//);
    assert.ok(m.revisionId);
    const again = await as(alice, 'POST', '/state-machines', { name: 'hello', definition: text });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), m);
    const other = await as(alice, 'POST', '/state-machines', { name: 'hello', definition: JSON.stringify(pass(2)) });
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().code, 'STATE_MACHINE_EXISTS');

    assert.deepEqual((await as(alice, 'GET', '/state-machines/hello')).json(), m);
    // The definition as an object is kept as its JSON text.
    const obj = await as(alice, 'POST', '/state-machines', { name: 'fast', definition: pass(), type: 'EXPRESS', description: 'quick' });
    assert.equal(obj.statusCode, 201, obj.body);
    assert.equal(obj.json().definition, JSON.stringify(pass()));
    assert.equal(obj.json().type, 'EXPRESS');
    assert.equal(obj.json().description, 'quick');

    const patched = await as(alice, 'PATCH', '/state-machines/hello', { definition: pass(3), description: 'three' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().definition, JSON.stringify(pass(3)));
    assert.equal(patched.json().description, 'three');
    assert.notEqual(patched.json().revisionId, m.revisionId);

    const first = await as(alice, 'GET', '/state-machines?limit=1');
    assert.deepEqual(
      first.json().stateMachines.map((x: { name: string }) => x.name),
      ['fast'],
    );
    assert.equal(first.json().nextCursor, 'fast');
    const second = (await as(alice, 'GET', `/state-machines?limit=1&cursor=${first.json().nextCursor}`)).json();
    assert.deepEqual(
      second.stateMachines.map((x: { name: string }) => x.name),
      ['hello'],
    );
    assert.equal(second.nextCursor, null);

    const deleted = await as(alice, 'DELETE', '/state-machines/fast');
    assert.deepEqual(deleted.json(), { name: 'fast', deleted: true });
    const gone = await as(alice, 'GET', '/state-machines/fast');
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'STATE_MACHINE_NOT_FOUND');
    assert.equal((await as(alice, 'DELETE', '/state-machines/fast')).statusCode, 404);
  });

  it('refuses invalid definitions with where each problem is, and bad names and types', async () => {
    const bad = await as(alice, 'POST', '/state-machines', { name: 'broken', definition: { StartAt: 'Nowhere', States: {} } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
    const problem = bad.json();
    assert.equal(problem.code, 'STATE_MACHINE_DEFINITION_INVALID');
    assert.match(problem.detail, /^Invalid State Machine Definition: '/);
    assert.ok(problem.errors.length > 0 && problem.errors.every((e: { path: string; message: string }) => e.path && e.message));
    const notJson = await as(alice, 'POST', '/state-machines', { name: 'broken', definition: '{' });
    assert.equal(notJson.json().code, 'STATE_MACHINE_DEFINITION_INVALID');
    const name = await as(alice, 'POST', '/state-machines', { name: 'a b', definition: pass() });
    assert.equal(name.statusCode, 400);
    assert.equal(name.json().code, 'WORKFLOW_INVALID');
    const type = await as(alice, 'POST', '/state-machines', { name: 'typed', definition: pass(), type: 'FAST' });
    assert.equal(type.statusCode, 400);
    assert.equal(type.json().code, 'VALIDATION_FAILED');
    const role = await as(alice, 'POST', '/state-machines', { name: 'roled', definition: pass(), roleArn: 'nope' });
    assert.equal(role.json().code, 'WORKFLOW_INVALID');
    const patch = await as(alice, 'PATCH', '/state-machines/hello', { definition: { StartAt: 'X' } });
    assert.equal(patch.json().code, 'STATE_MACHINE_DEFINITION_INVALID');
    const extra = await as(alice, 'POST', '/state-machines', { name: 'x', definition: pass(), surprise: 1 });
    assert.equal(extra.statusCode, 400);
  });

  it('takes a definition of up to 1 MiB, as text or as an object', async () => {
    const states: Record<string, unknown> = {};
    for (let i = 0; i < 1800; i++)
      states[`S${i}`] = { Type: 'Pass', Comment: 'x'.repeat(480), ...(i < 1799 ? { Next: `S${i + 1}` } : { End: true }) };
    const definition = JSON.stringify({ StartAt: 'S0', States: states }, null, 2);
    assert.ok(definition.length > 1_000_000 && definition.length <= 1_048_576);
    const text = await as(alice, 'POST', '/state-machines', { name: 'large', definition });
    assert.equal(text.statusCode, 201, text.body.slice(0, 300));
    const patched = await as(alice, 'PATCH', '/state-machines/large', { definition: { StartAt: 'S0', States: states } });
    assert.equal(patched.statusCode, 200, patched.body.slice(0, 300));
  });

  it("keeps each user's state machines their own", async () => {
    await as(alice, 'POST', '/state-machines', { name: 'mine', definition: pass() });
    for (const [method, url, body] of [
      ['GET', '/state-machines/mine'],
      ['PATCH', '/state-machines/mine', { description: 'bob was here' }],
      ['DELETE', '/state-machines/mine'],
      ['POST', '/state-machines/mine/executions', {}],
      ['GET', '/executions?stateMachine=mine'],
    ] as const) {
      const r = await as(bob, method, url, body);
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().code, 'STATE_MACHINE_NOT_FOUND');
    }
    assert.deepEqual((await as(bob, 'GET', '/state-machines')).json().stateMachines, []);
    assert.equal((await as(bob, 'GET', '/state-machines?userId=alice')).statusCode, 403);
    assert.equal((await as(alice, 'GET', '/state-machines/mine')).json().description, '');
    // The admin acts for a user by naming them.
    const admin = await p.inject({ method: 'GET', url: '/state-machines/mine?userId=alice' });
    assert.equal(admin.json().name, 'mine');
  });
});

describe('/state-machines/test-state', () => {
  it('runs one state on its own with JSON values, each data-flow step at DEBUG, and refuses bad ones', async () => {
    const r = await as(alice, 'POST', '/state-machines/test-state', {
      definition: { Type: 'Pass', Parameters: { 'n.$': '$.n', 'v.$': '$v' }, ResultPath: '$.r', Next: 'N' },
      input: { n: 1 },
      variables: { v: 'x' },
      inspectionLevel: 'DEBUG',
    });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.deepEqual([body.status, body.nextState, body.output], ['SUCCEEDED', 'N', { n: 1, r: { n: 1, v: 'x' } }]);
    assert.deepEqual(body.inspectionData.afterParameters, { n: 1, v: 'x' });
    assert.deepEqual(body.inspectionData.variables, { v: 'x' });
    const retriable = await as(alice, 'POST', '/state-machines/test-state', {
      definition: JSON.stringify({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        Retry: [{ ErrorEquals: ['E'] }],
        End: true,
      }),
      mock: { errorOutput: { error: 'E' } },
    });
    assert.deepEqual(
      [retriable.json().status, retriable.json().inspectionData.errorDetails],
      ['RETRIABLE', { retryIndex: 0, retryBackoffIntervalSeconds: 1 }],
    );
    const invalid = await as(alice, 'POST', '/state-machines/test-state', { definition: { Type: 'Pass', Next: 'A', End: true } });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().code, 'STATE_MACHINE_DEFINITION_INVALID');
    const mapUnmocked = await as(alice, 'POST', '/state-machines/test-state', {
      definition: { Type: 'Map', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true },
    });
    assert.equal(mapUnmocked.statusCode, 400);
    assert.equal(mapUnmocked.json().code, 'WORKFLOW_INVALID');
  });
});

describe('/executions', () => {
  it('reads, lists, filters and pages executions, and their history', async () => {
    await as(alice, 'POST', '/state-machines', { name: 'flow', definition: pass() });
    await as(alice, 'POST', '/state-machines', { name: 'other', definition: pass() });
    const done = await seedExecution(p, {
      userId: 'alice',
      machine: 'flow',
      name: 'first',
      input: '{"n":1}',
      events: [
        ['PassStateEntered', { name: 'P', input: { n: 1 } }],
        ['PassStateExited', { name: 'P', output: 1 }],
      ],
      end: { status: 'SUCCEEDED', output: '1' },
    });
    const failed = await seedExecution(p, {
      userId: 'alice',
      machine: 'flow',
      name: 'second',
      end: { status: 'FAILED', error: 'Boom', cause: 'it broke' },
    });
    const running = await seedExecution(p, { userId: 'alice', machine: 'other', name: 'third' });

    const got = (await as(alice, 'GET', `/executions/${done.id}`)).json();
    assert.equal(got.id, done.id);
    assert.equal(got.stateMachineName, 'flow');
    assert.equal(got.name, 'first');
    assert.equal(got.status, 'SUCCEEDED');
    assert.deepEqual(got.input, { n: 1 });
    assert.equal(got.output, 1);
    assert.ok(got.stoppedAt);
    // The definition it runs (the machine's when it started), on the execution alone, not in lists.
    assert.equal(JSON.parse(got.definition).StartAt, 'P');
    assert.equal((await as(alice, 'GET', '/executions')).json().executions[0].definition, undefined);
    const f = (await as(alice, 'GET', `/executions/${failed.id}`)).json();
    assert.deepEqual([f.status, f.error, f.cause, f.output], ['FAILED', 'Boom', 'it broke', null]);

    const all = (await as(alice, 'GET', '/executions')).json().executions.map((e: { name: string }) => e.name);
    assert.deepEqual(all, ['third', 'second', 'first'], 'newest first');
    const flow = (await as(alice, 'GET', '/executions?stateMachine=flow')).json().executions.map((e: { name: string }) => e.name);
    assert.deepEqual(flow, ['second', 'first']);
    const runningOnly = (await as(alice, 'GET', '/executions?status=RUNNING')).json().executions.map((e: { id: string }) => e.id);
    assert.deepEqual(runningOnly, [running.id]);
    const page1 = (await as(alice, 'GET', '/executions?limit=2')).json();
    assert.equal(page1.executions.length, 2);
    const page2 = (await as(alice, 'GET', `/executions?limit=2&cursor=${page1.nextCursor}`)).json();
    assert.deepEqual(
      page2.executions.map((e: { name: string }) => e.name),
      ['first'],
    );
    assert.equal(page2.nextCursor, null);
    assert.equal((await as(alice, 'GET', '/executions?status=DONE')).statusCode, 400);

    const history = (await as(alice, 'GET', `/executions/${done.id}/history`)).json();
    assert.deepEqual(
      history.events.map((e: { type: string }) => e.type),
      ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
    );
    assert.deepEqual(history.events[0].details, { input: { n: 1 } });
    assert.equal(history.events[1].previousEventId, 1);
    assert.match(history.events[0].timestamp, /^\d{4}-\d\d-\d\dT/);
    const h1 = (await as(alice, 'GET', `/executions/${done.id}/history?limit=3&reverse=true`)).json();
    assert.deepEqual(
      h1.events.map((e: { id: number }) => e.id),
      [4, 3, 2],
    );
    const h2 = (await as(alice, 'GET', `/executions/${done.id}/history?limit=3&reverse=true&cursor=${h1.nextCursor}`)).json();
    assert.deepEqual(
      h2.events.map((e: { id: number }) => e.id),
      [1],
    );

    // Bob: none of it, as if it did not exist.
    for (const url of [`/executions/${done.id}`, `/executions/${done.id}/history`]) {
      const r = await as(bob, 'GET', url);
      assert.equal(r.statusCode, 404);
      assert.equal(r.json().code, 'EXECUTION_NOT_FOUND');
      assert.equal(r.body.includes('alice'), false);
    }
    assert.equal((await as(bob, 'POST', `/executions/${running.id}/stop`, {})).statusCode, 404);
    assert.deepEqual((await as(bob, 'GET', '/executions')).json().executions, []);
    assert.equal((await as(alice, 'GET', `/executions/${running.id}`)).json().status, 'RUNNING');
  });

  it('refuses callbacks with no task waiting on their token', async () => {
    for (const [path, body] of [
      ['success', { token: 'no-such-token', output: { ok: true } }],
      ['failure', { token: 'no-such-token', error: 'E' }],
      ['heartbeat', { token: 'no-such-token' }],
    ] as const) {
      const r = await as(alice, 'POST', `/task-tokens/${path}`, body);
      assert.equal(r.statusCode, 404, r.body);
      assert.equal(r.json().code, 'TASK_TOKEN_NOT_FOUND');
    }
    assert.equal((await as(alice, 'POST', '/task-tokens/heartbeat', { token: '' })).statusCode, 400);
  });

  it('with ?wait, answers a STANDARD start once the execution has ended, or RUNNING when the wait is over', async () => {
    const chain = { StartAt: 'A', States: { A: { Type: 'Pass', Result: { n: 1 }, Next: 'B' }, B: { Type: 'Pass', End: true } } };
    assert.equal((await as(alice, 'POST', '/state-machines', { name: 'waited', definition: chain })).statusCode, 201);
    const done = await as(alice, 'POST', '/state-machines/waited/executions?wait=30', { input: {} });
    assert.equal(done.statusCode, 201, done.body);
    assert.equal(done.json().type, 'STANDARD');
    assert.equal(done.json().status, 'SUCCEEDED');
    assert.deepEqual(done.json().output, { n: 1 });
    const slow = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } };
    assert.equal((await as(alice, 'POST', '/state-machines', { name: 'slow', definition: slow })).statusCode, 201);
    const running = await as(alice, 'POST', '/state-machines/slow/executions?wait=0', { input: {} });
    assert.equal(running.statusCode, 201, running.body);
    assert.equal(running.json().status, 'RUNNING');
    assert.equal((await as(alice, 'POST', `/executions/${running.json().id}/stop`, {})).json().status, 'ABORTED');
    assert.equal((await as(alice, 'POST', '/state-machines/waited/executions?wait=61', {})).statusCode, 400);
  });

  it('documents the routes in /openapi.json', async () => {
    const doc = (await p.inject({ method: 'GET', url: '/openapi.json', auth: null })).json();
    for (const path of [
      '/state-machines',
      '/state-machines/{name}',
      '/state-machines/{name}/executions',
      '/state-machines/test-state',
      '/executions',
      '/executions/{id}',
      '/executions/{id}/history',
      '/executions/{id}/stop',
      '/executions/{id}/redrive',
      '/task-tokens/success',
      '/task-tokens/failure',
      '/task-tokens/heartbeat',
      '/executions/{id}/map-runs',
      '/map-runs/{id}',
      '/map-runs/{id}/executions',
    ])
      assert.ok(doc.paths[path], path);
  });

  /** GET /executions/{id} until it has ended. */
  const ended = async (id: string) => {
    for (;;) {
      const e = (await as(alice, 'GET', `/executions/${id}`)).json();
      if (e.status !== 'RUNNING') return e;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const types = async (id: string) =>
    (await as(alice, 'GET', `/executions/${id}/history`)).json().events.map((e: { type: string }) => e.type);

  it('starts a STANDARD execution (idempotent by name and input), runs it to SUCCEEDED, and its history', async () => {
    await as(alice, 'POST', '/state-machines', { name: 'runs', definition: pass({ done: true }) });
    const started = await as(alice, 'POST', '/state-machines/runs/executions', { name: 'one', input: { a: 1 } });
    assert.equal(started.statusCode, 201, started.body);
    const s = started.json();
    assert.deepEqual([s.type, s.started, s.name, s.stateMachineName], ['STANDARD', true, 'one', 'runs']);
    assert.deepEqual(s.input, { a: 1 });
    const e = await ended(s.id);
    assert.equal(e.status, 'SUCCEEDED');
    assert.deepEqual(e.output, { done: true });
    assert.deepEqual(await types(s.id), ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    const again = await as(alice, 'POST', '/state-machines/runs/executions', { name: 'one', input: { a: 1 } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'EXECUTION_EXISTS');

    await as(alice, 'POST', '/state-machines', {
      name: 'long',
      definition: { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
    });
    const w = await as(alice, 'POST', '/state-machines/long/executions', { name: 'w' });
    assert.equal(w.statusCode, 201);
    const same = await as(alice, 'POST', '/state-machines/long/executions', { name: 'w' });
    assert.equal(same.statusCode, 200, 'the same start while it runs: that execution');
    assert.equal(same.json().id, w.json().id);
    assert.equal(same.json().started, false);
    const bad = await as(alice, 'POST', '/state-machines/long/executions', { name: 'a b' });
    assert.equal(bad.json().code, 'WORKFLOW_INVALID');
    // Sync is for EXPRESS machines.
    const sync = await as(alice, 'POST', '/state-machines/long/executions?sync=true', {});
    assert.equal(sync.statusCode, 400);
  });

  it("lists and describes a Distributed Map's Map Runs, changes a running one, and keeps them their user's", async () => {
    await as(alice, 'POST', '/state-machines', { name: 'fan-out', definition: distributedMachine({ ToleratedFailurePercentage: 5 }) });
    const s = (await as(alice, 'POST', '/state-machines/fan-out/executions', { input: [1, 2] })).json();
    assert.equal((await ended(s.id)).status, 'SUCCEEDED');
    const listed = await as(alice, 'GET', `/executions/${s.id}/map-runs`);
    assert.equal(listed.statusCode, 200, listed.body);
    const [m] = listed.json().mapRuns;
    assert.equal(listed.json().nextCursor, null);
    assert.deepEqual(
      [m.status, m.executionId, m.toleratedFailurePercentage, m.counts.succeeded, m.counts.total],
      ['SUCCEEDED', s.id, 5, 2, 2],
    );
    assert.match(m.arn, new RegExp(`:mapRun:fan-out/batch:${m.id}$`));
    assert.deepEqual((await as(alice, 'GET', `/map-runs/${m.id}`)).json(), m);
    // Its child executions: one per iteration, newest first, paged by cursor and filtered by status.
    const children = (await as(alice, 'GET', `/map-runs/${m.id}/executions`)).json();
    assert.deepEqual(
      children.executions.map((c: { index: number; status: string; itemCount: number }) => [c.index, c.status, c.itemCount]),
      [
        [1, 'SUCCEEDED', 1],
        [0, 'SUCCEEDED', 1],
      ],
    );
    assert.equal(children.nextCursor, null);
    const [child] = children.executions;
    assert.match(child.executionArn, new RegExp(`:execution:fan-out/batch:${child.name}$`));
    assert.deepEqual([child.mapRunArn, child.stateMachineArn], [m.arn, m.stateMachineArn]);
    const page = (await as(alice, 'GET', `/map-runs/${m.id}/executions?limit=1`)).json();
    assert.deepEqual([page.executions.length, page.nextCursor], [1, '1']);
    const next = (await as(alice, 'GET', `/map-runs/${m.id}/executions?limit=1&cursor=${page.nextCursor}`)).json();
    assert.deepEqual([next.executions[0].index, next.nextCursor], [0, null]);
    assert.deepEqual((await as(alice, 'GET', `/map-runs/${m.id}/executions?status=FAILED`)).json().executions, []);
    assert.equal((await as(alice, 'GET', `/map-runs/${m.id}/executions?cursor=x`)).statusCode, 400);
    const ended_ = await as(alice, 'PATCH', `/map-runs/${m.id}`, { maxConcurrency: 3 });
    assert.deepEqual([ended_.statusCode, ended_.json().code], [400, 'VALIDATION_FAILED']);
    for (const [method, url, body] of [
      ['GET', `/map-runs/${m.id}`],
      ['PATCH', `/map-runs/${m.id}`, { maxConcurrency: 1 }],
      ['GET', `/executions/${s.id}/map-runs`],
      ['GET', `/map-runs/${m.id}/executions`],
    ] as const) {
      const r = await as(bob, method, url, body);
      assert.equal(r.statusCode, 404, `${method} ${url}`);
    }
    assert.equal((await as(bob, 'GET', `/map-runs/${m.id}`)).json().code, 'MAP_RUN_NOT_FOUND');

    await as(alice, 'POST', '/state-machines', { name: 'fan-slow', definition: distributedMachine({ MaxConcurrency: 1 }, 3600) });
    const slow = (await as(alice, 'POST', '/state-machines/fan-slow/executions', { input: [1, 2, 3] })).json();
    let run: { id: string } | undefined;
    while (!run) {
      run = (await as(alice, 'GET', `/executions/${slow.id}/map-runs`)).json().mapRuns[0];
      await new Promise((r) => setTimeout(r, 20));
    }
    const patched = await as(alice, 'PATCH', `/map-runs/${run.id}`, { maxConcurrency: 0 });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().maxConcurrency, 0);
    while ((await as(alice, 'GET', `/map-runs/${run.id}`)).json().counts.running !== 3) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await as(alice, 'POST', `/executions/${slow.id}/stop`, {})).json().status, 'ABORTED');
    assert.equal((await as(alice, 'GET', `/map-runs/${run.id}`)).json().status, 'ABORTED');
  });

  it('runs an EXPRESS execution to its end with ?sync=true', async () => {
    await as(alice, 'POST', '/state-machines', { name: 'quick', definition: pass({ q: 1 }), type: 'EXPRESS' });
    const r = await as(alice, 'POST', '/state-machines/quick/executions?sync=true', { input: { x: 1 } });
    assert.equal(r.statusCode, 200, r.body);
    const x = r.json();
    assert.deepEqual([x.type, x.status, x.stateMachineName], ['EXPRESS', 'SUCCEEDED', 'quick']);
    assert.deepEqual(x.output, { q: 1 });
    assert.ok(x.expressId && x.stoppedAt);
    const started = await as(alice, 'POST', '/state-machines/quick/executions', {});
    assert.equal(started.statusCode, 201);
    assert.deepEqual([started.json().type, started.json().status], ['EXPRESS', 'RUNNING']);
  });

  it('stops a running execution: ABORTED, ExecutionAborted last', async () => {
    await as(alice, 'POST', '/state-machines', {
      name: 'long',
      definition: { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
    });
    const id = (await as(alice, 'POST', '/state-machines/long/executions', { name: 'stop-me' })).json().id;
    const stopped = await as(alice, 'POST', `/executions/${id}/stop`, { error: 'Enough', cause: 'stopped by the test' });
    assert.equal(stopped.statusCode, 200, stopped.body);
    assert.deepEqual([stopped.json().status, stopped.json().error, stopped.json().cause], ['ABORTED', 'Enough', 'stopped by the test']);
    const t = await types(id);
    assert.equal(t[t.length - 1], 'ExecutionAborted');
    // Stopping one that has ended answers it as it is.
    const again = await as(alice, 'POST', `/executions/${id}/stop`, {});
    assert.equal(again.json().status, 'ABORTED');

    // Redriven: RUNNING again in the Wait it was stopped in, the history going on.
    const redriven = await as(alice, 'POST', `/executions/${id}/redrive`, { clientToken: 'once' });
    assert.equal(redriven.statusCode, 200, redriven.body);
    assert.deepEqual([redriven.json().status, redriven.json().redriveCount, redriven.json().stoppedAt], ['RUNNING', 1, null]);
    assert.equal((await as(alice, 'POST', `/executions/${id}/redrive`, { clientToken: 'once' })).json().redriveCount, 1);
    const refused = await as(alice, 'POST', `/executions/${id}/redrive`, {});
    assert.deepEqual([refused.statusCode, refused.json().code], [409, 'EXECUTION_NOT_REDRIVABLE']);
    for (;;) {
      const h = await types(id);
      if (h.at(-1) === 'WaitStateEntered') {
        assert.deepEqual(h.slice(-3), ['ExecutionAborted', 'ExecutionRedriven', 'WaitStateEntered']);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const listed = (await as(alice, 'GET', '/executions?stateMachine=long&redriven=true')).json().executions;
    assert.deepEqual(
      listed.map((e: { id: string }) => e.id),
      [id],
    );
    assert.equal((await as(alice, 'POST', `/executions/${id}/stop`, {})).json().status, 'ABORTED');
  });

  it('answers a waiting task through /task-tokens/success, failure and heartbeat', { skip: NO_SANDBOX }, async () => {
    const zip = makeZip({ 'index.js': 'exports.handler = async () => ({});' }).toString('base64');
    const fn = await as(alice, 'PUT', '/functions/noop', { zip, runtime: 'nodejs22.x', handler: 'index.handler' });
    assert.equal(fn.statusCode, 201, fn.body);
    const definition = {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'noop', Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    await as(alice, 'POST', '/state-machines', { name: 'asks', definition });
    // The token, as the Task's TaskScheduled event shows it (its resolved parameters).
    const tokenOf = async (id: string): Promise<string> => {
      for (;;) {
        const events = (await as(alice, 'GET', `/executions/${id}/history`)).json().events;
        const scheduled = events.find((e: { type: string }) => e.type === 'TaskScheduled');
        if (scheduled && events.some((e: { type: string }) => e.type === 'TaskStarted')) return scheduled.details.parameters.Payload.token;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const yes = (await as(alice, 'POST', '/state-machines/asks/executions', {})).json().id;
    const no = (await as(alice, 'POST', '/state-machines/asks/executions', {})).json().id;
    const yesToken = await tokenOf(yes);
    const noToken = await tokenOf(no);
    assert.equal((await as(bob, 'POST', '/task-tokens/success', { token: yesToken, output: 1 })).statusCode, 404);
    assert.deepEqual((await as(alice, 'POST', '/task-tokens/heartbeat', { token: yesToken })).json(), { answered: true });
    assert.equal((await as(alice, 'POST', '/task-tokens/success', { token: yesToken, output: { answer: 'yes' } })).statusCode, 200);
    assert.equal((await as(alice, 'POST', '/task-tokens/failure', { token: noToken, error: 'Declined', cause: 'no' })).statusCode, 200);
    const y = await ended(yes);
    assert.deepEqual([y.status, y.output], ['SUCCEEDED', { answer: 'yes' }]);
    const n = await ended(no);
    assert.deepEqual([n.status, n.error, n.cause], ['FAILED', 'Declined', 'no']);
    assert.equal((await as(alice, 'POST', '/task-tokens/success', { token: yesToken, output: 1 })).statusCode, 404);
  });
});
