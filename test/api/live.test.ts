/**
 * Live output and status (issue 6) through the real platform: SSE on /tasks/{id}/logs and the
 * WebSocket protocol on /ws, with real tasks writing output as they run. No timing is asserted:
 * "live" shows as order, completeness and who gets what.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { readSse, WsClient, type Msg } from '../helpers/live.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let url: string;
let alice: string;
let bob: string;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const submit = async (key: string, body: object): Promise<string> => {
  const r = await p.inject({ method: 'POST', url: '/tasks', payload: body, auth: key });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().taskId as string;
};
/** Writes five stdout lines a tenth of a second apart, then one stderr line. */
const TICKER = { command: 'ticker', shell: 'for i in 1 2 3 4 5; do echo line $i; sleep 0.1; done; echo oops >&2' };
const seqs = (ms: Record<string, unknown>[]) => ms.map((m) => Number(m.seq));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const text = (ms: Record<string, unknown>[], stream: string) =>
  ms
    .filter((m) => m.stream === stream)
    .map((m) => String(m.data))
    .join('');

before(async () => {
  p = await testPlatform({ HANGAR_MAX_OUTPUT_BYTES: String(16 * 1024 * 1024) });
  url = p.url!;
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
});
after(() => p.close());

describe('SSE: GET /tasks/{id}/logs?follow=true', () => {
  let id: string;

  it('follows a task live: its status, every chunk in order, then end; the chunks add up to the stored log', async () => {
    id = await submit(alice, TICKER);
    const { status, events } = await readSse(`${url}/tasks/${id}/logs?follow=true`, bearer(alice));
    assert.equal(status, 200);
    assert.equal(events[0].event, 'status');
    const out = events.filter((e) => e.event === 'output');
    assert.deepEqual(seqs(out.map((e) => e.data)), range(1, out.length), 'seq counts from 1 with no gap');
    assert.deepEqual(
      out.map((e) => e.id),
      out.map((e) => `1.${String(e.data.seq)}`),
      'the event id is the resume cursor',
    );
    assert.equal(
      text(
        out.map((e) => e.data),
        'stdout',
      ),
      'line 1\nline 2\nline 3\nline 4\nline 5\n',
    );
    assert.equal(
      text(
        out.map((e) => e.data),
        'stderr',
      ),
      'oops\n',
    );
    assert.ok(out.length >= 2, 'several chunks, not one blob at the end');
    const last = events[events.length - 1];
    assert.equal(last.event, 'end');
    assert.equal(last.data.status, 'SUCCESS');
    assert.deepEqual(
      events
        .filter((e) => e.event === 'status')
        .map((e) => e.data.status)
        .at(-1),
      'SUCCESS',
    );
    const stored = (await p.inject({ method: 'GET', url: `/tasks/${id}/logs`, auth: alice })).json();
    assert.equal(
      stored.stdout,
      text(
        out.map((e) => e.data),
        'stdout',
      ),
    );
  });

  it('resumes after an event id (after= or Last-Event-ID) with no gap and no duplicate', async () => {
    const all = (await readSse(`${url}/tasks/${id}/logs?follow=true`, bearer(alice))).events.filter((e) => e.event === 'output');
    const n = all.length;
    const fromQuery = (await readSse(`${url}/tasks/${id}/logs?follow=true&after=1.2`, bearer(alice))).events.filter(
      (e) => e.event === 'output',
    );
    assert.deepEqual(seqs(fromQuery.map((e) => e.data)), range(3, n));
    const fromHeader = (await readSse(`${url}/tasks/${id}/logs`, { ...bearer(alice), accept: 'text/event-stream', 'last-event-id': '1.1' }))
      .events;
    assert.deepEqual(seqs(fromHeader.filter((e) => e.event === 'output').map((e) => e.data)), range(2, n));
    const bad = await fetch(`${url}/tasks/${id}/logs?follow=true`, { headers: { ...bearer(alice), 'last-event-id': 'yesterday' } });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /problem\+json/);
  });

  it('gives bytes exactly with encoding=base64', async () => {
    const t = await submit(alice, { command: 'bytes', shell: "printf 'caf\\303\\251 \\377\\n'" });
    const out = (await readSse(`${url}/tasks/${t}/logs?follow=true&encoding=base64`, bearer(alice))).events.filter(
      (e) => e.event === 'output',
    );
    const bytes = Buffer.concat(out.map((e) => Buffer.from(String(e.data.data), 'base64')));
    assert.deepEqual(bytes, Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xff, 0x0a]));
  });

  it("refuses another user's task as one that does not exist", async () => {
    assert.equal((await fetch(`${url}/tasks/${id}/logs?follow=true`, { headers: bearer(bob) })).status, 404);
    assert.equal((await fetch(`${url}/tasks/00000000-0000-7000-8000-000000000000/logs?follow=true`, { headers: bearer(bob) })).status, 404);
    assert.equal((await fetch(`${url}/tasks/${id}/logs?follow=true`)).status, 401);
  });
});

describe('WebSocket /ws', () => {
  const subscribeAndFinish = async (c: WsClient, id: string, after?: string): Promise<Msg[]> => {
    const channel = `task:${id}`;
    const from = c.messages.length;
    await c.send({ type: 'subscribe', channel, ...(after ? { after } : {}) });
    await c.waitFor((m) => m.type === 'end' && m.channel === channel, 30_000, from);
    return c.messages.slice(from).filter((m) => m.channel === channel);
  };

  it('authenticates by the first message or the upgrade header, and refuses anything else', async () => {
    const first = new WsClient(url);
    await first.send({ type: 'auth', token: alice });
    assert.equal((await first.waitFor((m) => m.type === 'ready')).userId, 'alice');
    first.close();

    const header = new WsClient(url, bearer(bob));
    assert.equal((await header.waitFor((m) => m.type === 'ready')).userId, 'bob');
    header.close();

    const none = new WsClient(url);
    await none.send({ type: 'subscribe', channel: 'task:x' });
    assert.equal((await none.waitFor((m) => m.type === 'error')).code, 'UNAUTHORIZED');
    assert.equal((await none.waitClosed()).code, 4401);

    const wrong = new WsClient(url);
    await wrong.send({ type: 'auth', token: 'hk_' + 'x'.repeat(43) });
    assert.equal((await wrong.waitClosed()).code, 4401);
  });

  it('answers bad messages with an error and keeps the socket open', async () => {
    const c = new WsClient(url, bearer(alice));
    await c.waitFor((m) => m.type === 'ready');
    c.ws.send('not json');
    await c.send({ type: 'launch' });
    await c.send({ type: 'subscribe', channel: 'queue:default' });
    await c.send({ type: 'subscribe', channel: 'task:abc', after: 'soon' });
    await c.send({ type: 'unsubscribe', channel: 'task:abc' });
    await c.send({ type: 'ping', id: 7 });
    assert.equal((await c.waitFor((m) => m.type === 'pong')).id, 7);
    assert.deepEqual(
      c.messages.filter((m) => m.type === 'error').map((m) => m.code),
      ['BAD_MESSAGE', 'BAD_MESSAGE', 'UNKNOWN_CHANNEL', 'BAD_MESSAGE', 'NOT_SUBSCRIBED'],
    );
    assert.equal(c.closed, null);
    c.close();
  });

  it("refuses a subscription to another user's task exactly as to a task that does not exist", async () => {
    const id = await submit(alice, { command: 'quiet', shell: 'true' });
    const c = new WsClient(url, bearer(bob));
    await c.waitFor((m) => m.type === 'ready');
    await c.send({ type: 'subscribe', channel: `task:${id}` });
    const foreign = await c.waitFor((m) => m.type === 'error' && m.channel === `task:${id}`);
    await c.send({ type: 'subscribe', channel: 'task:00000000-0000-7000-8000-000000000000' });
    const missing = await c.waitFor((m) => m.type === 'error' && m.channel === 'task:00000000-0000-7000-8000-000000000000');
    assert.equal(foreign.code, 'TASK_NOT_FOUND');
    assert.equal(missing.code, 'TASK_NOT_FOUND');
    assert.equal(c.output(`task:${id}`).length + c.messages.filter((m) => m.type === 'status').length, 0, 'nothing of the task leaked');
    c.close();
  });

  it('many subscribers of one running task all get the same complete sequence', async () => {
    const id = await submit(alice, TICKER);
    const clients = Array.from({ length: 12 }, () => new WsClient(url, bearer(alice)));
    const runs = await Promise.all(clients.map((c) => subscribeAndFinish(c, id)));
    const reference = runs[0].filter((m) => m.type === 'output').map((m) => [m.seq, m.stream, m.data]);
    assert.equal(
      text(
        runs[0].filter((m) => m.type === 'output'),
        'stdout',
      ),
      'line 1\nline 2\nline 3\nline 4\nline 5\n',
    );
    for (const r of runs) {
      assert.deepEqual(
        r.filter((m) => m.type === 'output').map((m) => [m.seq, m.stream, m.data]),
        reference,
      );
      assert.equal(r.at(-1)?.status, 'SUCCESS');
    }
    for (const c of clients) c.close();
  });

  it('a subscriber that reconnects mid-run resumes from its last id with no gap and no duplicate', async () => {
    const id = await submit(alice, TICKER);
    const channel = `task:${id}`;
    const first = new WsClient(url, bearer(alice));
    await first.send({ type: 'subscribe', channel });
    await first.waitFor((m) => m.type === 'output' && m.seq === 2);
    first.close();
    // What the first subscriber had when it left: close() is not instant, and output that still
    // arrives before the socket closes is past the id it resumes from (read again later, it
    // showed line 3 twice under load).
    const had = first.output(channel);
    const lastId = String(had.at(-1)!.id);
    const got = had.map((m) => Number(m.seq));
    const second = new WsClient(url, bearer(alice));
    const rest = (await subscribeAndFinish(second, id, lastId)).filter((m) => m.type === 'output');
    const all = [...got, ...seqs(rest)];
    assert.deepEqual(all, range(1, all.length));
    assert.equal(text([...had, ...rest], 'stdout'), 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    second.close();
  });

  it('a slow subscriber holds up neither the task nor another subscriber, and catches up from storage', async () => {
    const size = 12_000_000;
    const id = await submit(alice, { command: 'flood', shell: `head -c ${size} /dev/zero | tr '\\0' x; echo; echo done` });
    const channel = `task:${id}`;
    const slow = new WsClient(url, bearer(alice));
    await slow.waitFor((m) => m.type === 'ready');
    await slow.send({ type: 'subscribe', channel });
    await slow.waitFor((m) => m.type === 'subscribed');
    // Stop reading: the kernel buffers fill, then the server's unsent bytes pass its mark.
    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const fast = new WsClient(url, bearer(alice));
    const fastRun = await subscribeAndFinish(fast, id);
    assert.equal(fastRun.at(-1)?.status, 'SUCCESS', 'the task finished while the slow subscriber read nothing');
    const fastOut = fastRun.filter((m) => m.type === 'output');
    assert.equal(text(fastOut, 'stdout'), 'x'.repeat(size) + '\ndone\n');
    assert.ok(!slow.messages.some((m) => m.type === 'end'), 'the slow one is still behind');
    raw.resume();
    await slow.waitFor((m) => m.type === 'end', 60_000);
    const slowOut = slow.output(channel);
    assert.deepEqual(seqs(slowOut), range(1, slowOut.length));
    assert.equal(text(slowOut, 'stdout'), 'x'.repeat(size) + '\ndone\n');
    slow.close();
    fast.close();
  });

  it('answers any message, however malformed, with an error or a reply, never a crash or a closed socket', async () => {
    const c = new WsClient(url, bearer(alice));
    await c.waitFor((m) => m.type === 'ready');
    const channel = fc.oneof(
      fc.string(),
      fc.constantFrom('task:', 'task:x', 'terminal:a:b', 'terminal::', 'user', 'task:' + 'x'.repeat(200)),
    );
    const message = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json(),
      fc
        .record(
          {
            type: fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'auth', 'x'),
            channel,
            after: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          },
          { requiredKeys: ['type'] },
        )
        .map((m) => JSON.stringify(m)),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const before = c.messages.length;
        c.ws.send(m);
        const id = Math.random();
        await c.send({ type: 'ping', id });
        await c.waitFor((x) => x.type === 'pong' && x.id === id, 10_000, before);
        assert.equal(c.closed, null);
      }),
      { numRuns: 150 },
    );
    // Whatever it subscribed to along the way, the socket still serves a real task.
    const t = await submit(alice, { command: 'after-fuzz', shell: 'echo still-fine' });
    await c.send({ type: 'subscribe', channel: `task:${t}` });
    await c.waitFor((m) => m.type === 'output' && m.data === 'still-fine\n');
    c.close();
  });

  it("the user channel carries every status change of the caller's own tasks, and resumes from an id", async () => {
    const a = new WsClient(url, bearer(alice));
    const b = new WsClient(url, bearer(bob));
    for (const c of [a, b]) await c.send({ type: 'subscribe', channel: 'user' });
    await a.waitFor((m) => m.type === 'subscribed');
    await b.waitFor((m) => m.type === 'subscribed');
    const id = await submit(alice, { command: 'quick', shell: 'true' });
    await a.waitFor((m) => m.type === 'status' && m.taskId === id && m.status === 'SUCCESS');
    const mine = a.messages.filter((m) => m.type === 'status' && m.taskId === id);
    assert.deepEqual(
      mine.map((m) => m.status).filter((s, i, all) => s !== all[i - 1]),
      ['PENDING', 'RUNNING', 'SUCCESS'],
    );
    assert.deepEqual(
      mine.map((m) => Number(m.id)),
      [...mine.map((m) => Number(m.id))].sort((x, y) => x - y),
      'ids rise',
    );
    const theirs = await submit(bob, { command: 'quick', shell: 'true' });
    await b.waitFor((m) => m.type === 'status' && m.taskId === theirs && m.status === 'SUCCESS');
    assert.ok(!b.messages.some((m) => m.taskId === id), "bob sees nothing of alice's task");
    assert.ok(!a.messages.some((m) => m.taskId === theirs), "nor alice of bob's");
    const again = new WsClient(url, bearer(alice));
    await again.send({ type: 'subscribe', channel: 'user', after: String(mine[0].id) });
    await again.waitFor((m) => m.type === 'status' && m.taskId === id && m.status === 'SUCCESS');
    assert.deepEqual(
      again.messages.filter((m) => m.taskId === id).map((m) => m.id),
      mine.slice(1).map((m) => m.id),
    );
    for (const c of [a, b, again]) c.close();
  });

  it("masks the owner's secrets in live output, even split across chunks", async () => {
    const value = 'live-secret-value-0123456789';
    assert.equal((await p.inject({ method: 'PUT', url: '/secrets/LIVE_TOKEN', payload: { value }, auth: alice })).statusCode, 201);
    // The value written in two pieces a moment apart: it reaches the worker as two chunks.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    const shell = 'printf "token=%s" "${LIVE_TOKEN%%-0123*}"; sleep 0.2; printf "%s\\n" "-0123${LIVE_TOKEN##*-0123}"';
    const id = await submit(alice, { command: 'leak', shell, secrets: ['LIVE_TOKEN'] });
    const c = new WsClient(url, bearer(alice));
    const run = await subscribeAndFinish(c, id);
    const shown = text(
      run.filter((m) => m.type === 'output'),
      'stdout',
    );
    assert.ok(!shown.includes(value) && !shown.includes('live-secret'), shown);
    assert.equal(shown, 'token=[REDACTED]\n');
    c.close();
  });
});
