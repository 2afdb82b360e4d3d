/**
 * A workflow's Task state that runs a Hangar task (arn:aws:states:::hangar:task[.sync]): the
 * state's Parameters are a POST /tasks body; .sync waits for the task's end and answers with its
 * status and results, a failed task fails the state (Hangar.TaskFailed, caught here), and a body
 * POST /tasks would refuse fails it with Hangar.InvalidTaskRequest. Through the native REST API
 * of a Hangar with workers.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';

let p: TestPlatform;
let key: string;

before(async () => {
  p = await testPlatform();
  key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key as string;
});
after(() => p.close());

const as = (method: string, url: string, payload?: object) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload }) });

async function runToEnd(definition: object, input: object = {}): Promise<Record<string, any>> {
  const name = `m${Math.random().toString(36).slice(2)}`;
  const created = await as('POST', '/state-machines', { name, definition });
  assert.equal(created.statusCode, 201, created.body);
  const started = await as('POST', `/state-machines/${name}/executions`, { input });
  assert.equal(started.statusCode, 201, started.body);
  const id = started.json().id as string;
  return until(
    async () => {
      const e = (await as('GET', `/executions/${id}`)).json();
      return e.status === 'RUNNING' ? null : e;
    },
    30_000,
    20,
  );
}

it('runs a Hangar task to its end (.sync), catches a failed one, and refuses a bad body', async () => {
  const e = await runToEnd(
    {
      StartAt: 'Ok',
      States: {
        Ok: {
          Type: 'Task',
          Resource: 'arn:aws:states:::hangar:task.sync',
          Parameters: { 'command.$': '$.workload', priority: 3 },
          ResultSelector: { 'status.$': '$.Status', 'id.$': '$.TaskId' },
          ResultPath: '$.ok',
          Next: 'Bad',
        },
        Bad: {
          Type: 'Task',
          Resource: 'arn:aws:states:::hangar:task.sync',
          Parameters: { command: 'error', maxAttempts: 1 },
          Catch: [{ ErrorEquals: ['Hangar.TaskFailed'], ResultPath: '$.bad', Next: 'Refused' }],
          End: true,
        },
        Refused: {
          Type: 'Task',
          Resource: 'arn:aws:states:::hangar:task',
          Parameters: { command: 'cpu-intensive', priority: 99 },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.refused', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    },
    { workload: 'cpu-intensive' },
  );
  assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
  const out = e.output;
  assert.equal(out.ok.status, 'SUCCESS');
  const task = (await as('GET', `/tasks/${out.ok.id}`)).json();
  assert.equal(task.status, 'SUCCESS');
  assert.equal(task.userId, 'alice');
  assert.equal(out.bad.Error, 'Hangar.TaskFailed');
  assert.equal(JSON.parse(out.bad.Cause).Status, 'FAILED');
  assert.equal(out.refused.Error, 'Hangar.InvalidTaskRequest');
  assert.match(out.refused.Cause, /priority/);
});
