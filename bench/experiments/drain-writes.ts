/**
 * Issue 5's throughput gap: what do parts of the schema cost a drain? The same drain twice per
 * round, each in a fresh schema: N no-op tasks queued (submitMany), then a real WorkerPool
 * (concurrency 10, no-op executor, execution audit and metrics as the `worker` role wires them) runs
 * them all. A is today's schema; the other (--variant, default B) removes one part:
 *
 *   B. task_history and audit_log UNLOGGED and without any index: the most that making the
 *      rows a job writes besides its task row cheaper could give (their WAL and index upkeep);
 *   C. the task row without its listing indexes (status, user, queue), which every
 *      transition's UPDATE also writes to;
 *   D. the schema before migration 0015 (set before the tasks are queued): an index on
 *      lease_expires_at, task pages filled full (no lease extension can be a HOT update).
 *
 * Prints, per variant, jobs/s, the worker process's CPU per job, the PostgreSQL processes' CPU
 * per job, the whole machine's CPU per job (/proc/stat: worker, PostgreSQL and anything else)
 * and WAL bytes per job, each a median (min–max) over rounds, and the other ÷ A per round. An
 * experiment, not a feature: B and C exist only here.
 *
 * --statements: also print, per drain, the CPU of the PostgreSQL processes per job and each
 * statement's execution time and WAL records per job, from pg_stat_statements (the server must
 * load it: shared_preload_libraries = 'pg_stat_statements', then CREATE EXTENSION). Execution
 * time is elapsed time: on a saturated machine it includes waiting for a CPU.
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/experiments/drain-writes.ts [--n 30000] [--runs 3] [--variant B|C|D] [--statements]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ExecutionRequest, ExecutionResult, Executor } from '../../src/executor/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { arg } from '../args.ts';
import { noopResult, noopTask } from '../noop.ts';
import { workerRolePool } from '../worker-pool.ts';

const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const N = Number(arg('n', '30000'));
const RUNS = Number(arg('runs', '3'));
const SCHEMA = 'hangar_exp_drain';
const STATEMENTS = process.argv.includes('--statements');

class NoopExecutor implements Executor {
  readonly name = 'noop';
  async run(_req: ExecutionRequest): Promise<ExecutionResult> {
    return noopResult();
  }
  async close(): Promise<void> {}
}

/** Busy and total jiffies of the whole machine. */
function machine(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/** CPU of every process named postgres (the server and its backends), jiffies. */
function postgresJiffies(): number {
  let t = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // it ended meanwhile
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    t += Number(f[11]) + Number(f[12]); // utime, stime
  }
  return t;
}

/** The statements of this database that ran for the drain, per job. */
async function statementsPerJob(admin: pg.Client): Promise<string[]> {
  const { rows } = await admin.query(
    `SELECT calls, rows, total_exec_time * 1000 / $1 AS us, wal_records::float8 / $1 AS wal, regexp_replace(query, '\\s+', ' ', 'g') AS q
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND total_exec_time * 1000 / $1 >= 0.1
     ORDER BY total_exec_time DESC`,
    [N],
  );
  return rows.map(
    (r) => `| ${r.calls} | ${r.rows} | ${Number(r.us).toFixed(1)} | ${Number(r.wal).toFixed(1)} | \`${String(r.q).slice(0, 80)}…\` |`,
  );
}

interface Sample {
  rate: number;
  procUs: number;
  pgUs: number;
  machineUs: number;
  walBytes: number;
}

const VARIANTS = {
  A: { label: "today's schema", setup: [] as string[] },
  B: {
    label: 'history and audit rows unlogged, unindexed',
    setup: [
      'DROP INDEX task_history_task',
      'ALTER TABLE task_history DROP CONSTRAINT task_history_pkey',
      'ALTER TABLE task_history SET UNLOGGED',
      'DROP INDEX audit_log_at, audit_log_actor',
      'ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey',
      'ALTER TABLE audit_log SET UNLOGGED',
    ],
  },
  C: {
    label: 'no listing indexes on the task row (status, user, queue)',
    setup: ['DROP INDEX tasks_status, tasks_user, tasks_queue'],
  },
  D: {
    label: 'as before migration 0015: an index on lease_expires_at, task pages filled full',
    setup: [],
    before: ["CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE status = 'RUNNING'", 'ALTER TABLE tasks RESET (fillfactor)'],
  },
} as Record<string, { label: string; setup: string[]; before?: string[] }>;
type Variant = keyof typeof VARIANTS;
/** Which to compare with A: --variant B (default) or C. */
const OTHER = arg('variant', 'B') as Variant;
if (!(OTHER in VARIANTS) || OTHER === 'A')
  throw new Error(
    `--variant: one of ${Object.keys(VARIANTS)
      .filter((k) => k !== 'A')
      .join(', ')}`,
  );

async function drain(admin: pg.Client, setup: string[], before: string[] = []): Promise<Sample> {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const store = await PostgresStore.open({ url: PG, schema: SCHEMA });
  const dir = mkdtempSync(join(tmpdir(), 'hangar-exp-drain-'));
  try {
    for (const sql of before) await admin.query(`SET search_path = ${SCHEMA}; ${sql}; RESET search_path`);
    for (let i = 0; i < N; i += 1000)
      await store.submitMany(Array.from({ length: Math.min(1000, N - i) }, (_, j) => noopTask({ i: i + j })));
    for (const sql of setup) await admin.query(`SET search_path = ${SCHEMA}; ${sql}; RESET search_path`);
    await admin.query('CHECKPOINT');
    let done = 0;
    let allDone!: () => void;
    const finished = new Promise<void>((r) => (allDone = r));
    const finish = store.finish.bind(store);
    store.finish = async (ref, outcome) => {
      const r = await finish(ref, outcome);
      if (r?.status === 'SUCCESS' && ++done === N) allDone();
      return r;
    };
    const pool = workerRolePool({ store, dir, executor: new NoopExecutor(), concurrency: 10, workerId: `exp-${process.pid}` });
    if (STATEMENTS) await admin.query('SELECT pg_stat_statements_reset()');
    const pg0 = postgresJiffies();
    const wal0 = String((await admin.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l);
    const m0 = machine();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pool.start();
    await finished;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const m1 = machine();
    const pgUs = ((postgresJiffies() - pg0) * 10_000) / N;
    if (STATEMENTS) {
      const lines = await statementsPerJob(admin);
      process.stderr.write(
        `PostgreSQL processes: ${pgUs.toFixed(0)} µs of CPU per job\n| calls | rows | exec µs/job | WAL records/job | ` +
          `statement |\n|---|---|---|---|---|\n${lines.join('\n')}\n`,
      );
    }
    const wal = Number((await admin.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [wal0])).rows[0].d);
    await pool.close();
    // Jiffies are 10 ms: busy jiffies × 10,000 µs.
    return {
      rate: N / (ms / 1000),
      procUs: (cpu.user + cpu.system) / N,
      pgUs,
      machineUs: ((m1.busy - m0.busy) * 10_000) / N,
      walBytes: wal / N,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const admin = new pg.Client({ connectionString: PG });
await admin.connect();
const samples: Record<string, Sample[]> = { A: [], [OTHER]: [] };
const ratios: number[] = [];
try {
  for (let round = 0; round < RUNS; round++) {
    // Alternate the order, so a noisy minute does not always hit the same variant.
    const order: Variant[] = round % 2 === 0 ? ['A', OTHER] : [OTHER, 'A'];
    for (const k of order) {
      const s = await drain(admin, VARIANTS[k].setup, VARIANTS[k].before);
      samples[k].push(s);
      process.stderr.write(
        `round ${round + 1} ${k}: ${Math.round(s.rate)} jobs/s, machine ${Math.round(s.machineUs)} µs/job, WAL ` +
          `${Math.round(s.walBytes)} B/job\n`,
      );
    }
    ratios.push(samples[OTHER][round].rate / samples.A[round].rate);
  }
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cell = (xs: number[], d = 0) => `${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
console.log(
  `Drain of ${N.toLocaleString('en-US')} no-op jobs, WorkerPool concurrency 10, ${RUNS} rounds; ` +
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}; ${new Date().toISOString()}`,
);
console.log('');
console.log('| Variant | jobs/s | worker CPU µs/job | PostgreSQL CPU µs/job | machine CPU µs/job | WAL bytes/job |');
console.log('|---|---|---|---|---|---|');
for (const k of ['A', OTHER] as const) {
  const xs = samples[k];
  console.log(
    `| ${k}: ${VARIANTS[k].label} | ${cell(xs.map((s) => s.rate))} | ${cell(xs.map((s) => s.procUs))} | ` +
      `${cell(xs.map((s) => s.pgUs))} | ${cell(xs.map((s) => s.machineUs))} | ${cell(xs.map((s) => s.walBytes))} |`,
  );
}
console.log('');
console.log(`${OTHER} ÷ A jobs/s per round: ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')}`);
