/**
 * Lambda response streaming against a started Hangar, handlers written for AWS unchanged
 * (awslambda.streamifyResponse, awslambda.HttpResponseStream.from) on sandboxed instances: a
 * streaming function called with Invoke (the stream answered whole, as Lambda does) natively and
 * through the real AWS SDK; a RESPONSE_STREAM function URL answering chunked as the function
 * writes, with HttpResponseStream.from's status, headers and cookies; InvokeWithResponseStream
 * read with the SDK's own event stream decoder; a caller that stops reading slows the function
 * down instead of Hangar buffering what it writes (backpressure). Skipped, with the reason, where
 * the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  type InvokeWithResponseStreamCompleteEvent,
  type LambdaClient,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { STREAM_HIGH_WATER_BYTES, streamedHeld } from '../../src/functions/index.ts';
import { createNodeFunction, lambdaClient, NO_SANDBOX } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;
let aliceKey: Parameters<typeof lambdaClient>[1];
let bob: LambdaClient;

/** How many 64 KB pieces the flood handler writes: 8 MB. */
const FLOOD_PIECES = 128;

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
  'plain.js': `exports.handler = async () => ({ hello: 'world' });`,
  // FLOOD_PIECES of 64 KB, each filled with its number, as fast as the stream takes them.
  'flood.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  for (let i = 0; i < ${FLOOD_PIECES}; i++) {
    if (!responseStream.write(Buffer.alloc(65536, i % 251))) await new Promise((r) => responseStream.once('drain', r));
  }
  responseStream.end();
});`,
});

const create = (name: string, over: Record<string, unknown> = {}) => createNodeFunction(alice, name, { Code: { ZipFile: CODE }, ...over });

before(async () => {
  p = await testPlatform();
  aliceKey = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  alice = lambdaClient(p.url!, aliceKey);
  bob = lambdaClient(p.url!, (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json());
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

/** A public function URL's two statements, as AWS documents them. */
async function makePublic(name: string) {
  const base = { FunctionName: name, Principal: '*' };
  await alice.send(
    new AddPermissionCommand({ ...base, StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE' }),
  );
  await alice.send(
    new AddPermissionCommand({ ...base, StatementId: 'invoke', Action: 'lambda:InvokeFunction', InvokedViaFunctionUrl: true }),
  );
}

interface Streamed {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body's pieces as the client read them. */
  chunks: string[];
  /** Whether the chunked body ended properly (not cut short). */
  complete: boolean;
}

/** POSTs `event` as JSON to a function URL, keeping the answer's pieces as they arrive. */
function post(url: string, event: unknown): Promise<Streamed> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: string[] = [];
        res.on('data', (c: Buffer) => chunks.push(c.toString()));
        res.on('error', () => {});
        res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, complete: res.complete }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(event));
  });
}

describe('a RESPONSE_STREAM function URL', { skip: NO_SANDBOX }, () => {
  let url: string;

  before(async () => {
    await create('url-streamer');
    url = (
      await alice.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: 'url-streamer', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }),
      )
    ).FunctionUrl!;
    await makePublic('url-streamer');
  });

  it('answers chunked as the function writes: the first chunk comes alone, before the function ends', async () => {
    const r = await post(url, {});
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    // The function waits between its writes: its first is read before its second is written.
    assert.equal(r.chunks[0], 'first;');
    assert.equal(r.chunks.join(''), 'first;second');
    assert.equal(r.complete, true);
  });

  it("answers with HttpResponseStream.from's status, headers and cookies, the prelude not in the body", async () => {
    const http = { statusCode: 201, headers: { 'content-type': 'text/csv', 'x-from': 'fn' }, cookies: ['a=1', 'b=2'] };
    const r = await post(url, { http });
    assert.equal(r.status, 201);
    assert.equal(r.headers['content-type'], 'text/csv');
    assert.equal(r.headers['x-from'], 'fn');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.chunks[0], 'first;');
    assert.equal(r.chunks.join(''), 'first;second');
  });

  it('cuts the answer short when the function fails mid-stream, after what it wrote', async () => {
    const r = await post(url, { fail: true });
    assert.equal(r.status, 200);
    assert.equal(r.chunks.join(''), 'first;');
    assert.equal(r.complete, false);
  });

  it('is accepted by UpdateFunctionUrlConfig too, and BUFFERED answers the stream whole', async () => {
    const updated = await alice.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'url-streamer', InvokeMode: 'BUFFERED' }));
    assert.equal(updated.InvokeMode, 'BUFFERED');
    const r = await post(url, { ms: 1 });
    assert.deepEqual([r.status, r.headers['content-type'], r.chunks.join('')], [200, 'text/plain', 'first;second']);
    const framed = await post(url, { ms: 1, http: { statusCode: 202, headers: { 'x-from': 'fn' } } });
    assert.deepEqual([framed.status, framed.headers['x-from'], framed.chunks.join('')], [202, 'fn', 'first;second']);
    const back = await alice.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'url-streamer', InvokeMode: 'RESPONSE_STREAM' }));
    assert.equal(back.InvokeMode, 'RESPONSE_STREAM');
  });
});

/** InvokeWithResponseStream's events as the SDK decodes them: the chunks' text, and the end. */
async function streamInvoke(c: LambdaClient, name: string, event: unknown, over: Record<string, unknown> = {}) {
  const r = await c.send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), ...over }));
  const chunks: string[] = [];
  let complete: InvokeWithResponseStreamCompleteEvent | undefined;
  for await (const e of r.EventStream!) {
    if (e.PayloadChunk) chunks.push(Buffer.from(e.PayloadChunk.Payload ?? []).toString());
    if (e.InvokeComplete) complete = e.InvokeComplete;
  }
  return { r, chunks, complete: complete! };
}

describe('InvokeWithResponseStream through the AWS SDK', { skip: NO_SANDBOX }, () => {
  before(() => create('streamer-plain', { Handler: 'plain.handler' }));

  it('sends a PayloadChunk per piece the function writes, then InvokeComplete with its log', async () => {
    const { r, chunks, complete } = await streamInvoke(alice, 'streamer', { ms: 1 }, { LogType: 'Tail' });
    assert.equal(r.StatusCode, 200);
    assert.equal(r.ExecutedVersion, '$LATEST');
    assert.equal(r.ResponseStreamContentType, 'application/vnd.amazon.eventstream');
    assert.deepEqual(chunks, ['first;', 'second']);
    assert.equal(complete.ErrorCode, undefined);
    assert.match(Buffer.from(complete.LogResult ?? '', 'base64').toString(), /REPORT RequestId/);
  });

  it('ends with the error in InvokeComplete when the function fails or times out mid-stream', async () => {
    const failed = await streamInvoke(alice, 'streamer', { ms: 1, fail: true });
    assert.deepEqual(failed.chunks, ['first;']);
    assert.deepEqual([failed.complete.ErrorCode, failed.complete.ErrorDetails], ['Error', 'broke mid-stream']);
    const late = await streamInvoke(alice, 'late-streamer', { ms: 5000 });
    assert.deepEqual(late.chunks, ['first;']);
    assert.equal(late.complete.ErrorCode, 'Sandbox.Timedout');
  });

  it('sends a function that does not stream its payload as one chunk', async () => {
    const { chunks, complete } = await streamInvoke(alice, 'streamer-plain', {});
    assert.deepEqual([chunks, complete.ErrorCode], [['{"hello":"world"}'], undefined]);
  });

  it("refuses before anything runs as Lambda does: another user's function, Event, a payload that is not JSON", async () => {
    const refusal = async (c: LambdaClient, over: Record<string, unknown>) => {
      try {
        await c.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', ...over }));
      } catch (err) {
        return [(err as Error).name, (err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode];
      }
      assert.fail('not refused');
    };
    assert.deepEqual(await refusal(bob, {}), ['ResourceNotFoundException', 404]);
    assert.deepEqual(await refusal(alice, { InvocationType: 'Event' }), ['InvalidParameterValueException', 400]);
    assert.deepEqual(await refusal(alice, { Payload: Buffer.from('not json') }), ['InvalidRequestContentException', 400]);
    const dry = await alice.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
  });
});

/** The flood's bytes' digest, as the function writes them. */
function floodDigest(): string {
  const h = createHash('sha256');
  for (let i = 0; i < FLOOD_PIECES; i++) h.update(Buffer.alloc(65536, i % 251));
  return h.digest('hex');
}

/** The most one stream may hold here: its high-water mark, and the function's pieces read from
 *  the runtime's socket with the one that filled it. Without backpressure it is most of 8 MB. */
const HELD_BOUND = STREAM_HIGH_WATER_BYTES + 4 * 65536;

/** Called once the caller has stopped reading: waits until Hangar stops reading the function (a
 *  writer waited for its stream to drain), then a moment more in which a Hangar that went on
 *  reading would take in much of the flood (how long is not asserted: the bytes held are). */
async function stalled(): Promise<void> {
  await until(async () => streamedHeld.waits > 0, 30_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(streamedHeld.peakBytes <= HELD_BOUND, `one stream held ${streamedHeld.peakBytes} bytes; at most ${HELD_BOUND}`);
}

describe('a caller that stops reading slows the function down (backpressure)', { skip: NO_SANDBOX }, () => {
  let url: string;

  before(async () => {
    await create('flood', { Handler: 'flood.handler', Timeout: 120, MemorySize: 512 });
    url = (await alice.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'flood', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' })))
      .FunctionUrl!;
    await makePublic('flood');
  });
  beforeEach(() => {
    streamedHeld.peakBytes = 0;
    streamedHeld.waits = 0;
  });

  it('a RESPONSE_STREAM URL: Hangar holds a bounded part of an 8 MB stream while the client reads nothing, then all of it arrives', async () => {
    const u = new URL(url);
    const { digest, bytes, complete } = await new Promise<{ digest: string; bytes: number; complete: boolean }>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST' }, (res) => {
        const h = createHash('sha256');
        let bytes = 0;
        let first = true;
        res.on('data', (c: Buffer) => {
          h.update(c);
          bytes += c.length;
          if (!first) return;
          first = false;
          res.pause();
          stalled().then(
            () => res.resume(),
            (err: unknown) => {
              // Not left open: the platform's close would wait for it.
              req.destroy();
              reject(err);
            },
          );
        });
        res.on('error', reject);
        res.on('end', () => resolve({ digest: h.digest('hex'), bytes, complete: res.complete }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.deepEqual([bytes, complete], [FLOOD_PIECES * 65536, true]);
    assert.equal(digest, floodDigest());
    assert.ok(streamedHeld.peakBytes <= HELD_BOUND, `one stream held ${streamedHeld.peakBytes} bytes; at most ${HELD_BOUND}`);
  });

  it('InvokeWithResponseStream (AWS SDK): the same, the events read one by one', async () => {
    // Its own client: destroyed at the end, its connection with it, should the stream be left unread.
    const reader = lambdaClient(p.url!, aliceKey);
    const h = createHash('sha256');
    let bytes = 0;
    let complete: InvokeWithResponseStreamCompleteEvent | undefined;
    try {
      const r = await reader.send(new InvokeWithResponseStreamCommand({ FunctionName: 'flood', Payload: Buffer.from('{}') }));
      for await (const e of r.EventStream!) {
        if (e.PayloadChunk?.Payload) {
          if (bytes === 0) await stalled();
          h.update(e.PayloadChunk.Payload);
          bytes += e.PayloadChunk.Payload.length;
        }
        if (e.InvokeComplete) complete = e.InvokeComplete;
      }
    } finally {
      reader.destroy();
    }
    assert.equal(complete?.ErrorCode, undefined);
    assert.equal(bytes, FLOOD_PIECES * 65536);
    assert.equal(h.digest('hex'), floodDigest());
    assert.ok(streamedHeld.peakBytes <= HELD_BOUND, `one stream held ${streamedHeld.peakBytes} bytes; at most ${HELD_BOUND}`);
  });
});
