import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeScalableTargets } from '../conformance/scalable-targets.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-scalable-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeScalableTargets('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `s${n++}.db`), clock });
  return { scalableTargets: store.scalableTargets, tags: store.tags, close: () => store.close() };
});
