/**
 * Issue 5's question about the default: should a worker prefetch leases? A prefetched lease
 * waits on its worker while another may be idle. This measures both sides on PostgreSQL, two
 * worker pools of C slots in one process, for prefetch 0 (none, the baseline), `auto` (the
 * default: about 50 ms of work per slot at the recent average execution time), C and 10 × C:
 *
 *   short: N no-op tasks enqueued first, then drained: jobs/s (what prefetch buys);
 *   mixed: M tasks where every 10th sleeps --long-ms and the rest are no-ops, enqueued first:
 *          the makespan against the ideal (total work ÷ all slots) and the p99 of
 *          submit → start (what prefetch may cost: short tasks stuck behind long ones).
 *
 *   node --disable-warning=ExperimentalWarning bench/experiments/prefetch-mixed.ts [--n 4000] [--m 400] [--c 4] [--long-ms 200]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import type { ExecutionRequest, ExecutionResult, Executor } from '../../src/executor/types.ts';
import { createLogger } from '../../src/log/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { WorkerPool } from '../../src/worker/index.ts';
import { noopResult, noopTask } from '../noop.ts';
import { arg } from '../args.ts';

const N = Number(arg('n', '4000'));
const M = Number(arg('m', '400'));
const C = Number(arg('c', '4'));
const LONG_MS = Number(arg('long-ms', '200'));
const URL = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const SCHEMA = 'hangar_exp_prefetch';

/** Sleeps metadata.ms (0: returns at once); records when each task started. */
class SleepExecutor implements Executor {
  readonly name = 'sleep';
  readonly starts = new Map<string, number>();
  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    this.starts.set(req.taskId, Date.now());
    const ms = Number(req.metadata.ms ?? 0);
    if (ms > 0) await sleep(ms);
    return noopResult();
  }
  async close(): Promise<void> {}
}

async function reset(): Promise<void> {
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await c.end();
}

async function run(prefetch: number | 'auto', workload: 'short' | 'mixed') {
  await reset();
  const store = await PostgresStore.open({ url: URL, schema: SCHEMA });
  const dir = mkdtempSync(join(tmpdir(), 'hangar-prefetch-'));
  const ex = new SleepExecutor();
  const count = workload === 'short' ? N : M;
  const created = new Map<string, number>();
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, async (_, k) => {
        const t = noopTask({ ms: workload === 'mixed' && (i + k) % 10 === 9 ? LONG_MS : 0 });
        created.set(t.id, Date.now());
        await store.submit(t);
      }),
    );
  }
  const pools = [0, 1].map(
    (w) =>
      new WorkerPool({
        store,
        blobs: new DiskBlobStore(join(dir, 'blobs')),
        executor: ex,
        log: createLogger('silent'),
        workerId: `exp-${w}`,
        concurrency: C,
        workDir: join(dir, `work-${w}`),
        heartbeatMs: 2000,
        pollMs: 1000,
        prefetch,
      }),
  );
  const t0 = Date.now();
  await Promise.all(pools.map((p) => p.start()));
  for (;;) {
    const c = await store.activeCounts();
    if (c.pending + c.running === 0) break;
    await sleep(5);
  }
  const ms = Date.now() - t0;
  await Promise.all(pools.map((p) => p.close(0)));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const waits = [...ex.starts].map(([id, at]) => at - created.get(id)!).sort((a, b) => a - b);
  return { ms, rate: count / (ms / 1000), p99Wait: waits[Math.floor(0.99 * (waits.length - 1))] };
}

const settings: (number | 'auto')[] = [0, 'auto', C, 10 * C];
const rows: string[] = [];
const base: Record<string, { rate: number; ms: number; p99Wait: number }> = {};
const idealMs = ((M / 10) * LONG_MS) / (2 * C);
for (const p of settings) {
  const s = await run(p, 'short');
  const m = await run(p, 'mixed');
  if (p === 0) Object.assign(base, { short: s, mixed: m });
  rows.push(
    `| ${p === 0 ? '0 (none)' : p === 'auto' ? 'auto (default)' : p} | ${Math.round(s.rate).toLocaleString('en')} ` +
      `(${(s.rate / base.short.rate).toFixed(2)}×) | ` +
      `${(m.ms / 1000).toFixed(2)} s = ${(m.ms / idealMs).toFixed(2)} × ideal ` +
      `(${(m.ms / base.mixed.ms).toFixed(2)}×) | ${m.p99Wait} ms ` +
      `(${(m.p99Wait / Math.max(1, base.mixed.p99Wait)).toFixed(2)}×) |`,
  );
}
console.log(
  `Prefetch on PostgreSQL: 2 pools × ${C} slots; short = ${N} no-ops; mixed = ${M} tasks, every 10th ${LONG_MS} ` +
    `ms (ideal makespan ${(idealMs / 1000).toFixed(2)} s); ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC\n`,
);
console.log(
  '| prefetch per pool | short: jobs/s (÷ none) | mixed: makespan (÷ none) | mixed: p99 submit→start, all enqueued first (÷ none) |',
);
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
await reset(); // leave no schema behind
