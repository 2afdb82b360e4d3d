/** BlobStore behaviour, for every backend (disk, S3). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BlobStore } from '../../src/blobs/index.ts';

export function describeBlobStore(name: string, make: () => Promise<BlobStore>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let blobs: BlobStore;
    beforeEach(async () => {
      blobs = await make();
    });
    afterEach(async () => blobs.close());

    it('round-trips bytes and strings, and answers null for a missing key', async () => {
      await blobs.put('tasks/a/1/result.json', '{"x":1}');
      await blobs.put('tasks/a/1/stdout.log', Buffer.from([0, 1, 2, 255]));
      assert.equal((await blobs.get('tasks/a/1/result.json'))?.toString(), '{"x":1}');
      assert.deepEqual([...((await blobs.get('tasks/a/1/stdout.log')) ?? [])], [0, 1, 2, 255]);
      assert.equal(await blobs.get('tasks/missing'), null);
    });

    it('overwrites, lists by prefix and deletes a prefix', async () => {
      await blobs.put('tasks/a/1/x', 'one');
      await blobs.put('tasks/a/1/x', 'two');
      await blobs.put('tasks/a/2/y', 'y');
      await blobs.put('tasks/b/1/z', 'z');
      assert.equal((await blobs.get('tasks/a/1/x'))?.toString(), 'two');
      assert.deepEqual(await blobs.list('tasks/a'), ['tasks/a/1/x', 'tasks/a/2/y']);
      await blobs.deletePrefix('tasks/a');
      assert.deepEqual(await blobs.list('tasks/a'), []);
      assert.deepEqual(await blobs.list('tasks'), ['tasks/b/1/z']);
    });

    it('treats a prefix as a path: tasks/a holds tasks/a/x, not tasks/ab/x', async () => {
      await blobs.put('tasks/a/x', '1');
      await blobs.put('tasks/ab/x', '2');
      assert.deepEqual(await blobs.list('tasks/a'), ['tasks/a/x']);
      await blobs.deletePrefix('tasks/a');
      assert.equal((await blobs.get('tasks/ab/x'))?.toString(), '2');
    });

    it('passes its health check', async () => {
      assert.equal(await blobs.check(), true);
    });
  });
}
