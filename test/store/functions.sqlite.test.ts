import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SecretBox } from '../../src/secrets/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import type { Row } from '../../src/store/row.ts';
import { describeFunctions } from '../conformance/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-functions-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** The row of $LATEST (version undefined) or of a version, and its key's values. */
const rowOf = (userId: string, name: string, version?: number) =>
  version === undefined
    ? { table: 'functions', where: 'user_id = ? AND name = ?', key: [userId, name] }
    : { table: 'function_versions', where: 'user_id = ? AND function_name = ? AND version = ?', key: [userId, name, version] };

// A file, not ':memory:': the write batch's durability path (WAL fsync) is the one that runs.
describeFunctions('sqlite', async (clock) => {
  const path = join(dir, `f${n++}.db`);
  const sealer = new SecretBox(randomBytes(32));
  const store = new SqliteStore({ path, clock, sealer });
  const withDb = <T>(use: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(path);
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    functions: store.functions,
    close: () => store.close(),
    raw: {
      environment: async (userId, name, version) => {
        const r = rowOf(userId, name, version);
        return withDb((db) => String((db.prepare(`SELECT environment FROM ${r.table} WHERE ${r.where}`).get(...r.key) as Row).environment));
      },
      setEnvironment: async (userId, name, text, version) => {
        const r = rowOf(userId, name, version);
        withDb((db) => db.prepare(`UPDATE ${r.table} SET environment = ? WHERE ${r.where}`).run(text, ...r.key));
      },
      reopen: () => new SqliteStore({ path, clock, sealer }).close(),
      sealPlain: () => store.sealPlainEnvironments(),
    },
  };
});
