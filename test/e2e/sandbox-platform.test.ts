/** The embedded platform with HANGAR_EXECUTOR=sandbox: seed workloads run sandboxed and
 *  accounted; a timeout leaves nothing behind. Skipped where the host cannot sandbox. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sandboxTools } from '../../src/executor/sandbox/index.ts';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processesOfTask, testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { HANGAR_BIN } from '../helpers/process.ts';
import { makeRootfs } from '../helpers/rootfs.ts';

const run = promisify(execFile);

const tools = sandboxTools();
describe('platform with the sandbox executor', { skip: tools.ok ? false : tools.problems.join('; ') }, () => {
  let p: TestPlatform;
  before(async () => {
    p = await testPlatform({ HANGAR_EXECUTOR: 'sandbox' });
  });
  after(async () => p.close());

  const submit = async (body: object) => (await p.inject({ method: 'POST', url: '/tasks', payload: body })).json().taskId as string;
  const final = (id: string, ms = 15_000) =>
    until(async () => {
      const t = (await p.inject({ method: 'GET', url: `/tasks/${id}` })).json();
      return ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status) ? t : null;
    }, ms);

  it('runs a seed workload sandboxed, with cgroup accounting in detailedResults', async () => {
    const t = await final(await submit({ command: 'cpu-intensive', priority: 5 }));
    assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
    assert.equal(t.detailedResults.result.message, 'CPU-intensive task completed');
    const acc = t.detailedResults.metadata.accounting;
    assert.ok(acc.cpuUserMs > 0 && acc.peakMemoryBytes > 0, JSON.stringify(acc));
    assert.equal(acc.oomKilled, false);
  });

  it("the seed's network-test gets egress and reaches its URL through the proxy", async () => {
    const t = await final(await submit({ command: 'network-test' }));
    assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
    assert.equal(t.network, 'egress');
    assert.deepEqual(t.detailedResults.result.statusCodes, [200, 200, 200]);
    assert.ok(t.detailedResults.metadata.accounting.egress.connections >= 1, 'through the proxy (connections, kept alive across requests)');
  });

  const bwrap = sandboxTools('bwrap');
  it('runs a program in an image imported with `hangar image import`', {
    skip: bwrap.ok ? false : `images need bubblewrap: ${bwrap.problems.join('; ')}`,
  }, async () => {
    const src = join(p.dir, 'tiny-src');
    makeRootfs(src);
    const imported = await run(HANGAR_BIN, ['image', 'import', 'tiny', src, '--json'], { env: { ...process.env, HANGAR_DATA_DIR: p.dir } });
    assert.equal(JSON.parse(imported.stdout).name, 'tiny');
    const listed = await run(HANGAR_BIN, ['image', 'list'], { env: { ...process.env, HANGAR_DATA_DIR: p.dir } });
    assert.match(listed.stdout, /^tiny\t/);
    const t = await final(await submit({ shell: 'cat /hello.txt', image: 'tiny' }));
    assert.equal(t.status, 'SUCCESS', JSON.stringify(t.error));
    assert.equal(t.image, 'tiny');
    const logs = (await p.inject({ method: 'GET', url: `/tasks/${t.taskId}/logs?stream=stdout` })).body;
    assert.equal(logs, 'hello from the image\n');
    const bad = await p.inject({ method: 'POST', url: '/tasks', payload: { command: 'cpu-intensive', image: 'tiny' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /an image runs a program/);
  });

  it('runs a program as the sandbox uid', async () => {
    const t = await final(await submit({ shell: 'id -u' }));
    assert.equal(t.status, 'SUCCESS');
    const logs = (await p.inject({ method: 'GET', url: `/tasks/${t.taskId}/logs?stream=stdout` })).body;
    assert.equal(logs, `${p.config.sandboxUid}\n`);
  });

  it('{"command":"timeout","timeout":2} ends TIMEOUT with its whole tree gone', async () => {
    const id = await submit({ command: 'timeout', timeout: 2 });
    const t = await final(id);
    assert.equal(t.status, 'TIMEOUT');
    assert.deepEqual(processesOfTask(id), []);
  });
});
