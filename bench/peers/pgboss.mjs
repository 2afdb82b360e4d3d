/**
 * pg-boss harness for bench/scale-out.ts (see common.mjs for the workloads).
 *   node pgboss.mjs --workload w1|w2 --c 10 --variant default|tuned [--n 10000] [--cap-s 10] [--pg URL]
 * Concurrency C = `work(queue, { localConcurrency: C })` (pg-boss 12: C polling workers in
 * this process; a worker runs the jobs of a fetched batch one after another).
 * Variants: `default` = library defaults (batchSize 1, pollingIntervalSeconds 2, no
 * LISTEN/NOTIFY): at most C × 1 / 2 s = 5 jobs/s at C = 10, so the driver caps its W1 runs
 * (--cap-s) and its W2 latencies are censored (jobs not started within the grace period count
 * with a lower bound). `tuned` = the fastest documented settings: useListenNotify on the
 * instance + `notify: true` on the queue, batchSize 100, pollingIntervalSeconds 0.5 (the
 * minimum), burstWhenBatchFull.
 */
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { installedVersion, main } from './common.mjs';

const version = installedVersion('pg-boss');
const SCHEMA = 'pgboss';
const QUEUE = 'noop';

let db;
let boss;

const tuned = (o) => o.variant === 'tuned';
function workOptions(o) {
  if (o.variant === 'default') return { localConcurrency: o.c };
  if (tuned(o)) return { localConcurrency: o.c, batchSize: 100, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true };
  throw new Error(`unknown variant ${o.variant}`);
}

await main({
  name: 'pg-boss',
  version,
  settings: (o) => ({
    ...workOptions(o),
    ...(tuned(o) ? { useListenNotify: true, 'queue.notify': true } : {}),
  }),
  async reset(o) {
    db = new pg.Pool({ connectionString: o.pg, max: 2 });
    await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    boss = new PgBoss({ connectionString: o.pg, schema: SCHEMA, ...(tuned(o) ? { useListenNotify: true } : {}) });
    boss.on('error', (e) => process.stderr.write(`pg-boss error: ${e?.message ?? e}\n`));
    await boss.start();
    await boss.createQueue(QUEUE, tuned(o) ? { notify: true } : {});
  },
  async enqueueBulk(jobs) {
    await boss.insert(
      QUEUE,
      jobs.map((data) => ({ data })),
    );
  },
  async enqueueOne(data) {
    await boss.send(QUEUE, data);
  },
  async startWorker(o, onStart) {
    await boss.work(QUEUE, workOptions(o), async (jobs) => {
      for (const job of jobs) onStart(job.data);
    });
  },
  async completed() {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.job WHERE name = $1 AND state = 'completed'`, [QUEUE]);
    return rows[0].n;
  },
  async walMark() {
    return (await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  },
  async walSince(lsn) {
    return (await db.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS d', [lsn])).rows[0].d;
  },
  async close() {
    await boss?.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => {});
    await db?.end();
  },
});
