/** The S3 blob store against a real S3-protocol server (s3rver over HTTP), not a mock of the SDK. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { S3BlobStore } from '../../src/blobs/s3.ts';
import { ErrorCode, HangarError } from '../../src/errors/index.ts';
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
  await Promise.all(Array.from({ length: 1005 }, (_, i) => blobs.put(`tasks/t/${String(i).padStart(4, '0')}`, 'x')));
  assert.equal((await blobs.list('tasks/t')).length, 1005);
  await blobs.deletePrefix('tasks/t');
  assert.deepEqual(await blobs.list('tasks'), []);
  await blobs.close();
});

it('a server that stops answering fails a request after the request timeout, not never: 503, unavailable', async () => {
  const blobs = new S3BlobStore({ ...s3.options, prefix: 'hang', requestTimeoutMs: 300 });
  await blobs.put('warm', 'x');
  s3.pause();
  try {
    const unavailable = (err: unknown) => err instanceof HangarError && err.status === 503 && err.code === ErrorCode.BlobStoreUnavailable && /TimeoutError/.test(err.message);
    await assert.rejects(blobs.put('k', 'x'), unavailable);
    await assert.rejects(blobs.get('warm'), unavailable);
  } finally {
    s3.resume();
  }
  // (The timed-out puts may still land when it resumes, as with S3: another key.)
  await blobs.put('after', 'y');
  assert.equal((await blobs.get('after'))?.toString(), 'y');
  await blobs.close();
});
