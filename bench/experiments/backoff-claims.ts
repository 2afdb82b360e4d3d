/**
 * What tasks waiting out a retry's backoff cost the claims of ready ones (migration 0014: they
 * are out of the ready queue). For each count B of --backoff (the first is the baseline, 0 by
 * default), on a fresh schema: B tasks are submitted, claimed and failed with a retryable
 * failure through the store (a backoff of about 54 minutes), then --ready tasks are submitted
 * and claimed --limit at a time until none is left. Prints each claim's p50 and p90 and the
 * p50's ratio to the baseline's, all in this one run.
 *
 *   node --disable-warning=ExperimentalWarning bench/experiments/backoff-claims.ts [--backoff 0,5000] [--ready 3000] [--limit 10]
 */
import pg from 'pg';
import type { Outcome } from '../../src/core/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { arg } from '../args.ts';
import { noopTask } from '../noop.ts';

const COUNTS = arg('backoff', '0,5000').split(',').map(Number);
const READY = Number(arg('ready', '3000'));
const LIMIT = Number(arg('limit', '10'));
const URL = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const SCHEMA = 'hangar_exp_backoff';

const FAILED: Outcome = {
  status: 'FAILED',
  summary: null,
  failure: { code: 'NON_ZERO_EXIT', message: 'exit 1', retryable: true, exitCode: 1 },
  resultJson: null,
  resultKey: null,
  stdoutKey: null,
  stderrKey: null,
};

async function submitAll(store: PostgresStore, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) await store.submitMany(Array.from({ length: Math.min(1000, n - i) }, (_, j) => noopTask({ i: i + j })));
}

/** Claim times (ms) of draining READY tasks with `backoff` tasks in backoff. */
async function run(admin: pg.Client, backoff: number): Promise<number[]> {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  // A backoff of 0.9 × one hour: nothing comes back during the run.
  const store = await PostgresStore.open({ url: URL, schema: SCHEMA, retry: { baseMs: 3_600_000, maxMs: 3_600_000 }, random: () => 0.9 });
  try {
    await submitAll(store, backoff);
    for (;;) {
      const got = await store.claim({ workerId: 'failing', limit: 200 });
      if (got.length === 0) break;
      await Promise.all(got.map((l) => store.finish({ taskId: l.task.id, attempt: l.attempt }, FAILED)));
    }
    const waiting = Number((await admin.query(`SELECT count(*) AS n FROM ${SCHEMA}.tasks WHERE status = 'PENDING'`)).rows[0].n);
    if (waiting !== backoff) throw new Error(`${waiting} tasks in backoff, not ${backoff}`);
    await submitAll(store, READY);
    await admin.query(`ANALYZE ${SCHEMA}.tasks`);
    const times: number[] = [];
    for (let left = READY; left > 0; ) {
      const t0 = performance.now();
      const got = await store.claim({ workerId: 'w', limit: LIMIT });
      times.push(performance.now() - t0);
      if (got.length === 0) throw new Error(`${left} ready tasks not claimed`);
      left -= got.length;
    }
    return times.sort((a, b) => a - b);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  }
}

const admin = new pg.Client({ connectionString: URL });
await admin.connect();
try {
  const at = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
  let base: number | null = null;
  console.log(`Claims of ${LIMIT} draining ${READY} ready tasks, by tasks in backoff; ${new Date().toISOString()}`);
  console.log('| In backoff | claims | p50 ms | p90 ms | p50 ÷ first row |');
  console.log('|---|---|---|---|---|');
  for (const n of COUNTS) {
    const times = await run(admin, n);
    const p50 = at(times, 0.5);
    base ??= p50;
    console.log(`| ${n} | ${times.length} | ${p50.toFixed(2)} | ${at(times, 0.9).toFixed(2)} | ${(p50 / base).toFixed(2)}× |`);
  }
} finally {
  await admin.end();
}
