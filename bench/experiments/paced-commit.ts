/**
 * How much one durable commit costs after an idle gap: awaited SqliteStore.submit() calls and
 * raw node:sqlite insert commits (WAL, synchronous=FULL), one every `gap` ms.
 *
 *   node --disable-warning=ExperimentalWarning bench/experiments/paced-commit.ts 5
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore } from '../../src/store/index.ts';
import type { NewTask } from '../../src/core/index.ts';

const gap = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'hangar-paced-'));
const store = new SqliteStore({ path: join(dir, 'h.db'), synchronous: 'full' });
const task = (): NewTask => ({
  id: randomUUID(),
  command: 'noop',
  args: null,
  shell: null,
  queue: 'default',
  priority: 1,
  userId: null,
  timeout: 300,
  visibilityTimeout: 900,
  maxAttempts: 3,
  idempotencyKey: null,
  requestHash: null,
  resources: { cpu: 256, memory: 512 },
  env: {},
  metadata: {},
  network: 'none',
  image: null,
  secrets: [],
  projectId: null,
  lane: null,
});
const raw = new DatabaseSync(join(dir, 'raw.db'));
raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
const ins = raw.prepare('INSERT INTO t (v) VALUES (?)');
const s: number[] = [];
const r: number[] = [];
const pause = () => (gap ? new Promise((res) => setTimeout(res, gap)) : Promise.resolve());
for (let i = 0; i < 400; i++) {
  await pause();
  let a = performance.now();
  await store.submit(task());
  s.push(performance.now() - a);
  await pause();
  a = performance.now();
  ins.run('x');
  r.push(performance.now() - a);
}
const p = (x: number[], q: number) => [...x].sort((a, b) => a - b)[Math.floor(q * x.length)].toFixed(3);
console.log(`gap ${gap} ms: store.submit() p50 ${p(s, 0.5)} p90 ${p(s, 0.9)} ms | raw insert commit p50 ${p(r, 0.5)} p90 ${p(r, 0.9)} ms`);
await store.close();
raw.close();
rmSync(dir, { recursive: true, force: true });
