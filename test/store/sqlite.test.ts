import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeStore } from '../conformance/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStore('sqlite', async ({ clock, random, retry }) =>
  new SqliteStore({ path: join(dir, `s${n++}.db`), clock, random, retry }),
);
