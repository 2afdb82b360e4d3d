/**
 * Where a W1 drain's time goes between the pool and its claims: --n (10,000) no-op tasks
 * enqueued first, then drained by one WorkerPool of --c (10) slots wired as bench/scale-out.ts
 * wires it (metrics, audit, default prefetch), on PostgreSQL. Each claim() call is timed (a
 * wrapper around the real store's method); prints the drain's jobs/s, the event loop's
 * utilization, the process's CPU per job, and the claims: how many, their median and largest
 * leases and duration, and their total time as a share of the drain's.
 *
 *   node --disable-warning=ExperimentalWarning bench/experiments/drain-trace.ts [--n 10000] [--c 10] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import type { WorkerPool } from '../../src/worker/index.ts';
import { arg } from '../args.ts';
import { noopResult, noopTask } from '../noop.ts';
import { workerRolePool } from '../worker-pool.ts';

const N = Number(arg('n', '10000'));
const C = Number(arg('c', '10'));
const RUNS = Number(arg('runs', '3'));
const URL = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const SCHEMA = 'hangar_exp_drain';

const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1];

async function drain(admin: pg.Client): Promise<string> {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const store = await PostgresStore.open({ url: URL, schema: SCHEMA });
  const dir = mkdtempSync(join(tmpdir(), 'hangar-drain-trace-'));
  let pool: WorkerPool | null = null;
  try {
    for (let i = 0; i < N; i += 1000)
      await store.submitMany(Array.from({ length: Math.min(1000, N - i) }, (_, j) => noopTask({ i: i + j })));
    await admin.query(`ANALYZE ${SCHEMA}.tasks`);
    const claims: { ms: number; got: number }[] = [];
    const claim = store.claim.bind(store);
    store.claim = async (o) => {
      const t0 = performance.now();
      const leases = await claim(o);
      claims.push({ ms: performance.now() - t0, got: leases.length });
      return leases;
    };
    pool = workerRolePool({
      store,
      dir,
      executor: { name: 'noop', run: async () => noopResult(), close: async () => {} },
      concurrency: C,
      workerId: 'drain',
    });
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pool.start();
    while ((await store.counts()).SUCCESS < N) await new Promise((r) => setTimeout(r, 2));
    const ms = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const cpu = process.cpuUsage(cpu0);
    const inClaims = claims.reduce((a, c) => a + c.ms, 0);
    const got = claims.map((c) => c.got).filter((g) => g > 0);
    return (
      `| ${Math.round(N / (ms / 1000))} | ${Math.round(elu * 100)} % | ${Math.round((cpu.user + cpu.system) / N)} | ` +
      `${claims.length} | ${median(got)} / ${Math.max(...got)} | ${median(claims.map((c) => c.ms)).toFixed(1)} | ` +
      `${(inClaims / ms).toFixed(2)} |`
    );
  } finally {
    await pool?.close(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  }
}

const admin = new pg.Client({ connectionString: URL });
await admin.connect();
try {
  console.log(`Drain of ${N} no-op tasks, C = ${C}, ${RUNS} runs; ${new Date().toISOString()}`);
  console.log(
    '| jobs/s | event loop busy | process CPU µs/job | claims | leases per claim, median / max | claim ms, median ' +
      '| time in claims ÷ drain time |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (let r = 0; r < RUNS; r++) console.log(await drain(admin));
} finally {
  await admin.end();
}
