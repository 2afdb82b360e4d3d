/**
 * A worker process without the API serves its own /metrics (HANGAR_METRICS_PORT): what it ran
 * (attempts, run and wait times, sandbox use) and its process metrics, not the store-backed
 * views the API nodes already give.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { startPlatform } from '../../src/runtime/index.ts';
import { newTask } from '../conformance/store.ts';
import { until } from '../helpers/platform.ts';
import { freePort, TEST_EXECUTOR_ENV } from '../helpers/process.ts';

it('hangar worker with HANGAR_METRICS_PORT serves what it ran on /metrics', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-worker-metrics-'));
  const port = await freePort();
  const config = loadConfig({
    env: { HANGAR_DATA_DIR: dir, HANGAR_WORKERS: '2', HANGAR_METRICS_PORT: String(port), HANGAR_POLL_MS: '100', ...TEST_EXECUTOR_ENV },
  });
  const p = await startPlatform(config, { api: false, workers: true }, { log: createLogger('silent') });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = newTask({ command: 'custom', shell: `echo ${i}`, queue: 'wm' });
      ids.push(t.id);
      await p.store.submit(t);
    }
    await until(
      async () => ((await Promise.all(ids.map((id) => p.store.get(id)))).every((t) => t?.status === 'SUCCESS') ? true : null),
      20_000,
    );
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^hangar_attempts_total\{outcome="SUCCESS"\} 3$/m);
    assert.match(text, /^hangar_task_run_seconds_count\{queue="wm"\} 3$/m);
    assert.match(text, /^hangar_process_cpu_user_seconds_total /m);
    assert.match(text, /^hangar_nodejs_heap_size_used_bytes /m);
    assert.doesNotMatch(text, /hangar_queue_depth|hangar_tasks\{/, "store-backed views are the API nodes' job");
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  } finally {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
