/**
 * Where the CPU of a warm invocation goes, at one concurrency, against the floor in the same run
 * (issue 23's c=16 throughput target is CPU-bound on 2 cores). The embedded shape (bwrap sandbox,
 * SQLite) serves the handler of bench/functions.ts behind an HTTP API route (`--v route`, the
 * issue's variant) or the native POST /functions/{name}/invoke (`--v native`), driven by the
 * closed-loop client of bench/http-load.ts in a worker thread after a warm-up of `--warm` requests
 * per lane (40: each instance is then still in V8's warm-up for its first few hundred; 1000 reads
 * the steady state); then the same load against the floor (the handler behind a node:http server).
 * Printed: req/s and latency of each, and CPU milliseconds per request: this process (the API and
 * the client thread), and the instances (their cgroups' cpuacct, user and system); the floor's
 * client thread and server; and the CPU budget per request that p50 ≤ floor p50 + 1 ms leaves at
 * this concurrency on this machine's cores (Little's law), against the part of the cost the
 * gateway cannot remove (the floor's client and server plus the instances).
 * `--prof FILE` writes a CPU profile of this process's main thread for the measured part.
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/function-cpu.ts
 *     [--n 16000] [--c 16] [--v route|native] [--floor 0|1] [--warm 40] [--prof FILE]
 * Root and bubblewrap needed (cgroup v1 cpuacct read for the instances).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createKey } from '../src/auth/index.ts';
import { zipEntries } from '../src/functions/zip.ts';
import { arg } from './args.ts';
import { startProfile } from './cpu-profile.ts';
import { startFunctionsPlatform } from './floor.ts';
import { instanceCgroups } from './bare-sandbox.ts';
import { startFloor } from './floor.ts';
import type { LoadJob, LoadResult } from './http-load.ts';

const HANDLER = 'exports.handler = async (e) => ({ ok: true, n: e.n });\n';
const EVENT = '{"n":1}';

function httpLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./http-load.ts', import.meta.url), { workerData: job });
    w.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) => {
      void w.terminate();
      if (m.ok) resolve(m.result!);
      else reject(new Error(m.error));
    });
    w.once('error', reject);
  });
}

/** Whether `pid` descends from this process. */
function descends(pid: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === process.pid) return true;
    try {
      // The parent pid follows the command, which may hold spaces: read it after the last ')'.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/** The cpuacct cgroups of this process's own function instances: the machine may run other
 *  Hangars, whose instances (started or ended meanwhile) are not this run's. */
function ownInstanceCgroups(): string[] {
  return instanceCgroups('cpuacct').filter((d) => {
    try {
      return readFileSync(join(d, 'cgroup.procs'), 'utf8')
        .split('\n')
        .some((pid) => pid !== '' && descends(Number(pid)));
    } catch {
      return false;
    }
  });
}

/** Nanoseconds of CPU of the instances' cgroups `dirs` (cpuacct `file`). */
function instancesCpuNs(dirs: string[], file: string): number {
  let t = 0;
  for (const d of dirs) {
    try {
      t += Number(readFileSync(join(d, file), 'utf8'));
    } catch {
      // An instance gone meanwhile.
    }
  }
  return t;
}

/** CPU milliseconds (user + system, all threads) process `pid` has used, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command.
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

function p50(r: LoadResult): number {
  const lat = r.sentAt.map((t, i) => r.doneAt[i] - t).sort((a, b) => a - b);
  return lat[Math.floor(lat.length / 2)];
}

function summary(label: string, n: number, r: LoadResult): string {
  const lat = r.sentAt.map((t, i) => r.doneAt[i] - t).sort((a, b) => a - b);
  const bad = r.status.filter((s) => s !== 200).length + r.errors;
  const rate = n / ((r.lastDone - r.firstSent) / 1000);
  return `${label}: ${rate.toFixed(0)} req/s, p50 ${lat[Math.floor(n / 2)].toFixed(2)} ms, p99 ${lat[Math.floor(n * 0.99)].toFixed(2)} ms${bad ? `, ${bad} failed` : ''}`;
}

const n = Number(arg('n', '16000'));
const c = Number(arg('c', '16'));
const variant = arg('v', 'route');
const withFloor = arg('floor', '1') === '1';
const prof = arg('prof', '');
const warm = Number(arg('warm', '40'));
const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-fncpu-'));
chmodSync(dir, 0o711);
const platform = await startFunctionsPlatform(join(dir, 'data'));
try {
  const key = (await createKey(platform.store, platform.secrets, 'bench', 'user', 'bench')).raw;
  const url = platform.url!;
  const json = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const zip = zipEntries([{ name: 'index.js', data: Buffer.from(HANDLER) }], { deflate: false }).toString('base64');
  const put = await fetch(`${url}/functions/w`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ zip, runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 1769 }),
  });
  if (put.status > 201) throw new Error(`deploy: ${put.status} ${await put.text()}`);
  const api = (await (await fetch(`${url}/http-apis`, { method: 'POST', headers: json, body: '{"name":"b"}' })).json()) as {
    apiId: string;
  };
  const route = await fetch(`${url}/http-apis/${api.apiId}/routes`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ routeKey: 'POST /invoke', functionName: 'w' }),
  });
  if (route.status !== 201) throw new Error(`route: ${route.status} ${await route.text()}`);
  const job = (count: number, warmup: number): LoadJob =>
    variant === 'route'
      ? { url, path: `/http/${api.apiId}/invoke`, body: EVENT, mode: 'closed', count, rate: 0, concurrency: c, warmup }
      : { url, path: '/functions/w/invoke', body: EVENT, apiKey: key, mode: 'closed', count, rate: 0, concurrency: c, warmup };

  let floorCpu: { client: number; server: number; p50: number } | null = null;
  if (withFloor) {
    mkdirSync(join(dir, 'floor'));
    writeFileSync(join(dir, 'floor', 'index.js'), HANDLER);
    const floor = await startFloor(join(dir, 'floor', 'index.js'));
    const fj = (count: number, warmup: number): LoadJob => ({
      url: floor.url,
      path: '/',
      body: EVENT,
      mode: 'closed',
      count,
      rate: 0,
      concurrency: c,
      warmup,
    });
    await httpLoad(fj(0, c * warm));
    const client0 = process.cpuUsage();
    const server0 = processCpuMs(floor.child.pid!);
    const fr = await httpLoad(fj(n, 0));
    const client = process.cpuUsage(client0);
    floorCpu = {
      client: (client.user + client.system) / 1000 / n,
      server: (processCpuMs(floor.child.pid!) - server0) / n,
      p50: p50(fr),
    };
    console.log(summary(`floor c=${c}`, n, fr));
    console.log(
      `floor CPU ms per request: ${(floorCpu.client + floorCpu.server).toFixed(3)} (client thread ${floorCpu.client.toFixed(3)}, server ${floorCpu.server.toFixed(3)})`,
    );
    floor.child.kill();
  }

  await httpLoad(job(0, c * warm));
  const cgroups = ownInstanceCgroups();
  const stopProfile = prof ? await startProfile() : null;
  const cpu0 = process.cpuUsage();
  const user0 = instancesCpuNs(cgroups, 'cpuacct.usage_user');
  const sys0 = instancesCpuNs(cgroups, 'cpuacct.usage_sys');
  const res = await httpLoad(job(n, 0));
  const cpu = process.cpuUsage(cpu0);
  const user = (instancesCpuNs(cgroups, 'cpuacct.usage_user') - user0) / 1e6;
  const sys = (instancesCpuNs(cgroups, 'cpuacct.usage_sys') - sys0) / 1e6;
  if (stopProfile) writeFileSync(prof, JSON.stringify(await stopProfile()));
  console.log(summary(`${variant} c=${c}`, n, res) + ` (${cgroups.length} instances)`);
  const per = (ms: number) => (ms / n).toFixed(3);
  console.log(
    `CPU ms per request: this process ${per((cpu.user + cpu.system) / 1000)} (user ${per(cpu.user / 1000)}, sys ${per(cpu.system / 1000)}); ` +
      `instances ${per(user + sys)} (user ${per(user)}, sys ${per(sys)})`,
  );
  if (floorCpu) {
    // Little's law in a closed loop: c in flight at latency L means c / L requests a second. For
    // the p50 to stay within 1 ms of the floor's (taking p50 for the mean), the platform must
    // serve c / (floor p50 + 1 ms), which on this machine's cores leaves this much CPU per request
    // for everything: the client, the API and the instance.
    const cores = availableParallelism();
    const rate = c / ((floorCpu.p50 + 1) / 1000);
    const budget = (cores * 1000) / rate;
    const lower = floorCpu.client + floorCpu.server + (user + sys) / n;
    console.log(
      `p50 ≤ floor + 1 ms at c=${c} needs ~${rate.toFixed(0)} req/s: ${budget.toFixed(3)} CPU ms per request on ${cores} cores; ` +
        `the floor's client and server plus the instances alone use ${lower.toFixed(3)} (${(lower / budget).toFixed(2)}× the budget), ` +
        `this run ${per((cpu.user + cpu.system) / 1000 + user + sys)}`,
    );
  }
} finally {
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
}
