/**
 * The scale-out hop of a synchronous invocation (issue 23: "On the scale-out shape (API node and
 * worker separate processes): p50 ≤ floor + 3 ms"), roughly, on one machine. Three processes on
 * one PostgreSQL schema and one data directory (its blob directory shared, so no S3 is needed on
 * one machine): `hangar server` (API only), `hangar worker` (2 slots, sandboxed) and `hangar up`
 * (API and workers in one process: its invocations run in-process, no hop). The same warm
 * trivial handler is invoked one at a time through POST /functions/{name}/invoke of the API node
 * (→ the worker host over HTTP) and of `up` (in-process), and behind a plain node:http server
 * (the floor), interleaved in --rounds rounds of --n requests; p50 and p99 of each, pooled.
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/function-hop.ts [--n 300] [--rounds 3]
 * Root and bubblewrap needed; PostgreSQL at --pg (postgres://postgres@127.0.0.1:5432/postgres).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipEntries } from '../src/functions/zip.ts';
import { arg } from './args.ts';
import { startFloor } from './floor.ts';
import { clusterEnv, startRole, stopCluster } from './roles.ts';

const HANDLER = 'exports.handler = async (e) => ({ ok: true, n: e.n });\n';
const EVENT = '{"n":1}';
const ADMIN_KEY = `hk_BENCHADMIN${randomBytes(16).toString('hex')}`;

/** CPU time (user + system) a process has used, ms (not its children's: the instances'). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main(): Promise<void> {
  const n = Number(arg('n', '300'));
  const rounds = Number(arg('rounds', '3'));
  const pgUrl = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
  const schema = `hangar_hop_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-hop-'));
  chmodSync(dir, 0o711);
  const task = join(dir, 'task');
  mkdirSync(task, { mode: 0o755 });
  writeFileSync(join(task, 'index.js'), HANDLER, { mode: 0o644 });
  const env = clusterEnv(pgUrl, schema, join(dir, 'data'), ADMIN_KEY);
  const procs: ChildProcess[] = [];
  const free = () => 20000 + Math.floor(Math.random() * 20000);
  try {
    const server = await startRole('server', env, free());
    procs.push(server.child);
    const worker = await startRole('worker', env, null);
    procs.push(worker.child);
    const up = await startRole('up', { ...env, HANGAR_DATABASE_SCHEMA: `${schema}_up`, HANGAR_DATA_DIR: join(dir, 'data-up') }, free());
    procs.push(up.child);
    const floor = await startFloor(join(task, 'index.js'));
    procs.push(floor.child);
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const zip = zipEntries([{ name: 'index.js', data: Buffer.from(HANDLER) }], { deflate: false }).toString('base64');
    /** A user's key on that API, with the function deployed. */
    const deploy = async (url: string) => {
      const made = await fetch(`${url}/keys`, { method: 'POST', headers: admin, body: '{"userId":"bench"}' });
      const { key } = (await made.json()) as { key: string };
      const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const put = await fetch(`${url}/functions/hop`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ zip, runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 1769 }),
      });
      if (put.status >= 300) throw new Error(`deploy: ${put.status} ${await put.text()}`);
      return auth;
    };
    const auth = await deploy(server.url!);
    const upAuth = await deploy(up.url!);
    const variants: { name: string; url: string; headers: Record<string, string>; pids: number[] }[] = [
      { name: 'floor: node:http server, same handler', url: floor.url, headers: {}, pids: [floor.child.pid!] },
      { name: 'hangar up (in-process host, no hop)', url: `${up.url}/functions/hop/invoke`, headers: upAuth, pids: [up.child.pid!] },
      {
        name: 'hangar server → hangar worker (the hop)',
        url: `${server.url}/functions/hop/invoke`,
        headers: auth,
        pids: [server.child.pid!, worker.child.pid!],
      },
    ];
    // Their CPU at rest (timers, heartbeats, adverts), per second, to tell the requests' own from it.
    const idleS = 3;
    const idle0 = variants.map((v) => v.pids.reduce((a, pid) => a + cpuMs(pid), 0));
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const idlePerS = new Map(variants.map((v, i) => [v.name, (v.pids.reduce((a, pid) => a + cpuMs(pid), 0) - idle0[i]) / idleS]));
    const elapsed = new Map<string, number>(variants.map((v) => [v.name, 0]));
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    // CPU time of the serving processes per request: what the hop costs whatever the machine's load.
    const cpu = new Map<string, number>(variants.map((v) => [v.name, 0]));
    for (let r = 0; r < rounds; r++) {
      for (const v of variants) {
        const cpu0 = v.pids.reduce((a, pid) => a + cpuMs(pid), 0);
        const t00 = performance.now();
        for (let i = 0; i < n + 20; i++) {
          const t0 = performance.now();
          const res = await fetch(v.url, { method: 'POST', headers: v.headers, body: EVENT });
          const body = await res.text();
          const ms = performance.now() - t0;
          if (res.status !== 200 || body !== '{"ok":true,"n":1}') throw new Error(`${v.name}: ${res.status} ${body}`);
          if (i >= 20) samples.get(v.name)!.push(ms);
        }
        cpu.set(v.name, cpu.get(v.name)! + v.pids.reduce((a, pid) => a + cpuMs(pid), 0) - cpu0);
        elapsed.set(v.name, elapsed.get(v.name)! + (performance.now() - t00) / 1000);
      }
    }
    const floorP50 = pct(samples.get(variants[0].name)!, 50);
    console.log(
      `| Variant (c=1, ${rounds} × ${n} requests, fetch keep-alive) | p50 ms | p99 ms | p50 − floor | CPU ms per request | of which at rest |`,
    );
    console.log('|---|---|---|---|---|---|');
    for (const v of variants) {
      const xs = samples.get(v.name)!;
      const reqs = rounds * (n + 20);
      const perReq = cpu.get(v.name)! / reqs;
      const atRest = (idlePerS.get(v.name)! * elapsed.get(v.name)!) / reqs;
      console.log(
        `| ${v.name} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | +${(pct(xs, 50) - floorP50).toFixed(2)} | ${perReq.toFixed(2)} | ${atRest.toFixed(2)} |`,
      );
    }
  } finally {
    await stopCluster(procs, pgUrl, [schema, `${schema}_up`], dir);
  }
}

await main();
