import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { describeBlobStore } from '../conformance/blobs.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-blobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
describeBlobStore('disk', async () => new DiskBlobStore(join(dir, String(n++))));

it('refuses keys that escape the root', async () => {
  const blobs = new DiskBlobStore(join(dir, 'esc'));
  await assert.rejects(blobs.put('../outside', 'x'), /escapes/);
});
