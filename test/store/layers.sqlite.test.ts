import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/index.ts';
import { describeLayers } from '../conformance/layers.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-layers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeLayers('sqlite', async (clock) => {
  const store = new SqliteStore({ path: join(dir, `l${n++}.db`), clock });
  return { layers: store.layers, close: () => store.close() };
});
