/**
 * Live output (issue 6): how long a byte a task writes to stdout takes to reach a WebSocket
 * client, and how much output per second a follower receives, against the same program's
 * stdout read straight from a pipe by this process (the baseline), in one process run.
 *
 *   node --disable-warning=ExperimentalWarning bench/live-output.ts [--lines 1000] [--every 10] [--mb 32] [--shapes embedded,postgres]
 *
 * Latency: the task (a Node one-liner, plain process executor: the sandbox adds nothing on
 * this path) waits 500 ms for the subscriber, then writes --lines lines, one every --every ms,
 * each carrying the wall clock (performance.timeOrigin + performance.now(), sub-ms) just before
 * the write; the client takes each complete line's age on arrival. Throughput: the task writes
 * --mb MiB at once; the client times its first to its last output byte.
 * Shapes: embedded (SQLite, disk) and postgres (PostgreSQL on 127.0.0.1, disk blobs; one
 * process, so the NOTIFY between nodes is not on the path).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { startPlatform } from '../src/runtime/index.ts';
import { arg } from './args.ts';

const LINES = Number(arg('lines', '1000'));
const EVERY = Number(arg('every', '10'));
const MB = Number(arg('mb', '32'));
const SHAPES = arg('shapes', 'embedded,postgres').split(',');
const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const SCHEMA = 'hangar_bench_live';

const now = () => performance.timeOrigin + performance.now();
const LATENCY_JS =
  `setTimeout(() => { let i = 0; const t = setInterval(() => { process.stdout.write((performance.timeOrigin + ` +
  `performance.now()).toFixed(3) + '\\n'); if (++i === ${LINES}) clearInterval(t); }, ${EVERY}); }, 500)`;
const FLOOD_JS = `process.stdout.write(Buffer.alloc(${MB * 1024 * 1024}, 120))`;
const shellOf = (js: string) => `${process.execPath} -e "${js.replace(/"/g, '\\"')}"`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Ages of complete lines in a byte stream, as pieces arrive. */
class LineAges {
  readonly ages: number[] = [];
  private rest = '';
  push(text: string): void {
    const t = now();
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) if (l) this.ages.push(t - Number(l));
  }
}

async function pipeLatency(): Promise<number[]> {
  const ages = new LineAges();
  const child = spawn('/bin/sh', ['-c', shellOf(LATENCY_JS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8').on('data', (d: string) => ages.push(d));
  await new Promise((r) => child.on('close', r));
  return ages.ages;
}

async function pipeThroughput(): Promise<number> {
  const child = spawn('/bin/sh', ['-c', shellOf(FLOOD_JS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let first = 0;
  let last = 0;
  let bytes = 0;
  child.stdout.on('data', (d: Buffer) => {
    last = now();
    if (!first) first = last;
    bytes += d.length;
  });
  await new Promise((r) => child.on('close', r));
  return bytes / 1024 / 1024 / ((last - first) / 1000);
}

interface Follower {
  ages: LineAges;
  bytes: number;
  first: number;
  last: number;
  ended: Promise<void>;
}

/** Submits the task over HTTP and follows it on /ws from its start; `timeLines`: take each
 *  line's age (the flood has no lines to time). */
async function followTask(url: string, shell: string, timeLines: boolean): Promise<Follower> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const f: Follower = { ages: new LineAges(), bytes: 0, first: 0, last: 0, ended: Promise.resolve() };
  const res = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'live-bench', shell }),
  });
  const { taskId } = (await res.json()) as { taskId: string };
  f.ended = new Promise((resolve, reject) => {
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; data?: string; status?: string; message?: string };
      if (m.type === 'output' && m.data !== undefined) {
        f.last = now();
        if (!f.first) f.first = f.last;
        f.bytes += m.data.length;
        if (timeLines) f.ages.push(m.data);
      } else if (m.type === 'end') {
        ws.close();
        if (m.status === 'SUCCESS') resolve();
        else reject(new Error(`task ended ${m.status}`));
      } else if (m.type === 'error') reject(new Error(m.message));
    });
  });
  ws.send(JSON.stringify({ type: 'subscribe', channel: `task:${taskId}` }));
  return f;
}

async function hangarRun(shape: string): Promise<{ ages: number[]; mibps: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-live-'));
  const admin = shape === 'postgres' ? new pg.Client({ connectionString: PG }) : null;
  if (admin) {
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  }
  const config = loadConfig({
    env: {
      HANGAR_PORT: '0',
      HANGAR_DATA_DIR: dir,
      HANGAR_AUTH: 'none',
      HANGAR_EXECUTOR: 'process',
      HANGAR_WORKERS: '2',
      HANGAR_MAX_OUTPUT_BYTES: String((MB + 1) * 1024 * 1024),
      HANGAR_RATE_LIMIT: '1000000',
      ...(admin
        ? { HANGAR_DATABASE_URL: PG, HANGAR_DATABASE_SCHEMA: SCHEMA, HANGAR_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }
        : {}),
    },
  });
  const p = await startPlatform(config, { api: true, workers: true }, { log: createLogger('silent') });
  try {
    const lat = await followTask(p.url!, shellOf(LATENCY_JS), true);
    await lat.ended;
    const flood = await followTask(p.url!, shellOf(FLOOD_JS), false);
    await flood.ended;
    return { ages: lat.ages.ages, mibps: flood.bytes / 1024 / 1024 / ((flood.last - flood.first) / 1000) };
  } finally {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await admin.end();
    }
  }
}

const f2 = (x: number) => x.toFixed(2);
const pipe = await pipeLatency();
const pipeMibps = await pipeThroughput();
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Node ${process.version}; ${new Date().toISOString()}`);
console.log(`Latency: ${LINES} lines, one every ${EVERY} ms. Throughput: ${MB} MiB written at once.\n`);
console.log('| Path | p50 ms | p99 ms | max ms | lines | ÷ pipe p50 | ÷ pipe p99 | MiB/s received | ÷ pipe |');
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(
  `| pipe to this process (baseline) | ${f2(pct(pipe, 50))} | ${f2(pct(pipe, 99))} | ${f2(Math.max(...pipe))} | ` +
    `${pipe.length} | 1 | 1 | ${pipeMibps.toFixed(0)} | 1 |`,
);
for (const shape of SHAPES) {
  const r = await hangarRun(shape);
  if (r.ages.length !== LINES) throw new Error(`${shape}: ${r.ages.length} of ${LINES} lines arrived`);
  console.log(
    `| Hangar ${shape}: task stdout → /ws client | ${f2(pct(r.ages, 50))} | ${f2(pct(r.ages, 99))} | ` +
      `${f2(Math.max(...r.ages))} | ${r.ages.length} | ` +
      `${f2(pct(r.ages, 50) / pct(pipe, 50))} | ${f2(pct(r.ages, 99) / pct(pipe, 99))} | ${r.mibps.toFixed(0)} | ` +
      `${f2(r.mibps / pipeMibps)} |`,
  );
}
