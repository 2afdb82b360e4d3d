/**
 * Autoscaling (issue 7): 500 tasks of 1 s submitted at once to an idle installation whose
 * autoscaler may run N task slots (--workers processes × --slots each), from zero workers.
 * Reports the time to the first task start, the time until N tasks run at once (full
 * capacity), and the makespan (first submit → last completion) against the ideal 500/N s and
 * against a baseline run in the same process: the same tasks on N slots that are already up
 * (in-process workers, no autoscaler).
 *
 *   node --disable-warning=ExperimentalWarning bench/autoscale.ts [--tasks 500] [--workers 5] [--slots 4] [--seconds 1] [--runs 1]
 *
 * Embedded shape (SQLite, disk), the default executor (the bubblewrap sandbox when this host
 * has it, else plain processes; printed). Times come from the tasks' own records (startedAt,
 * completedAt), measured from just before the first submit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { startPlatform, type Platform } from '../src/runtime/index.ts';
import type { Task } from '../src/core/index.ts';
import { arg } from './args.ts';

const TASKS = Number(arg('tasks', '500'));
const WORKERS = Number(arg('workers', '5'));
const SLOTS = Number(arg('slots', '4'));
const SECONDS = Number(arg('seconds', '1'));
const RUNS = Number(arg('runs', '1'));
const N = WORKERS * SLOTS;
const IDEAL_MS = Math.ceil(TASKS / N) * SECONDS * 1000;

interface Result {
  firstStartMs: number;
  fullCapacityMs: number | null;
  makespanMs: number;
  launchDecisionMs: number | null;
  /** Mean of the sandboxed command's own run time (the executor's start to exit). */
  runMs: number;
  /** Mean lease-to-finish time of a task (startedAt to completedAt). */
  spanMs: number;
  executor: string;
}

async function until<T>(fn: () => Promise<T | null | false>, ms: number, every = 20): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Earliest time N attempts overlapped, from start/end times. */
function fullAt(tasks: Task[], n: number): number | null {
  const ev = tasks.flatMap((t) => [
    { at: t.startedAt!, d: 1 },
    { at: t.completedAt!, d: -1 },
  ]);
  ev.sort((a, b) => a.at - b.at || a.d - b.d);
  let running = 0;
  for (const e of ev) {
    running += e.d;
    if (running >= n) return e.at;
  }
  return null;
}

async function run(mode: 'warm' | 'autoscaled'): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-autoscale-'));
  const env: Record<string, string> = {
    HANGAR_PORT: '0',
    HANGAR_DATA_DIR: dir,
    HANGAR_AUTH: 'none',
    HANGAR_RATE_LIMIT: '0',
    HANGAR_LOG_LEVEL: 'warn',
    HANGAR_SHUTDOWN_GRACE_MS: '0',
    ...(process.env.HANGAR_EXECUTOR ? { HANGAR_EXECUTOR: process.env.HANGAR_EXECUTOR } : {}),
    ...(mode === 'warm'
      ? { HANGAR_WORKERS: String(N) }
      : {
          HANGAR_WORKERS: String(SLOTS),
          HANGAR_AUTOSCALE_MAX_WORKERS: String(WORKERS),
          HANGAR_AUTOSCALE_TASKS_PER_WORKER: String(SLOTS),
          HANGAR_AUTOSCALE_IDLE_MS: '300000',
        }),
  };
  const config = loadConfig({ env });
  let p: Platform | null = null;
  try {
    p = await startPlatform(config, { api: true, workers: true, autoscaler: mode === 'autoscaled' }, { log: createLogger('warn') });
    const platform = p;
    if (p.autoscaler) await p.autoscaler.settled();
    const t0 = Date.now();
    const ids = await Promise.all(
      Array.from({ length: TASKS }, async (_, i) => {
        const r = await platform.app!.inject({ method: 'POST', url: '/tasks', payload: { shell: `sleep ${SECONDS}`, metadata: { i } } });
        if (r.statusCode !== 201) throw new Error(`submit: ${r.statusCode} ${r.body}`);
        return r.json().taskId as string;
      }),
    );
    await until(
      async () => {
        const c = await platform.store.counts();
        return c.SUCCESS + c.FAILED + c.TIMEOUT + c.CANCELLED === TASKS;
      },
      20 * 60_000,
      100,
    );
    const tasks = (await Promise.all(ids.map((id) => platform.store.get(id)))) as Task[];
    const failed = tasks.filter((t) => t.status !== 'SUCCESS');
    if (failed.length > 0) throw new Error(`${failed.length} tasks did not succeed: ${JSON.stringify(failed[0].failure)}`);
    const launches = (await platform.store.scalingEvents({ limit: 1000 })).filter((e) => e.action === 'launch');
    const full = fullAt(tasks, N);
    return {
      firstStartMs: Math.min(...tasks.map((t) => t.startedAt!)) - t0,
      fullCapacityMs: full === null ? null : full - t0,
      makespanMs: Math.max(...tasks.map((t) => t.completedAt!)) - t0,
      launchDecisionMs: launches.length ? Math.min(...launches.map((e) => e.at)) - t0 : null,
      runMs: tasks.reduce((a, t) => a + Number(t.summary?.runMs ?? 0), 0) / tasks.length,
      spanMs: tasks.reduce((a, t) => a + (t.completedAt! - t.startedAt!), 0) / tasks.length,
      executor: config.executor,
    };
  } finally {
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows: Record<'warm' | 'autoscaled', Result[]> = { warm: [], autoscaled: [] };
for (let i = 0; i < RUNS; i++) {
  for (const mode of ['warm', 'autoscaled'] as const) {
    const r = await run(mode);
    rows[mode].push(r);
    console.log(
      `run ${i + 1}/${RUNS} ${mode}: first start ${fmt(r.firstStartMs)}, full capacity ${fmt(r.fullCapacityMs)}, ` +
        `makespan ${fmt(r.makespanMs)}; ` +
        `per task: run ${r.runMs.toFixed(1)} ms (the command in its sandbox), lease to finish ${r.spanMs.toFixed(1)} ms`,
    );
  }
}
const summary = (rs: Result[]) => ({
  first: med(rs.map((r) => r.firstStartMs)),
  full: rs.some((r) => r.fullCapacityMs === null) ? null : med(rs.map((r) => r.fullCapacityMs!)),
  makespan: med(rs.map((r) => r.makespanMs)),
  launch: rs[0].launchDecisionMs === null ? null : med(rs.map((r) => r.launchDecisionMs!)),
});
const w = summary(rows.warm);
const a = summary(rows.autoscaled);
console.log(
  `\nAutoscaling benchmark; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${cpus().length} ` +
    `CPUs (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; executor ` +
    `${rows.warm[0].executor}`,
);
console.log(
  `${TASKS} tasks of ${SECONDS} s, N = ${WORKERS} worker processes × ${SLOTS} slots = ${N}; ideal makespan ` +
    `${fmt(IDEAL_MS)}; ${RUNS} run(s), medians\n`,
);
console.log('| Capacity | first task start | full capacity (N running) | makespan | makespan / ideal | makespan / warm baseline |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| warm: ${N} in-process slots already up (baseline) | ${fmt(w.first)} | ${fmt(w.full)} | ${fmt(w.makespan)} ` +
    `| ${(w.makespan / IDEAL_MS).toFixed(3)} | 1.000 |`,
);
console.log(
  `| autoscaled from 0 workers (launch decision at ${fmt(a.launch)}) | ${fmt(a.first)} | ${fmt(a.full)} | ` +
    `${fmt(a.makespan)} | ${(a.makespan / IDEAL_MS).toFixed(3)} | ${(a.makespan / w.makespan).toFixed(3)} |`,
);
console.log(
  `\nTarget: makespan within 10 % of the ideal ${fmt(IDEAL_MS)}: ` +
    `${a.makespan <= IDEAL_MS * 1.1 ? 'MET' : 'NOT met'} (autoscaled ` +
    `${((a.makespan / IDEAL_MS - 1) * 100).toFixed(1)} % over).`,
);
