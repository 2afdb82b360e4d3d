/**
 * Shared workloads of the peer harnesses (graphile.mjs, pgboss.mjs, bullmq.mjs), driven by
 * bench/scale-out.ts --with-peers. Plain JavaScript so the peers' types never reach the root
 * typecheck (tsconfig includes bench/, but not .mjs files).
 *
 * One process = one measurement. A harness supplies an adapter:
 *   { name, version, settings(variant, c) -> {…}, reset(), enqueueBulk(jobs) (untimed-ish setup),
 *     enqueueOne(data) -> Promise, startWorker(c, onStart(data)) -> Promise, completed() -> Promise<number>
 *     (what the store says is done), close(), and optionally server() -> version string,
 *     walMark() -> LSN and walSince(lsn) -> bytes (PostgreSQL peers: WAL written during W1) }
 * and this file runs:
 *   w1: reset; enqueue N (bulk API, timed separately); then time from the call that starts a
 *       worker of concurrency C until the store confirms all N completed (or, with --cap-s,
 *       count what completed in that many seconds);
 *   w2: reset; start a worker of concurrency C and let it idle; warm up with a few unmeasured
 *       jobs; then enqueue --jobs jobs one every --every ms on an absolute schedule (open loop:
 *       a call is not awaited before the next is due), each carrying t0 = the monotonic clock
 *       just before the enqueue call; the handler's first statement records now − t0. Enqueuer
 *       and worker share this process, as in bench/scale-out.ts, unless the variant is
 *       'two-process': the enqueuer is then a second process of the same harness
 *       (--role submitter, which needs the adapter's connect(o): open for enqueueing only, and
 *       close() must then leave the queue as it is), as Hangar's `hangar-2p` row.
 * and prints one line `RESULT {json}` on stdout.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hrMs, paced, sleep, waitUntil } from '../clock.ts';

/** Process-wide monotonic ms (CLOCK_MONOTONIC: comparable across processes on Linux). */
export { hrMs, paced, sleep } from '../clock.ts';

/** CPU time (ms) the whole machine spent busy, from /proc/stat; null where there is none. */
export function machineBusyMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}

/** CPU and WAL per job over a W1 processing window (diagnostics; same in bench/scale-out.ts). */
export function costs(done, cpu, m0, m1, walBytes) {
  if (!done) return {};
  return {
    procCpuUsPerJob: (cpu.user + cpu.system) / done,
    machineCpuUsPerJob: m0 === null || m1 === null ? null : ((m1 - m0) * 1000) / done,
    walBytesPerJob: walBytes === null ? null : walBytes / done,
  };
}

export function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) o[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) o[a.slice(2)] = argv[++i];
    else o[a.slice(2)] = 'true';
  }
  return {
    workload: o.workload ?? 'w1',
    variant: o.variant ?? 'default',
    n: Number(o.n ?? 10_000),
    c: Number(o.c ?? 10),
    jobs: Number(o.jobs ?? 1_000),
    every: Number(o.every ?? 10),
    warmup: Number(o.warmup ?? 20),
    capS: Number(o['cap-s'] ?? 0),
    graceS: Number(o['grace-s'] ?? 10),
    pg: o.pg ?? 'postgres://postgres@127.0.0.1:5432/hangar_bench',
    redis: o.redis ?? 'redis://127.0.0.1:6379',
    role: o.role ?? 'worker',
  };
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1], n: s.length };
}

export async function main(adapter) {
  const o = parseArgs(process.argv.slice(2));
  if (o.role === 'submitter') {
    await adapter.connect(o);
    let r;
    try {
      // This process cannot see the warm-up jobs start: a fixed pause instead (as Hangar's).
      await paced(o.warmup, o.every, (i) => void adapter.enqueueOne({ i: -1 - i, t0: hrMs() }, o));
      await sleep(1500);
      r = await pacedEnqueues(adapter, o);
    } finally {
      await adapter.close();
    }
    await writeResult(r);
    process.exit(0);
  }
  const out = {
    system: adapter.name,
    version: adapter.version,
    variant: o.variant,
    workload: o.workload,
    c: o.c,
    settings: adapter.settings(o),
  };
  await adapter.reset(o);
  if (adapter.server) out.server = await adapter.server();
  try {
    if (o.workload === 'w1') Object.assign(out, await w1(adapter, o));
    else if (o.workload === 'w2') Object.assign(out, await w2(adapter, o));
    else throw new Error(`unknown workload ${o.workload}`);
  } finally {
    await adapter.close();
  }
  await writeResult(out);
  process.exit(0);
}

async function w1(adapter, o) {
  const jobs = Array.from({ length: o.n }, (_, i) => ({ i }));
  const e0 = hrMs();
  for (let k = 0; k < jobs.length; k += 1000) await adapter.enqueueBulk(jobs.slice(k, k + 1000), o);
  const e1 = hrMs();
  let handled = 0;
  let first = 0;
  // The window starts with the enqueue's garbage collected (the driver runs children with
  // --expose-gc), as Hangar's does: a major collection of it then never lands inside the window.
  globalThis.gc?.();
  const wal0 = adapter.walMark ? await adapter.walMark() : null;
  const m0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const t0 = hrMs();
  await adapter.startWorker(o, () => {
    if (handled++ === 0) first = hrMs();
  });
  let done;
  let t1;
  let cpu;
  let m1;
  if (o.capS > 0) {
    await sleep(Math.max(0, t0 + o.capS * 1000 - hrMs()));
    done = await adapter.completed(o);
    t1 = hrMs();
    cpu = process.cpuUsage(cpu0);
    m1 = machineBusyMs();
  } else {
    // In-process count first (cheap), then the store's own word, polled only at the tail.
    const ok = await waitUntil(() => handled >= o.n, 600_000, 2);
    if (!ok) throw new Error(`w1: ${handled} of ${o.n} handled after 600 s`);
    await waitUntil(async () => (await adapter.completed(o)) >= o.n, 60_000, 1);
    t1 = hrMs();
    cpu = process.cpuUsage(cpu0);
    m1 = machineBusyMs();
    done = await adapter.completed(o);
    if (done !== o.n) throw new Error(`w1: store says ${done} of ${o.n} completed`);
  }
  return {
    n: o.n,
    enqueueMs: e1 - e0,
    enqueueRate: o.n / ((e1 - e0) / 1000),
    processMs: t1 - t0,
    completed: done,
    capped: o.capS > 0,
    rate: done / ((t1 - t0) / 1000),
    firstJobMs: first ? first - t0 : null,
    ...costs(done, cpu, m0, m1, wal0 === null ? null : await adapter.walSince(wal0)),
  };
}

async function w2(adapter, o) {
  const lat = new Map();
  let warmStarted = 0;
  await adapter.startWorker(o, (data) => {
    const t = hrMs();
    if (data.i < 0) warmStarted++;
    else lat.set(data.i, t - data.t0);
  });
  await sleep(1000); // idle worker
  let r;
  if (o.variant === 'two-process') {
    r = await submitterChild();
  } else {
    // Warm-up (JIT, connections), unmeasured: the same for every system.
    await paced(o.warmup, o.every, (i) => void adapter.enqueueOne({ i: -1 - i, t0: hrMs() }, o));
    await waitUntil(() => warmStarted >= o.warmup, 3_000, 5);
    await sleep(500);
    r = await pacedEnqueues(adapter, o);
  }
  const { t0s, call, errors, lag } = r;
  await waitUntil(() => lat.size >= o.jobs, o.graceS * 1000, 5);
  const tEnd = hrMs();
  if (errors.length) throw new Error(`w2: ${errors.length} enqueue errors, first: ${errors[0]}`);
  // Jobs that never started within the grace period count with their lower bound (censored).
  const all = [];
  for (let i = 0; i < o.jobs; i++) all.push(lat.has(i) ? lat.get(i) : tEnd - t0s[i]);
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
    enqueueCallP50: summary(call).p50,
    pacerLagP99: summary(lag).p99,
  };
}

/** --jobs enqueues one every --every ms (open loop); when each started and what each call took. */
async function pacedEnqueues(adapter, o) {
  const t0s = new Array(o.jobs);
  const call = [];
  const errors = [];
  const pending = [];
  const lag = await paced(o.jobs, o.every, (i) => {
    const t0 = hrMs();
    t0s[i] = t0;
    pending.push(
      adapter.enqueueOne({ i, t0 }, o).then(
        () => void call.push(hrMs() - t0),
        (e) => void errors.push(String(e)),
      ),
    );
  });
  await Promise.all(pending);
  return { t0s, call, errors, lag };
}

/** Prints the `RESULT {json}` line; resolves once it is written (the process exits right after,
 *  and a pipe takes a large line in several writes: exiting earlier cut it short). */
function writeResult(r) {
  return new Promise((resolve, reject) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`, (err) => (err ? reject(err) : resolve())));
}

/** The same harness as a second process, enqueueing (--role submitter); its RESULT. */
function submitterChild() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2), '--role', 'submitter'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else reject(new Error(`submitter: exit ${code}\n${stderr.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
}

/** The installed version of a package under bench/peers/node_modules (read from its package.json
 *  file: some packages do not export it). */
export function installedVersion(pkg) {
  const url = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).version;
}
