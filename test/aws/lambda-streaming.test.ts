/**
 * Lambda response streaming against a started Hangar, handlers written for AWS unchanged
 * (awslambda.streamifyResponse, awslambda.HttpResponseStream.from) on sandboxed instances: a
 * streaming function called with Invoke (the stream answered whole, as Lambda does) natively and
 * through the real AWS SDK. Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaClient, NO_SANDBOX } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;

/** Streaming handlers as written for Lambda's Node runtime. */
const CODE = makeZip({
  // Writes, waits (a timer: the stream is open meanwhile), then ends, fails, or outlives its timeout.
  'index.mjs': `export const handler = awslambda.streamifyResponse(async (invoked, responseStream) => {
  // A function URL's event carries what was sent in its body.
  const event = invoked.requestContext ? JSON.parse(invoked.body) : invoked;
  if (event.http) responseStream = awslambda.HttpResponseStream.from(responseStream, event.http);
  else responseStream.setContentType('text/plain');
  responseStream.write('first;');
  await new Promise((r) => setTimeout(r, event.ms ?? 400));
  if (event.fail) throw new Error('broke mid-stream');
  responseStream.write('second');
  responseStream.end();
});`,
});

const create = (name: string, over: Record<string, unknown> = {}) =>
  alice.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'index.handler',
      Code: { ZipFile: CODE },
      ...over,
    }),
  );

before(async () => {
  p = await testPlatform();
  const key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  alice = lambdaClient(p.url!, key);
});
after(() => p?.close());

describe('a streaming function called with Invoke', { skip: NO_SANDBOX }, () => {
  before(() => create('streamer'));

  it('answers the stream whole, with its content type, prelude included (AWS SDK)', async () => {
    const r = await alice.send(new InvokeCommand({ FunctionName: 'streamer', Payload: Buffer.from('{"ms":1}') }));
    assert.equal(r.FunctionError, undefined);
    assert.equal(Buffer.from(r.Payload!).toString(), 'first;second');
    const http = { statusCode: 201, headers: { 'x-a': 'b' } };
    const framed = await alice.send(new InvokeCommand({ FunctionName: 'streamer', Payload: Buffer.from(JSON.stringify({ http, ms: 1 })) }));
    const prelude = Buffer.from(JSON.stringify(http));
    assert.deepEqual(Buffer.from(framed.Payload!), Buffer.concat([prelude, Buffer.alloc(8), Buffer.from('first;second')]));
  });

  it('answers natively with the stream whole and its type; an error mid-stream is the error', async () => {
    const r = await p.inject({ method: 'POST', url: '/functions/streamer/invoke?userId=alice', payload: { ms: 1 } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.body, 'first;second');
    const failed = await p.inject({ method: 'POST', url: '/functions/streamer/invoke?userId=alice', payload: { ms: 1, fail: true } });
    assert.equal(failed.headers['x-hangar-function-error'], 'Unhandled');
    assert.deepEqual([failed.json().errorType, failed.json().errorMessage], ['Error', 'broke mid-stream']);
  });

  it('ends a stream that outlives the timeout with Sandbox.Timedout', async () => {
    await create('late-streamer', { Timeout: 1 });
    const r = await alice.send(new InvokeCommand({ FunctionName: 'late-streamer', Payload: Buffer.from('{"ms":5000}') }));
    assert.equal(r.FunctionError, 'Unhandled');
    assert.equal(JSON.parse(Buffer.from(r.Payload!).toString()).errorType, 'Sandbox.Timedout');
  });
});
