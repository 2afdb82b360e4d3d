/** A sandboxed task does not outlive its worker: SIGKILL the embedded server while a task that
 *  ignores SIGTERM and double-forks is running; within a second nothing of it is left. Under
 *  bubblewrap and under the util-linux fallback. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { sandboxTools } from '../../src/executor/index.ts';
import { processesOfTask, until } from '../helpers/platform.ts';
import { ADMIN, startHangar } from '../helpers/process.ts';

const root = mkdtempSync(join(tmpdir(), 'hangar-sbx-kill-'));
// The sandbox uid must pass through every directory above the data directory.
chmodSync(root, 0o711);
after(() => {
  rmSync(root, { recursive: true, force: true });
});

for (const engine of ['bwrap', 'unshare'] as const) {
  const tools = sandboxTools(engine);
  it(`no process of a sandboxed task survives a SIGKILLed worker (${engine})`, {
    skip: tools.ok ? false : tools.problems.join('; '),
    timeout: 60_000,
  }, async () => {
    const dir = join(root, engine);
    const h = await startHangar(['up'], { HANGAR_DATA_DIR: dir, HANGAR_EXECUTOR: 'sandbox', HANGAR_SANDBOX_ENGINE: engine });
    const res = await fetch(`${h.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN },
      body: JSON.stringify({ shell: 'trap "" TERM; (setsid sh -c "trap \\"\\" TERM; sleep 300" &); sleep 300' }),
    });
    const { taskId } = (await res.json()) as { taskId: string };
    await until(async () => processesOfTask(taskId).length >= 2, 10_000);
    h.child.kill('SIGKILL');
    await h.exited;
    const killedAt = Date.now();
    await until(async () => processesOfTask(taskId).length === 0, 5_000, 10);
    assert.ok(Date.now() - killedAt <= 1000, `gone after ${Date.now() - killedAt} ms`);
    // The workspace was a tmpfs of the sandbox's own mount namespace: it went with the sandbox.
    assert.equal(readFileSync('/proc/mounts', 'utf8').includes(` ${dir}`), false, 'nothing of the task is left mounted');

    // A new worker on the same data directory sweeps the dead one's cgroups and runs tasks.
    const again = await startHangar(['up'], { HANGAR_DATA_DIR: dir, HANGAR_EXECUTOR: 'sandbox', HANGAR_SANDBOX_ENGINE: engine });
    try {
      const next = await fetch(`${again.url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ADMIN },
        body: '{"args":["true"]}',
      });
      const id = ((await next.json()) as { taskId: string }).taskId;
      await until(
        async () =>
          ((await (await fetch(`${again.url}/tasks/${id}`, { headers: ADMIN })).json()) as { status: string }).status === 'SUCCESS',
        20_000,
      );
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    }
  });
}
