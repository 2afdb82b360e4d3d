import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeFunctions } from '../conformance/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-functions-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// A file, not ':memory:': the write batch's durability path (WAL fsync) is the one that runs.
describeFunctions('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `f${n++}.db`), clock });
  return { functions: store.functions, close: () => store.close() };
});
