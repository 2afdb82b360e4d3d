/** The S3 blob store against a real S3-protocol server (s3rver over HTTP), not a mock of the SDK. */
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { after, before, it } from 'node:test';
import { S3BlobStore } from '../../src/blobs/s3.ts';
import { ErrorCode, HangarError } from '../../src/core/index.ts';
import { describeBlobStore } from '../conformance/blobs.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';

let s3: TestS3;
before(async () => {
  s3 = await startS3();
});
after(async () => s3.close());
let n = 0;
describeBlobStore('s3', async () => new S3BlobStore({ ...s3.options, prefix: `run-${process.pid}/${n++}` }));

it('refuses keys that escape the prefix, and fails its health check on a missing bucket', async () => {
  const blobs = new S3BlobStore({ ...s3.options, prefix: 'esc' });
  await assert.rejects(blobs.put('../outside', 'x'), /escapes/);
  const none = new S3BlobStore({ ...s3.options, bucket: 'no-such-bucket' });
  assert.equal(await none.check(), false);
  await Promise.all([blobs.close(), none.close()]);
});

it('lists and deletes more than one page (1,000 keys) under a prefix', async () => {
  const blobs = new S3BlobStore({ ...s3.options, prefix: 'pages' });
  // A hundred at a time: the point is the listing's pages, and 1,005 connections at once to
  // s3rver on a loaded 2-core host outwaited the SDK's 5 s connection timeout.
  for (let from = 0; from < 1005; from += 100)
    await Promise.all(
      Array.from({ length: Math.min(100, 1005 - from) }, (_, i) => blobs.put(`tasks/t/${String(from + i).padStart(4, '0')}`, 'x')),
    );
  assert.equal((await blobs.list('tasks/t')).length, 1005);
  await blobs.deletePrefix('tasks/t');
  assert.deepEqual(await blobs.list('tasks'), []);
  await blobs.close();
});

it('a server that stops answering fails a request after the request timeout, not never: 503, unavailable', async () => {
  const blobs = new S3BlobStore({ ...s3.options, prefix: 'hang', requestTimeoutMs: 300 });
  // What must succeed goes through a store with the default timeouts: on a loaded host a put
  // may take more than 300 ms while the server answers.
  const patient = new S3BlobStore({ ...s3.options, prefix: 'hang' });
  await patient.put('warm', 'x');
  await blobs.get('warm').catch(() => undefined); // the short-timeout client's connection, warmed
  s3.pause();
  try {
    const unavailable = (err: unknown) =>
      err instanceof HangarError && err.status === 503 && err.code === ErrorCode.BlobStoreUnavailable && /TimeoutError/.test(err.message);
    await assert.rejects(blobs.put('k', 'x'), unavailable);
    await assert.rejects(blobs.get('warm'), unavailable);
  } finally {
    s3.resume();
  }
  // (The timed-out puts may still land when it resumes, as with S3: another key.)
  await patient.put('after', 'y');
  assert.equal((await patient.get('after'))?.toString(), 'y');
  await Promise.all([blobs.close(), patient.close()]);
});

/** A TCP proxy in front of the server that forwards everything until `stall` is set, then
 *  lets each connection's response through only up to its first `afterBytes` bytes and stops
 *  reading: a body that stops mid-way (a link going quiet), the server behind it real. */
async function stallingProxy(target: string, afterBytes: number): Promise<{ endpoint: string; stall: boolean; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const state = { endpoint: '', stall: false, close: async () => {} };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    let sent = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      if (!state.stall) return void client.write(d);
      client.write(d.subarray(0, Math.max(0, afterBytes - sent)));
      sent += d.length;
      // Read no further: the server's writes back up, as behind a link gone quiet.
      if (sent >= afterBytes) upstream.pause();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  state.endpoint = `http://127.0.0.1:${addr.port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
    });
  return state;
}

it('a body that stops arriving mid-way fails the get after the request timeout of quiet, not never', { timeout: 30_000 }, async () => {
  const direct = new S3BlobStore({ ...s3.options, prefix: 'stall' });
  const big = Buffer.alloc(8 << 20, 7);
  await direct.put('big', big);
  const proxy = await stallingProxy(s3.endpoint, 1 << 20);
  const blobs = new S3BlobStore({ ...s3.options, endpoint: proxy.endpoint, prefix: 'stall', requestTimeoutMs: 500 });
  try {
    assert.equal((await blobs.get('big'))?.length, big.length, 'whole through the proxy');
    proxy.stall = true;
    const unavailable = (err: unknown) => err instanceof HangarError && err.status === 503 && err.code === ErrorCode.BlobStoreUnavailable;
    await assert.rejects(blobs.get('big'), (err: unknown) => unavailable(err) && /TimeoutError/.test((err as Error).message));
  } finally {
    await Promise.all([blobs.close(), direct.close()]);
    await proxy.close();
  }
});
