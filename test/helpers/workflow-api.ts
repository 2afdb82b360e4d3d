/** The native REST API of a platform without workers, for workflow tests: two users' keys, and a state machine run to its end. */
import assert from 'node:assert/strict';
import { testPlatform, type TestPlatform, until } from './platform.ts';

export interface WorkflowApi {
  p: TestPlatform;
  alice: string;
  bob: string;
  /** A request with a user's key. */
  as(key: string, method: string, url: string, payload?: object): ReturnType<TestPlatform['inject']>;
  /** Creates a state machine of `definition` (a fresh name) and runs it to its end: the execution as GET /executions/{id} shows it, and the machine's name. */
  runToEnd(key: string, definition: object, input?: object): Promise<any>;
}

export async function workflowApi(): Promise<WorkflowApi> {
  const p = await testPlatform({}, { api: true, workers: false });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key as string;
  const as: WorkflowApi['as'] = (key, method, url, payload) =>
    p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload }) });
  return {
    p,
    alice: await key('alice'),
    bob: await key('bob'),
    as,
    async runToEnd(key, definition, input = {}) {
      const name = `m${Math.random().toString(36).slice(2)}`;
      const created = await as(key, 'POST', '/state-machines', { name, definition });
      assert.equal(created.statusCode, 201, created.body);
      const started = await as(key, 'POST', `/state-machines/${name}/executions`, { input });
      assert.equal(started.statusCode, 201, started.body);
      const id = started.json().id as string;
      const ended = await until(
        async () => {
          const e = (await as(key, 'GET', `/executions/${id}`)).json();
          return e.status === 'RUNNING' ? null : e;
        },
        20_000,
        20,
      );
      return { ...ended, machine: name };
    },
  };
}
