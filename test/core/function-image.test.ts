/** Functions packaged as images: how an ImageUri names an imported image, ImageConfig's checks,
 *  and what an instance runs (overrides over the image's own settings). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkImageConfig, imageProcess, imageRefOf, InvalidInput } from '../../src/core/index.ts';

describe('function images', () => {
  it("names the image by the repository's last path segment, tag and digest aside", () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const [uri, name] of [
      ['123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:latest', 'my-app'],
      ['123456789012.dkr.ecr.us-east-1.amazonaws.com/team/svc/my-app:v3', 'my-app'],
      [`123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app@${digest}`, 'my-app'],
      ['registry.local:5000/my-app:1.2', 'my-app'],
      ['hangar.local/my-app', 'my-app'],
      ['public.ecr.aws/lambda/nodejs:22', 'nodejs'],
    ])
      assert.deepEqual(imageRefOf(uri), { uri, name }, uri);
    for (const bad of ['', 'x/My-App:1', 'x/app:', 'x/app@sha256:zz', `x/${'a'.repeat(300)}`, 'x/ap p'])
      assert.throws(() => imageRefOf(bad), InvalidInput, bad);
  });

  it('runs ENTRYPOINT + CMD in WorkingDir, each replaced by its override; _HANDLER is the first CMD element', () => {
    const image = { entrypoint: ['/lambda-entrypoint.sh'], cmd: ['index.handler'], workingDir: '/var/task' };
    assert.deepEqual(imageProcess(image, {}), {
      argv: ['/lambda-entrypoint.sh', 'index.handler'],
      handler: 'index.handler',
      cwd: '/var/task',
    });
    assert.deepEqual(imageProcess(image, { command: ['other.fn'], workingDirectory: '/srv' }), {
      argv: ['/lambda-entrypoint.sh', 'other.fn'],
      handler: 'other.fn',
      cwd: '/srv',
    });
    assert.deepEqual(imageProcess({ entrypoint: [], cmd: [], workingDir: '' }, { entryPoint: ['/bin/run'] }), {
      argv: ['/bin/run'],
      handler: '',
      cwd: '/',
    });
  });

  it('checks ImageConfig: an absolute working directory, lists of strings; an empty directory is none', () => {
    assert.deepEqual(checkImageConfig({ entryPoint: ['a'], command: [], workingDirectory: '' }), { entryPoint: ['a'], command: [] });
    assert.throws(() => checkImageConfig({ workingDirectory: 'relative' }), InvalidInput);
    assert.throws(() => checkImageConfig({ command: Array(1501).fill('x') }), InvalidInput);
  });
});
