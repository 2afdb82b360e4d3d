/**
 * Function invocation records, logs and metrics on a started Hangar (the sandbox): each
 * invocation is kept (status, duration, cold start, memory, its START/END/REPORT log, a long one
 * in the blob store) and read back through GET /functions/{name}/invocations and /logs, newest
 * first, paged, per user; /metrics counts invocations, errors, throttles and cold starts.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Functions, Store } from '../../src/store/index.ts';
import { openSse } from '../helpers/live.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
let p: TestPlatform;
let alice: string;
let bob: string;

const zip = makeZip({
  'index.js': `let n = 0;
exports.handler = async () => { n++; console.log('call', n); return n; };`,
  'fail.js': `exports.handler = async () => { throw new TypeError('nope'); };`,
  'slow.js': `exports.handler = () => new Promise((resolve) => setTimeout(resolve, 30_000));`,
  'chatty.js': `exports.handler = async () => { for (let i = 0; i < 400; i++) console.log('line ' + i + ' ' + 'x'.repeat(40)); return 'done'; };`,
});

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

/** Invokes and answers the request id (from the log's START line). */
async function invoke(name: string): Promise<string> {
  const r = await as(alice, 'POST', `/functions/${name}/invoke?log=true`, {});
  assert.equal(r.statusCode, 200, r.body);
  const log = Buffer.from(String(r.headers['x-hangar-log-result']), 'base64').toString();
  const id = /RequestId: (\S+)/.exec(log)?.[1];
  assert.ok(id, log);
  return id;
}

type View = { requestId: string; status: string; initDurationMs: number | null; errorType: string | null; log?: string } & Record<
  string,
  unknown
>;
const list = async (key: string, url: string) => as(key, 'GET', url);
/** The records once `n` of them are there (they are written just after each answer). */
const recorded = (name: string, n: number): Promise<View[]> =>
  until(async () => {
    const r = (await list(alice, `/functions/${name}/invocations`)).json().invocations as View[];
    return r.length >= n ? r : null;
  });

const ids: Record<string, string[]> = { hello: [], failing: [], slow: [], chatty: [] };

before(async () => {
  if (skip) return;
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key;
  alice = await key('alice');
  bob = await key('bob');
  for (const [name, handler, timeoutS] of [
    ['hello', 'index.handler', 3],
    ['failing', 'fail.handler', 3],
    ['slow', 'slow.handler', 1],
    ['chatty', 'chatty.handler', 3],
    ['zero', 'index.handler', 3],
  ] as const) {
    const r = await as(alice, 'PUT', `/functions/${name}`, { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler, timeoutS });
    assert.equal(r.statusCode, 201, r.body);
  }
  for (let i = 0; i < 3; i++) ids.hello.push(await invoke('hello'));
  ids.failing.push(await invoke('failing'));
  ids.slow.push(await invoke('slow'));
  ids.chatty.push(await invoke('chatty'));
  await (p.store as Store & { functions: Functions }).functions.putConcurrency('alice', 'zero', 0);
  assert.equal((await as(alice, 'POST', '/functions/zero/invoke', {})).statusCode, 429);
});
after(() => p?.close());

describe('function invocation records and logs', { skip }, () => {
  it('keeps each invocation, newest first: status, version, duration, cold start, memory', async () => {
    const r = await recorded('hello', 3);
    assert.deepEqual(
      r.map((x) => x.requestId),
      ids.hello.toReversed(),
    );
    const [warm, , cold] = r;
    assert.equal(cold.status, 'success');
    assert.equal(typeof cold.initDurationMs, 'number', 'the first invocation was a cold start');
    assert.equal(warm.initDurationMs, null);
    assert.equal(warm.executedVersion, '$LATEST');
    assert.equal(warm.invocationType, 'RequestResponse');
    assert.equal(warm.memoryMb, 128);
    assert.equal(warm.userId, 'alice');
    assert.equal(warm.errorType, null);
    assert.ok((warm.durationMs as number) >= 0);
    assert.ok(Date.parse(warm.endedAt as string) >= Date.parse(warm.startedAt as string));
  });

  it('answers the logs with START, the output, END and REPORT, one invocation by request id', async () => {
    await recorded('hello', 3);
    const r = await list(alice, `/functions/hello/logs?requestId=${ids.hello[0]}`);
    assert.equal(r.statusCode, 200, r.body);
    const [only, ...rest] = r.json().logs as View[];
    assert.equal(rest.length, 0);
    assert.match(
      only.log!,
      new RegExp(
        `^START RequestId: ${ids.hello[0]} Version: \\$LATEST\\n[\\s\\S]*call 1\\n[\\s\\S]*END RequestId: ${ids.hello[0]}\\nREPORT RequestId: ${ids.hello[0]}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: [\\d.]+ ms\\n$`,
      ),
    );
  });

  it('pages, and narrows by time', async () => {
    await recorded('hello', 3);
    const first = (await list(alice, '/functions/hello/logs?limit=2')).json();
    assert.equal(first.logs.length, 2);
    assert.ok(first.nextCursor);
    const second = (await list(alice, `/functions/hello/logs?limit=2&cursor=${first.nextCursor}`)).json();
    assert.deepEqual(
      [...first.logs, ...second.logs].map((x: View) => x.requestId),
      ids.hello.toReversed(),
    );
    assert.equal(second.nextCursor, null);
    const later = (await list(alice, `/functions/hello/invocations?since=${Date.now() + 60_000}`)).json();
    assert.deepEqual(later.invocations, []);
    assert.equal((await list(alice, '/functions/hello/logs?cursor=bm9wZQ')).statusCode, 400);
  });

  it('records errors and timeouts with their type, the timeout in the log as Lambda writes it', async () => {
    const [failed] = await recorded('failing', 1);
    assert.deepEqual([failed.status, failed.errorType], ['error', 'TypeError']);
    const [slow] = (await until(async () => {
      const l = (await list(alice, '/functions/slow/logs')).json().logs as View[];
      return l.length > 0 ? l : null;
    })) as View[];
    assert.deepEqual([slow.status, slow.errorType], ['timeout', 'Sandbox.Timedout']);
    assert.match(slow.log!, /Task timed out after 1\.00 seconds/);
    assert.equal((await list(alice, '/functions/zero/invocations')).json().invocations.length, 0, 'a throttled invocation ran nothing');
  });

  it('keeps a long log in the blob store, under the user, and reads it back whole', async () => {
    const [chatty] = (await until(async () => {
      const l = (await list(alice, '/functions/chatty/logs')).json().logs as View[];
      return l.length > 0 ? l : null;
    })) as View[];
    assert.ok((chatty.logBytes as number) > 8192);
    assert.equal(Buffer.byteLength(chatty.log!), chatty.logBytes);
    assert.match(chatty.log!, /line 0 x+\n[\s\S]*line 399 x+\n[\s\S]*REPORT RequestId/);
    const keys = await p.blobs.list('functions/alice/logs/');
    assert.equal(keys.length, 1);
    assert.match(keys[0], new RegExp(`^functions/alice/logs/chatty/\\d{4}-\\d\\d-\\d\\d/${chatty.requestId}\\.log$`));
  });

  it("shows a user only their own functions' records; an admin any user's", async () => {
    await recorded('hello', 3);
    for (const route of ['invocations', 'logs']) {
      const other = await list(bob, `/functions/hello/${route}`);
      assert.equal(other.statusCode, 404);
      assert.equal(other.body.includes('alice'), false);
      assert.equal((await list(bob, `/functions/hello/${route}?userId=alice`)).statusCode, 403);
      const admin = await p.inject({ method: 'GET', url: `/functions/hello/${route}?userId=alice` });
      assert.equal(admin.statusCode, 200);
      assert.equal((admin.json().invocations ?? admin.json().logs).length, 3);
    }
  });

  it('counts invocations, errors, throttles and cold starts in /metrics', async () => {
    await recorded('hello', 3);
    const text = (await p.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value('hangar_function_invocations_total{user="alice",function="hello",status="success"}'), 3);
    assert.equal(value('hangar_function_invocations_total{user="alice",function="failing",status="error"}'), 1);
    assert.equal(value('hangar_function_invocations_total{user="alice",function="slow",status="timeout"}'), 1);
    assert.equal(value('hangar_function_errors_total{user="alice",function="failing"}'), 1);
    assert.equal(value('hangar_function_errors_total{user="alice",function="slow"}'), 1);
    assert.equal(value('hangar_function_throttles_total{user="alice",function="zero"}'), 1);
    assert.equal(value('hangar_function_cold_starts_total{user="alice",function="hello"}'), 1);
    assert.equal(value('hangar_function_duration_seconds_count{status="success"}'), 4);
    assert.equal(value('hangar_function_init_duration_seconds_count{runtime="nodejs"}'), 4);
    assert.equal(value('hangar_function_concurrent_executions'), 0);
  });
});

describe('following a function logs live: GET /functions/{name}/logs/live', { skip }, () => {
  const open = (path: string, key = alice, headers: Record<string, string> = {}) =>
    openSse(`${p.url}${path}`, { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers });

  before(async () => {
    if (skip) return;
    const r = await as(alice, 'PUT', '/functions/live', { zip: zip.toString('base64'), runtime: 'nodejs', handler: 'index.handler' });
    assert.equal(r.statusCode, 201, r.body);
  });

  it('sends the latest, then each invocation that ends after it connected, in order and once, as the list shows them', async () => {
    await invoke('live');
    await recorded('live', 1);
    const s = await open('/functions/live/logs/live?limit=1');
    try {
      assert.equal(s.status, 200, s.body);
      const first = await s.next();
      assert.equal(first.event, 'invocation');
      assert.match(String(first.data.log), /call 1\n/);
      const ran = [await invoke('live'), await invoke('live')];
      const next = [await s.next(), await s.next()];
      assert.deepEqual(
        next.map((e) => e.data.requestId),
        ran,
      );
      assert.match(String(next[1].data.log), /call 3\n/);
      const listed = (await list(alice, `/functions/live/logs?requestId=${ran[1]}`)).json().logs[0];
      assert.deepEqual(next[1].data, listed, 'the same JSON as GET /functions/{name}/logs');
      // Resuming after the first of them (as EventSource does with Last-Event-ID): the second.
      const resumed = await open('/functions/live/logs/live', alice, { 'last-event-id': String(next[0].id) });
      try {
        assert.equal((await resumed.next()).data.requestId, ran[1]);
        const later = await invoke('live');
        assert.equal((await s.next()).data.requestId, later, 'nothing twice on the first');
        assert.equal((await resumed.next()).data.requestId, later);
      } finally {
        resumed.close();
      }
    } finally {
      s.close();
    }
  });

  it('since: every invocation that ended since, oldest first, then new ones', async () => {
    await recorded('live', 1);
    const all = ((await list(alice, '/functions/live/logs?limit=200')).json().logs as View[]).map((l) => l.requestId).toReversed();
    const s = await open('/functions/live/logs/live?since=0');
    try {
      const got: string[] = [];
      for (const _ of all) got.push(String((await s.next()).data.requestId));
      assert.deepEqual(got, all);
      const later = await invoke('live');
      assert.equal((await s.next()).data.requestId, later);
    } finally {
      s.close();
    }
  });

  it('scale-out: a follower on another API node sees the invocations this one runs', {
    skip: process.env.HANGAR_TEST_SHAPE === 'scale-out' ? false : 'the scale-out shape only',
  }, async () => {
    const other = await testPlatform(
      {
        HANGAR_DATABASE_SCHEMA: p.config.databaseSchema!,
        HANGAR_SECRETS_KEY: String(p.config.secretsKey),
        HANGAR_S3_BUCKET: p.config.s3Bucket!,
        HANGAR_S3_ENDPOINT: p.config.s3Endpoint!,
      },
      { api: true, workers: false },
    );
    try {
      const s = await openSse(`${other.url}/functions/live/logs/live?limit=0`, { authorization: `Bearer ${alice}` });
      try {
        assert.equal(s.status, 200, s.body);
        const ran = [await invoke('live'), await invoke('live')];
        assert.deepEqual([(await s.next()).data.requestId, (await s.next()).data.requestId], ran);
      } finally {
        s.close();
      }
    } finally {
      await other.close();
    }
  });

  it("answers another user's function as one that does not exist; refuses a bad resume point", async () => {
    const other = await open('/functions/live/logs/live', bob);
    assert.equal(other.status, 404);
    assert.equal(other.body.includes('alice'), false);
    assert.equal((await open('/functions/live/logs/live?userId=alice', bob)).status, 403);
    assert.equal((await open('/functions/nope/logs/live')).status, 404);
    assert.equal((await open('/functions/live/logs/live?after=bm9wZQ')).status, 400);
    assert.equal((await open('/functions/live/logs/live?limit=-1')).status, 400);
  });
});
