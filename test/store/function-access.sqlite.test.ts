import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeFunctionAccess } from '../conformance/function-access.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-function-access-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// A file, not ':memory:': the write batch's durability path (WAL fsync) is the one that runs.
describeFunctionAccess('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `f${n++}.db`), clock });
  return { functions: store.functions, functionAccess: store.functionAccess, close: () => store.close() };
});
