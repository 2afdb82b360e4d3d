/** The functions use cases' context on the embedded store (SQLite, disk blobs) in a temporary
 *  directory, made before and removed after each test of the calling suite. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { SqliteStore } from '../../src/store/index.ts';

export interface EmbeddedFunctionsApp {
  functions: SqliteStore['functions'];
  blobs: DiskBlobStore;
}

/** Call inside a describe(); read the context through the getter, in tests. */
export function embeddedFunctionsApp(): () => EmbeddedFunctionsApp {
  let dir: string;
  let store: SqliteStore;
  let app: EmbeddedFunctionsApp;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-fn-app-'));
    store = new SqliteStore({ path: join(dir, 'db.sqlite') });
    app = { functions: store.functions, blobs: new DiskBlobStore(join(dir, 'blobs')) };
  });
  afterEach(async () => {
    await store.close();
    await app.blobs.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => app;
}
