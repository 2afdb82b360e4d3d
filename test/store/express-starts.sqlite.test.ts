import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeExpressStarts } from '../conformance/express-starts.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-express-starts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeExpressStarts('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `x${n++}.db`), clock });
  return { expressStarts: store.expressStarts, close: () => store.close() };
});
