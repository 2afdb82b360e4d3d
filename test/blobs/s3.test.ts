/** The S3 blob store against a real S3-protocol server (s3rver over HTTP), not a mock of the SDK. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { S3BlobStore } from '../../src/blobs/s3.ts';
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
