import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeDomainNames } from '../conformance/domain-names.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-domain-names-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeDomainNames('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `a${n++}.db`), clock });
  return { domainNames: store.domainNames, httpApis: store.httpApis, close: () => store.close() };
});
