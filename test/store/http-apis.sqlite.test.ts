import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeHttpApis } from '../conformance/http-apis.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-http-apis-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeHttpApis('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `a${n++}.db`), clock });
  return { httpApis: store.httpApis, tags: store.tags, close: () => store.close() };
});
