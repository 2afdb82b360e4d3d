/**
 * Submit throughput of one user's tasks: submit() one at a time (the baseline), with 10 and
 * --inflight in flight (PostgreSQL groups those into shared statements; SQLite into shared
 * commits), and submitMany() (POST /tasks/batch) in batches. A benchmark, not a test.
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/batch-submit.ts \
 *     [--n 10000] [--runs 3] [--inflight 500] [--pg postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Each round, for each backend (SQLite in a temporary directory, synchronous=FULL as
 * `hangar up` runs it; PostgreSQL in a fresh schema, dropped after): --n tasks of one user as
 * submit() with 1 (the baseline), 10 and --inflight calls in flight, then submitMany() in
 * batches of 100, 10 batches in flight, and of 1,000, 2 in flight. Prints tasks/s, median
 * (min–max) over rounds, and each row's ratio to the baseline of the same round and backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SqliteStore, type Store } from '../src/store/index.ts';
import type { NewTask } from '../src/core/index.ts';
import { PostgresStore } from '../src/store/postgres/index.ts';
import { arg } from './args.ts';
import { hrMs } from './clock.ts';
import { noopTask } from './noop.ts';

const N = Number(arg('n', '10000'));
const RUNS = Number(arg('runs', '3'));
const INFLIGHT = Number(arg('inflight', '500'));
const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const SCHEMA = 'hangar_bench_batch';

interface Variant {
  key: string;
  label: string;
  run(store: Store, tasks: NewTask[]): Promise<void>;
}

/** Runs `each` over `items` with at most `width` in flight. */
async function inFlight<T>(items: T[], width: number, each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await each(items[next++]);
    }),
  );
}

const chunks = <T>(a: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(a.length / size) }, (_, i) => a.slice(i * size, (i + 1) * size));

const VARIANTS: Variant[] = [
  { key: 'single', label: 'submit(), 1 in flight', run: (s, ts) => inFlight(ts, 1, (t) => s.submit(t)) },
  { key: 'single10', label: 'submit(), 10 in flight', run: (s, ts) => inFlight(ts, 10, (t) => s.submit(t)) },
  { key: 'singleN', label: `submit(), ${INFLIGHT} in flight`, run: (s, ts) => inFlight(ts, INFLIGHT, (t) => s.submit(t)) },
  {
    key: 'b100',
    label: 'submitMany(), batches of 100, 10 in flight',
    run: (s, ts) => inFlight(chunks(ts, 100), 10, (c) => s.submitMany(c)),
  },
  {
    key: 'b1000',
    label: 'submitMany(), batches of 1,000, 2 in flight',
    run: (s, ts) => inFlight(chunks(ts, 1000), 2, (c) => s.submitMany(c)),
  },
];

interface Backend {
  name: string;
  open(): Promise<{ store: Store; drop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-batch-'));
      const store = new SqliteStore({ path: join(dir, 'hangar.db'), synchronous: 'full' });
      return { store, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const admin = new pg.Client({ connectionString: PG });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await admin.end();
      const store = await PostgresStore.open({ url: PG, schema: SCHEMA });
      return {
        store,
        async drop() {
          const c = new pg.Client({ connectionString: PG });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
          await c.end();
        },
      };
    },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const range = (xs: number[], f: (x: number) => string) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;

const rates = new Map<string, number[]>();
const ratios = new Map<string, number[]>();
const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);

for (let round = 0; round < RUNS; round++) {
  for (const b of BACKENDS) {
    let base = 0;
    for (const v of VARIANTS) {
      const { store, drop } = await b.open();
      // One user: the contended case. Ids made before the clock starts.
      const tasks = Array.from({ length: N }, (_, i) => ({ ...noopTask({ i }), userId: 'one-user' }));
      await store.submit({ ...noopTask({ warm: true }), userId: 'one-user' });
      const t0 = hrMs();
      await v.run(store, tasks);
      const rate = N / ((hrMs() - t0) / 1000);
      const stored = (await store.activeCounts()).pending;
      await store.close();
      await drop();
      if (stored !== N + 1) throw new Error(`${b.name} ${v.key}: ${stored} tasks pending, expected ${N + 1}`);
      if (v.key === 'single') base = rate;
      push(rates, `${b.name}/${v.key}`, rate);
      push(ratios, `${b.name}/${v.key}`, rate / base);
      process.stderr.write(`round ${round + 1} ${b.name} ${v.label}: ${fmt(rate)} tasks/s (${(rate / base).toFixed(2)}x)\n`);
    }
  }
}

console.log(
  `Submit throughput, one user, ${N.toLocaleString('en-US')} tasks per measurement, ${RUNS} rounds; ` +
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}; ${new Date().toISOString()}`,
);
console.log('');
console.log('| Backend | How | tasks/s, median (min–max) | ÷ submit(), 1 in flight, same round |');
console.log('|---|---|---|---|');
for (const b of BACKENDS) {
  for (const v of VARIANTS) {
    const k = `${b.name}/${v.key}`;
    console.log(
      `| ${b.name} | ${v.label} | ${range(rates.get(k) ?? [], fmt)} | ${range(ratios.get(k) ?? [], (x) => `${x.toFixed(2)}x`)} |`,
    );
  }
}
