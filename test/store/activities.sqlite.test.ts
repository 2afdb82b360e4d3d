import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeActivities } from '../conformance/activities.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-activities-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeActivities('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `a${n++}.db`), clock });
  return { activities: store.activities, workflows: store.workflows, close: () => store.close() };
});
