/** Looking for what must not be stored (keys, secrets) in a data directory. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files under `dir` (recursively) whose bytes contain any of `needles`. */
export function filesContaining(dir: string, needles: string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...filesContaining(path, needles));
    else if (st.isFile()) {
      const data = readFileSync(path);
      if (needles.some((n) => data.includes(n))) out.push(path);
    }
  }
  return out;
}
