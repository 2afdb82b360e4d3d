/**
 * The Runtime API server of one instance (src/functions/runtime-api.ts), spoken to over its real
 * unix socket as a runtime would: the long poll, the answers, and AWS's refusals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, afterEach, describe, it } from 'node:test';
import { RuntimeApi, type InvocationMeta, type ResponseSink } from '../../src/functions/runtime-api.ts';
import { until } from '../helpers/platform.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-rapi-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function call(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const meta = (requestId: string, over: Partial<InvocationMeta> = {}): InvocationMeta => ({
  requestId,
  deadlineMs: 1_900_000_000_000,
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
  traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
  ...over,
});

const R = '/2018-06-01/runtime';

describe('runtime api', () => {
  let api: RuntimeApi;
  let n = 0;
  beforeEach(async () => {
    api = new RuntimeApi(join(dir, `rapi-${n++}.sock`), 1024);
    await api.listen();
  });
  afterEach(() => api.close());

  it('holds GET /next until an invocation is given, then answers the event with Lambda headers', async () => {
    const next = call(api.socketPath, 'GET', `${R}/invocation/next`);
    let answered = false;
    void next.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, false, 'the long poll answered before any invocation');
    assert.deepEqual(await api.ready, { kind: 'ready' });
    const outcome = api.invoke(
      Buffer.from('{"a":1}'),
      meta('req-1', { clientContext: '{"custom":{"k":"v"}}', cognitoIdentity: '{"cognitoIdentityId":"x"}' }),
    );
    const got = await next;
    assert.equal(got.status, 200);
    assert.equal(got.body, '{"a":1}');
    assert.equal(got.headers['lambda-runtime-aws-request-id'], 'req-1');
    assert.equal(got.headers['lambda-runtime-deadline-ms'], '1900000000000');
    assert.equal(got.headers['lambda-runtime-invoked-function-arn'], 'arn:aws:lambda:eu-west-1:123456789012:function:f');
    assert.match(String(got.headers['lambda-runtime-trace-id']), /^Root=1-/);
    assert.equal(got.headers['lambda-runtime-client-context'], '{"custom":{"k":"v"}}');
    assert.equal(got.headers['lambda-runtime-cognito-identity'], '{"cognitoIdentityId":"x"}');
    const ok = await call(api.socketPath, 'POST', `${R}/invocation/req-1/response`, '"done"');
    assert.equal(ok.status, 202);
    assert.deepEqual(JSON.parse(ok.body), { status: 'OK' });
    const o = await outcome;
    assert.equal(o.kind, 'result');
    assert.equal(o.kind === 'result' && o.payload.toString(), '"done"');
  });

  it('gives an invocation queued before /next to the next /next, without optional headers', async () => {
    const outcome = api.invoke(Buffer.from('{}'), meta('req-2'));
    const got = await call(api.socketPath, 'GET', `${R}/invocation/next`);
    assert.equal(got.headers['lambda-runtime-aws-request-id'], 'req-2');
    assert.equal(got.headers['lambda-runtime-client-context'], undefined);
    assert.equal(got.headers['lambda-runtime-cognito-identity'], undefined);
    await call(api.socketPath, 'POST', `${R}/invocation/req-2/response`, 'null');
    assert.equal((await outcome).kind, 'result');
  });

  it('refuses a wrong id (400), a second answer (403), an unknown path (404), each in AWS shape', async () => {
    const outcome = api.invoke(Buffer.from('{}'), meta('req-3'));
    await call(api.socketPath, 'GET', `${R}/invocation/next`);
    const wrong = await call(api.socketPath, 'POST', `${R}/invocation/nope/response`, '1');
    assert.equal(wrong.status, 400);
    assert.equal(JSON.parse(wrong.body).errorType, 'InvalidRequestID');
    assert.equal(typeof JSON.parse(wrong.body).errorMessage, 'string');
    assert.equal((await call(api.socketPath, 'POST', `${R}/invocation/req-3/response`, '1')).status, 202);
    const again = await call(api.socketPath, 'POST', `${R}/invocation/req-3/error`, '{}');
    assert.equal(again.status, 403);
    assert.equal(JSON.parse(again.body).errorType, 'InvalidStateTransition');
    const garbled = await call(api.socketPath, 'POST', `${R}/invocation/%E0%A4%A/response`, '1');
    assert.equal(garbled.status, 400);
    const unknown = await call(api.socketPath, 'GET', `${R}/invocation/req-3/whatever`);
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body).errorType, 'NotFound');
    assert.equal((await outcome).kind, 'result');
  });

  it('refuses an answer over the limit with 413 and fails the invocation as Lambda does', async () => {
    const outcome = api.invoke(Buffer.from('{}'), meta('req-4'));
    await call(api.socketPath, 'GET', `${R}/invocation/next`);
    const big = await call(api.socketPath, 'POST', `${R}/invocation/req-4/response`, Buffer.alloc(1025, 'x'));
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).errorType, 'RequestEntityTooLarge');
    const o = await outcome;
    assert.equal(o.kind, 'error');
    if (o.kind !== 'error') return;
    assert.equal(o.error.errorType, 'Function.ResponseSizeTooLarge');
    assert.match(JSON.parse(o.error.payload.toString()).errorMessage, /exceeded maximum allowed payload size \(1024 bytes\)/);
  });

  it("passes a function error's document through, typed by its body or its header", async () => {
    const first = api.invoke(Buffer.from('{}'), meta('req-5'));
    await call(api.socketPath, 'GET', `${R}/invocation/next`);
    const doc = JSON.stringify({ errorType: 'TypeError', errorMessage: 'x is not a function', trace: ['TypeError: x', '  at y'] });
    const e = await call(api.socketPath, 'POST', `${R}/invocation/req-5/error`, doc, { 'lambda-runtime-function-error-type': 'Other' });
    assert.equal(e.status, 202);
    const o = await first;
    assert.ok(o.kind === 'error');
    assert.equal(o.error.errorType, 'TypeError');
    assert.equal(o.error.payload.toString(), doc);

    const second = api.invoke(Buffer.from('{}'), meta('req-6'));
    await call(api.socketPath, 'GET', `${R}/invocation/next`);
    await call(api.socketPath, 'POST', `${R}/invocation/req-6/error`, 'plain words', {
      'lambda-runtime-function-error-type': 'Custom.Thing',
    });
    const o2 = await second;
    assert.ok(o2.kind === 'error');
    assert.deepEqual(JSON.parse(o2.error.payload.toString()), { errorType: 'Custom.Thing', errorMessage: 'plain words' });
  });

  it('settles the init phase with an init error, once', async () => {
    const doc = JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'index'" });
    const r = await call(api.socketPath, 'POST', `${R}/init/error`, doc, {
      'lambda-runtime-function-error-type': 'Runtime.ImportModuleError',
    });
    assert.equal(r.status, 202);
    const init = await api.ready;
    assert.ok(init.kind === 'error');
    assert.equal(init.error.errorType, 'Runtime.ImportModuleError');
    const again = await call(api.socketPath, 'POST', `${R}/init/error`, doc);
    assert.equal(again.status, 403);
  });

  it('fail() ends the invocation in flight with the given error', async () => {
    const o = api.invoke(Buffer.from('{}'), meta('req-7'));
    assert.equal(api.busy, true);
    assert.throws(() => api.invoke(Buffer.from('{}'), meta('req-8')), /already in flight/);
    api.fail({ errorType: 'Runtime.ExitError', payload: Buffer.from('{}') });
    const got = await o;
    assert.ok(got.kind === 'error');
    assert.equal(got.error.errorType, 'Runtime.ExitError');
    assert.equal(api.busy, false);
  });

  it('does not read a streaming answer while the sink holds what it was given (backpressure), then reads it all', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let received = 0;
    /** Bytes passed to the sink after it answered its (unsettled) wait. */
    let whileHeld = -1;
    const sink: ResponseSink = {
      start: () => {},
      chunk: (b) => {
        received += b.length;
        if (whileHeld >= 0) whileHeld += b.length;
        else whileHeld = 0;
        return held;
      },
    };
    const outcome = api.invoke(Buffer.from('{}'), meta('req-bp'), sink);
    await call(api.socketPath, 'GET', `${R}/invocation/next`);
    // The runtime: 8 MB in 64 KB writes, each after the last was taken (its socket's backpressure).
    const total = 128 * 65536;
    let written = 0;
    let waiting = false;
    const req = http.request({
      socketPath: api.socketPath,
      method: 'POST',
      path: `${R}/invocation/req-bp/response`,
      headers: { 'lambda-runtime-function-response-mode': 'streaming', 'content-type': 'text/plain' },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
    });
    const writing = (async () => {
      while (written < total) {
        written += 65536;
        if (!req.write(Buffer.alloc(65536, 1))) {
          waiting = true;
          await new Promise((r) => req.once('drain', r));
          waiting = false;
        }
      }
      req.end();
    })();
    // Once the runtime waits for its socket, and a moment more in which an API that went on
    // reading would take in much of the 8 MB (how long is not asserted: the bytes are).
    await until(async () => waiting && whileHeld >= 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(whileHeld <= 128 * 1024, `${whileHeld} bytes reached the sink while it held its first`);
    assert.ok(written < total, 'the runtime is held back');
    release();
    await writing;
    assert.equal(await answered, 202);
    const o = await outcome;
    assert.deepEqual([o.kind, received], ['result', total]);
  });
});
