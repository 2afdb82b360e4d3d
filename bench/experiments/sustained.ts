/**
 * Does dispatch on PostgreSQL hold up under sustained load, or do the dead row versions that
 * every claim and finish leaves behind slow it down as a run goes on? W1 and W2 (bench/
 * scale-out.ts) last seconds; this runs for --seconds at --rate submits/s (one process:
 * PostgresStore, a WorkerPool of --c slots with a no-op executor wired as the worker role wires
 * it, upkeep (Maintenance) as every Hangar process runs it, submits from this process in ticks
 * of 10 ms; --split: through a store of their own, as an API node's). Every --window seconds it prints how many
 * tasks started, their submit → start p50 / p99, and the task table's dead row versions and
 * index size as PostgreSQL's statistics report them. --sqlite: the embedded shape's store (a
 * fresh database file) instead, without those statistics.
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/experiments/sustained.ts \
 *     [--rate 2000] [--seconds 120] [--window 10] [--c 10] [--split | --sqlite] [--analyze-at S]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { ExecutionRequest, ExecutionResult, Executor } from '../../src/executor/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { Store } from '../../src/store/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { Maintenance } from '../../src/worker/index.ts';
import { arg } from '../args.ts';
import { noopResult, noopTask } from '../noop.ts';
import { workerRolePool } from '../worker-pool.ts';

const URL = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const RATE = Number(arg('rate', '2000'));
const SECONDS = Number(arg('seconds', '120'));
const WINDOW_S = Number(arg('window', '10'));
const C = Number(arg('c', '10'));
/** ANALYZE the task table once, this many seconds in (-1: never). */
const ANALYZE_AT = Number(arg('analyze-at', '-1'));
const SCHEMA = 'hangar_exp_sustained';

let window: number[] = [];
class StartTimes implements Executor {
  readonly name = 'noop';
  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    window.push(performance.now() - Number(req.metadata.t0));
    return noopResult();
  }
  async close(): Promise<void> {}
}

const SQLITE = process.argv.includes('--sqlite');
const dir = mkdtempSync(join(tmpdir(), 'hangar-exp-sustained-'));
const admin = SQLITE ? null : new pg.Client({ connectionString: URL });
await admin?.connect();
await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
const store: Store = SQLITE ? new SqliteStore({ path: join(dir, 'hangar.db') }) : await PostgresStore.open({ url: URL, schema: SCHEMA });
// --split: the submits go through a store (and connection pool) of their own, as an API node's would.
const submitStore = !SQLITE && process.argv.includes('--split') ? await PostgresStore.open({ url: URL, schema: SCHEMA }) : store;
const config = loadConfig({ env: {} });
const blobs = new DiskBlobStore(join(dir, 'blobs'));
const pool = workerRolePool({ store, dir, blobs, executor: new StartTimes(), concurrency: C, workerId: `exp-${process.pid}` });
const q = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN;
const maintenance = new Maintenance({
  store,
  blobs,
  log: createLogger('silent'),
  clock: store,
  reapEveryMs: config.heartbeatMs,
  workerStaleMs: config.workerStaleMs,
  retentionMs: config.retentionHours * 3_600_000,
  priorityAgingMs: config.priorityAgingMs,
  retentionEveryMs: config.retentionIntervalMs,
});
try {
  maintenance.start();
  await pool.start();
  console.log(`Sustained load: ${RATE} submits/s for ${SECONDS} s, WorkerPool C=${C}, no-op tasks; ${new Date().toISOString()}`);
  console.log(
    '| from s | acked/s | started/s | submits in flight | PENDING | submit→start p50 ms | p99 ms | task rows dead ' +
      '(stats) | autovacuums | task indexes MB | submit errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const perTick = RATE / 100;
  let owed = 0;
  let errors = 0;
  let acked = 0;
  const t0 = performance.now();
  let windowStart = t0;
  let analyzed = ANALYZE_AT < 0;
  const inFlight = new Set<Promise<unknown>>();
  while (performance.now() - t0 < SECONDS * 1000) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const p = submitStore.submit(noopTask({ t0: performance.now() })).then(
        () => acked++,
        () => errors++,
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 10));
    const now = performance.now();
    if (!analyzed && now - t0 >= ANALYZE_AT * 1000) {
      analyzed = true;
      void admin?.query(`ANALYZE ${SCHEMA}.tasks`);
    }
    if (now - windowStart >= WINDOW_S * 1000) {
      const w = window;
      window = [];
      const s = admin
        ? (
            await admin.query(
              `SELECT n_dead_tup AS d, pg_indexes_size(relid) AS ix, autovacuum_count AS v FROM pg_stat_user_tables WHERE ` +
                `schemaname = $1 AND relname = 'tasks'`,
              [SCHEMA],
            )
          ).rows[0]
        : null;
      const pending = (await store.activeCounts()).pending;
      const secs = (now - windowStart) / 1000;
      console.log(
        `| ${((windowStart - t0) / 1000).toFixed(0)} | ${Math.round(acked / secs)} | ${Math.round(w.length / secs)} | ` +
          `${inFlight.size} | ${pending} ` +
          `| ${q(w, 0.5).toFixed(2)} | ${q(w, 0.99).toFixed(2)} | ${s?.d ?? '—'} | ${s?.v ?? '—'} | ` +
          `${s ? (Number(s.ix) / 1e6).toFixed(1) : '—'} | ${errors} |`,
      );
      acked = 0;
      windowStart = now;
    }
  }
  await Promise.all(inFlight);
} finally {
  maintenance.close();
  await pool.close();
  if (submitStore !== store) await submitStore.close();
  await store.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
}
