/**
 * Dispatch benchmark of the embedded shape (one process, SQLite, no-op tasks): how fast tasks
 * go submit → lease → finish, and how long one waits between submit and start. A benchmark,
 * not a test: it prints a table, each number next to its target (PASS/MISS) and as a ratio to
 * baselines measured in the same run.
 *
 *   npm run bench                                  # one run, about a minute
 *   npm run bench -- --runs 3 --wait-quiet 120     # median (min–max) of 3, on a quiet machine
 *   npm run bench -- --only store,api-c            # some sections only
 *
 * Sections (names for --only; a prefix such as `store` or `api` selects a group): base (array
 * floor, wake-up floor, raw node:sqlite naive, paced and grouped), store-w1, store-w1p
 * (pool-shaped drain), store-w1q (drain with prefetch), store-w2, api-a (submit→start at 200/s), api-b (POST /tasks at
 * 1,000/s), api-c (tasks/s through the API).
 * Other flags: --n, --c 10,50, --base-n, --floor-n, --w2-tasks, --w2-every, --lat-tasks,
 * --lat-rate, --load-rate, --load-secs, --load-conns, --api-tasks, --api-conc, --workers,
 * --warmup, --dir (temp root), --json FILE (raw numbers), --sync normal (diagnostic),
 * --ids v4 (random ids in the store-alone sections; default v7 as the API makes them), --wait-quiet S (before each step,
 * wait up to S s until other processes use < 10 % of the cores).
 * Current results: docs/benchmarks.md; method and analysis: docs/benchmarks/history.md.
 */
import { paced, sleep } from './clock.ts';
import { NOOP_OUTCOME as OK, noopResult, noopTask } from './noop.ts';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config/index.ts';
import type { ExecutionRequest, ExecutionResult, Executor } from '../src/executor/index.ts';
import { createKey } from '../src/auth/index.ts';
import { startPlatform, type Platform } from '../src/runtime/index.ts';
import { SqliteStore, uuidv7, type Store } from '../src/store/index.ts';
import type { AttemptRef, NewTask, Outcome } from '../src/core/index.ts';
import type { LoadJob, LoadResult } from './http-load.ts';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  n: number;
  runs: number;
  cs: number[];
  baseN: number;
  floorN: number;
  w2Tasks: number;
  w2EveryMs: number;
  latTasks: number;
  latRate: number;
  loadRate: number;
  loadSecs: number;
  loadConns: number;
  apiTasks: number;
  apiConc: number;
  workers: number;
  warmup: number;
  only: Set<string> | null;
  dir: string;
  json: string | null;
  sync: 'full' | 'normal';
  waitQuiet: number;
  ids: 'v4' | 'v7';
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
    'n',
    'runs',
    'c',
    'base-n',
    'floor-n',
    'w2-tasks',
    'w2-every',
    'lat-tasks',
    'lat-rate',
    'load-rate',
    'load-secs',
    'load-conns',
    'api-tasks',
    'api-conc',
    'workers',
    'warmup',
    'only',
    'dir',
    'json',
    'sync',
    'wait-quiet',
    'ids',
    'help',
  ]);
  for (const k of raw.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k} (known: ${[...known].join(', ')})`);
  if (raw.has('help')) {
    console.log(`flags: --${[...known].join(' --')}  (see the header of bench/dispatch.ts)`);
    process.exit(0);
  }
  const num = (k: string, d: number) => {
    const v = raw.get(k);
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`--${k} must be a positive number`);
    return x;
  };
  const n = num('n', 10_000);
  return {
    n,
    runs: num('runs', 1),
    cs: (raw.get('c') ?? '10,50').split(',').map(Number),
    baseN: num('base-n', n),
    floorN: num('floor-n', 1_000_000),
    w2Tasks: num('w2-tasks', 500),
    w2EveryMs: num('w2-every', 2),
    latTasks: num('lat-tasks', 2_000),
    latRate: num('lat-rate', 200),
    loadRate: num('load-rate', 1_000),
    loadSecs: num('load-secs', 5),
    loadConns: num('load-conns', 8),
    apiTasks: num('api-tasks', 5_000),
    apiConc: num('api-conc', 32),
    workers: num('workers', 10),
    warmup: num('warmup', 200),
    only: raw.has('only') ? new Set(raw.get('only')!.split(',')) : null,
    dir: raw.get('dir') ?? tmpdir(),
    json: raw.get('json') ?? null,
    sync: raw.get('sync') === 'normal' ? 'normal' : 'full',
    waitQuiet: raw.has('wait-quiet') ? num('wait-quiet', 60) : 0,
    ids: raw.get('ids') === 'v4' ? 'v4' : 'v7',
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

const now = () => performance.now();
/** Process-wide monotonic ms, comparable across threads (see bench/http-load.ts). */
const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;
/** hrMs() − performance.now() in this thread, to put executor timestamps on the shared clock. */
function perfToHr(): number {
  const s: number[] = [];
  for (let i = 0; i < 9; i++) {
    const p = performance.now();
    const h = hrMs();
    s.push(h - p);
  }
  return s.sort((a, b) => a - b)[4];
}
const tick = () => new Promise<void>((r) => setImmediate(r));

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
    const [user, nice, system, , , irq, softirq, steal] = f; // idle and iowait are not busy
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Share of the machine's cores used by other processes while `fn` ran, in %. */
async function othersCpu<T>(fn: () => Promise<T>): Promise<{ value: T; others: number | null }> {
  const m0 = machineBusyMs();
  const o0 = ownCpuMs();
  const t0 = now();
  const value = await fn();
  const m1 = machineBusyMs();
  if (m0 === null || m1 === null) return { value, others: null };
  const wall = now() - t0;
  const others = Math.max(0, m1 - m0 - (ownCpuMs() - o0));
  return { value, others: (100 * others) / (wall * availableParallelism()) };
}
/** Waits (up to `maxS` s) until other processes use < 10 % of the cores for 2 s. */
async function waitQuiet(maxS: number): Promise<void> {
  const end = now() + maxS * 1000;
  while (now() < end) {
    const { others } = await othersCpu(() => sleep(2000));
    if (others === null || others < 10) return;
    process.stderr.write(`  waiting for a quiet machine: others use ${others.toFixed(0)} % of the cores\n`);
  }
}

/** Task ids of the store-alone sections: time-ordered UUIDv7 from the store, as the API makes
 *  them, or with --ids v4 random ones, to measure what index locality is worth. */
let IDS: 'v4' | 'v7' = 'v7';

function newTask(i = 0): NewTask {
  return noopTask({ i }, IDS === 'v7' ? uuidv7() : randomUUID());
}

function tempDir(opts: Options, tag: string): string {
  return mkdtempSync(join(opts.dir, `hangar-bench-${tag}-`));
}

// ---------------------------------------------------------------------------------------------
// Results

type Unit = 'tasks/s' | 'req/s' | 'ms' | 'µs' | '×';
interface Target {
  op: '<=' | '>=';
  value: number;
}
interface Metric {
  id: string;
  section: string;
  label: string;
  unit: Unit;
  target?: Target;
  values: number[];
}

class Results {
  readonly metrics = new Map<string, Metric>();
  /** Same-run ratios, one value per run. */
  readonly ratios = new Map<string, Metric>();
  readonly notes: string[] = [];
  /** The run being measured (1-based), to label notes. */
  run = 1;
  /** Other processes' CPU use during each step, % of all cores. */
  readonly noise: { run: number; step: string; others: number }[] = [];
  put(id: string, section: string, label: string, unit: Unit, value: number, target?: Target): void {
    const map = section === 'ratios' ? this.ratios : this.metrics;
    let m = map.get(id);
    if (!m) map.set(id, (m = { id, section, label, unit, target, values: [] }));
    m.values.push(value);
  }
  get(id: string): Metric | undefined {
    return this.metrics.get(id) ?? this.ratios.get(id);
  }
}

function fmt(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (unit === 'tasks/s' || unit === 'req/s') return Math.round(v).toLocaleString('en-US');
  if (unit === '×') {
    if (v >= 100) return Math.round(v).toLocaleString('en-US') + '×';
    return (v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)) + '×';
  }
  if (unit === 'µs') return v >= 100 ? Math.round(v).toString() : v.toFixed(1);
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function cell(m: Metric): string {
  const u = m.unit === '×' ? '' : ` ${m.unit}`;
  if (m.values.length === 1) return fmt(m.values[0], m.unit) + u;
  const s = [...m.values].sort((a, b) => a - b);
  return `${fmt(median(s), m.unit)} (${fmt(s[0], m.unit)}–${fmt(s[s.length - 1], m.unit)})${u}`;
}

function verdict(m: Metric): string {
  if (!m.target) return '';
  const v = median(m.values);
  const ok = m.target.op === '<=' ? v <= m.target.value : v >= m.target.value;
  return ok ? 'PASS' : 'MISS';
}

function targetText(m: Metric): string {
  if (!m.target) return '';
  return `${m.target.op === '<=' ? '≤' : '≥'} ${fmt(m.target.value, m.unit)}${m.unit === '×' ? '' : ' ' + m.unit}`;
}

// ---------------------------------------------------------------------------------------------
// 1. Baselines

/** In-memory array queue drained by `c` async workers: the floor of any dispatch loop. */
async function arrayFloor(n: number, c: number): Promise<number> {
  const q = Array.from({ length: n }, (_, i) => i);
  let head = 0;
  let sum = 0;
  const handle = async (x: number) => {
    sum += x;
  };
  const t0 = now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (head < q.length) await handle(q[head++]);
    }),
  );
  const ms = now() - t0;
  if (sum !== (n * (n - 1)) / 2) throw new Error('array floor lost items');
  return n / (ms / 1000);
}

/** In-memory queue with an emitter wake-up and an async consumer, same pacing as W2: the
 *  latency floor of "submit wakes an idle consumer" without any storage. */
async function wakeFloor(tasks: number, everyMs: number): Promise<number[]> {
  const q: { t0: number }[] = [];
  const ev = new EventEmitter();
  const lat: number[] = [];
  let busy = false;
  ev.on('ready', () => {
    if (busy) return;
    busy = true;
    void (async () => {
      await tick(); // a store's write is at least one turn away
      while (q.length) lat.push(now() - q.shift()!.t0);
      busy = false;
    })();
  });
  await paced(tasks, everyMs, () => {
    q.push({ t0: now() });
    ev.emit('ready');
  });
  await sleep(20);
  return lat;
}

const RAW_SCHEMA = `
CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL, prio INTEGER NOT NULL, payload TEXT NOT NULL,
  worker TEXT, started_at INTEGER, finished_at INTEGER);
CREATE INDEX jobs_ready ON jobs (prio DESC, id) WHERE state = 'PENDING';`;

function rawDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec(RAW_SCHEMA);
  return db;
}

/** Raw node:sqlite, synchronous=FULL, one transaction (one fsync) per statement: insert all,
 *  then lease (UPDATE … RETURNING) + complete each. The naive SQLite floor. */
function rawNaive(path: string, n: number) {
  const db = rawDb(path);
  const ins = db.prepare(`INSERT INTO jobs (state, prio, payload) VALUES ('PENDING', 1, ?)`);
  const lease = db.prepare(`UPDATE jobs SET state = 'RUNNING', worker = 'w', started_at = ?
    WHERE id = (SELECT id FROM jobs WHERE state = 'PENDING' ORDER BY prio DESC, id LIMIT 1) RETURNING id`);
  const done = db.prepare(`UPDATE jobs SET state = 'SUCCESS', finished_at = ? WHERE id = ?`);
  const insMs: number[] = [];
  const leaseMs: number[] = [];
  const payload = JSON.stringify({ command: 'noop' });
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const a = now();
    ins.run(payload);
    insMs.push(now() - a);
  }
  const t1 = now();
  for (let i = 0; i < n; i++) {
    const a = now();
    const r = lease.get(Date.now()) as { id: number };
    leaseMs.push(now() - a);
    done.run(Date.now(), r.id);
  }
  const t2 = now();
  db.close();
  return { insertRate: n / ((t1 - t0) / 1000), drainRate: n / ((t2 - t1) / 1000), e2eRate: n / ((t2 - t0) / 1000), insMs, leaseMs };
}

/** Raw node:sqlite, synchronous=FULL, grouped: inserts 512 per transaction, then per loop one
 *  transaction leasing `c` and one completing them. What group commit can reach without the
 *  store's model (history rows, JSON, Task objects, promises). */
function rawBatched(path: string, n: number, c: number) {
  const db = rawDb(path);
  const ins = db.prepare(`INSERT INTO jobs (state, prio, payload) VALUES ('PENDING', 1, ?)`);
  const lease = db.prepare(`UPDATE jobs SET state = 'RUNNING', worker = 'w', started_at = ?1
    WHERE id IN (SELECT id FROM jobs WHERE state = 'PENDING' ORDER BY prio DESC, id LIMIT ?2) RETURNING id`);
  const done = db.prepare(`UPDATE jobs SET state = 'SUCCESS', finished_at = ? WHERE id = ?`);
  const payload = JSON.stringify({ command: 'noop' });
  const t0 = now();
  for (let i = 0; i < n; i += 512) {
    db.exec('BEGIN IMMEDIATE');
    for (let k = i; k < Math.min(n, i + 512); k++) ins.run(payload);
    db.exec('COMMIT');
  }
  const t1 = now();
  let left = n;
  while (left > 0) {
    db.exec('BEGIN IMMEDIATE');
    const rows = lease.all(Date.now(), c) as { id: number }[];
    db.exec('COMMIT');
    db.exec('BEGIN IMMEDIATE');
    for (const r of rows) done.run(Date.now(), r.id);
    db.exec('COMMIT');
    left -= rows.length;
  }
  const t2 = now();
  db.close();
  return { drainRate: n / ((t2 - t1) / 1000), e2eRate: n / ((t2 - t0) / 1000) };
}

/** Raw commits paced like the latency workloads: an fsync right after an idle gap costs more
 *  than one in a busy stream, so the latency floors are measured at the workloads' pace. Per
 *  sample: one insert commit, then one lease commit (ms each). */
async function pacedCommits(path: string, count: number, everyMs: number): Promise<{ one: number[]; two: number[] }> {
  const db = rawDb(path);
  const ins = db.prepare(`INSERT INTO jobs (state, prio, payload) VALUES ('PENDING', 1, ?)`);
  const lease = db.prepare(`UPDATE jobs SET state = 'RUNNING', worker = 'w', started_at = ?
    WHERE id = (SELECT id FROM jobs WHERE state = 'PENDING' ORDER BY prio DESC, id LIMIT 1) RETURNING id`);
  const one: number[] = [];
  const two: number[] = [];
  await paced(count, everyMs, () => {
    const a = now();
    ins.run('{}');
    const b = now();
    lease.get(Date.now());
    one.push(b - a);
    two.push(now() - a);
  });
  db.close();
  return { one, two };
}

async function baselines(o: Options, R: Results): Promise<void> {
  const S = '1. Baselines (same run)';
  for (const c of [10]) {
    R.put(
      `base.array.c${c}`,
      S,
      `in-memory array queue, ${c} async workers, N=${o.floorN.toLocaleString('en-US')}`,
      'tasks/s',
      await arrayFloor(o.floorN, c),
    );
  }
  const wf = summary(await wakeFloor(o.w2Tasks, o.w2EveryMs));
  R.put('base.wake.p50', S, `in-memory queue + emitter wake-up, ${o.w2Tasks} paced 1/${o.w2EveryMs} ms: p50`, 'µs', wf.p50 * 1000);
  R.put('base.wake.p99', S, 'in-memory queue + emitter wake-up: p99', 'µs', wf.p99 * 1000);

  const dir = tempDir(o, 'raw');
  try {
    const r = rawNaive(join(dir, 'naive.db'), o.baseN);
    const n = o.baseN.toLocaleString('en-US');
    R.put('base.sqlite.insert', S, `raw node:sqlite FULL, 1 tx/statement: insert rate (N=${n})`, 'tasks/s', r.insertRate);
    R.put('base.sqlite.drain', S, 'raw node:sqlite FULL, 1 tx/statement: lease+complete rate', 'tasks/s', r.drainRate);
    R.put('base.sqlite.e2e', S, 'raw node:sqlite FULL, 1 tx/statement: insert+update+update end to end', 'tasks/s', r.e2eRate);
    const ins = summary(r.insMs);
    const ls = summary(r.leaseMs);
    R.put('base.sqlite.commit.p50', S, 'raw node:sqlite FULL: one commit (insert), p50', 'ms', ins.p50);
    R.put(
      'base.sqlite.floor.p50',
      S,
      'durable submit→lease floor back to back = insert commit p50 + lease commit p50',
      'ms',
      ins.p50 + ls.p50,
    );
    const w2 = await pacedCommits(join(dir, 'paced-w2.db'), 250, o.w2EveryMs);
    R.put(
      'base.paced.w2.p50',
      S,
      `durable submit→lease floor paced 1/${o.w2EveryMs} ms (W2 pace): insert commit + lease commit, p50`,
      'ms',
      summary(w2.two).p50,
    );
    const api = await pacedCommits(join(dir, 'paced-api.db'), 200, 1000 / o.latRate);
    R.put(
      'base.paced.api.one',
      S,
      `one raw commit paced 1/${(1000 / o.latRate).toFixed(0)} ms (API pace), p50`,
      'ms',
      summary(api.one).p50,
    );
    R.put(
      'base.paced.api.p50',
      S,
      `durable submit→lease floor paced 1/${(1000 / o.latRate).toFixed(0)} ms: insert commit + lease commit, p50`,
      'ms',
      summary(api.two).p50,
    );
    for (const c of o.cs) {
      const b = rawBatched(join(dir, `batched-${c}.db`), o.baseN, c);
      R.put(
        `base.sqliteb.c${c}.drain`,
        S,
        `raw node:sqlite FULL, grouped (lease ${c}/tx + complete ${c}/tx): drain`,
        'tasks/s',
        b.drainRate,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Store alone

/** synchronous=FULL unless --sync normal (a diagnostic: how much of the time is fsync). */
let SYNC: 'full' | 'normal' = 'full';
function openStore(dir: string): SqliteStore {
  return new SqliteStore({ path: join(dir, 'hangar.db'), synchronous: SYNC });
}

async function storeW1(o: Options, R: Results, c: number): Promise<void> {
  const S = '2. Store alone (SqliteStore)';
  const dir = tempDir(o, `w1-${c}`);
  const store = openStore(dir);
  try {
    const tasks = Array.from({ length: o.n }, (_, i) => newTask(i));
    const t0 = now();
    await Promise.all(tasks.map((t) => store.submit(t)));
    const t1 = now();
    let done = 0;
    while (done < o.n) {
      const leases = await store.claim({ workerId: 'bench', limit: c });
      if (leases.length === 0) throw new Error(`drain stalled at ${done}`);
      await Promise.all(leases.map((l) => store.finish({ taskId: l.task.id, attempt: l.attempt }, OK)));
      done += leases.length;
    }
    const t2 = now();
    const counts = await store.counts();
    if (counts.SUCCESS !== o.n) throw new Error(`expected ${o.n} SUCCESS, store says ${counts.SUCCESS}`);
    const n = o.n.toLocaleString('en-US');
    if (c === o.cs[0]) R.put('store.submit', S, `W1 submit, ${n} concurrent submit() calls`, 'tasks/s', o.n / ((t1 - t0) / 1000));
    R.put(
      `store.w1.c${c}.drain`,
      S,
      `W1 drain, claim limit ${c} + finish each, first claim → last finish`,
      'tasks/s',
      o.n / ((t2 - t1) / 1000),
      { op: '>=', value: 15_000 },
    );
    R.put(`store.w1.c${c}.e2e`, S, `W1 end to end (submit + drain), C=${c}`, 'tasks/s', o.n / ((t2 - t0) / 1000), {
      op: '>=',
      value: 15_000,
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The drain with one batch of prefetch: the claim for the next batch is issued in the same
 *  tick as this batch's finishes, so they share one transaction (one commit per `c` tasks).
 *  What a pool with a local prefetch queue (Graphile Worker's localQueue) would get. */
async function storeW1Prefetch(o: Options, R: Results, c: number): Promise<void> {
  const S = '2. Store alone (SqliteStore)';
  const dir = tempDir(o, `w1q-${c}`);
  const store = openStore(dir);
  try {
    await Promise.all(Array.from({ length: o.n }, (_, i) => store.submit(newTask(i))));
    const t1 = now();
    let done = 0;
    let next = store.claim({ workerId: 'bench', limit: c });
    while (done < o.n) {
      const leases = await next;
      if (leases.length === 0) throw new Error(`drain stalled at ${done}`);
      next = store.claim({ workerId: 'bench', limit: c });
      await Promise.all(leases.map((l) => store.finish({ taskId: l.task.id, attempt: l.attempt }, OK)));
      done += leases.length;
    }
    const t2 = now();
    await next;
    R.put(
      `store.w1q.c${c}.drain`,
      S,
      `W1 drain, prefetch (claim of the next ${c} shares the commit of this batch's finishes)`,
      'tasks/s',
      o.n / ((t2 - t1) / 1000),
      { op: '>=', value: 15_000 },
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same drain shaped like WorkerPool: `c` slots, a claim for the free slots whenever one
 *  frees up, finish right after the lease (no-op task). Claims and finishes share commits. */
async function storeW1Pool(o: Options, R: Results, c: number): Promise<void> {
  const S = '2. Store alone (SqliteStore)';
  const dir = tempDir(o, `w1p-${c}`);
  const store = openStore(dir);
  try {
    await Promise.all(Array.from({ length: o.n }, (_, i) => store.submit(newTask(i))));
    const t1 = now();
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let done = 0;
      let claiming = false;
      let again = false;
      const dispatch = (): void => {
        if (claiming) {
          again = true;
          return;
        }
        const free = c - running;
        if (free <= 0) return;
        claiming = true;
        again = false;
        store.claim({ workerId: 'bench', limit: free }).then((leases) => {
          claiming = false;
          running += leases.length;
          for (const l of leases) {
            store.finish({ taskId: l.task.id, attempt: l.attempt }, OK).then(() => {
              running--;
              if (++done === o.n) resolve();
              else dispatch();
            }, reject);
          }
          if (again || (leases.length > 0 && running < c)) dispatch();
        }, reject);
      };
      dispatch();
    });
    const t2 = now();
    R.put(
      `store.w1p.c${c}.drain`,
      S,
      `W1 drain, pool-shaped (${c} slots, claim free slots on each finish)`,
      'tasks/s',
      o.n / ((t2 - t1) / 1000),
      { op: '>=', value: 15_000 },
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function storeW2(o: Options, R: Results): Promise<void> {
  const S = '2. Store alone (SqliteStore)';
  const dir = tempDir(o, 'w2');
  const store: Store = openStore(dir);
  try {
    const t0 = new Map<string, number>();
    const lat: number[] = [];
    let claiming = false;
    let again = false;
    let warm = true;
    const consume = (): void => {
      if (claiming) {
        again = true;
        return;
      }
      claiming = true;
      again = false;
      store.claim({ workerId: 'w2', limit: 10 }).then((leases) => {
        const t = now();
        for (const l of leases) {
          if (!warm) lat.push(t - t0.get(l.task.id)!);
          void store.finish({ taskId: l.task.id, attempt: l.attempt }, OK);
        }
        claiming = false;
        if (again || leases.length === 10) consume();
      });
    };
    const unsub = store.subscribe(consume);
    // Warm-up (JIT, page cache), not measured.
    await paced(50, o.w2EveryMs, (i) => {
      const t = newTask(-1 - i);
      t0.set(t.id, now());
      void store.submit(t);
    });
    await sleep(100);
    warm = false;
    const lag = await paced(o.w2Tasks, o.w2EveryMs, (i) => {
      const t = newTask(i);
      t0.set(t.id, now());
      void store.submit(t);
    });
    const deadline = now() + 5_000;
    while (lat.length < o.w2Tasks && now() < deadline) await sleep(5);
    unsub();
    if (lat.length !== o.w2Tasks) throw new Error(`W2: ${lat.length} of ${o.w2Tasks} leased`);
    const s = summary(lat);
    const label = `W2 submit→lease, idle subscribed consumer, ${o.w2Tasks} paced 1/${o.w2EveryMs} ms`;
    R.put('store.w2.p50', S, `${label}: p50`, 'ms', s.p50, { op: '<=', value: 1 });
    R.put('store.w2.p95', S, 'W2 submit→lease: p95', 'ms', s.p95);
    R.put('store.w2.p99', S, 'W2 submit→lease: p99', 'ms', s.p99, { op: '<=', value: 4 });
    R.put('store.w2.max', S, 'W2 submit→lease: max', 'ms', s.max);
    R.put('store.w2.lag99', S, 'W2 pacer lateness p99 (timer quality)', 'ms', summary(lag).p99);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Through the API

class NoopExecutor implements Executor {
  readonly name = 'noop';
  /** metadata.i → performance.now() at run() entry ("start"). */
  readonly starts = new Map<number, number>();
  /** metadata.i → task id, to join client times with store-side timings. */
  readonly ids = new Map<number, string>();
  onRun: (taskId: string, t: number) => void = () => {};
  calls = 0;
  async run(req: ExecutionRequest): Promise<ExecutionResult> {
    const t = performance.now();
    this.calls++;
    const i = req.metadata.i;
    if (typeof i === 'number' && i >= 0) {
      this.starts.set(i, t);
      this.ids.set(i, req.taskId);
    }
    this.onRun(req.taskId, t);
    return noopResult();
  }
  async close(): Promise<void> {}
}

/** performance.now() marks of one task on its way through the platform. */
interface Marks {
  submitCall?: number;
  submitDone?: number;
  claimCall?: number;
  claimDone?: number;
  run?: number;
  finishCall?: number;
  finishDone?: number;
}

interface Diag {
  txs: number;
  ops: number;
  claims: number;
  claimed: number;
  finishes: number;
  succeeded: number;
  blobPuts: number;
  marks: Map<string, Marks>;
}

const resetDiag = (d: Diag) =>
  Object.assign(d, { txs: 0, ops: 0, claims: 0, claimed: 0, finishes: 0, succeeded: 0, blobPuts: 0, marks: new Map() });

/** Counts transactions, claims and finishes and marks each task's way through the platform by
 *  wrapping the instances (bench-only instrumentation, a few µs per call; the WriteBatch hook
 *  is skipped if its private shape changes). */
function instrument(p: Platform, ex: NoopExecutor, onSuccess: () => void): Diag {
  const store = p.store;
  const d = resetDiag({} as Diag);
  const mark = (id: string): Marks => {
    let m = d.marks.get(id);
    if (!m) d.marks.set(id, (m = {}));
    return m;
  };
  const submit = store.submit.bind(store);
  store.submit = async (t) => {
    const a = now();
    const r = await submit(t);
    const m = mark(r.task.id);
    m.submitCall = a;
    m.submitDone = now();
    return r;
  };
  const claim = store.claim.bind(store);
  store.claim = async (opts) => {
    d.claims++;
    const a = now();
    const l = await claim(opts);
    const b = now();
    for (const x of l) Object.assign(mark(x.task.id), { claimCall: a, claimDone: b });
    d.claimed += l.length;
    return l;
  };
  const finish = store.finish.bind(store);
  store.finish = async (ref: AttemptRef, outcome: Outcome) => {
    d.finishes++;
    const m = mark(ref.taskId);
    m.finishCall = now();
    const t = await finish(ref, outcome);
    m.finishDone = now();
    if (t?.status === 'SUCCESS') {
      d.succeeded++;
      onSuccess();
    }
    return t;
  };
  ex.onRun = (id, t) => (mark(id).run = t);
  const put = p.blobs.put.bind(p.blobs);
  p.blobs.put = (key, data) => {
    d.blobPuts++;
    return put(key, data);
  };
  const writes = (store as unknown as { writes?: { commit?: (batch: unknown[]) => void } }).writes;
  if (writes && typeof writes.commit === 'function') {
    const commit = writes.commit.bind(writes);
    writes.commit = (batch: unknown[]) => {
      d.txs++;
      d.ops += batch.length;
      commit(batch);
    };
  }
  return d;
}

/** p50 / p99 of the stages between the marks, ms; `sent` (client send, hrtime ms) by task id. */
function stages(d: Diag, sent: Map<string, number> | null, off: number): string {
  const seg: Record<string, number[]> = {};
  const add = (k: string, a: number | undefined, b: number | undefined) => {
    if (a === undefined || b === undefined) return;
    (seg[k] ??= []).push(b - a);
  };
  for (const [id, m] of d.marks) {
    const s = sent?.get(id);
    if (sent && s === undefined) continue;
    if (s !== undefined) add('HTTP + validation (send → submit())', s - off, m.submitCall);
    add('submit() commit', m.submitCall, m.submitDone);
    add('wake-up + claim commit (submit done → lease)', m.submitDone, m.claimDone);
    add('claim() call → lease', m.claimCall, m.claimDone);
    add('pool: lease → executor.run()', m.claimDone, m.run);
    add('pool: run() → finish() (workspace rm, result blob)', m.run, m.finishCall);
    add('finish() commit', m.finishCall, m.finishDone);
  }
  return Object.entries(seg)
    .map(([k, v]) => {
      const x = summary(v);
      return `${k} ${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`;
    })
    .join('; ');
}

async function withPlatform<T>(
  o: Options,
  tag: string,
  fn: (p: Platform, ex: NoopExecutor, d: Diag, onSuccess: { cb: () => void }) => Promise<T>,
): Promise<T> {
  const dir = tempDir(o, tag);
  const config = loadConfig({
    env: {
      HANGAR_PORT: '0',
      HANGAR_HOST: '127.0.0.1',
      HANGAR_DATA_DIR: dir,
      HANGAR_WORKERS: String(o.workers),
      HANGAR_LOG_LEVEL: 'silent',
      HANGAR_SHUTDOWN_GRACE_MS: '0',
      HANGAR_SQLITE_SYNCHRONOUS: SYNC,
      // The limiter runs (its cost is measured) but does not refuse the load's 5,000 req/s.
      HANGAR_RATE_LIMIT: '1000000',
    },
  });
  const ex = new NoopExecutor();
  const p = await startPlatform(config, { api: true, workers: true }, { executor: ex });
  // Requests carry a user's key, looked up on each one, as every real client's are.
  apiKey = (await createKey(p.store, p.secrets, 'bench', 'user', 'bench')).raw;
  const hook = { cb: () => {} };
  const d = instrument(p, ex, () => hook.cb());
  try {
    // Warm-up (JIT, connections, page cache): unmeasured requests with negative indices; the
    // measurement starts once they have all finished, with the counters reset.
    if (o.warmup > 0) {
      await load({ url: p.url!, mode: 'closed', count: 0, rate: 0, concurrency: 4, warmup: o.warmup });
      await waitFor(() => d.succeeded >= o.warmup, 20_000, 'warm-up tasks to finish');
      await sleep(50);
      resetDiag(d);
    }
    return await fn(p, ex, d, hook);
  } finally {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The API key of the platform the load runs against (withPlatform makes it). */
let apiKey: string | undefined;

function load(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./http-load.ts', import.meta.url), { workerData: { ...job, apiKey } });
    w.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) => {
      void w.terminate();
      if (m.ok) resolve(m.result!);
      else reject(new Error(m.error));
    });
    w.once('error', reject);
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = now() + timeoutMs;
  while (!cond()) {
    if (now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function diagNote(tag: string, d: Diag, tasks: number, sent: Map<string, number> | null = null, off = 0): string {
  const per = (x: number) => (x / tasks).toFixed(2);
  return (
    `${tag}: ${d.txs} write transactions for ${tasks} tasks (${per(d.txs)}/task, ${(d.ops / Math.max(1, d.txs)).toFixed(1)} ops/tx); ` +
    `${d.claims} claim calls (${per(d.claims)}/task), ${(d.claimed / Math.max(1, d.claims)).toFixed(2)} leases/claim; ` +
    `${[...d.marks.values()].filter((m) => m.run !== undefined && m.claimDone === undefined).length} tasks handed ` +
    `to the pool at submit (no claim); ${per(d.blobPuts)} blob writes/task. ` +
    `Stages p50 / p99 ms: ${stages(d, sent, off)}`
  );
}

/** Client send time (hrtime ms) by task id, joined through the executor's metadata.i. */
function sentById(ex: NoopExecutor, r: LoadResult): Map<string, number> {
  const m = new Map<string, number>();
  for (const [i, id] of ex.ids) if (r.sentAt[i] !== undefined) m.set(id, r.sentAt[i]);
  return m;
}

async function apiLatency(o: Options, R: Results): Promise<void> {
  const S = '3. Through the API (startPlatform, no-op executor, 10 worker slots)';
  await withPlatform(o, 'api-a', async (p, ex, d) => {
    const off = perfToHr();
    const r = await load({ url: p.url!, mode: 'paced', count: o.latTasks, rate: o.latRate, concurrency: 4, warmup: 0 });
    await waitFor(() => ex.starts.size >= o.latTasks, 10_000, 'all tasks to start');
    const lat: number[] = [];
    for (let i = 0; i < o.latTasks; i++) lat.push(ex.starts.get(i)! + off - r.sentAt[i]);
    const s = summary(lat);
    const http = summary(r.sentAt.map((t, i) => r.doneAt[i] - t));
    const label = `submit→start, POST /tasks paced ${o.latRate}/s × ${o.latTasks.toLocaleString('en-US')}`;
    R.put('api.a.p50', S, `${label}: p50`, 'ms', s.p50, { op: '<=', value: 1 });
    R.put('api.a.p95', S, 'submit→start: p95', 'ms', s.p95);
    R.put('api.a.p99', S, 'submit→start: p99', 'ms', s.p99, { op: '<=', value: 4 });
    R.put('api.a.max', S, 'submit→start: max', 'ms', s.max);
    R.put('api.a.http.p50', S, `POST /tasks response time at ${o.latRate}/s: p50`, 'ms', http.p50);
    R.put('api.a.http.p99', S, `POST /tasks response time at ${o.latRate}/s: p99`, 'ms', http.p99);
    if (r.errors || r.status.some((x) => x !== 201)) throw new Error(`api-a: ${r.errors} errors, statuses ${[...new Set(r.status)]}`);
    R.notes.push(diagNote(`run ${R.run} api-a`, d, o.latTasks, sentById(ex, r), off));
  });
}

async function apiLoad(o: Options, R: Results): Promise<void> {
  const S = '3. Through the API (startPlatform, no-op executor, 10 worker slots)';
  await withPlatform(o, 'api-b', async (p, ex, d) => {
    const count = Math.round(o.loadRate * o.loadSecs);
    const off = perfToHr();
    const r = await load({ url: p.url!, mode: 'paced', count, rate: o.loadRate, concurrency: o.loadConns, warmup: 0 });
    await waitFor(() => ex.starts.size >= count, 15_000, 'all tasks to start');
    const http = summary(r.sentAt.map((t, i) => r.doneAt[i] - t));
    const achieved = count / ((r.lastDone - r.firstSent) / 1000);
    const label = `POST /tasks at ${o.loadRate.toLocaleString('en-US')} req/s offered (open loop, ${o.loadSecs} s, ${o.loadConns} keep-alive conns)`;
    R.put('api.b.p50', S, `${label}: p50`, 'ms', http.p50);
    R.put('api.b.p99', S, 'POST /tasks at 1,000/s: p99', 'ms', http.p99, { op: '<=', value: 10 });
    R.put('api.b.max', S, 'POST /tasks at 1,000/s: max', 'ms', http.max);
    R.put('api.b.rate', S, 'POST /tasks: achieved rate (first send → last response)', 'req/s', achieved, {
      op: '>=',
      value: o.loadRate * 0.98,
    });
    R.put('api.b.lag99', S, 'client pacer lateness p99 (if large, the client was the bottleneck)', 'ms', summary(r.lag).p99);
    const st = summary([...Array(count).keys()].map((i) => ex.starts.get(i)! + off - r.sentAt[i]));
    R.put('api.b.start.p50', S, 'submit→start at 1,000/s: p50', 'ms', st.p50);
    R.put('api.b.start.p99', S, 'submit→start at 1,000/s: p99', 'ms', st.p99);
    if (r.errors || r.status.some((x) => x !== 201)) throw new Error(`api-b: ${r.errors} errors, statuses ${[...new Set(r.status)]}`);
    R.notes.push(diagNote(`run ${R.run} api-b`, d, count, sentById(ex, r), off));
  });
}

async function apiThroughput(o: Options, R: Results): Promise<void> {
  const S = '3. Through the API (startPlatform, no-op executor, 10 worker slots)';
  await withPlatform(o, 'api-c', async (p, _ex, d, hook) => {
    let doneAt = 0;
    hook.cb = () => {
      if (d.succeeded === o.apiTasks) doneAt = hrMs();
    };
    const r = await load({ url: p.url!, mode: 'closed', count: o.apiTasks, rate: 0, concurrency: o.apiConc, warmup: 0 });
    await waitFor(() => doneAt > 0, 30_000, 'all tasks to finish');
    const counts = await p.store.counts();
    if (counts.SUCCESS !== o.apiTasks + o.warmup) throw new Error(`api-c: store says ${counts.SUCCESS} SUCCESS`);
    const n = o.apiTasks.toLocaleString('en-US');
    // No target: the 15,000 tasks/s is for the store alone (section 2); this is one
    // API process on the same 2 cores as its client, bound by HTTP parsing and serialisation.
    R.put(
      'api.c.rate',
      S,
      `tasks/s through the API: ${n} POSTs, ${o.apiConc} in flight, first POST → last finish`,
      'tasks/s',
      o.apiTasks / ((doneAt - r.firstSent) / 1000),
    );
    R.put(
      'api.c.submit',
      S,
      'POST /tasks rate in that run (first send → last response)',
      'req/s',
      o.apiTasks / ((r.lastDone - r.firstSent) / 1000),
    );
    const http = summary(r.sentAt.map((t, i) => r.doneAt[i] - t));
    R.put('api.c.http.p50', S, `POST /tasks response time, ${o.apiConc} in flight: p50`, 'ms', http.p50);
    R.put('api.c.http.p99', S, `POST /tasks response time, ${o.apiConc} in flight: p99`, 'ms', http.p99);
    if (r.errors || r.status.some((x) => x !== 201)) throw new Error(`api-c: ${r.errors} errors`);
    R.notes.push(diagNote(`run ${R.run} api-c`, d, o.apiTasks));
  });
}

// ---------------------------------------------------------------------------------------------
// Ratios and output

interface Ratio {
  id: string;
  label: string;
  num: string;
  den: string;
  /** 'lower': the metrics are latencies, ratio = num / den (how many times the floor). */
  kind: 'higher' | 'lower';
  scaleDen?: number;
}

const RATIOS: Ratio[] = [
  {
    id: 'r.w1c10.naive',
    label: 'store W1 drain C=10 ÷ raw SQLite naive drain (×, higher is better)',
    num: 'store.w1.c10.drain',
    den: 'base.sqlite.drain',
    kind: 'higher',
  },
  {
    id: 'r.w1c50.naive',
    label: 'store W1 drain C=50 ÷ raw SQLite naive drain',
    num: 'store.w1.c50.drain',
    den: 'base.sqlite.drain',
    kind: 'higher',
  },
  {
    id: 'r.w1e2e.naive',
    label: 'store W1 end to end C=10 ÷ raw SQLite naive end to end',
    num: 'store.w1.c10.e2e',
    den: 'base.sqlite.e2e',
    kind: 'higher',
  },
  {
    id: 'r.w1c10.batched',
    label: 'store W1 drain C=10 ÷ raw SQLite grouped drain C=10 (share of the grouped-SQL ceiling)',
    num: 'store.w1.c10.drain',
    den: 'base.sqliteb.c10.drain',
    kind: 'higher',
  },
  {
    id: 'r.w1c50.batched',
    label: 'store W1 drain C=50 ÷ raw SQLite grouped drain C=50',
    num: 'store.w1.c50.drain',
    den: 'base.sqliteb.c50.drain',
    kind: 'higher',
  },
  {
    id: 'r.w1c10.array',
    label: 'store W1 drain C=10 ÷ in-memory array floor',
    num: 'store.w1.c10.drain',
    den: 'base.array.c10',
    kind: 'higher',
  },
  {
    id: 'r.w2.floor',
    label: 'store W2 p50 ÷ durable submit→lease floor at the W2 pace (2 raw commits)',
    num: 'store.w2.p50',
    den: 'base.paced.w2.p50',
    kind: 'lower',
  },
  {
    id: 'r.w2.wake',
    label: 'store W2 p50 ÷ in-memory wake-up p50',
    num: 'store.w2.p50',
    den: 'base.wake.p50',
    kind: 'lower',
    scaleDen: 1 / 1000,
  },
  {
    id: 'r.api.a.store',
    label: 'API submit→start p50 ÷ store W2 p50 (cost of HTTP + pool)',
    num: 'api.a.p50',
    den: 'store.w2.p50',
    kind: 'lower',
  },
  {
    id: 'r.api.a.floor',
    label: 'API submit→start p50 ÷ durable submit→lease floor at the API pace (2 raw commits)',
    num: 'api.a.p50',
    den: 'base.paced.api.p50',
    kind: 'lower',
  },
  {
    id: 'r.api.a.one',
    label: 'API submit→start p50 ÷ one raw commit at the API pace',
    num: 'api.a.p50',
    den: 'base.paced.api.one',
    kind: 'lower',
  },
  { id: 'r.api.c.store', label: 'API tasks/s ÷ store W1 drain C=10', num: 'api.c.rate', den: 'store.w1.c10.drain', kind: 'higher' },
  { id: 'r.api.c.naive', label: 'API tasks/s ÷ raw SQLite naive end to end', num: 'api.c.rate', den: 'base.sqlite.e2e', kind: 'higher' },
];

/** Peer numbers from /work/shared/research/peer-bench.md (same machine, not the same run). */
const PEERS = [
  { label: 'BullMQ 6.7 (Redis, no persistence), C=10 processing', value: 13_209, unit: 'tasks/s' as Unit, ours: 'store.w1.c10.drain' },
  { label: 'Graphile Worker 0.17.3 defaults, C=10', value: 3_902, unit: 'tasks/s' as Unit, ours: 'store.w1.c10.drain' },
  { label: 'Graphile Worker 0.17.3 + batching, C=10', value: 30_919, unit: 'tasks/s' as Unit, ours: 'store.w1.c10.drain' },
  { label: 'BullMQ enqueue→start p50 (W2: 1 per 10 ms, 2 processes)', value: 0.93, unit: 'ms' as Unit, ours: 'store.w2.p50' },
  { label: 'BullMQ enqueue→start p99', value: 3.39, unit: 'ms' as Unit, ours: 'store.w2.p99' },
  { label: 'BullMQ enqueue→start p50 vs ours through the API', value: 0.93, unit: 'ms' as Unit, ours: 'api.a.p50' },
  { label: 'BullMQ enqueue→start p99 vs ours through the API', value: 3.39, unit: 'ms' as Unit, ours: 'api.a.p99' },
];

function printReport(o: Options, R: Results): string {
  const lines: string[] = [];
  const runs = o.runs > 1 ? `median (min–max) of ${o.runs} runs` : '1 run';
  lines.push(
    `Hangar dispatch benchmark: ${runs}; Node ${process.version}; N=${o.n.toLocaleString('en-US')}; store ` +
      `synchronous=${o.sync.toUpperCase()}${o.ids === 'v7' ? '; store-alone task ids UUIDv7' : ''}`,
    '',
  );
  let section = '';
  lines.push('| Measurement | Result | Target | Verdict |', '|---|---|---|---|');
  for (const m of R.metrics.values()) {
    if (m.section !== section) {
      section = m.section;
      lines.push(`| **${section}** | | | |`);
    }
    lines.push(`| ${m.label} | ${cell(m)} | ${targetText(m)} | ${verdict(m)} |`);
  }
  lines.push('', '| Ratio (same run, per run then median) | Value |', '|---|---|');
  for (const r of RATIOS) {
    const m = R.get(r.id);
    if (m) lines.push(`| ${r.label} | ${cell(m)} |`);
  }
  lines.push('', '| Peer (peer-bench.md, same machine, other run) | Peer | Ours | Ours ÷ peer |', '|---|---|---|---|');
  for (const p of PEERS) {
    const m = R.get(p.ours);
    if (!m) continue;
    const v = median(m.values);
    lines.push(`| ${p.label} | ${fmt(p.value, p.unit)} ${p.unit} | ${fmt(v, p.unit)} ${p.unit} | ${fmt(v / p.value, '×')} |`);
  }
  if (R.notes.length) lines.push('', 'Diagnostics:', ...R.notes.map((n) => `- ${n}`));
  if (R.noise.length) {
    const worst = R.noise.reduce((a, b) => (b.others > a.others ? b : a));
    const avg = R.noise.reduce((a, b) => a + b.others, 0) / R.noise.length;
    lines.push(
      `- other processes on the machine used ${avg.toFixed(0)} % of the cores on average during the steps, at most ` +
        `${worst.others.toFixed(0)} % (run ${worst.run}, ${worst.step}); a busy machine lowers every number above`,
    );
  }
  return lines.join('\n');
}

function addRatios(R: Results, before: Map<string, number>): void {
  // Ratios from this run's values only (the last value of each metric).
  for (const r of RATIOS) {
    const a = R.get(r.num);
    const b = R.get(r.den);
    if (!a || !b || (before.get(r.num) ?? 0) === a.values.length) continue;
    const den = b.values[b.values.length - 1] * (r.scaleDen ?? 1);
    R.put(r.id, 'ratios', r.label, '×', a.values[a.values.length - 1] / den);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  SYNC = o.sync;
  IDS = o.ids;
  const R = new Results();
  const want = (s: string) => !o.only || o.only.has(s) || [...o.only].some((x) => s.startsWith(x + '-') || s === x);
  const t0 = now();
  for (let run = 1; run <= o.runs; run++) {
    R.run = run;
    const before = new Map([...R.metrics].map(([k, m]) => [k, m.values.length]));
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!want(name)) return;
      if (o.waitQuiet) await waitQuiet(o.waitQuiet);
      const a = now();
      const { others } = await othersCpu(fn);
      const busy = others === null ? '' : `; other processes used ${others.toFixed(0)} % of the ${availableParallelism()} cores meanwhile`;
      process.stderr.write(`run ${run}/${o.runs}: ${name} done in ${((now() - a) / 1000).toFixed(1)} s${busy}\n`);
      if (others !== null) R.noise.push({ run, step: name, others });
    };
    await step('base', () => baselines(o, R));
    for (const c of o.cs) await step('store-w1', () => storeW1(o, R, c));
    for (const c of o.cs) await step('store-w1p', () => storeW1Pool(o, R, c));
    for (const c of o.cs) await step('store-w1q', () => storeW1Prefetch(o, R, c));
    await step('store-w2', () => storeW2(o, R));
    await step('api-a', () => apiLatency(o, R));
    await step('api-b', () => apiLoad(o, R));
    await step('api-c', () => apiThroughput(o, R));
    addRatios(R, before);
  }
  console.log(printReport(o, R));
  process.stderr.write(`total ${((now() - t0) / 1000).toFixed(1)} s\n`);
  if (o.json) {
    writeFileSync(
      o.json,
      JSON.stringify(
        {
          options: { ...o, only: o.only ? [...o.only] : null },
          metrics: [...R.metrics.values()],
          ratios: [...R.ratios.values()],
          notes: R.notes,
          noise: R.noise,
        },
        null,
        2,
      ),
    );
  }
}

await main();
