/**
 * Seed 000's curl examples, run with the real curl against a started platform: on the default
 * (API keys), with the key the first start saved added as the only change; and verbatim with
 * authentication off (HANGAR_AUTH=none).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { startHangar, type HangarProcess } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hangar-curl-'));
const started: HangarProcess[] = [];
after(async () => {
  for (const h of started) {
    h.child.kill('SIGTERM');
    await h.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const curl = async (...args: string[]) => JSON.parse((await run('curl', ['-sS', ...args])).stdout);

async function seedExamples(url: string, auth: string[]): Promise<void> {
  const submitted = await curl(
    '-X',
    'POST',
    `${url}/tasks`,
    '-H',
    'Content-Type: application/json',
    ...auth,
    '-d',
    '{"command": "cpu-intensive", "priority": 5}',
  );
  assert.equal(submitted.success, true, JSON.stringify(submitted));
  assert.equal(submitted.status, 'PENDING');
  assert.equal(submitted.queueType, 'priority');
  assert.equal(submitted.statusUrl, `${url}/tasks/${submitted.taskId}`);

  let status: any;
  for (let i = 0; i < 100; i++) {
    status = await curl(`${url}/tasks/${submitted.taskId}`, ...auth);
    if (status.status === 'SUCCESS') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status.status, 'SUCCESS');
  assert.equal(status.detailedResults.result.message, 'CPU-intensive task completed');
  assert.ok(status.detailedResults.result.iterations > 0);

  // The health metrics' counts are shared for up to a second (runtime/index.ts: shareRecent), and
  // startHangar's own wait read them just before: the count may trail the task by that second.
  let health: any;
  for (let i = 0; i < 30; i++) {
    health = await curl(`${url}/health`);
    if (health.metrics.completedTasks === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(health.status, 'healthy');
  assert.deepEqual(health.checks, { database: true, storage: true, compute: true });
  assert.equal(health.metrics.completedTasks, 1);
}

it('on the default, the first start saves an admin key and the seed examples work with it', async () => {
  const data = join(dir, 'keys');
  const h = await startHangar(['up'], { HANGAR_DATA_DIR: data, HANGAR_ADMIN_KEY: '', HANGAR_LOG_LEVEL: 'info' });
  started.push(h);
  const file = join(data, 'admin.key');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const key = readFileSync(file, 'utf8').trim();
  assert.match(h.output(), /admin API key was created and saved in .*admin\.key/);
  assert.equal(h.output().includes(key), false, 'the key itself is never logged');

  const denied = await run('curl', [
    '-sS',
    '-i',
    '-X',
    'POST',
    `${h.url}/tasks`,
    '-H',
    'Content-Type: application/json',
    '-d',
    '{"command": "cpu-intensive", "priority": 5}',
  ]);
  assert.match(denied.stdout, /^HTTP\/1\.1 401/);
  assert.match(denied.stdout, /www-authenticate: Bearer realm="hangar"/i);
  await seedExamples(h.url, ['-H', `Authorization: Bearer ${key}`]);
});

it('with HANGAR_AUTH=none the seed examples work exactly as written', async () => {
  const h = await startHangar(['up'], { HANGAR_DATA_DIR: join(dir, 'none'), HANGAR_AUTH: 'none' });
  started.push(h);
  await seedExamples(h.url, []);
  const health = await curl(`${h.url}/health`);
  assert.ok(
    health.warnings.some((w: string) => /no authentication/.test(w)),
    JSON.stringify(health.warnings),
  );
});
