/** What a launcher refuses (src/executor/launcher.ts): each reason says what the task's image lacks here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageUnavailable } from '../../src/executor/launcher.ts';

test('ImageUnavailable names the image and why, and carries both', () => {
  const cases = [
    ['needs-sandbox', "image 'tiny': images need the sandbox executor, and this worker runs HANGAR_EXECUTOR=process"],
    ['needs-bubblewrap', "image 'tiny': images need bubblewrap, and this worker sandboxes with util-linux unshare"],
    ['not-registered', "image 'tiny' is not registered on this worker (hangar image list)"],
  ] as const;
  for (const [reason, message] of cases) {
    const err = new ImageUnavailable('tiny', reason);
    assert.ok(err instanceof Error);
    assert.equal(err.message, message);
    assert.equal(err.image, 'tiny');
    assert.equal(err.reason, reason);
  }
});
