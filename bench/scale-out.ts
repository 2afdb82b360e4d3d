/**
 * Scale-out benchmark (issue 5): Hangar on PostgreSQL (PostgresStore + the real WorkerPool with
 * a no-op executor) side by side with graphile-worker and pg-boss on the same PostgreSQL and
 * BullMQ on Redis, same machine, same workloads. A benchmark, not a test: it prints Markdown
 * tables, each number a median (min–max) over rounds, with ratios Hangar ÷ each peer.
 *
 *   cd bench/peers && npm ci && cd ../..     # once: the peers live only in bench/peers
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/scale-out.ts                  # Hangar alone
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/scale-out.ts --with-peers --runs 3
 *
 * Services: PostgreSQL (--pg-admin, default postgres://postgres@127.0.0.1:5432/postgres; the
 * driver creates a fresh database --db, default hangar_bench, and drops it at the end unless
 * --keep-db) and, for BullMQ, Redis (--redis, default redis://127.0.0.1:6379; only the
 * benchmark's own queue is touched).
 *
 * Workloads (the same for every system; each measurement runs in a fresh child process of its
 * own, which prints one `RESULT {json}` line; bench/peers/common.mjs holds the peers' side):
 * - W1 throughput: enqueue --n (10,000) no-op jobs with the system's batch API (Hangar's
 *   submitMany, 1,000 per call), timed apart; then time from the call that starts a
 *   worker of concurrency C (--c 10,50) until the store confirms all N completed. pg-boss at
 *   its defaults is poll-bound (C jobs per 2 s), so its W1 runs are capped at --cap-s (10) s
 *   and report what completed in that time.
 * - W2 latency: a worker of concurrency 10 idles 1 s; --warmup (20) unmeasured jobs; then
 *   --jobs (1,000) jobs enqueued one every --every (10) ms on an absolute schedule (open loop),
 *   each carrying t0 = the monotonic clock just before the enqueue call; the handler's first
 *   statement records now − t0. Enqueuer and worker share one process, except the
 *   `hangar-2p` row, whose submitter is a second process (the scale-out shape: push dispatch
 *   or LISTEN/NOTIFY rather than the in-process hand-off), and `bullmq-2p`, the same shape for
 *   BullMQ; the p99 verdict compares like with like. Jobs not started --grace-s (10) s after
 *   the last enqueue count with their lower bound (shown as "> x").
 * Diagnostics of W1's processing window, per job: CPU of the worker's process, CPU of the whole
 * machine (/proc/stat), WAL bytes (pg_current_wal_lsn); for Hangar, leases per claim() call.
 * W1's window starts after a full garbage collection in the child (children run with
 * --expose-gc), so it does not pay for the enqueue's garbage. Before each measurement:
 * CHECKPOINT, then 1 s pause, during which the machine's busy share is sampled (--wait-quiet S: repeat the pause up to S s until it is < 10 %); a measurement after
 * which the machine is still ≥ 10 % busy (someone else's load) is taken again, at most twice,
 * and reported. Rounds (--runs) go through every system in a rotated order, so a noisy minute
 * hits them all. The recorded run (docs/benchmarks/history.md) used --with-peers --runs 3 --wait-quiet 600.
 *
 * Other flags: --only hangar,hangar-2p,hangar-prefetch,hangar-store,bullmq,bullmq-2p,graphile,graphile-batched,pgboss,pgboss-tuned
 * (default without --with-peers: the three Hangar rows), --json FILE (raw results), --db NAME.
 * Current results: docs/benchmarks.md; method and analysis: docs/benchmarks/history.md, section "Scale-out".
 */
import { hrMs, paced, sleep, waitUntil } from './clock.ts';
import { NOOP_OUTCOME as OK, noopResult, noopTask } from './noop.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import type { ExecutionRequest, ExecutionResult, Executor } from '../src/executor/index.ts';
import type { AttemptRef, Outcome } from '../src/core/index.ts';
import { PostgresStore } from '../src/store/postgres/index.ts';
import type { WorkerPool } from '../src/worker/index.ts';
import { workerRolePool } from './worker-pool.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The prefetch row's HANGAR_PREFETCH: the size of batched graphile-worker's local queue. */
const PREFETCH = 500;
const ROOT = join(HERE, '..');
const PEERS = join(HERE, 'peers');
const SCHEMA = 'hangar_bench';
/** Below this share of all cores busy (%), the machine counts as quiet. */
const QUIET = 10;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  role: 'driver' | 'hangar' | 'submitter';
  withPeers: boolean;
  runs: number;
  n: number;
  cs: number[];
  jobs: number;
  every: number;
  warmup: number;
  capS: number;
  graceS: number;
  waitQuiet: number;
  only: string[] | null;
  json: string | null;
  pgAdmin: string;
  db: string;
  keepDb: boolean;
  redis: string;
  // child roles
  pg: string;
  workload: 'w1' | 'w2';
  variant: string;
  c: number;
}

function parseArgs(argv: string[]): Options {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) raw.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw.set(a.slice(2), argv[++i]);
    else raw.set(a.slice(2), 'true');
  }
  const known = new Set([
    'role',
    'with-peers',
    'runs',
    'n',
    'c',
    'jobs',
    'every',
    'warmup',
    'cap-s',
    'grace-s',
    'wait-quiet',
    'only',
    'json',
    'pg-admin',
    'db',
    'keep-db',
    'redis',
    'pg',
    'workload',
    'variant',
    'help',
  ]);
  for (const k of raw.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k} (known: ${[...known].join(', ')})`);
  if (raw.has('help')) {
    console.log(`flags: --${[...known].join(' --')}  (see the header of bench/scale-out.ts)`);
    process.exit(0);
  }
  const num = (k: string, d: number) => {
    const v = raw.get(k);
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${k} must be a non-negative number`);
    return x;
  };
  const pgAdmin = raw.get('pg-admin') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = raw.get('db') ?? 'hangar_bench';
  if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error('--db must be a lower-case identifier');
  const role = raw.get('role') ?? 'driver';
  if (role !== 'driver' && role !== 'hangar' && role !== 'submitter') throw new Error(`unknown --role ${role}`);
  return {
    role,
    withPeers: raw.has('with-peers'),
    runs: num('runs', 1),
    n: num('n', 10_000),
    cs: (raw.get('c') ?? '10,50').split(',').map(Number),
    jobs: num('jobs', 1_000),
    every: num('every', 10),
    warmup: num('warmup', 20),
    capS: num('cap-s', 10),
    graceS: num('grace-s', 10),
    waitQuiet: num('wait-quiet', 0),
    only: raw.has('only') ? raw.get('only')!.split(',') : null,
    json: raw.get('json') ?? null,
    pgAdmin,
    db,
    keepDb: raw.has('keep-db'),
    redis: raw.get('redis') ?? 'redis://127.0.0.1:6379',
    pg: raw.get('pg') ?? dbUrl(pgAdmin, db),
    workload: raw.get('workload') === 'w2' ? 'w2' : 'w1',
    variant: raw.get('variant') ?? 'pool',
    c: Number((raw.get('c') ?? '10').split(',')[0]),
  };
}

function dbUrl(admin: string, db: string): string {
  const u = new URL(admin);
  u.pathname = `/${db}`;
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Helpers (as bench/dispatch.ts and bench/peers/common.mjs)

/** Process-wide monotonic ms (CLOCK_MONOTONIC, so comparable across processes on Linux). */

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function summary(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1], n: s.length };
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CPU time (ms) the whole machine spent busy, from /proc/stat; null where there is none. */
function machineBusyMs(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Hangar's side (child process, --role hangar / --role submitter)

/** Runs nothing: reports its start (first statement) and succeeds with a small inline result. */
class NoopExecutor implements Executor {
  readonly name = 'noop';
  onStart: (metadata: Record<string, unknown>, t: number) => void = () => {};
  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    const t = hrMs();
    this.onStart(req.metadata, t);
    return noopResult();
  }
  async close(): Promise<void> {}
}

async function resetSchema(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  } finally {
    await c.end();
  }
}

/** The worker role's pool (bench/worker-pool.ts) with the no-op executor. */
function makePool(store: PostgresStore, dir: string, c: number, ex: NoopExecutor, prefetch?: number): WorkerPool {
  return workerRolePool({ store, dir, executor: ex, concurrency: c, workerId: `bench-${process.pid}`, prefetch });
}

async function hangarChild(o: Options): Promise<void> {
  await resetSchema(o.pg);
  const store = await PostgresStore.open({ url: o.pg, schema: SCHEMA });
  const dir = mkdtempSync(join(tmpdir(), 'hangar-scale-out-'));
  const config = loadConfig({ env: {} });
  const out: Record<string, unknown> = {
    system: 'hangar',
    version: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    variant: o.variant,
    workload: o.workload,
    c: o.c,
    settings: {
      poolSize: 10,
      concurrency: o.c,
      prefetch: o.variant === 'prefetch' ? PREFETCH : config.prefetch,
      heartbeatMs: config.heartbeatMs,
      pollMs: config.pollMs,
    },
  };
  let pool: WorkerPool | null = null;
  try {
    if (o.workload === 'w1' && o.variant === 'store') Object.assign(out, await hangarStoreDrain(o, store));
    else if (o.workload === 'w1') {
      const ex = new NoopExecutor();
      pool = makePool(store, dir, o.c, ex, o.variant === 'prefetch' ? PREFETCH : undefined);
      Object.assign(out, await hangarW1(o, store, pool, ex));
    } else {
      const ex = new NoopExecutor();
      pool = makePool(store, dir, o.c, ex);
      Object.assign(out, await hangarW2(o, store, pool, ex));
    }
  } finally {
    await pool?.close(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await writeResult(out);
}

/** CPU, machine and WAL marks around a W1 processing window: start() just before it, stop()
 *  right at its end, then costs(done) per job (as bench/peers/common.mjs costs()). */
class CostMarks {
  private readonly c: pg.Client;
  private lsn = '';
  private m0: number | null = null;
  private cpu0: NodeJS.CpuUsage | null = null;
  private end: { cpu: NodeJS.CpuUsage; m1: number | null } | null = null;
  constructor(url: string) {
    this.c = new pg.Client({ connectionString: url });
  }
  async start(): Promise<void> {
    // The window starts with the enqueue's garbage collected (every system's child alike, run
    // with --expose-gc): otherwise a major collection of what the enqueue left falls inside
    // the window or not by the heap's history, and that alone moved Hangar's W1 at C=10 by
    // 20 µs of worker CPU per job between two builds that allocate the same (docs/benchmarks.md).
    globalThis.gc?.();
    await this.c.connect();
    this.lsn = String((await this.c.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l);
    this.m0 = machineBusyMs();
    this.cpu0 = process.cpuUsage();
  }
  stop(): void {
    this.end ??= { cpu: process.cpuUsage(this.cpu0 ?? undefined), m1: machineBusyMs() };
  }
  async costs(done: number): Promise<Record<string, number | null>> {
    this.stop();
    const wal = Number((await this.c.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS d', [this.lsn])).rows[0].d);
    await this.c.end();
    const { cpu, m1 } = this.end!;
    return {
      procCpuUsPerJob: (cpu.user + cpu.system) / done,
      machineCpuUsPerJob: this.m0 === null || m1 === null ? null : ((m1 - this.m0) * 1000) / done,
      walBytesPerJob: wal / done,
    };
  }
}

/** W1's enqueue: Store.submitMany (POST /tasks/batch) in batches of 1,000, as the peers use
 *  their batch APIs; resolves with the time it took. */
async function submitAll(store: PostgresStore, n: number): Promise<number> {
  const tasks = Array.from({ length: n }, (_, i) => noopTask({ i }));
  const e0 = hrMs();
  for (let i = 0; i < n; i += 1000) await store.submitMany(tasks.slice(i, i + 1000));
  return hrMs() - e0;
}

async function hangarW1(o: Options, store: PostgresStore, pool: WorkerPool, ex: NoopExecutor) {
  const enqueueMs = await submitAll(store, o.n);
  // "Done" = the store's finish committed (SUCCESS), counted as each finish() resolves.
  let finished = 0;
  let doneAt = 0;
  const finish = store.finish.bind(store);
  store.finish = async (ref: AttemptRef, outcome: Outcome) => {
    const r = await finish(ref, outcome);
    if (r?.status === 'SUCCESS' && ++finished === o.n) doneAt = hrMs();
    return r;
  };
  // Claim calls and leases (diagnostics: how many tasks one claim statement leases).
  let claims = 0;
  let leased = 0;
  const claim = store.claim.bind(store);
  store.claim = async (opts) => {
    const l = await claim(opts);
    claims++;
    leased += l.length;
    return l;
  };
  let first = 0;
  ex.onStart = (_m, t) => {
    if (first === 0) first = t;
  };
  const marks = new CostMarks(o.pg);
  await marks.start();
  const t0 = hrMs();
  await pool.start();
  if (!(await waitUntil(() => doneAt > 0, 600_000, 1))) throw new Error(`w1: ${finished} of ${o.n} finished after 600 s`);
  marks.stop();
  const counts = await store.counts();
  if (counts.SUCCESS !== o.n) throw new Error(`w1: store says ${counts.SUCCESS} of ${o.n} SUCCESS`);
  return {
    n: o.n,
    enqueueMs,
    enqueueRate: o.n / (enqueueMs / 1000),
    processMs: doneAt - t0,
    completed: counts.SUCCESS,
    capped: false,
    rate: o.n / ((doneAt - t0) / 1000),
    firstJobMs: first - t0,
    ...(await marks.costs(o.n)),
    claims,
    leasesPerClaim: leased / Math.max(1, claims),
  };
}

/** The store alone, as bench/dispatch.ts's W1 drain: claim C, finish each, repeat. */
async function hangarStoreDrain(o: Options, store: PostgresStore) {
  const enqueueMs = await submitAll(store, o.n);
  const marks = new CostMarks(o.pg);
  await marks.start();
  const t0 = hrMs();
  let done = 0;
  let first = 0;
  while (done < o.n) {
    const leases = await store.claim({ workerId: 'bench', limit: o.c });
    if (leases.length === 0) throw new Error(`drain stalled at ${done}`);
    if (first === 0) first = hrMs();
    await Promise.all(leases.map((l) => store.finish({ taskId: l.task.id, attempt: l.attempt }, OK)));
    done += leases.length;
  }
  const t1 = hrMs();
  marks.stop();
  const counts = await store.counts();
  if (counts.SUCCESS !== o.n) throw new Error(`store drain: store says ${counts.SUCCESS} of ${o.n} SUCCESS`);
  return {
    n: o.n,
    enqueueMs,
    enqueueRate: o.n / (enqueueMs / 1000),
    processMs: t1 - t0,
    completed: counts.SUCCESS,
    capped: false,
    rate: o.n / ((t1 - t0) / 1000),
    firstJobMs: first - t0,
    ...(await marks.costs(o.n)),
  };
}

interface SubmitterResult {
  t0s: number[];
  calls: number[];
  lag: number[];
  handedOff: number;
  errors: string[];
}

/** Warm-up, a pause, then the measured paced submits; t0 is read just before each submit() call. */
async function pacedSubmits(o: Options, store: PostgresStore, pauseMs: number, warmStarted: () => boolean): Promise<SubmitterResult> {
  await paced(o.warmup, o.every, (i) => {
    const t = noopTask({ i: -1 - i });
    t.metadata.t0 = hrMs();
    void store.submit(t);
  });
  await waitUntil(warmStarted, 3_000, 5);
  await sleep(pauseMs);
  const r: SubmitterResult = { t0s: new Array<number>(o.jobs), calls: [], lag: [], handedOff: 0, errors: [] };
  const pending: Promise<void>[] = [];
  r.lag = await paced(o.jobs, o.every, (i) => {
    const t = noopTask({ i });
    const t0 = hrMs();
    t.metadata.t0 = t0;
    r.t0s[i] = t0;
    pending.push(
      store.submit(t).then(
        (s) => {
          r.calls.push(hrMs() - t0);
          if (s.handedOff) r.handedOff++;
        },
        (e: unknown) => void r.errors.push(String(e)),
      ),
    );
  });
  await Promise.all(pending);
  return r;
}

async function hangarW2(o: Options, store: PostgresStore, pool: WorkerPool, ex: NoopExecutor) {
  const lat = new Map<number, number>();
  let warm = 0;
  ex.onStart = (m, t) => {
    const i = Number(m.i);
    if (i < 0) warm++;
    else lat.set(i, t - Number(m.t0));
  };
  await pool.start();
  await sleep(1000); // idle worker
  let r: SubmitterResult;
  if (o.variant === 'two-process') {
    // The submitter is another process with a store of its own: no local taker there, so the
    // wake-up is the store's NOTIFY, as with an API node and a worker node.
    const child = await runChild(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        fileURLToPath(import.meta.url),
        '--role',
        'submitter',
        '--pg',
        o.pg,
        '--jobs',
        String(o.jobs),
        '--every',
        String(o.every),
        '--warmup',
        String(o.warmup),
      ],
      ROOT,
      300_000,
    );
    r = child as unknown as SubmitterResult;
  } else {
    r = await pacedSubmits(o, store, 500, () => warm >= o.warmup);
  }
  if (r.errors.length) throw new Error(`w2: ${r.errors.length} submit errors, first: ${r.errors[0]}`);
  await waitUntil(() => lat.size >= o.jobs, o.graceS * 1000, 5);
  const tEnd = hrMs();
  const all: number[] = [];
  for (let i = 0; i < o.jobs; i++) all.push(lat.get(i) ?? tEnd - r.t0s[i]);
  const s = summary(all);
  return {
    jobs: o.jobs,
    everyMs: o.every,
    started: lat.size,
    censored: lat.size < o.jobs,
    p50: s.p50,
    p95: s.p95,
    p99: s.p99,
    max: s.max,
    enqueueCallP50: summary(r.calls).p50,
    pacerLagP99: summary(r.lag).p99,
    handedOff: r.handedOff,
    warmStarted: warm,
  };
}

async function submitterChild(o: Options): Promise<void> {
  const store = await PostgresStore.open({ url: o.pg, schema: SCHEMA });
  try {
    // This process cannot see the warm-up jobs start: a fixed pause instead.
    const r = await pacedSubmits(o, store, 1500, () => false);
    await writeResult(r);
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Driver

interface Entry {
  key: string;
  label: string;
  peer: boolean;
  /** The library's defaults (apart from the concurrency knob and what it requires). */
  defaults: boolean;
  /** Non-default settings, in words, for the table. */
  settings: string;
  w1: boolean;
  w2: boolean;
  /** W2 with the enqueuer in a second process (compared with hangar-2p). */
  twoProcess?: boolean;
  cmd: (o: Options, workload: 'w1' | 'w2', c: number) => { file: string; args: string[] };
}

const self = (variant: string) => (o: Options, workload: 'w1' | 'w2', c: number) => ({
  file: fileURLToPath(import.meta.url),
  args: ['--role', 'hangar', '--pg', o.pg, '--workload', workload, '--variant', variant, '--c', String(c), ...common(o)],
});
const peer =
  (script: string, variant: string, capped = false) =>
  (o: Options, workload: 'w1' | 'w2', c: number) => ({
    file: join(PEERS, script),
    args: [
      '--workload',
      workload,
      '--variant',
      variant,
      '--c',
      String(c),
      '--pg',
      o.pg,
      '--redis',
      o.redis,
      ...common(o),
      ...(capped && workload === 'w1' ? ['--cap-s', String(o.capS)] : []),
    ],
  });
const common = (o: Options) => [
  '--n',
  String(o.n),
  '--jobs',
  String(o.jobs),
  '--every',
  String(o.every),
  '--warmup',
  String(o.warmup),
  '--grace-s',
  String(o.graceS),
];

const ENTRIES: Entry[] = [
  {
    key: 'hangar',
    label: 'Hangar (PostgresStore + WorkerPool)',
    peer: false,
    defaults: true,
    w1: true,
    w2: true,
    cmd: self('pool'),
    settings:
      'defaults: pg pool 10 connections, WorkerPool concurrency C, HANGAR_PREFETCH auto (about 50 ms of work per ' +
      'slot at the recent average execution time, at most 20 leases per slot beyond it), heartbeat 2 s, fallback ' +
      "poll 1 s; metrics + execution audit wired as src/runtime does; W2 submits in the worker's process " +
      '(hand-off at submit)',
  },
  {
    key: 'hangar-2p',
    label: 'Hangar, submitter in a 2nd process',
    peer: false,
    defaults: true,
    w1: false,
    w2: true,
    twoProcess: true,
    cmd: self('two-process'),
    settings:
      "as above; submit() from another process with its own PostgresStore: no in-process hand-off; the idle pool's " +
      "offered slots take the task at submit (push dispatch: leased in the submit's statement, the NOTIFY carries " +
      'it), or LISTEN/NOTIFY + claim',
  },
  {
    key: 'hangar-prefetch',
    label: 'Hangar, prefetch 500',
    peer: false,
    defaults: false,
    w1: true,
    w2: false,
    cmd: self('prefetch'),
    settings:
      "as Hangar + HANGAR_PREFETCH = 500 (as batched graphile-worker's localQueue.size): the pool holds up to 500 " +
      'leases beyond its C slots, so claims come in large batches and run while the current tasks do',
  },
  {
    key: 'hangar-store',
    label: 'Hangar store only (claim C + finish each)',
    peer: false,
    defaults: true,
    w1: true,
    w2: false,
    cmd: self('store'),
    settings: 'reference: no pool; claim(limit C), finish each, repeat (bench/dispatch.ts W1 drain)',
  },
  {
    key: 'bullmq',
    label: 'BullMQ (Redis)',
    peer: true,
    defaults: true,
    w1: true,
    w2: true,
    cmd: peer('bullmq.mjs', 'default'),
    settings: 'Worker concurrency C; ioredis maxRetriesPerRequest: null (required); Redis without persistence',
  },
  {
    key: 'bullmq-2p',
    label: 'BullMQ, enqueuer in a 2nd process',
    peer: true,
    defaults: true,
    w1: false,
    w2: true,
    twoProcess: true,
    cmd: peer('bullmq.mjs', 'two-process'),
    settings: 'as above; Queue.add() from another process with its own connection (the shape of hangar-2p)',
  },
  {
    key: 'graphile',
    label: 'graphile-worker',
    peer: true,
    defaults: true,
    w1: true,
    w2: true,
    cmd: peer('graphile.mjs', 'default'),
    settings: "concurrency C; maxPoolSize max(10, C+2) (its docs' advice; default 10)",
  },
  {
    key: 'graphile-batched',
    label: 'graphile-worker, batched',
    peer: true,
    defaults: false,
    w1: true,
    w2: true,
    cmd: peer('graphile.mjs', 'batched'),
    settings: "as above + localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0 (its performance page's opt-in batching)",
  },
  {
    key: 'pgboss',
    label: 'pg-boss',
    peer: true,
    defaults: true,
    w1: true,
    w2: true,
    cmd: peer('pgboss.mjs', 'default', true),
    settings:
      'work({ localConcurrency: C }); defaults otherwise (batchSize 1, 2 s poll, no NOTIFY); poll-bound, so its W1 ' +
      'runs are capped (--cap-s, default 10 s) and its W2 latencies are lower bounds',
  },
  {
    key: 'pgboss-tuned',
    label: 'pg-boss, tuned',
    peer: true,
    defaults: false,
    w1: true,
    w2: true,
    cmd: peer('pgboss.mjs', 'tuned'),
    settings: 'localConcurrency C, batchSize 100, pollingIntervalSeconds 0.5, burstWhenBatchFull; useListenNotify + queue notify: true',
  },
];

/** Prints a child's `RESULT {json}` line; resolves once it is written. The process exits right
 *  after, and a pipe takes a large line in several writes: exiting earlier cut it short (a
 *  3,000-job W2 result is ~150 KB). */
function writeResult(r: unknown): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`, (err) => (err ? reject(err) : resolve())));
}

/** Runs a child process; resolves with its parsed `RESULT {json}` line. */
function runChild(file: string, args: string[], cwd: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as Record<string, unknown>);
      else
        reject(
          new Error(
            `${file.split('/').pop()} ${args.slice(0, 8).join(' ')}: exit ` +
              `${code ?? signal}\n${stderr.trim().split('\n').slice(-8).join('\n')}`,
          ),
        );
    });
  });
}

interface Sample {
  v: number;
  /** A lower bound (pg-boss default: jobs that never started within the grace period). */
  censored: boolean;
}
/** key → metric → round → sample */
type Table = Map<string, Map<string, (Sample | undefined)[]>>;

function put(t: Table, key: string, metric: string, round: number, v: number, censored = false): void {
  let m = t.get(key);
  if (!m) t.set(key, (m = new Map()));
  let a = m.get(metric);
  if (!a) m.set(metric, (a = []));
  a[round] = { v, censored };
}
function samples(t: Table, key: string, metric: string): Sample[] {
  return (t.get(key)?.get(metric) ?? []).filter((s): s is Sample => s !== undefined);
}
function med(t: Table, key: string, metric: string): number {
  const s = samples(t, key, metric);
  return s.length ? median(s.map((x) => x.v)) : NaN;
}

function fmtNum(v: number, kind: 'rate' | 'ms' | 'x'): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (kind === 'rate') return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
  if (kind === 'x')
    return v >= 100
      ? Math.round(v).toLocaleString('en-US') + '×'
      : (v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)) + '×';
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
function cell(s: Sample[], kind: 'rate' | 'ms' | 'x', unit = ''): string {
  if (s.length === 0) return '—';
  const vs = s.map((x) => x.v).sort((a, b) => a - b);
  const cens = s.some((x) => x.censored) ? '> ' : '';
  const u = unit ? ` ${unit}` : '';
  if (vs.length === 1) return `${cens}${fmtNum(vs[0], kind)}${u}`;
  return `${cens}${fmtNum(median(vs), kind)} (${fmtNum(vs[0], kind)}–${fmtNum(vs[vs.length - 1], kind)})${u}`;
}

/** Per-round ratio a ÷ b over the rounds where both ran. */
function ratio(t: Table, a: string, am: string, b: string, bm: string): Sample[] {
  const x = t.get(a)?.get(am) ?? [];
  const y = t.get(b)?.get(bm) ?? [];
  const out: Sample[] = [];
  for (let r = 0; r < Math.max(x.length, y.length); r++) {
    if (x[r] && y[r]) out.push({ v: x[r]!.v / y[r]!.v, censored: x[r]!.censored || y[r]!.censored });
  }
  return out;
}
function ratioCell(s: Sample[], lowerIsBetter: boolean): string {
  if (s.length === 0) return '—';
  // A censored peer latency is a lower bound, so Hangar ÷ peer is an upper bound there.
  const c = cell(
    s.map((x) => ({ v: x.v, censored: false })),
    'x',
  );
  return s.some((x) => x.censored) ? (lowerIsBetter ? `≤ ${c}` : `≥ ${c}`) : c;
}

async function pgAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Share (%) of all cores the machine spent busy during `ms`; null without /proc/stat. */
async function busyOver(ms: number): Promise<number | null> {
  const m0 = machineBusyMs();
  const t0 = hrMs();
  await sleep(ms);
  const m1 = machineBusyMs();
  if (m0 === null || m1 === null) return null;
  return (100 * (m1 - m0)) / ((hrMs() - t0) * availableParallelism());
}

/** The 1 s pause before a measurement; with --wait-quiet, repeated (up to that many s) until
 *  the machine is < 10 % busy. Returns the last sample. */
async function pause(o: Options): Promise<number | null> {
  const end = hrMs() + o.waitQuiet * 1000;
  for (;;) {
    const busy = await busyOver(1000);
    if (busy === null || busy < QUIET || hrMs() >= end) return busy;
    process.stderr.write(`  waiting for a quiet machine: ${busy.toFixed(0)} % busy\n`);
  }
}

function machine(): string[] {
  let model = cpus()[0]?.model ?? '?';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux */
  }
  return [`Linux ${release()}`, `${availableParallelism()} CPUs (nproc)`, model, `${Math.round(totalmem() / 2 ** 30)} GiB RAM`];
}

function gitState(): Promise<string> {
  return new Promise((resolve) => {
    const run = (args: string[]) =>
      new Promise<string>((res) => {
        const p = spawn('git', ['--no-optional-locks', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
        let s = '';
        p.stdout.on('data', (d: Buffer) => (s += d.toString()));
        p.on('close', () => res(s.trim()));
        p.on('error', () => res(''));
      });
    void Promise.all([run(['rev-parse', '--short', 'HEAD']), run(['status', '--porcelain', '--', 'src'])]).then(([head, dirty]) =>
      resolve(head ? `${head}${dirty ? ` + uncommitted changes in src/ (${dirty.split('\n').length} files)` : ''}` : 'unknown'),
    );
  });
}

async function driver(o: Options): Promise<void> {
  const keys = o.only ?? (o.withPeers ? ENTRIES.map((e) => e.key) : ['hangar', 'hangar-2p', 'hangar-prefetch', 'hangar-store']);
  for (const k of keys)
    if (!ENTRIES.some((e) => e.key === k)) throw new Error(`unknown system ${k} (known: ${ENTRIES.map((e) => e.key).join(', ')})`);
  const entries = ENTRIES.filter((e) => keys.includes(e.key));
  if (entries.some((e) => e.peer)) {
    try {
      readFileSync(join(PEERS, 'node_modules', 'graphile-worker', 'package.json'));
    } catch {
      throw new Error('the peers are not installed: run `cd bench/peers && npm ci` first');
    }
  }
  const started = new Date();
  const gitStart = await gitState();
  const pgVersion = await pgAdmin(o.pgAdmin, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${o.db}`);
    await c.query(`CREATE DATABASE ${o.db}`);
    return String((await c.query('SHOW server_version')).rows[0].server_version).split(' ')[0];
  });
  const t: Table = new Map();
  const versions = new Map<string, string>();
  const errors: string[] = [];
  const busy: number[] = [];
  let redisVersion = '';
  const retried: string[] = [];
  const disturbed: string[] = [];
  const measure = async (o: Options, e: Entry, s: { workload: 'w1' | 'w2'; c: number }, what: string, b: number | null) => {
    const { file, args } = e.cmd(o, s.workload, s.c);
    const a = hrMs();
    try {
      const r = await runChild(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', '--expose-gc', file, ...args],
        e.peer ? PEERS : ROOT,
        900_000,
      );
      const secs = `${((hrMs() - a) / 1000).toFixed(1)} s, machine ${b?.toFixed(0)} % busy before`;
      if (s.workload === 'w1')
        process.stderr.write(
          `${what}: ${fmtNum(Number(r.rate), 'rate')} jobs/s (enqueue ${fmtNum(Number(r.enqueueRate), 'rate')}/s) [${secs}]\n`,
        );
      else
        process.stderr.write(
          `${what}: p50 ${fmtNum(Number(r.p50), 'ms')} ms, p99 ${fmtNum(Number(r.p99), 'ms')} ms, ` +
            `${String(r.started)}/${o.jobs} started [${secs}]\n`,
        );
      return r;
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
      process.stderr.write(`${what}: FAILED ${(err as Error).message}\n`);
      return null;
    }
  };
  const record = (r: Record<string, unknown>, round: number, e: Entry, s: { workload: 'w1' | 'w2'; c: number }) => {
    versions.set(String(r.system), String(r.version));
    if (r.server) redisVersion = String(r.server);
    if (s.workload === 'w1') {
      put(t, e.key, `w1.c${s.c}.rate`, round, Number(r.rate));
      put(t, e.key, `w1.c${s.c}.enqueue`, round, Number(r.enqueueRate));
      put(t, e.key, `w1.c${s.c}.first`, round, Number(r.firstJobMs));
      if (r.capped) put(t, e.key, `w1.c${s.c}.capped`, round, Number(r.completed));
      for (const k of ['procCpuUsPerJob', 'machineCpuUsPerJob', 'walBytesPerJob', 'leasesPerClaim']) {
        if (typeof r[k] === 'number' && !r.capped) put(t, e.key, `w1.c${s.c}.${k}`, round, r[k] as number);
      }
    } else {
      const cens = Boolean(r.censored);
      for (const m of ['p50', 'p95', 'p99', 'max'] as const) put(t, e.key, `w2.${m}`, round, Number(r[m]), cens);
      put(t, e.key, 'w2.call', round, Number(r.enqueueCallP50));
      put(t, e.key, 'w2.started', round, Number(r.started));
      put(t, e.key, 'w2.lag99', round, Number(r.pacerLagP99));
      if (r.handedOff !== undefined) put(t, e.key, 'w2.handedOff', round, Number(r.handedOff));
    }
  };
  const t0 = hrMs();
  try {
    for (let round = 0; round < o.runs; round++) {
      // Rotate the order each round.
      const order = entries.map((_, i) => entries[(i + round) % entries.length]);
      for (const e of order) {
        const steps: { workload: 'w1' | 'w2'; c: number }[] = [
          ...(e.w1 ? o.cs.map((c) => ({ workload: 'w1' as const, c })) : []),
          ...(e.w2 ? [{ workload: 'w2' as const, c: 10 }] : []),
        ];
        for (const s of steps) {
          const what = `round ${round + 1}/${o.runs} ${e.key} ${s.workload}${s.workload === 'w1' ? ` C=${s.c}` : ''}`;
          // A measurement after which the machine is still busy (someone else's load: our child
          // has exited) is taken again, at most twice; every retry is reported.
          for (let attempt = 0; ; attempt++) {
            await pgAdmin(dbUrl(o.pgAdmin, o.db), (c) => c.query('CHECKPOINT'));
            const b = await pause(o);
            if (b !== null) busy.push(b);
            const r = await measure(o, e, s, what, b);
            const after = await busyOver(1000);
            if (r && after !== null && after >= QUIET && attempt < 2) {
              retried.push(`${what} (machine ${after.toFixed(0)} % busy right after it)`);
              process.stderr.write(`  ${what}: machine ${after.toFixed(0)} % busy right after it; measuring again\n`);
              continue;
            }
            if (r && after !== null && after >= QUIET) disturbed.push(`${what} (${after.toFixed(0)} % busy after the third attempt; kept)`);
            if (r) record(r, round, e, s);
            break;
          }
        }
      }
    }
  } finally {
    if (!o.keepDb)
      await pgAdmin(o.pgAdmin, (c) => c.query(`DROP DATABASE IF EXISTS ${o.db} WITH (FORCE)`)).catch((e: Error) =>
        errors.push(`drop database: ${e.message}`),
      );
  }
  const gitEnd = await gitState();
  const git = gitEnd === gitStart ? gitStart : `${gitStart} at the start, ${gitEnd} at the end`;
  const report = printReport(o, entries, t, {
    started,
    versions,
    pgVersion,
    redisVersion,
    git,
    busy,
    errors,
    retried,
    disturbed,
    wallS: (hrMs() - t0) / 1000,
  });
  console.log(report);
  if (o.json)
    writeFileSync(
      o.json,
      JSON.stringify(
        {
          options: o,
          started,
          versions: Object.fromEntries(versions),
          pgVersion,
          redisVersion,
          machine: machine(),
          git,
          busy,
          errors,
          retried,
          disturbed,
          results: Object.fromEntries([...t].map(([k, m]) => [k, Object.fromEntries(m)])),
        },
        null,
        2,
      ),
    );
}

interface Meta {
  started: Date;
  versions: Map<string, string>;
  pgVersion: string;
  redisVersion: string;
  git: string;
  busy: number[];
  errors: string[];
  retried: string[];
  disturbed: string[];
  wallS: number;
}

function printReport(o: Options, entries: Entry[], t: Table, meta: Meta): string {
  const L: string[] = [];
  const runs = o.runs > 1 ? `median (min–max) of ${o.runs} rounds` : '1 round';
  const v = (k: string) => meta.versions.get(k) ?? '?';
  L.push(
    `Scale-out benchmark, ${runs}; ${meta.started.toISOString().slice(0, 16).replace('T', ' ')} UTC; ` +
      `${machine().join(', ')}; Node ${process.version}; PostgreSQL ` +
      `${meta.pgVersion}${meta.redisVersion ? `; ${meta.redisVersion}` : ''}.`,
  );
  L.push(
    `Versions: hangar ${v('hangar')} ` +
      `(${meta.git})${entries.some((e) => e.peer) ? `, bullmq ${v('bullmq')}, graphile-worker ${v('graphile-worker')}, pg-boss ${v('pg-boss')}` : ''}.`,
  );
  L.push(
    `W1: ${o.n.toLocaleString('en-US')} no-op jobs enqueued first, then timed from worker start to the last ` +
      `completion. W2: ${o.jobs.toLocaleString('en-US')} jobs, one every ${o.every} ms, open loop, to an idle worker ` +
      `of concurrency 10; enqueue-call start → handler start.`,
    '',
  );

  const cs = o.cs;
  L.push(
    `| System | ${cs.map((c) => `W1 jobs/s, C=${c}`).join(' | ')} | W1 enqueue jobs/s (setup, C=${cs[0]} runs) | ` +
      `first job after worker start, ms (C=${cs[0]}) |`,
  );
  L.push(`|---|${cs.map(() => '---|').join('')}---|---|`);
  for (const e of entries.filter((x) => x.w1)) {
    const capped = (c: number) => (samples(t, e.key, `w1.c${c}.capped`).length ? ` (${o.capS} s cap)` : '');
    L.push(
      `| ${e.label} | ${cs.map((c) => cell(samples(t, e.key, `w1.c${c}.rate`), 'rate') + capped(c)).join(' | ')} ` +
        `| ${cell(samples(t, e.key, `w1.c${cs[0]}.enqueue`), 'rate')} | ` +
        `${cell(samples(t, e.key, `w1.c${cs[0]}.first`), 'ms')} |`,
    );
  }
  L.push(
    '',
    `Where W1's time goes (diagnostics, medians; per job completed in the processing window): CPU of the process ` +
      `running the worker, CPU of the whole machine (the worker, PostgreSQL or Redis, and anything else), WAL ` +
      `PostgreSQL wrote. ${cs.join(' / ')} = the C of the run.`,
    '',
  );
  L.push(`| System | worker process CPU µs/job (C=${cs.join(' / ')}) | machine CPU µs/job | WAL bytes/job |`);
  L.push('|---|---|---|---|');
  for (const e of entries.filter((x) => x.w1)) {
    const col = (k: string, kind: 'rate' | 'ms') =>
      cs
        .map((c) => {
          const v = med(t, e.key, `w1.c${c}.${k}`);
          return Number.isFinite(v) ? (kind === 'rate' ? Math.round(v).toLocaleString('en-US') : fmtNum(v, 'ms')) : '—';
        })
        .join(' / ');
    L.push(`| ${e.label} | ${col('procCpuUsPerJob', 'rate')} | ${col('machineCpuUsPerJob', 'rate')} | ${col('walBytesPerJob', 'rate')} |`);
  }
  L.push('');
  L.push('| System | W2 p50 ms | p95 ms | p99 ms | max ms | started | enqueue call p50 ms |');
  L.push('|---|---|---|---|---|---|---|');
  for (const e of entries.filter((x) => x.w2)) {
    const st = samples(t, e.key, 'w2.started');
    L.push(
      `| ${e.label} | ${['p50', 'p95', 'p99', 'max'].map((m) => cell(samples(t, e.key, `w2.${m}`), 'ms')).join(' | ')} ` +
        `| ${st.length ? `${Math.min(...st.map((x) => x.v))}–${Math.max(...st.map((x) => x.v))} of ${o.jobs}` : '—'} | ` +
        `${cell(samples(t, e.key, 'w2.call'), 'ms')} |`,
    );
  }

  const peers = entries.filter((e) => e.peer);
  const hasHangar = entries.some((e) => e.key === 'hangar');
  if (peers.length && hasHangar) {
    const two = entries.some((e) => e.key === 'hangar-2p');
    L.push(
      '',
      `Ratios Hangar ÷ peer, per round then ${o.runs > 1 ? 'median (min–max)' : 'as measured'}: jobs/s higher is ` +
        `better, latency lower is better.`,
      '',
    );
    L.push(
      `| Peer | ${cs.map((c) => `jobs/s C=${c}`).join(' | ')} | p50 | p99 ` +
        `|${two ? ' p50, Hangar 2 processes | p99, Hangar 2 processes |' : ''}`,
    );
    L.push(`|---|${cs.map(() => '---|').join('')}---|---|${two ? '---|---|' : ''}`);
    for (const p of peers) {
      const tp = cs.map((c) => ratioCell(ratio(t, 'hangar', `w1.c${c}.rate`, p.key, `w1.c${c}.rate`), false));
      // A two-process peer row is compared with Hangar's two-process row only.
      const lat = ['p50', 'p99'].map((m) => (p.twoProcess ? '' : ratioCell(ratio(t, 'hangar', `w2.${m}`, p.key, `w2.${m}`), true)));
      const lat2 = two ? ['p50', 'p99'].map((m) => ratioCell(ratio(t, 'hangar-2p', `w2.${m}`, p.key, `w2.${m}`), true)) : [];
      L.push(`| ${p.label} | ${[...tp, ...lat, ...lat2].join(' | ')} |`);
    }
    L.push('', "Target (issue 5): at least the best peer's jobs/s and at most the best peer p99 (medians).", '');
    for (const [set, ps] of [
      ['peers at their defaults', peers.filter((p) => p.defaults)],
      ['peers including the tuned variants', peers],
    ] as const) {
      if (ps.length === 0) continue;
      const parts: string[] = [];
      for (const c of cs) {
        const best = ps.reduce((a, b) => (med(t, b.key, `w1.c${c}.rate`) > med(t, a.key, `w1.c${c}.rate`) ? b : a));
        // Against tuned peers, Hangar's tuned row too (when it was run).
        const tuned = set !== 'peers at their defaults' && samples(t, 'hangar-prefetch', `w1.c${c}.rate`).length > 0;
        const h = tuned
          ? Math.max(med(t, 'hangar', `w1.c${c}.rate`), med(t, 'hangar-prefetch', `w1.c${c}.rate`))
          : med(t, 'hangar', `w1.c${c}.rate`);
        const pv = med(t, best.key, `w1.c${c}.rate`);
        parts.push(
          `C=${c}: Hangar ${fmtNum(h, 'rate')} vs ${best.label} ${fmtNum(pv, 'rate')} jobs/s → ` +
            `${h >= pv ? 'MET' : 'NOT MET'} (${fmtNum(h / pv, 'x')})`,
        );
      }
      const lat = ps.filter((p) => samples(t, p.key, 'w2.p99').length && !samples(t, p.key, 'w2.p99').some((s) => s.censored));
      for (const hk of ['hangar', 'hangar-2p'].filter((k) => samples(t, k, 'w2.p99').length)) {
        // Like with like: one process against one process; two against two where a peer ran so.
        const two = hk === 'hangar-2p' && lat.some((p) => p.twoProcess);
        const like = lat.filter((p) => Boolean(p.twoProcess) === two);
        if (like.length === 0) continue;
        const best = like.reduce((a, b) => (med(t, b.key, 'w2.p99') < med(t, a.key, 'w2.p99') ? b : a));
        const pv = med(t, best.key, 'w2.p99');
        {
          const h = med(t, hk, 'w2.p99');
          parts.push(
            `p99${hk === 'hangar-2p' ? ' (Hangar submitter in a 2nd process)' : ''}: Hangar ${fmtNum(h, 'ms')} vs ` +
              `${best.label} ${fmtNum(pv, 'ms')} ms → ${h <= pv ? 'MET' : 'NOT MET'} (${fmtNum(h / pv, 'x')})`,
          );
        }
      }
      L.push(`- Against ${set}: ${parts.join('; ')}.`);
    }
  }

  L.push('', "Settings (non-default ones named; everything else is the library's default):", '');
  for (const e of entries) L.push(`- ${e.label}: ${e.settings}.`);
  const notes: string[] = [];
  const lpc = o.cs.map((c) => [c, samples(t, 'hangar', `w1.c${c}.leasesPerClaim`)] as const).filter(([, x]) => x.length);
  if (lpc.length)
    notes.push(
      `Hangar W1: leases per claim() call (the pool claims its free slots in one statement; the finishes that ` +
        `arrive in one tick share one statement and commit): ` +
        `${lpc.map(([c, x]) => `C=${c} ${cell(x, 'ms')}`).join(', ')}.`,
    );
  const ho = samples(t, 'hangar', 'w2.handedOff');
  if (ho.length)
    notes.push(
      `Hangar W2 (one process): ${ho.map((s) => s.v).join(', ')} of ${o.jobs} submits per round were handed to the ` +
        `idle pool inside the submit's transaction (direct dispatch).`,
    );
  const lag = entries.filter((e) => e.w2).map((e) => `${e.key} ${cell(samples(t, e.key, 'w2.lag99'), 'ms')}`);
  if (lag.length) notes.push(`Pacer lateness p99 (ms; the enqueuer's timer quality): ${lag.join(', ')}.`);
  if (meta.busy.length)
    notes.push(
      `Machine busy share in the 1 s pause before each measurement: median ${median(meta.busy).toFixed(0)} %, max ` +
        `${Math.max(...meta.busy).toFixed(0)} % (PostgreSQL's checkpoint included).`,
    );
  notes.push(
    `Measurements taken again because the machine was still ≥ ${QUIET} % busy right after them (someone else's ` +
      `load): ${meta.retried.length ? meta.retried.join('; ') : 'none'}.`,
  );
  for (const d of meta.disturbed) notes.push(`Possibly disturbed, kept: ${d}.`);
  notes.push(`Wall time ${(meta.wallS / 60).toFixed(1)} min.`);
  for (const e of meta.errors) notes.push(`FAILED: ${e}`);
  L.push('', ...notes.map((n) => `- ${n}`));
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
if (opts.role === 'hangar') await hangarChild(opts);
else if (opts.role === 'submitter') await submitterChild(opts);
else await driver(opts);
process.exit(0);
