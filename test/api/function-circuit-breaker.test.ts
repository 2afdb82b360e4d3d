/**
 * A function's circuit breaker on a started Hangar (embedded, the sandbox): PUT/GET/DELETE
 * /functions/{name}/circuit-breaker, bad input as problem+json 400, an open breaker failing
 * invocations fast — natively 503 problem+json FUNCTION_CIRCUIT_OPEN with Retry-After, on
 * Lambda's API (the real @aws-sdk/client-lambda) ServiceException 503 — and its state in
 * /metrics. The cooldown and probes are in test/app/circuit-breakers.test.ts (a manual clock).
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaClient, NO_SANDBOX } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = NO_SANDBOX;
let p: TestPlatform;
let alice: string;
let aliceLambda: LambdaClient;
let bob: string;

const zip = makeZip({ 'index.js': `exports.handler = async (e) => { if (e.fail) throw new Error('down'); return { ok: true }; };` });

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

before(async () => {
  if (skip) return;
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  const a = await key('alice');
  alice = a.key;
  aliceLambda = lambdaClient(p.url!, a);
  bob = (await key('bob')).key;
  for (const name of ['scraper', 'other']) {
    const r = await as(alice, 'PUT', `/functions/${name}`, {
      zip: zip.toString('base64'),
      runtime: 'nodejs22.x',
      handler: 'index.handler',
    });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(() => p?.close());

describe('/functions/{name}/circuit-breaker', { skip }, () => {
  it('is put, read with its state and deleted; none is 404 FUNCTION_CIRCUIT_BREAKER_NOT_FOUND', async () => {
    const none = await as(alice, 'GET', '/functions/other/circuit-breaker');
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().code, 'FUNCTION_CIRCUIT_BREAKER_NOT_FOUND');
    const put = await as(alice, 'PUT', '/functions/other/circuit-breaker', { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30 });
    assert.equal(put.statusCode, 200, put.body);
    const { updatedAt, ...rest } = put.json();
    assert.deepEqual(rest, {
      name: 'other',
      failureThreshold: 5,
      windowSeconds: 60,
      cooldownSeconds: 30,
      probes: 1,
      state: 'closed',
      failuresInWindow: 0,
      openedAt: null,
      nextProbeAt: null,
    });
    assert.ok(!Number.isNaN(Date.parse(updatedAt)));
    assert.deepEqual((await as(alice, 'GET', '/functions/other/circuit-breaker')).json(), put.json());
    assert.deepEqual((await as(alice, 'DELETE', '/functions/other/circuit-breaker')).json(), { name: 'other', deleted: true });
    assert.equal((await as(alice, 'DELETE', '/functions/other/circuit-breaker')).statusCode, 404);
  });

  it('refuses bad values (400 problem+json) and functions that are not there or not yours (404)', async () => {
    for (const body of [
      { failureThreshold: 0, windowSeconds: 60, cooldownSeconds: 30 },
      { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 100_000 },
      { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30, probes: 0 },
      { failureThreshold: 5, windowSeconds: 60 },
      { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30, extra: 1 },
      { failureThreshold: 'five', windowSeconds: 60, cooldownSeconds: 30 },
    ]) {
      const r = await as(alice, 'PUT', '/functions/other/circuit-breaker', body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
    }
    const ok = { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30 };
    assert.equal((await as(alice, 'PUT', '/functions/nope/circuit-breaker', ok)).json().code, 'FUNCTION_NOT_FOUND');
    assert.equal((await as(bob, 'PUT', '/functions/scraper/circuit-breaker', ok)).json().code, 'FUNCTION_NOT_FOUND');
    assert.equal((await as(bob, 'GET', '/functions/scraper/circuit-breaker')).statusCode, 404);
  });

  it('once open, invocations fail fast: 503 problem+json with Retry-After natively, ServiceException 503 on Lambda; the metrics show it', async () => {
    const put = await as(alice, 'PUT', '/functions/scraper/circuit-breaker', {
      failureThreshold: 2,
      windowSeconds: 600,
      cooldownSeconds: 3600,
    });
    assert.equal(put.statusCode, 200, put.body);
    for (let i = 0; i < 2; i++) {
      const r = await as(alice, 'POST', '/functions/scraper/invoke', { fail: true });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['x-hangar-function-error'], 'Unhandled');
    }
    const state = (await as(alice, 'GET', '/functions/scraper/circuit-breaker')).json();
    assert.equal(state.state, 'open');
    assert.deepEqual((await as(alice, 'GET', '/functions/scraper')).json().circuitBreaker, state, 'the function shows it too');
    assert.equal((await as(alice, 'GET', '/functions/other')).json().circuitBreaker, null);
    assert.equal(Date.parse(state.nextProbeAt) - Date.parse(state.openedAt), 3_600_000);

    const refused = await as(alice, 'POST', '/functions/scraper/invoke', { fail: false });
    assert.equal(refused.statusCode, 503, refused.body);
    assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    assert.equal(refused.json().code, 'FUNCTION_CIRCUIT_OPEN');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, String(retryAfter));

    // The raw answer too (beneath the SDK's deserializer): its Retry-After and Reason.
    let raw: { statusCode: number; headers: Record<string, string>; body: unknown } | undefined;
    aliceLambda.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        raw = out.response as typeof raw;
        return out;
      },
      { step: 'deserialize', priority: 'low', name: 'rawAnswer' },
    );
    const err = await aliceLambda
      .send(new InvokeCommand({ FunctionName: 'scraper', Payload: Buffer.from('{}') }))
      .then(() => assert.fail('the invocation ran'))
      .catch((e: Error & { $metadata?: { httpStatusCode?: number }; $response?: { headers: Record<string, string> } }) => e);
    assert.equal(err.name, 'ServiceException');
    assert.equal(err.$metadata?.httpStatusCode, 503);
    assert.match(err.message, /circuit breaker of function scraper is open/);
    assert.equal((err as unknown as { Reason?: string }).Reason, 'CircuitBreakerOpen');
    assert.equal(raw?.statusCode, 503);
    assert.equal(raw?.headers['x-amzn-errortype'], 'ServiceException');
    assert.ok(Number(raw?.headers['retry-after']) > 3500, JSON.stringify(raw?.headers));

    // Records are written in batches shortly after the runs: wait for the two that ran.
    const invocations = await until(async () => {
      const list = (await as(alice, 'GET', '/functions/scraper/invocations')).json().invocations as unknown[];
      return list.length >= 2 && list;
    });
    assert.equal(invocations.length, 2, 'the refused invocations did not run');

    const metrics = (await p.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /hangar_function_circuit_breaker_state\{user="alice",function="scraper"\} 2/);
    assert.match(metrics, /hangar_function_circuit_rejections_total\{user="alice",function="scraper"\} 2/);

    assert.equal((await as(alice, 'DELETE', '/functions/scraper/circuit-breaker')).statusCode, 200);
    const runs = await as(alice, 'POST', '/functions/scraper/invoke', { fail: false });
    assert.equal(runs.statusCode, 200);
    assert.deepEqual(runs.json(), { ok: true });
    assert.doesNotMatch(
      (await p.inject({ method: 'GET', url: '/metrics' })).body,
      /hangar_function_circuit_breaker_state\{user="alice",function="scraper"\}/,
    );
  });
});
