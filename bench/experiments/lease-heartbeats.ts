/**
 * What a worker's heartbeat costs PostgreSQL while its tasks run: every beat extends each lease
 * it holds (EXTEND_LEASES, one UPDATE of every running task's row). For each variant, on a fresh
 * schema: --running tasks are submitted and claimed by one worker, then --beats heartbeats list
 * them all. Prints per variant the heartbeat's p50 and p90 (ms), WAL bytes per extended lease
 * and how much the task table's indexes grew (none when every extension was a HOT update), and
 * the p50's ratio to A, all in this one run (alternating order over --runs rounds).
 *
 *   A. the schema as migrated;
 *   B. as A with a setup run before the tasks are submitted (--setup 'SQL;SQL', default: the
 *      schema before migration 0015, an index on lease_expires_at and pages filled full).
 *      Schema changes only; the store's statements are the same.
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/experiments/lease-heartbeats.ts [--running 2000] [--beats 30] [--runs 3]
 */
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { arg } from '../args.ts';
import { noopTask } from '../noop.ts';

const URL = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const RUNNING = Number(arg('running', '2000'));
const BEATS = Number(arg('beats', '30'));
const RUNS = Number(arg('runs', '3'));
const SETUP = arg(
  'setup',
  "CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE status = 'RUNNING'; ALTER TABLE tasks RESET (fillfactor)",
)
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean);
const SCHEMA = 'hangar_exp_beats';

interface Sample {
  p50: number;
  p90: number;
  walPerLease: number;
  indexGrowthKb: number;
}

const lsn = async (c: pg.Client) => String((await c.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l);
const walSince = async (c: pg.Client, from: string) =>
  Number((await c.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [from])).rows[0].d);
const indexBytes = async (c: pg.Client) =>
  Number((await c.query(`SELECT pg_indexes_size($1::regclass) AS b`, [`${SCHEMA}.tasks`])).rows[0].b);

async function run(admin: pg.Client, setup: string[]): Promise<Sample> {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const store = await PostgresStore.open({ url: URL, schema: SCHEMA });
  try {
    for (const sql of setup) await admin.query(`SET search_path = ${SCHEMA}; ${sql}; RESET search_path`);
    for (let i = 0; i < RUNNING; i += 1000)
      await store.submitMany(Array.from({ length: Math.min(1000, RUNNING - i) }, (_, j) => noopTask({ i: i + j })));
    const refs: { taskId: string; attempt: number }[] = [];
    while (refs.length < RUNNING) {
      const got = await store.claim({ workerId: 'w', limit: 500 });
      if (got.length === 0) throw new Error(`${RUNNING - refs.length} tasks not claimed`);
      for (const l of got) refs.push({ taskId: l.task.id, attempt: l.attempt });
    }
    await store.heartbeat('w', refs);
    await admin.query('CHECKPOINT');
    const idx0 = await indexBytes(admin);
    const wal0 = await lsn(admin);
    const times: number[] = [];
    for (let b = 0; b < BEATS; b++) {
      const t0 = performance.now();
      const got = await store.heartbeat('w', refs);
      times.push(performance.now() - t0);
      if (got.held.length !== RUNNING) throw new Error(`heartbeat extended ${got.held.length} of ${RUNNING}`);
    }
    const wal = await walSince(admin, wal0);
    times.sort((a, b) => a - b);
    return {
      p50: times[Math.floor(times.length / 2)],
      p90: times[Math.min(times.length - 1, Math.floor(times.length * 0.9))],
      walPerLease: wal / (BEATS * RUNNING),
      indexGrowthKb: ((await indexBytes(admin)) - idx0) / 1024,
    };
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  }
}

const admin = new pg.Client({ connectionString: URL });
await admin.connect();
try {
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    // Alternate the order, so a noisy minute does not always hit the same variant.
    if (r % 2 === 0) {
      a.push(await run(admin, []));
      b.push(await run(admin, SETUP));
    } else {
      b.push(await run(admin, SETUP));
      a.push(await run(admin, []));
    }
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const row = (name: string, s: Sample[]) =>
    `| ${name} | ${med(s.map((x) => x.p50)).toFixed(2)} | ${med(s.map((x) => x.p90)).toFixed(2)} | ` +
    `${med(s.map((x) => x.walPerLease)).toFixed(0)} | ${med(s.map((x) => x.indexGrowthKb)).toFixed(0)} |`;
  console.log(`Heartbeats of one worker holding ${RUNNING} leases, ${BEATS} beats, median of ${RUNS} rounds; ${new Date().toISOString()}`);
  console.log('| Variant | heartbeat p50 ms | p90 ms | WAL bytes per extended lease | task index growth, KiB |');
  console.log('|---|---|---|---|---|');
  console.log(row('A: as migrated', a));
  console.log(row(`B: ${SETUP.join('; ')}`, b));
  console.log(`B ÷ A heartbeat p50 per round: ${b.map((x, i) => (x.p50 / a[i].p50).toFixed(2) + '×').join(', ')}`);
} finally {
  await admin.end();
}
