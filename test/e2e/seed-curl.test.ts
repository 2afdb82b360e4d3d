/** Seed 000's curl examples, run with the real curl against a started platform. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { freePort, startHangar, type HangarProcess } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hangar-curl-'));
let h: HangarProcess;
before(async () => {
  h = await startHangar(['up'], { HANGAR_DATA_DIR: dir }, await freePort());
});
after(async () => {
  h.child.kill('SIGTERM');
  await h.exited;
  rmSync(dir, { recursive: true, force: true });
});

const curl = async (...args: string[]) => JSON.parse((await run('curl', ['-sS', ...args])).stdout);

it('submit, status and health work as the seed writes them', async () => {
  const submitted = await curl('-X', 'POST', `${h.url}/tasks`, '-H', 'Content-Type: application/json', '-d', '{"command": "cpu-intensive", "priority": 5}');
  assert.equal(submitted.success, true);
  assert.equal(submitted.status, 'PENDING');
  assert.equal(submitted.queueType, 'priority');
  assert.equal(submitted.statusUrl, `${h.url}/tasks/${submitted.taskId}`);

  let status;
  for (let i = 0; i < 100; i++) {
    status = await curl(`${h.url}/tasks/${submitted.taskId}`);
    if (status.status === 'SUCCESS') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status.status, 'SUCCESS');
  assert.equal(status.detailedResults.result.message, 'CPU-intensive task completed');
  assert.ok(status.detailedResults.result.iterations > 0);

  const health = await curl(`${h.url}/health`);
  assert.equal(health.status, 'healthy');
  assert.deepEqual(health.checks, { database: true, storage: true, compute: true });
  assert.equal(health.metrics.completedTasks, 1);
});
