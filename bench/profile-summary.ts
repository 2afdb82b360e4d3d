/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by source
 * file, and total (inclusive) time of the functions whose name or file matches --grep.
 *
 *   node --disable-warning=ExperimentalWarning --cpu-prof --cpu-prof-dir=/tmp/prof bench/dispatch.ts --only api-c
 *   node --disable-warning=ExperimentalWarning bench/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [--top 30] [--grep store/sqlite]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const flag = (k: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const top = Number(flag('top') ?? 30);
const grep = flag('grep');

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'nm:')
    .replace(/^.*\/work\/main\//, '');

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = p.endTime - p.startTime;
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const fnSelf = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    fnSelf.set(key(n), (fnSelf.get(key(n)) ?? 0) + us);
    const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
    fileSelf.set(f, (fileSelf.get(f) ?? 0) + us);
    // Inclusive: credit each distinct ancestor frame once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      fnTotal.set(k, (fnTotal.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7) + ' ms';
  console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms profiled`);
  console.log('\nSelf time by file:');
  for (const [f, us] of [...fileSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${ms(us)}  ${f}`);
  console.log('\nSelf time by function:');
  for (const [f, us] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${ms(us)}  ${f}`);
  if (grep) {
    console.log(`\nInclusive time of functions matching /${grep}/:`);
    const re = new RegExp(grep);
    for (const [f, us] of [...fnTotal]
      .filter(([k]) => re.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top))
      console.log(`${pct(us)} ${ms(us)}  ${f}`);
  }
}
