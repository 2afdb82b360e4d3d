/**
 * graphile-worker harness for bench/scale-out.ts (see common.mjs for the workloads).
 *   node graphile.mjs --workload w1|w2 --c 10 --variant default|batched [--n 10000] [--pg URL]
 * Variants: `default` = library defaults (LISTEN/NOTIFY + 2 s poll fallback, prepared
 * statements) with `concurrentJobs` = C and maxPoolSize = max(10, C + 2) as its docs advise;
 * `batched` = the same plus the opt-in batching of its performance page (localQueue size 500,
 * completeJobBatchDelay 0, failJobBatchDelay 0).
 */
import pg from 'pg';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import { installedVersion, main } from './common.mjs';

const version = installedVersion('graphile-worker');
const SCHEMA = 'graphile_worker';
const silent = new Logger(() => () => {});

let db; // a pg.Pool of our own, for reset and the completion count
let utils;
let runner;

function options(o, taskList) {
  const preset =
    o.variant === 'batched'
      ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
      : o.variant === 'default'
        ? {}
        : (() => {
            throw new Error(`unknown variant ${o.variant}`);
          })();
  return {
    connectionString: o.pg,
    concurrency: o.c,
    maxPoolSize: Math.max(10, o.c + 2),
    noHandleSignals: true,
    logger: silent,
    taskList,
    preset,
  };
}

await main({
  name: 'graphile-worker',
  version,
  settings: (o) => ({
    concurrentJobs: o.c,
    maxPoolSize: Math.max(10, o.c + 2),
    ...(o.variant === 'batched' ? { 'localQueue.size': 500, completeJobBatchDelay: 0, failJobBatchDelay: 0 } : {}),
  }),
  async reset(o) {
    db = new pg.Pool({ connectionString: o.pg, max: 2 });
    await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await runMigrations({ connectionString: o.pg, logger: silent });
    utils = await makeWorkerUtils({ connectionString: o.pg, logger: silent });
  },
  async enqueueBulk(jobs) {
    await utils.addJobs(jobs.map((payload) => ({ identifier: 'noop', payload })));
  },
  async enqueueOne(data) {
    // The runner's own addJob (its pool), as an application that enqueues and works in one process would.
    await runner.addJob('noop', data);
  },
  async startWorker(o, onStart) {
    runner = await run(
      options(o, {
        noop: async (payload) => {
          onStart(payload);
        },
      }),
    );
  },
  async completed(o) {
    // Completed jobs are deleted; what remains is queued, running or not yet marked complete.
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${SCHEMA}._private_jobs`);
    return (o.workload === 'w1' ? o.n : 0) - rows[0].n;
  },
  async walMark() {
    return (await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  },
  async walSince(lsn) {
    return (await db.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS d', [lsn])).rows[0].d;
  },
  async close() {
    await runner?.stop();
    await utils?.release();
    await db?.end();
  },
});
