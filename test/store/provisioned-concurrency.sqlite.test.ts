import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeProvisionedConcurrency } from '../conformance/provisioned-concurrency.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-provisioned-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeProvisionedConcurrency('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `p${n++}.db`), clock });
  return { functions: store.functions, provisioned: store.provisioned, close: () => store.close() };
});
