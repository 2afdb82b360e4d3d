/**
 * The CPU of a warm Lambda Invoke through the real @aws-sdk/client-lambda (SigV4, the main port,
 * routed by the credential scope's service) against the native POST /functions/{name}/invoke on
 * the same embedded platform (bench/floor.ts's shape: bwrap sandbox, SQLite), the trivial
 * handler of bench/function-cpu.ts. Each client runs in a worker thread of its own, started once
 * and warmed (`--warm` requests per lane), then measured `--rounds` times, the variants
 * interleaved (native, sdk, sdk, native, ...: the machine's noise falls on both alike).
 *
 * Printed per run: req/s, p50 and p99 latency, and CPU ms per request: this process, the client's
 * thread (process.threadCpuUsage in the worker, over the measured requests only), the server (the
 * process less the client: the API's thread, the workers, libuv's pool, GC threads) and the main
 * thread alone; then each variant's medians. `--client 1` first drives both clients against a
 * node:http server (in the main thread) that answers a canned Invoke response: the clients' own
 * CPU per request, with no Hangar behind them. `--prof FILE` writes a CPU profile of the main
 * thread for each measured run of a variant, FILE-<variant>-r<round>.cpuprofile (read them with
 * bench/profile-summary.ts; sampling costs CPU of its own).
 *
 *   nice -n 19 node_modules/.bin/node --disable-warning=ExperimentalWarning bench/lambda-invoke-cpu.ts
 *     [--n 4000] [--c 16] [--rounds 3] [--warm 200] [--v native,sdk] [--client 0|1] [--prof FILE]
 * Root and bubblewrap needed.
 */
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { createKey } from '../src/auth/index.ts';
import { zipEntries } from '../src/functions/zip.ts';
import { arg } from './args.ts';
import { startProfile } from './cpu-profile.ts';
import { startFunctionsPlatform } from './floor.ts';
import { type LoadJob, type LoadResult, runLoad } from './http-load.ts';
import { lambdaClient, type SdkJob, sdkLoad } from './sdk-load.ts';

const HANDLER = 'exports.handler = async (e) => ({ ok: true, n: e.n });\n';
const EVENT = '{"n":1}';
const ANSWER = '{"ok":true,"n":1}';

/** What a client lane is: the native client of http-load.ts or the SDK's, with its job but for counts. */
type LaneSpec = { kind: 'http'; job: LoadJob } | { kind: 'sdk'; job: SdkJob };
interface Run {
  count: number;
  warmup: number;
}
interface Ran {
  result: LoadResult;
  /** The client thread's CPU over the run, µs. */
  cpuUs: number;
}

// ---------------------------------------------------------------------------------------------
// The client lane, in a worker thread: one client for the whole benchmark, a run per message.

if (parentPort && (workerData as { lane?: LaneSpec } | undefined)?.lane) {
  const port = parentPort;
  const spec = (workerData as { lane: LaneSpec }).lane;
  const client = spec.kind === 'sdk' ? lambdaClient(spec.job) : null;
  port.on('message', async (m: Run | 'close') => {
    if (m === 'close') {
      client?.destroy();
      port.close();
      return;
    }
    try {
      const t0 = process.threadCpuUsage();
      const result = spec.kind === 'sdk' ? await sdkLoad({ ...spec.job, ...m }, client!) : await runLoad({ ...spec.job, ...m });
      const t = process.threadCpuUsage(t0);
      port.postMessage({ ok: true, ran: { result, cpuUs: t.user + t.system } });
    } catch (err) {
      port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) });
    }
  });
}

class Lane {
  private readonly worker: Worker;
  constructor(spec: LaneSpec) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { lane: spec } });
  }
  async run(r: Run): Promise<Ran> {
    this.worker.postMessage(r);
    const [m] = (await once(this.worker, 'message')) as [{ ok: boolean; ran?: Ran; error?: string }];
    if (!m.ok) throw new Error(m.error);
    return m.ran!;
  }
  close(): Promise<number> {
    this.worker.postMessage('close');
    return this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------

interface Measured {
  rate: number;
  p50: number;
  p99: number;
  failed: number;
  /** CPU ms per request: the process, the client thread, the process less the client, the main thread. */
  process: number;
  client: number;
  server: number;
  main: number;
}

async function measure(lane: Lane, n: number, profileTo: string | null): Promise<Measured> {
  const stop = profileTo ? await startProfile() : null;
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const { result: r, cpuUs } = await lane.run({ count: n, warmup: 0 });
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  if (stop && profileTo) writeFileSync(profileTo, JSON.stringify(await stop()));
  const lat = r.sentAt.map((t, i) => r.doneAt[i] - t).sort((a, b) => a - b);
  const proc = (cpu.user + cpu.system) / 1000 / n;
  const client = cpuUs / 1000 / n;
  return {
    rate: n / ((r.lastDone - r.firstSent) / 1000),
    p50: lat[Math.floor(n / 2)],
    p99: lat[Math.floor(n * 0.99)],
    failed: r.status.filter((s) => s !== 200).length + r.errors,
    process: proc,
    client,
    server: proc - client,
    main: (main.user + main.system) / 1000 / n,
  };
}

const line = (label: string, m: Measured): string =>
  `${label}: ${m.rate.toFixed(0)} req/s, p50 ${m.p50.toFixed(3)} ms, p99 ${m.p99.toFixed(3)} ms${m.failed ? `, ${m.failed} FAILED` : ''}; ` +
  `CPU ms/req: process ${m.process.toFixed(3)}, client ${m.client.toFixed(3)}, server ${m.server.toFixed(3)}, main thread ${m.main.toFixed(3)}`;

function medianOf(ms: Measured[]): Measured {
  const med = (k: keyof Measured) => {
    const s = ms.map((m) => m[k]).sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)];
  };
  return {
    rate: med('rate'),
    p50: med('p50'),
    p99: med('p99'),
    failed: med('failed'),
    process: med('process'),
    client: med('client'),
    server: med('server'),
    main: med('main'),
  };
}

/** Runs each lane `rounds` times, interleaved (the order reversed every other round), and prints each run and the medians. */
async function interleaved(label: string, lanes: [string, Lane][], n: number, rounds: number, prof: string): Promise<void> {
  const runs = new Map<string, Measured[]>(lanes.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, lane] of r % 2 ? [...lanes].reverse() : lanes) {
      const m = await measure(lane, n, prof ? `${prof}-${name}-r${r}.cpuprofile` : null);
      runs.get(name)!.push(m);
      console.log(line(`  ${label} ${name} r${r}`, m));
    }
  }
  for (const [name, ms] of runs) console.log(line(`median ${label} ${name}`, medianOf(ms)));
}

async function main(): Promise<void> {
  const n = Number(arg('n', '4000'));
  const c = Number(arg('c', '16'));
  const rounds = Number(arg('rounds', '3'));
  const warm = Number(arg('warm', '200'));
  const variants = arg('v', 'native,sdk').split(',');
  const prof = arg('prof', '');
  const lanes: Lane[] = [];
  const lane = (spec: LaneSpec) => {
    const l = new Lane(spec);
    lanes.push(l);
    return l;
  };

  if (arg('client', '0') === '1') {
    // The clients alone: a server that answers what Invoke answers, as cheaply as node:http can.
    const canned = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': ANSWER.length,
          'x-amz-executed-version': '$LATEST',
          'x-amzn-requestid': '9f6b6b52-5f5a-4b7e-9d59-3a1f3c0d6e1a',
        });
        res.end(ANSWER);
      });
    });
    canned.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => canned.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(canned.address() as AddressInfo).port}`;
    const native = lane({
      kind: 'http',
      job: { url, path: '/', body: EVENT, mode: 'closed', count: 0, rate: 0, concurrency: c, warmup: 0 },
    });
    const sdk = lane({
      kind: 'sdk',
      job: { url, keyId: 'AKIDBENCH', secret: 'bench', fn: 'w', event: EVENT, count: 0, concurrency: c, warmup: 0 },
    });
    await native.run({ count: 0, warmup: c * warm });
    await sdk.run({ count: 0, warmup: c * warm });
    await interleaved(
      `canned c=${c}`,
      [
        ['native-client', native],
        ['sdk-client', sdk],
      ],
      n,
      rounds,
      '',
    );
    canned.close();
  }

  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-lic-'));
  chmodSync(dir, 0o711);
  const platform = await startFunctionsPlatform(join(dir, 'data'));
  try {
    const made = await createKey(platform.store, platform.secrets, 'bench', 'user', 'bench');
    const url = platform.url!;
    const zip = zipEntries([{ name: 'index.js', data: Buffer.from(HANDLER) }], { deflate: false }).toString('base64');
    const put = await fetch(`${url}/functions/w`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${made.raw}` },
      body: JSON.stringify({ zip, runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 1769 }),
    });
    if (put.status > 201) throw new Error(`deploy: ${put.status} ${await put.text()}`);
    const all: [string, Lane][] = [];
    if (variants.includes('native'))
      all.push([
        'native',
        lane({
          kind: 'http',
          job: {
            url,
            path: '/functions/w/invoke',
            body: EVENT,
            apiKey: made.raw,
            mode: 'closed',
            count: 0,
            rate: 0,
            concurrency: c,
            warmup: 0,
          },
        }),
      ]);
    if (variants.includes('sdk'))
      all.push([
        'sdk',
        lane({
          kind: 'sdk',
          job: { url, keyId: made.record.id, secret: made.raw, fn: 'w', event: EVENT, count: 0, concurrency: c, warmup: 0 },
        }),
      ]);
    for (const [name, l] of all) {
      const w = await l.run({ count: 1, warmup: c * warm });
      if (w.result.status[0] !== 200 || w.result.errors) throw new Error(`${name}: warm-up failed (status ${w.result.status[0]})`);
    }
    await interleaved(`c=${c}`, all, n, rounds, prof);
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!parentPort) await main();
