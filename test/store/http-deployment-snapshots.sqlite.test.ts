import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeHttpDeploymentSnapshots } from '../conformance/http-deployment-snapshots.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-snapshots-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeHttpDeploymentSnapshots('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `a${n++}.db`), clock });
  return { snapshots: store.httpDeploymentSnapshots, httpApis: store.httpApis, close: () => store.close() };
});
