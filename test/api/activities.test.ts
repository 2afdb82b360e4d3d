/**
 * /activities on a started Hangar (inject): activities' lifecycle natively, a worker polling
 * /activities/{name}/poll and answering at /task-tokens/success, the empty answer after the wait,
 * refusals as problem+json, and tenancy (another user's activity is not found).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountIdOf } from '../../src/aws/index.ts';
import { REGION } from '../helpers/lambda.ts';
import { type TestPlatform, testPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_ACTIVITY_POLL_MS: '300' }, { api: true, workers: false });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key as string;
  alice = await key('alice');
  bob = await key('bob');
});
after(() => p.close());

describe('/activities', () => {
  it('creates (idempotently), reads, lists, and deletes an activity; another user finds none of it', async () => {
    const created = await as(alice, 'POST', '/activities', { name: 'native', tags: [{ key: 'k', value: 'v' }] });
    assert.equal(created.statusCode, 201, created.body);
    const a = created.json();
    assert.deepEqual([a.userId, a.name, a.arn], ['alice', 'native', `arn:aws:states:${REGION}:${accountIdOf('alice')}:activity:native`]);
    // Its tags are the resource's, as TagResource of its ARN sets them.
    assert.deepEqual((await as(alice, 'GET', '/activities/native/tags')).json(), { tags: { k: 'v' } });
    assert.deepEqual((await as(alice, 'POST', '/activities/native/tags', { tags: { e: 'f' } })).json(), { tags: { k: 'v', e: 'f' } });
    assert.equal((await as(alice, 'POST', '/activities/native/tags', { tags: { 'aws:x': 'y' } })).json().code, 'TAG_INVALID');
    assert.equal((await as(bob, 'GET', '/activities/native/tags')).statusCode, 404);
    const again = await as(alice, 'POST', '/activities', { name: 'native' });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), a);
    assert.deepEqual((await as(alice, 'GET', '/activities/native')).json(), a);
    assert.deepEqual(
      (await as(alice, 'GET', '/activities')).json().activities.map((x: { name: string }) => x.name),
      ['native'],
    );
    assert.equal((await as(alice, 'POST', '/activities', { name: 'bad name' })).json().code, 'WORKFLOW_INVALID');

    assert.equal((await as(bob, 'GET', '/activities/native')).statusCode, 404);
    assert.equal((await as(bob, 'POST', '/activities/native/poll')).statusCode, 404);
    assert.equal((await as(bob, 'DELETE', '/activities/native')).statusCode, 404);
    assert.deepEqual((await as(bob, 'GET', '/activities')).json().activities, []);

    assert.equal((await as(alice, 'DELETE', '/activities/native')).statusCode, 200);
    const gone = await as(alice, 'GET', '/activities/native');
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'ACTIVITY_NOT_FOUND');
  });

  it('a worker polls, takes the task and answers it by its token; a poll with nothing scheduled answers null after its wait', async () => {
    const arn = (await as(alice, 'POST', '/activities', { name: 'work' })).json().arn;
    const t0 = Date.now();
    const idle = await as(alice, 'POST', '/activities/work/poll');
    assert.equal(idle.statusCode, 200);
    assert.deepEqual(idle.json(), { task: null });
    assert.ok(Date.now() - t0 >= 280, `answered after ${Date.now() - t0} ms`);

    const definition = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: arn, End: true } } };
    assert.equal((await as(alice, 'POST', '/state-machines', { name: 'uses-work', definition })).statusCode, 201);
    const s = (await as(alice, 'POST', '/state-machines/uses-work/executions', { input: { job: 7 } })).json();
    let task: { token: string; input: unknown } | null = null;
    while (!task) task = (await as(alice, 'POST', '/activities/work/poll?workerName=native-worker')).json().task;
    assert.deepEqual(task.input, { job: 7 });
    assert.equal((await as(alice, 'POST', '/task-tokens/success', { token: task.token, output: { done: 7 } })).statusCode, 200);
    for (;;) {
      const e = (await as(alice, 'GET', `/executions/${s.id}`)).json();
      if (e.status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      assert.equal(e.status, 'SUCCEEDED');
      assert.deepEqual(e.output, { done: 7 });
      break;
    }
    const events = (await as(alice, 'GET', `/executions/${s.id}/history`)).json().events as { type: string; details: unknown }[];
    const started = events.find((e) => e.type === 'ActivityStarted');
    assert.deepEqual(started?.details, { workerName: 'native-worker' });
  });
});
