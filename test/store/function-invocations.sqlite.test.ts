import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeFunctionInvocations } from '../conformance/function-invocations.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-invocations-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeFunctionInvocations('sqlite', async () => {
  const store = new SqliteStore({ path: join(dir, `i${n++}.db`) });
  return { invocations: store.functionInvocations, close: () => store.close() };
});
