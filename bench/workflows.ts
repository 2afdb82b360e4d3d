/**
 * Workflows benchmark (issue 24, "Performance"), ratios against baselines from the same run:
 *   1. Interpreter: a 100-state Pass chain and a Map over 1,000 items of a Pass state
 *      (MaxConcurrency 0: unbounded here, aws-local-stepfunctions' default of 40 there), run as
 *      EXPRESS (core/asl runExecution in memory on the real clock, as the runner runs EXPRESS
 *      executions, no store) and STANDARD (the durable runner, app layer: a real SqliteStore in a
 *      temp dir with its default durability — every commit's WAL fdatasynced before it is
 *      acknowledged — and a StoreWorkflowRunner; start → the ended row, read every 1 ms),
 *      against aws-local-stepfunctions' StateMachine.run (constructed once, validated then, as
 *      our machines are at create). ms per execution, p50 over --n runs, variants interleaved.
 *   2. End to end: three Task states invoking a warm trivial Node function in the sandbox
 *      (bubblewrap, 1,769 MB = 1 vCPU), start → result over HTTP: EXPRESS through the native
 *      sync start (POST /state-machines/{name}/executions?sync=true); STANDARD through the native
 *      start with ?wait=60 (it answers once the execution has ended), and through the plain start
 *      then GET /executions/{id} every 1 ms; the floor is the three invocations back to back
 *      through POST /functions/{name}/invoke. p50 and p99 over --e2e runs, interleaved.
 *   3. A Map of --items (10,000) items, MaxConcurrency 40, one Task each over the same function,
 *      EXPRESS and STANDARD: makespan (start → result) against the ideal, ceil(items / 40) × the
 *      p50 of one warm invocation at concurrency 1 through the native invoke route (HTTP), and
 *      against a practical floor: the same invocations through the native invoke route from 40
 *      lanes (embedded: in process, Fastify's inject, as Task states invoke without a socket).
 * Sections 2 and 3 run on the embedded shape (startFunctionsPlatform, SQLite; --sqlite-sync
 * normal for no fsync) and, with --only …,scale-out, on `hangar server` + `hangar worker` on one
 * PostgreSQL schema (as bench/function-hop.ts; the workflows run on the server, each invocation
 * hops to the worker; --scale-out-map 0 leaves its Map out).
 *
 *   node_modules/.bin/node --disable-warning=ExperimentalWarning bench/workflows.ts
 *     [--only interp,e2e,map,scale-out] [--n 200] (interpreter runs per variant) [--e2e 300]
 *     [--items 10000] [--map-c 40] [--map-runs 1] [--sqlite-sync full|normal] [--pg URL] [--scale-out-map 1]
 *     [--prof FILE] (a CPU profile of this process during the first STANDARD Map)
 * Sections 2 and 3 need root and bubblewrap. Results: docs/benchmarks.md ("Workflows").
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { createStateMachine, realClock, StoreWorkflowRunner, startExecution, type WorkflowsApp } from '../src/app/index.ts';
import { type Json, runExecution, type StateMachineDefinition } from '../src/core/asl/index.ts';
import { createKey } from '../src/auth/index.ts';
import { zipEntries } from '../src/functions/zip.ts';
import { createLogger } from '../src/log/index.ts';
import { SqliteStore } from '../src/store/index.ts';
import { arg } from './args.ts';
import { hrMs, sleep } from './clock.ts';
import { startFunctionsPlatform } from './floor.ts';
import { clusterEnv, startRole, stopCluster } from './roles.ts';

const only = new Set(arg('only', 'interp,e2e,map').split(','));
const N = Number(arg('n', '200'));
const E2E = Number(arg('e2e', '300'));
const ITEMS = Number(arg('items', '10000'));
const MAP_RUNS = Number(arg('map-runs', '1'));
const PROF = arg('prof', '');
const SQLITE_SYNC = arg('sqlite-sync', 'full');
/** The Map's MaxConcurrency and its floor's lanes (the 40). */
const MAP_C = Number(arg('map-c', '40'));
const HANDLER = 'exports.handler = async (e) => ({ ok: true, n: e.n });\n';
const MEMORY_MB = 1769;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const f2 = (x: number) => x.toFixed(2);
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');

/** Runs each variant once per round, `rounds` times, so drift hits all alike; ms per run. */
async function interleaved(rounds: number, variants: { name: string; run: () => Promise<void> }[]): Promise<Map<string, number[]>> {
  const out = new Map(variants.map((v) => [v.name, [] as number[]]));
  for (let i = 0; i < rounds; i++) {
    for (const v of variants) {
      const t = hrMs();
      await v.run();
      out.get(v.name)!.push(hrMs() - t);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Interpreter

const chain = (n: number): StateMachineDefinition => {
  const States: Record<string, object> = {};
  for (let i = 0; i < n; i++) States[`S${i}`] = i === n - 1 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `S${i + 1}` };
  return { StartAt: 'S0', States } as unknown as StateMachineDefinition;
};
const passMap = {
  StartAt: 'M',
  States: {
    M: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 0,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    },
  },
} as unknown as StateMachineDefinition;

async function interpreter(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-wf-'));
  const clock = { now: () => Date.now() };
  const store = new SqliteStore({ path: join(dir, 'h.db'), clock });
  const runner = new StoreWorkflowRunner({
    workflows: store.workflows,
    expressStarts: store.expressStarts,
    clock,
    log: createLogger('silent'),
    tasks: () => async () => ({}),
    region: 'us-east-1',
    accountOf: () => '123456789012',
  });
  runner.begin();
  const app: WorkflowsApp = { workflows: store.workflows, stateMachineVersions: store.stateMachineVersions, clock, workflowRunner: runner };
  const wallClock = realClock({ now: () => Date.now() });
  try {
    const cases = [
      { name: '100-state Pass chain', def: chain(100), input: { n: 1 } as Json },
      { name: 'Map over 1,000 items of a Pass state', def: passMap, input: { items: Array.from({ length: 1000 }, (_, i) => i) } as Json },
    ];
    console.log(`\n## 1. Interpreter (p50 over ${N} runs, ms per execution; variants interleaved)\n`);
    console.log(
      '| Workflow | aws-local-stepfunctions | Hangar EXPRESS (in memory) | ratio | Hangar STANDARD (SQLite, fsync) | ratio | STANDARD events |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const c of cases) {
      const local = new StateMachine(c.def as never);
      await createStateMachine(app, 'u1', { name: `m${cases.indexOf(c)}`, definition: JSON.stringify(c.def) });
      let lastId = '';
      const variants = [
        {
          name: 'local',
          run: async () => {
            await local.run(c.input as never).result;
          },
        },
        {
          name: 'express',
          run: async () => {
            // As the EXPRESS runner runs it (app/express-runner.ts): no history kept.
            const r = await runExecution(c.def, c.input, { type: 'EXPRESS', clock: wallClock, history: false });
            if (r.status !== 'SUCCEEDED') throw new Error(`express ${r.status}`);
          },
        },
        {
          name: 'standard',
          run: async () => {
            const s = await startExecution(app, 'u1', `m${cases.indexOf(c)}`, { input: JSON.stringify(c.input) });
            if (s.type !== 'STANDARD') throw new Error('not STANDARD');
            lastId = s.execution.id;
            for (;;) {
              const e = await store.workflows.getExecutionById(s.execution.id);
              if (e && e.status !== 'RUNNING') {
                if (e.status !== 'SUCCEEDED') throw new Error(`standard ${e.status} ${e.error} ${e.cause}`);
                return;
              }
              await sleep(1);
            }
          },
        },
      ];
      await interleaved(Math.max(5, Math.floor(N / 10)), variants); // warm-up
      const r = await interleaved(N, variants);
      const p = (k: string) => pct(r.get(k)!, 50);
      const events = (await store.workflows.history('u1', lastId, { limit: 100_000 })).length;
      console.log(
        `| ${c.name} | ${f2(p('local'))} | ${f2(p('express'))} | ${f2(p('express') / p('local'))}× | ${f2(p('standard'))} | ${f2(p('standard') / p('local'))}× | ${events} |`,
      );
    }
    console.log('\nratio: Hangar ÷ aws-local-stepfunctions (below 1: Hangar faster). Target: EXPRESS ≤ 1×.');
  } finally {
    await runner.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 2 and 3: on the embedded platform with a function in the sandbox

const task = (next: string | null) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: 'bench-noop', 'Payload.$': '$' },
  OutputPath: '$.Payload',
  ...(next ? { Next: next } : { End: true }),
});
const three = { StartAt: 'A', States: { A: task('B'), B: task('C'), C: task(null) } };
const fnMap = (items: number) => ({
  StartAt: 'M',
  States: {
    M: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: MAP_C,
      ItemSelector: { 'n.$': '$$.Map.Item.Value' },
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'T', States: { T: task(null) } },
      ResultPath: null,
      End: true,
    },
  },
  Comment: `${items} items`,
});

/** Sections 2 and 3 against one Hangar: `lane` invokes the function as the Map's floor does. */
async function sections(
  shape: string,
  parts: { e2e: boolean; map: boolean },
  url: string,
  headers: Record<string, string>,
  lane?: (n: number) => Promise<void>,
): Promise<void> {
  {
    const call = async (method: string, path: string, body?: unknown, want = [200, 201]) => {
      const r = await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await r.text();
      if (!want.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const zip = zipEntries([{ name: 'index.js', data: Buffer.from(HANDLER) }], { deflate: false }).toString('base64');
    await call('PUT', '/functions/bench-noop', { zip, runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: MEMORY_MB });
    const invoke = async (n: number) => {
      const r = await fetch(`${url}/functions/bench-noop/invoke`, { method: 'POST', headers, body: `{"n":${n}}` });
      const text = await r.text();
      if (r.status !== 200 || text !== `{"ok":true,"n":${n}}`) throw new Error(`invoke: ${r.status} ${text}`);
    };
    for (const type of ['EXPRESS', 'STANDARD']) {
      await call('POST', '/state-machines', { name: `three-${type}`, type, definition: three });
      await call('POST', '/state-machines', { name: `map-${type}`, type, definition: fnMap(ITEMS) });
    }
    const express = async (machine: string, input: unknown) => {
      const r = await call('POST', `/state-machines/${machine}/executions?sync=true`, { input });
      if (r.status !== 'SUCCEEDED') throw new Error(`express: ${JSON.stringify(r)}`);
      return r.output;
    };
    /** Started, then read every pollMs until it ended; with wait, the start answers at the end. */
    const standard = async (machine: string, input: unknown, pollMs: number, wait = false) => {
      const s = await call('POST', `/state-machines/${machine}/executions${wait ? '?wait=60' : ''}`, { input });
      if (s.status === 'SUCCEEDED') return s.output;
      for (;;) {
        const e = await call('GET', `/executions/${s.id}`);
        if (e.status !== 'RUNNING') {
          if (e.status !== 'SUCCEEDED') throw new Error(`standard: ${JSON.stringify(e)}`);
          return e.output;
        }
        await sleep(pollMs);
      }
    };

    // The floor: one invocation, and three back to back.
    for (let i = 0; i < 200; i++) await invoke(i);
    const one: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = hrMs();
      await invoke(i);
      one.push(hrMs() - t);
    }
    const invokeP50 = pct(one, 50);

    if (parts.e2e) {
      const variants = [
        {
          name: 'floor: 3 invocations back to back (POST /functions/{name}/invoke)',
          run: async () => {
            await invoke(1);
            await invoke(1);
            await invoke(1);
          },
        },
        {
          name: 'EXPRESS: POST /state-machines/{name}/executions?sync=true',
          run: async () => {
            const out = (await express('three-EXPRESS', { n: 1 })) as { n: number };
            if (out.n !== 1) throw new Error(`output ${JSON.stringify(out)}`);
          },
        },
        {
          name: 'STANDARD: POST …/executions?wait=60 (answers at the end)',
          run: async () => {
            const out = (await standard('three-STANDARD', { n: 1 }, 1, true)) as { n: number };
            if (out.n !== 1) throw new Error(`output ${JSON.stringify(out)}`);
          },
        },
        {
          name: 'STANDARD: POST …/executions, then GET /executions/{id} every 1 ms',
          run: async () => {
            const out = (await standard('three-STANDARD', { n: 1 }, 1)) as { n: number };
            if (out.n !== 1) throw new Error(`output ${JSON.stringify(out)}`);
          },
        },
      ];
      await interleaved(50, variants);
      const r = await interleaved(E2E, variants);
      const floor = pct(r.get(variants[0].name)!, 50);
      console.log(`\n## 2. End to end, ${shape}: 3 Task states of a warm no-op function, start → result (${E2E} runs each, interleaved)\n`);
      console.log('| Variant | p50 ms | p99 ms | p50 ÷ floor | target |');
      console.log('|---|---|---|---|---|');
      const targets = ['', '≤ 3 ms', '≤ 10 ms', '≤ 10 ms'];
      variants.forEach((v, i) => {
        const xs = r.get(v.name)!;
        console.log(`| ${v.name} | ${f2(pct(xs, 50))} | ${f2(pct(xs, 99))} | ${f2(pct(xs, 50) / floor)}× | ${targets[i]} |`);
      });
      console.log(`\nOne warm invocation through the native route, c=1: p50 ${f2(invokeP50)} ms, p99 ${f2(pct(one, 99))} ms (300 runs).`);
    }

    if (parts.map) {
      const items = Array.from({ length: ITEMS }, (_, i) => i);
      const injected = lane ?? invoke;
      const lanes = async (count = ITEMS) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: MAP_C }, async () => {
            while (next < count) await injected(next++);
          }),
        );
      };
      // Warm: as many instances as 40 lanes keep busy, past their JIT.
      await lanes(Math.min(ITEMS, 4000));
      const ideal = Math.ceil(ITEMS / MAP_C) * invokeP50;
      const rows: { name: string; ms: number[] }[] = [
        { name: `floor: the invocations from ${MAP_C} lanes (POST /functions/{name}/invoke${lane ? ', in process: inject' : ''})`, ms: [] },
        { name: 'EXPRESS Map (in memory), ?sync=true', ms: [] },
        { name: 'STANDARD Map (durable), ?wait=60', ms: [] },
      ];
      let session: Session | null = null;
      for (let i = 0; i < MAP_RUNS; i++) {
        let t = hrMs();
        await lanes();
        rows[0].ms.push(hrMs() - t);
        t = hrMs();
        await express('map-EXPRESS', { items });
        rows[1].ms.push(hrMs() - t);
        if (PROF && i === 0) {
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
        }
        t = hrMs();
        await standard('map-STANDARD', { items }, 20, true);
        rows[2].ms.push(hrMs() - t);
        if (session) {
          writeFileSync(PROF, JSON.stringify((await session.post('Profiler.stop')).profile));
          session.disconnect();
          session = null;
        }
      }
      console.log(
        `\n## 3. ${shape}: a Map of ${f0(ITEMS)} items, MaxConcurrency ${MAP_C}, over the no-op function (median of ${MAP_RUNS} run(s))\n`,
      );
      console.log(
        `Ideal: ceil(${ITEMS} / ${MAP_C}) × ${f2(invokeP50)} ms (p50 of one warm invocation at c=1, native route) = ${f0(ideal)} ms.\n`,
      );
      console.log('| Variant | makespan ms | ÷ ideal | ÷ floor (40 lanes) | items/s |');
      console.log('|---|---|---|---|---|');
      const floorMs = pct(rows[0].ms, 50);
      for (const row of rows) {
        const ms = pct(row.ms, 50);
        console.log(`| ${row.name} | ${f0(ms)} | ${f2(ms / ideal)}× | ${f2(ms / floorMs)}× | ${f0((ITEMS * 1000) / ms)} |`);
      }
      console.log('\nTarget: makespan ≤ 1.2 × ideal.');
    }
  }
}

async function embedded(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-wf-'));
  chmodSync(dir, 0o711); // the sandbox's uid passes through to the function code
  const platform = await startFunctionsPlatform(join(dir, 'data'), { HANGAR_SQLITE_SYNCHRONOUS: SQLITE_SYNC });
  try {
    const made = await createKey(platform.store, platform.secrets, 'bench', 'user', 'bench');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${made.raw}` };
    // In process (Fastify's inject: the route, no sockets), as the Task states invoke.
    const inject = async (n: number) => {
      const r = await platform.app!.inject({ method: 'POST', url: '/functions/bench-noop/invoke', headers, payload: `{"n":${n}}` });
      if (r.statusCode !== 200 || r.body !== `{"ok":true,"n":${n}}`) throw new Error(`invoke: ${r.statusCode} ${r.body}`);
    };
    await sections(
      `embedded (SQLite, synchronous=${SQLITE_SYNC})`,
      { e2e: only.has('e2e'), map: only.has('map') },
      platform.url!,
      headers,
      inject,
    );
  } finally {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `hangar server` and `hangar worker` on one PostgreSQL schema, as bench/function-hop.ts runs them:
 *  workflows run on the server, their tasks' invocations go to the worker's function host. */
async function scaleOut(): Promise<void> {
  const pgUrl = arg('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
  const schema = `hangar_wf_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-wf-'));
  chmodSync(dir, 0o711);
  const adminKey = `hk_BENCHADMIN${randomBytes(16).toString('hex')}`;
  const env = clusterEnv(pgUrl, schema, join(dir, 'data'), adminKey);
  const procs: ChildProcess[] = [];
  try {
    const server = await startRole('server', env, 20000 + Math.floor(Math.random() * 20000));
    procs.push(server.child);
    procs.push((await startRole('worker', env, null)).child);
    const made = await fetch(`${server.url}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: '{"userId":"bench"}',
    });
    const { key } = (await made.json()) as { key: string };
    await sections(
      'scale-out (hangar server + hangar worker, PostgreSQL)',
      { e2e: true, map: arg('scale-out-map', '1') === '1' },
      server.url!,
      {
        'content-type': 'application/json',
        authorization: `Bearer ${key}`,
      },
    );
  } finally {
    await stopCluster(procs, pgUrl, [schema], dir);
  }
}

async function main(): Promise<void> {
  console.log(`# Workflows benchmark, ${new Date().toISOString()}, Node ${process.version}`);
  if (only.has('interp')) await interpreter();
  if (only.has('e2e') || only.has('map')) await embedded();
  if (only.has('scale-out')) await scaleOut();
}

await main();
