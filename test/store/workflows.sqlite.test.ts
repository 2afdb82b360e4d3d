import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeWorkflows } from '../conformance/workflows.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-workflows-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeWorkflows('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `w${n++}.db`), clock });
  return { workflows: store.workflows, close: () => store.close() };
});
