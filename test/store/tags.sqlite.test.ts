import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeResourceTags } from '../conformance/tags.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-tags-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeResourceTags('sqlite', async () => {
  const store = new SqliteStore({ path: join(dir, `t${n++}.db`) });
  return {
    tags: store.tags,
    functions: store.functions,
    workflows: store.workflows,
    activities: store.activities,
    httpApis: store.httpApis,
    close: () => store.close(),
  };
});
