/**
 * Sandbox start cost, in one process run (research/sandbox.md §2 method): `/bin/true`
 *   1. bare spawn,
 *   2. bare bwrap + cgroups: a shell that makes three v1 cgroups (memory, cpu, pids), sets their
 *      limits, joins them, drops to the sandbox uid and execs bwrap — no Hangar code,
 *   3. Hangar: POST /tasks {args:["/bin/true"]} → the task recorded SUCCESS, sandbox executor,
 *   4. Hangar, the built-in `noop` workload (a Node process in the sandbox),
 *   5. Hangar, /bin/true with network 'egress' (socat in front of it, or the Node forwarder
 *      where the host has no socat: sandbox/forward.ts),
 *   6. the same as 3 with the util-linux fallback (HANGAR_SANDBOX_ENGINE=unshare).
 * Sequential runs interleaved round-robin (drift hits all alike), then 2 concurrent
 * spawners for tasks/s. Prints p50/p99 and Hangar ÷ bare bwrap + cgroups (target ≤ 1.5× at p50).
 *
 *   node --disable-warning=ExperimentalWarning bench/sandbox.ts [--n 200]
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { createKey } from '../src/auth/index.ts';
import { startPlatform } from '../src/runtime/index.ts';
import { bareBwrap as bare, run } from './bare-sandbox.ts';

const n = Number(process.argv[process.argv.indexOf('--n') + 1] || 200) || 200;
const UID = 64100;
const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-sbx-'));
chmodSync(dir, 0o711);
const ws = join(dir, 'ws');
mkdirSync(ws, { recursive: true });
const bareBwrap = () => bare({ uid: UID, workspace: ws });

/** An embedded platform sandboxing with `engine`; returns submit→done of one /bin/true task. */
async function platformWith(engine: 'bwrap' | 'unshare') {
  const config = loadConfig({
    env: {
      HANGAR_PORT: '0',
      HANGAR_DATA_DIR: join(dir, `data-${engine}`),
      HANGAR_WORKERS: '2',
      HANGAR_EXECUTOR: 'sandbox',
      HANGAR_SANDBOX_ENGINE: engine,
      HANGAR_LOG_LEVEL: 'silent',
      HANGAR_RATE_LIMIT: '0',
    },
  });
  const platform = await startPlatform(config, { api: true, workers: true }, { log: createLogger('silent') });
  // A client as users are: a user key, checked on every request.
  const auth = `Bearer ${(await createKey(platform.store, platform.secrets, 'bench', 'user', 'bench')).raw}`;
  const done = new Map<string, (t: number) => void>();
  const finish = platform.store.finish.bind(platform.store);
  platform.store.finish = async (ref, outcome) => {
    const t = await finish(ref, outcome);
    if (t?.status === 'SUCCESS') done.get(ref.taskId)?.(performance.now());
    else if (t && t.status !== 'PENDING') throw new Error(`task ${ref.taskId} ended ${t.status}: ${JSON.stringify(outcome.failure)}`);
    return t;
  };
  const submit = async (body = '{"args":["/bin/true"]}'): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${platform.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body,
    });
    const { taskId } = (await res.json()) as { taskId: string };
    const t1 = await new Promise<number>((r) => done.set(taskId, r));
    done.delete(taskId);
    return t1 - t0;
  };
  return { platform, submit };
}
const viaBwrap = await platformWith('bwrap');
const viaUnshare = await platformWith('unshare');

const kinds: [string, () => Promise<number>][] = [
  ['bare spawn /bin/true', () => run('/bin/true', [])],
  ['bare bwrap + cgroups', bareBwrap],
  ['Hangar submit→done (sandbox, bwrap)', () => viaBwrap.submit()],
  // A built-in workload runs in a Node process of its own; with network 'egress' a Node
  // forwarder runs in front of the task. Both at the default resources (256 CPU units).
  ['Hangar submit→done, built-in noop (bwrap)', () => viaBwrap.submit('{"command":"noop"}')],
  ['Hangar submit→done, /bin/true with network egress (bwrap)', () => viaBwrap.submit('{"args":["/bin/true"],"network":"egress"}')],
  ['Hangar submit→done (sandbox, util-linux fallback)', () => viaUnshare.submit()],
];
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

for (const [, f] of kinds) for (let i = 0; i < 10; i++) await f(); // warm-up
const lat = new Map<string, number[]>(kinds.map(([k]) => [k, []]));
for (let i = 0; i < n; i++) for (const [k, f] of kinds) lat.get(k)!.push(await f());
const rate = new Map<string, number>();
for (const [k, f] of kinds) {
  const t = performance.now();
  let count = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (performance.now() - t < 3000) {
        await f();
        count++;
      }
    }),
  );
  rate.set(k, count / ((performance.now() - t) / 1000));
}
await viaBwrap.platform.close();
await viaUnshare.platform.close();
rmSync(dir, { recursive: true, force: true });

const rows = kinds.map(([k]) => {
  const xs = lat.get(k)!;
  return `| ${k} | ${q(xs, 50).toFixed(2)} | ${q(xs, 99).toFixed(2)} | ${rate.get(k)!.toFixed(0)} |`;
});
const ratio = q(lat.get(kinds[2][0])!, 50) / q(lat.get(kinds[1][0])!, 50);
console.log(`Sandbox start, /bin/true, n=${n} sequential (interleaved) + 3 s with 2 concurrent spawners; Node ${process.version}\n`);
console.log('| Mechanism | p50 ms | p99 ms | tasks/s (2 spawners) |\n|---|---|---|---|\n' + rows.join('\n'));
console.log(`\nHangar p50 ÷ bare bwrap + cgroups p50 = ${ratio.toFixed(2)}× (target ≤ 1.50×: ${ratio <= 1.5 ? 'PASS' : 'MISS'})`);
