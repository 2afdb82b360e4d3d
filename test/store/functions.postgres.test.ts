import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { SecretBox } from '../../src/secrets/index.ts';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeFunctions } from '../conformance/functions.ts';
import { dropTestSchemas, openTestStore, TEST_DATABASE_URL, withClient } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

/** The row of $LATEST (version undefined) or of a version in `schema`, and its key's values. */
const rowOf = (schema: string, userId: string, name: string, version?: number) =>
  version === undefined
    ? { table: `${schema}.functions`, where: 'user_id = $1 AND name = $2', key: [userId, name] }
    : { table: `${schema}.function_versions`, where: 'user_id = $1 AND function_name = $2 AND version = $3', key: [userId, name, version] };

// Every store gets a fresh schema of its own, created by its migration.
describeFunctions('postgres', async (clock) => {
  const sealer = new SecretBox(randomBytes(32));
  const store = await openTestStore({ clock, poolSize: 4, sealer });
  const { schema } = store;
  return {
    functions: store.functions,
    close: () => store.close(),
    raw: {
      environment: async (userId, name, version) => {
        const r = rowOf(schema, userId, name, version);
        return withClient(async (c) =>
          String((await c.query(`SELECT environment::text AS e FROM ${r.table} WHERE ${r.where}`, r.key)).rows[0].e),
        );
      },
      setEnvironment: async (userId, name, text, version) => {
        const r = rowOf(schema, userId, name, version);
        const n = r.key.length + 1;
        await withClient((c) => c.query(`UPDATE ${r.table} SET environment = $${n}::jsonb WHERE ${r.where}`, [...r.key, text]));
      },
      reopen: async () => (await PostgresStore.open({ url: TEST_DATABASE_URL, schema, clock, poolSize: 1, sealer })).close(),
      sealPlain: () => store.sealPlainEnvironments(),
    },
  };
});
