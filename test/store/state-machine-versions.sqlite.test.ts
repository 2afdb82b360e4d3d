import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeStateMachineVersions } from '../conformance/state-machine-versions.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-sm-versions-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStateMachineVersions('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `v${n++}.db`), clock });
  return { versions: store.stateMachineVersions, workflows: store.workflows, close: () => store.close() };
});
