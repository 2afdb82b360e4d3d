/**
 * POST /functions/{name}/invoke on a started Hangar (embedded, the sandbox): the result as the
 * function returned it, a function error as 200 with Lambda's document and a header, the log's
 * tail, DryRun, Event accepted, throttling and tenancy in problem+json. Skipped, with the
 * reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Functions, Store } from '../../src/store/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
let p: TestPlatform;
let alice: string;
let bob: string;

const zip = makeZip({
  'index.js': `let n = 0;
exports.handler = async (event, context) => { n++; console.log('call', n); return { n, event, version: context.functionVersion }; };`,
  'fail.js': `exports.handler = async () => { throw new TypeError('nope'); };`,
});

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key;
  alice = await key('alice');
  bob = await key('bob');
  for (const [name, handler] of [
    ['hello', 'index.handler'],
    ['failing', 'fail.handler'],
  ]) {
    const r = await as(alice, 'PUT', `/functions/${name}`, { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(() => p?.close());

describe('POST /functions/{name}/invoke', { skip }, () => {
  it('answers the result, the version that ran, and the log tail when asked', async () => {
    const r = await as(alice, 'POST', '/functions/hello/invoke?log=true', { a: 1 });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { n: 1, event: { a: 1 }, version: '$LATEST' });
    assert.equal(r.headers['x-hangar-executed-version'], '$LATEST');
    assert.equal(r.headers['x-hangar-function-error'], undefined);
    const log = Buffer.from(String(r.headers['x-hangar-log-result']), 'base64').toString();
    assert.match(log, /^START RequestId: \S+ Version: \$LATEST\n/);
    assert.match(log, /call 1/);
    assert.match(log, /REPORT RequestId: .*Init Duration/);
    const warm = await as(alice, 'POST', '/functions/hello/invoke');
    assert.equal(warm.json().n, 2);
    assert.deepEqual(warm.json().event, {}, 'no body is the empty event');
    assert.equal(warm.headers['x-hangar-log-result'], undefined);
  });

  it('an invocation is not an audit entry (it is an invocation record); a deploy is', async () => {
    const r = await as(alice, 'POST', '/functions/hello/invoke', { audit: 'no' });
    assert.equal(r.statusCode, 200, r.body);
    const entries = (await p.inject({ method: 'GET', url: '/audit?limit=500' })).json().entries as { action: string }[];
    assert.ok(
      entries.some((e) => e.action === 'PUT /functions/:name'),
      'the deploy is audited',
    );
    assert.ok(!entries.some((e) => e.action.includes('invoke')), JSON.stringify(entries.map((e) => e.action)));
  });

  it('signals a function error as Lambda: 200, its error document, X-Hangar-Function-Error', async () => {
    const r = await as(alice, 'POST', '/functions/failing/invoke', {});
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['x-hangar-function-error'], 'Unhandled');
    assert.equal(r.json().errorType, 'TypeError');
    assert.equal(r.json().errorMessage, 'nope');
  });

  it('DryRun is 204; Event is 202, stored for a worker (test/aws/lambda-async.test.ts follows it); another type is 400', async () => {
    const dry = await as(alice, 'POST', '/functions/hello/invoke?type=DryRun', {});
    assert.equal(dry.statusCode, 204);
    const ev = await as(alice, 'POST', '/functions/hello/invoke?type=Event', {});
    assert.equal(ev.statusCode, 202);
    assert.match(String(ev.headers['x-hangar-task-id']), /^[0-9a-f-]{36}$/);
    const other = await as(alice, 'POST', '/functions/hello/invoke?type=Later', {});
    assert.equal(other.statusCode, 400);
    assert.match(String(other.headers['content-type']), /^application\/problem\+json/);
  });

  it("answers 429 over reserved concurrency, 404 for another user's function", async () => {
    assert.equal(
      (await as(alice, 'PUT', '/functions/zero', { zip: zip.toString('base64'), runtime: 'nodejs', handler: 'index.handler' })).statusCode,
      201,
    );
    // The native concurrency route is another branch's; the store's port is the same one it calls.
    await (p.store as Store & { functions: Functions }).functions.putConcurrency('alice', 'zero', 0);
    const t = await as(alice, 'POST', '/functions/zero/invoke', {});
    assert.equal(t.statusCode, 429, t.body);
    assert.equal(t.json().code, 'FUNCTION_THROTTLED');
    const other = await as(bob, 'POST', '/functions/hello/invoke', {});
    assert.equal(other.statusCode, 404);
    assert.equal(other.body.includes('alice'), false);
    assert.equal((await as(bob, 'POST', '/functions/hello/invoke?userId=alice', {})).statusCode, 403);
  });
});
