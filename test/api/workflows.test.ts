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
import { seedExecution } from '../helpers/workflows.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

const pass = (result: unknown = 1) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

before(async () => {
  p = await testPlatform({}, { api: true, workers: false });
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
      '/executions',
      '/executions/{id}',
      '/executions/{id}/history',
      '/executions/{id}/stop',
      '/task-tokens/success',
      '/task-tokens/failure',
      '/task-tokens/heartbeat',
    ])
      assert.ok(doc.paths[path], path);
  });

  // TODO(runner): these need the durable workflow runner (app/workflow-runner.ts), not merged yet;
  // turned on when main has "app: the durable workflow runner".
  it.todo('starts a STANDARD execution (idempotent by name and input), runs it to SUCCEEDED, and its history');
  it.todo('runs an EXPRESS execution to its end with ?sync=true');
  it.todo('stops a running execution: ABORTED, ExecutionAborted last');
  it.todo('answers a waiting task through /task-tokens/success, failure and heartbeat');
});
