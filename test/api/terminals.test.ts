/**
 * Terminals (issue 6): a terminal in a project is a FIFO lane of commands, each a task in the
 * project's files; terminals run in parallel; the terminal's WebSocket channel carries its
 * commands' status and output in order, resumable, for the project's owner only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WsClient, type Msg } from '../helpers/live.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: 'GET' | 'POST', url: string, payload?: object) => p.inject({ method, url, payload, auth: key });
const command = async (key: string, project: string, terminal: string, cmd: string): Promise<string> => {
  const r = await as(key, 'POST', `/projects/${project}/terminals/${terminal}/commands`, { command: cmd });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().taskId as string;
};
const finished = (key: string, ids: string[]) =>
  until(
    async () => {
      const ts = await Promise.all(ids.map(async (id) => (await as(key, 'GET', `/tasks/${id}`)).json()));
      return ts.every((t) => ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status)) ? ts : null;
    },
    60_000,
    50,
  );

before(async () => {
  p = await testPlatform();
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
});
after(() => p.close());

describe('terminals', () => {
  it("runs a terminal's commands one at a time in order, each in the files the previous one left, and terminals in parallel", async () => {
    const project = (await as(alice, 'POST', '/projects', { name: 'ide' })).json().projectId;
    // t1's first command runs 3 s: the other terminal's command, submitted after it, must start
    // within that window to show the terminals run in parallel (1 s was too short on a loaded
    // host: it flaked when the other's sandbox took over a second to start).
    const one = await command(alice, project, 't1', 'sleep 3; echo one >> log.txt');
    const two = await command(alice, project, 't1', 'echo two >> log.txt; cat log.txt');
    const three = await command(alice, project, 't1', 'echo three >> log.txt');
    const other = await command(alice, project, 't2', 'sleep 1; echo other');
    const [t1, t2, t3, o] = await finished(alice, [one, two, three, other]);
    for (const t of [t1, t2, t3, o]) assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
    const ms = (s: string) => Date.parse(s);
    assert.ok(
      ms(t2.startedAt) >= ms(t1.completedAt) && ms(t3.startedAt) >= ms(t2.completedAt),
      'one at a time, in order ' + JSON.stringify([t1, t2, t3].map((t) => [t.startedAt, t.completedAt, t.attempt])),
    );
    assert.ok(ms(o.startedAt) < ms(t1.completedAt) && ms(t1.startedAt) < ms(o.completedAt), 'the other terminal ran alongside');
    assert.equal(t2.group, `terminal:${project}:t1`);
    assert.equal((await as(alice, 'GET', `/tasks/${two}/logs`)).json().stdout, 'one\ntwo\n');
    const list = (await as(alice, 'GET', `/projects/${project}/terminals/t1/commands`)).json();
    assert.deepEqual(
      list.tasks.map((t: { taskId: string }) => t.taskId),
      [three, two, one],
    );
    const files = await p.inject({ method: 'GET', url: `/projects/${project}/files`, auth: alice });
    assert.equal(files.headers['x-hangar-project-version'], '3');
  });

  it('a failed command runs once: its side effects are not repeated', async () => {
    const project = (await as(alice, 'POST', '/projects', { name: 'once' })).json().projectId;
    const failing = await command(alice, project, 't', 'echo line >> log.txt; cat log.txt; false');
    const [t] = await finished(alice, [failing]);
    assert.deepEqual([t.status, t.attempt, t.maxAttempts], ['FAILED', 1, 1]);
    assert.equal((await as(alice, 'GET', `/tasks/${failing}/logs`)).json().stdout, 'line\n');
    const [after] = await finished(alice, [await command(alice, project, 't', 'cat log.txt')]);
    assert.equal((await as(alice, 'GET', `/tasks/${after.taskId}/logs`)).json().stdout, 'line\n', 'appended once');
  });

  it("streams a terminal's commands on its channel in order, one end per command, and resumes from an id", async () => {
    const project = (await as(alice, 'POST', '/projects', { name: 'ws' })).json().projectId;
    const channel = `terminal:${project}:main`;
    const c = new WsClient(p.url!, { authorization: `Bearer ${alice}` });
    await c.send({ type: 'subscribe', channel });
    await c.waitFor((m) => m.type === 'subscribed');
    const ids: string[] = [];
    for (const word of ['alpha', 'beta', 'gamma']) ids.push(await command(alice, project, 'main', `echo ${word}`));
    await c.waitFor((m) => m.type === 'end' && m.taskId === ids[2]);
    const events = c.messages.filter((m) => m.channel === channel && m.type !== 'subscribed');
    const order = events
      .filter((m) => m.type === 'output' || m.type === 'end')
      .map((m) => (m.type === 'output' ? m.data : `end ${String(m.status)}`));
    assert.deepEqual(order, ['alpha\n', 'end SUCCESS', 'beta\n', 'end SUCCESS', 'gamma\n', 'end SUCCESS']);
    const firstEnd = events.find((m: Msg) => m.type === 'end' && m.taskId === ids[0])!;
    assert.match(String(firstEnd.id), new RegExp(`^${ids[0]}/1\\.\\d+$`));
    c.close();

    const again = new WsClient(p.url!, { authorization: `Bearer ${alice}` });
    await again.send({ type: 'subscribe', channel, after: firstEnd.id });
    await again.waitFor((m) => m.type === 'end' && m.taskId === ids[2]);
    const rest = again.messages.filter((m) => m.type === 'output').map((m) => m.data);
    assert.deepEqual(rest, ['beta\n', 'gamma\n'], 'after the first command: the others, nothing twice');
    again.close();
  });

  it("another user's terminal is not found, to run commands in or to follow", async () => {
    const project = (await as(alice, 'POST', '/projects', { name: 'private' })).json().projectId;
    const r = await as(bob, 'POST', `/projects/${project}/terminals/t1/commands`, { command: 'id' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 'PROJECT_NOT_FOUND');
    const c = new WsClient(p.url!, { authorization: `Bearer ${bob}` });
    await c.send({ type: 'subscribe', channel: `terminal:${project}:t1` });
    assert.equal((await c.waitFor((m) => m.type === 'error')).code, 'PROJECT_NOT_FOUND');
    c.close();
  });
});
