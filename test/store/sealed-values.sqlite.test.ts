import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeSealedValues } from '../conformance/sealed-values.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-sealed-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeSealedValues('sqlite', async (sealer) => {
  const store = new SqliteStore({ path: join(dir, `s${n++}.db`), sealer });
  return { sealedValues: store.sealedValues, access: store, functions: store.functions, close: () => store.close() };
});
