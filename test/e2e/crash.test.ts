/**
 * Crash safety: SIGKILL the embedded server while 100 tasks are in flight (and the moment one
 * more submit is answered), start it again on the same data directory, and check that every
 * acknowledged task is there, reaches a final state, is completed exactly once, and is audited.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, it } from 'node:test';
import { ADMIN, startHangar } from '../helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FINAL = new Set(['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED']);

it('every acknowledged task survives a SIGKILL and completes once', { timeout: 120_000 }, async () => {
  const env = {
    HANGAR_DATA_DIR: dir,
    HANGAR_WORKERS: '8',
    HANGAR_HEARTBEAT_MS: '300',
    HANGAR_WORKER_STALE_MS: '1500',
    HANGAR_RETRY_BASE_MS: '50',
    // The checks below read every task five times a second: not what this test limits.
    HANGAR_RATE_LIMIT: '0',
  };
  const first = await startHangar(['up'], env);
  const port = first.port;

  // 100 tasks, submitted concurrently: short built-ins and programs, so some finish, some are
  // running and some are still queued when the process dies.
  const acknowledged: string[] = [];
  await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const body =
        i % 3 === 0
          ? { command: 'custom-step', metadata: { durationMs: 400 }, priority: i % 10 }
          : i % 3 === 1
            ? { shell: 'sleep 0.3; echo done', priority: i % 10 }
            : { command: 'noop', priority: i % 10 };
      const res = await fetch(`${first.url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ADMIN },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 201);
      acknowledged.push(((await res.json()) as { taskId: string }).taskId);
    }),
  );
  // Wait until work is really in flight, then kill without warning.
  for (;;) {
    const h = (await (await fetch(`${first.url}/health`)).json()) as { metrics: { activeTasks: number } };
    if (h.metrics.activeTasks > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  // One more, and the kill the moment its answer arrives: an answered call is audited.
  const last = await fetch(`${first.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ADMIN },
    body: JSON.stringify({ command: 'noop' }),
  });
  first.child.kill('SIGKILL');
  assert.equal(last.status, 201);
  acknowledged.push(((await last.json()) as { taskId: string }).taskId);
  await first.exited;

  const second = await startHangar(['up'], env, port);
  try {
    const deadline = Date.now() + 60_000;
    let statuses = new Map<string, string>();
    while (Date.now() < deadline) {
      statuses = new Map();
      await Promise.all(
        acknowledged.map(async (id) => {
          const res = await fetch(`${second.url}/tasks/${id}`, { headers: ADMIN });
          assert.equal(res.status, 200, `task ${id} is present after the crash (status ${res.status})`);
          statuses.set(id, ((await res.json()) as { status: string }).status);
        }),
      );
      if ([...statuses.values()].every((s) => FINAL.has(s))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(statuses.size, 101);
    const notFinal = [...statuses].filter(([, s]) => !FINAL.has(s));
    assert.deepEqual(notFinal, [], 'all tasks reached a final state');
    assert.ok(
      [...statuses.values()].every((s) => s === 'SUCCESS'),
      `statuses: ${[...new Set(statuses.values())]}`,
    );
    // Every acknowledged submit is in the audit log, the one answered just before the kill too.
    const audited = new Set<string>();
    for (let after: string | null = null, first = true; first || after; first = false) {
      const page = (await (
        await fetch(`${second.url}/audit?action=${encodeURIComponent('POST /tasks')}&limit=500${after ? `&cursor=${after}` : ''}`, {
          headers: ADMIN,
        })
      ).json()) as { entries: { target: string | null; outcome: string }[]; nextCursor: string | null };
      for (const e of page.entries) if (e.outcome === '201' && e.target) audited.add(e.target);
      after = page.nextCursor;
    }
    assert.deepEqual(
      acknowledged.filter((id) => !audited.has(id)),
      [],
      'every answered submit is audited',
    );
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'a graceful stop exits 0');
  }

  // Completed exactly once: one final transition per task in the history.
  const db = new DatabaseSync(join(dir, 'hangar.db'), { readOnly: true });
  const rows = db
    .prepare(`SELECT task_id, count(*) AS n FROM task_history WHERE status IN ('SUCCESS','FAILED','TIMEOUT','CANCELLED') GROUP BY task_id`)
    .all() as { task_id: string; n: number }[];
  const requeued = db
    .prepare(`SELECT count(DISTINCT task_id) AS n FROM task_history WHERE status = 'PENDING' AND reason LIKE 'WORKER_LOST%'`)
    .get() as { n: number };
  db.close();
  assert.equal(rows.length, 101);
  assert.ok(
    rows.every((r) => Number(r.n) === 1),
    'no task completed twice',
  );
  assert.ok(Number(requeued.n) > 0, 'the crash interrupted running attempts, which were re-queued');
});
