/**
 * Structured logs: one JSON object per line, and the lines about a task carry its id, its
 * user's id and (on the worker side) the worker's id, so one grep follows a task from the API
 * through the worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { startPlatform } from '../../src/runtime/index.ts';
import { until } from '../helpers/platform.ts';
import { ADMIN, TEST_ADMIN_KEY, TEST_EXECUTOR_ENV } from '../helpers/process.ts';

it('task, user and worker ids are on the lines about a task, from submit to finish', { timeout: 30_000 }, async () => {
  const lines: Record<string, unknown>[] = [];
  let rest = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'hangar-logs-'));
  const config = loadConfig({
    env: { HANGAR_PORT: '0', HANGAR_DATA_DIR: dir, HANGAR_WORKERS: '1', HANGAR_ADMIN_KEY: TEST_ADMIN_KEY, ...TEST_EXECUTOR_ENV },
  });
  const p = await startPlatform(config, { api: true, workers: true }, { log: createLogger('info', sink) });
  try {
    const key = (await p.app!.inject({ method: 'POST', url: '/keys', headers: ADMIN, payload: { userId: 'dana' } })).json().key as string;
    const r = await p.app!.inject({
      method: 'POST',
      url: '/tasks',
      headers: { authorization: `Bearer ${key}` },
      payload: { shell: 'echo hi' },
    });
    assert.equal(r.statusCode, 201);
    const taskId = r.json().taskId as string;
    const finished = await until(async () => lines.find((l) => l.msg === 'attempt finished' && l.taskId === taskId), 20_000);
    assert.equal(finished.userId, 'dana');
    assert.equal(finished.workerId, p.pool!.id);
    assert.equal(finished.attempt, 1);
    assert.equal(finished.status, 'SUCCESS');
    const submitted = lines.find((l) => l.msg === 'task submitted' && l.taskId === taskId);
    assert.ok(submitted, 'the API logs the submit');
    assert.equal(submitted.userId, 'dana');
    assert.ok(submitted.reqId, 'with the request id of the HTTP request');
    for (const l of lines) assert.equal(typeof l.time, 'number');
  } finally {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
