import { readFileSync } from 'node:fs';
const [file, lastMs] = [process.argv[2], Number(process.argv[3] ?? 1e12)];
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = p.startTime; const times = p.timeDeltas.map((d) => (t += d));
const end = p.endTime; const from = end - lastMs * 1000;
const self = new Map(), total = new Map(); let all = 0;
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] < from) continue;
  const dt = (p.timeDeltas[i + 1] ?? 0);
  const n = byId.get(p.samples[i]); all += dt;
  const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  self.set(key(n), (self.get(key(n)) ?? 0) + dt);
  const seen = new Set(); let id = n.id;
  while (id !== undefined) { const k = key(byId.get(id)); if (!seen.has(k)) { seen.add(k); total.set(k, (total.get(k) ?? 0) + dt); } id = parent.get(id); }
}
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, us]) => `${(us / 1000).toFixed(1).padStart(7)} ms ${(100 * us / all).toFixed(1).padStart(5)}%  ${f}`).join('\n');
console.log(`window ${(all / 1000).toFixed(0)} ms\n-- self\n${top(self, 40)}\n-- total\n${top(total, 50)}`);
