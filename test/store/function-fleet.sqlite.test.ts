import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeFunctionFleet } from '../conformance/function-fleet.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-function-fleet-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeFunctionFleet('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `f${n++}.db`), clock });
  return { functions: store.functions, fleet: store.functionFleet, close: () => store.close() };
});
