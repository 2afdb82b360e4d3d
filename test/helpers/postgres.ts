/** The test PostgreSQL (127.0.0.1:5432, trust auth, as CI has it): a fresh schema per store or
 *  platform; a test file drops them with `after(dropTestSchemas)`, once its stores are closed. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.ts';

export const TEST_DATABASE_URL = process.env.HANGAR_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const made: string[] = [];

/** A schema name nobody uses yet (the store creates it). */
export function freshSchema(prefix = 'hangar_t'): string {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  made.push(schema);
  return schema;
}

/** Drops the schemas freshSchema made (all of them, or those named). */
export async function dropTestSchemas(only?: string[]): Promise<void> {
  const drop = only ?? made.slice();
  for (const s of drop) {
    made.splice(made.indexOf(s), 1);
    if (free.includes(s)) free.splice(free.indexOf(s), 1);
  }
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    for (const s of drop) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Schemas a closed store of this process left, migrated, to be emptied and used again. */
const free: string[] = [];

/** What a freshly migrated schema holds: the rows migrations seed and where each sequence is. */
interface Baseline {
  tables: { name: string; rows: unknown[] }[];
  sequences: { name: string; last: string | null }[];
}
let baseline: Baseline | undefined;

/**
 * A PostgreSQL store for a test of its own, as `PostgresStore.open` with a fresh schema gives,
 * at a fraction of the cost: creating the schema's tables takes 0.4–1 s, and a store conformance
 * suite opens one per test. When the store closes, its schema is kept; the next call puts it
 * back as migrations left it (every row deleted, the rows migrations seed written again, the
 * sequences where they were) and opens a store on it, which finds every migration applied. A
 * schema is only used again after the store on it closed, so no two open stores share one unless
 * a test opens the second itself. `after(dropTestSchemas)` drops them.
 */
export async function openTestStore(
  opts: Omit<PostgresStoreOptions, 'url' | 'schema'> = {},
): Promise<PostgresStore & { readonly schema: string }> {
  const reused = baseline && free.pop();
  if (reused) await withClient((client) => restore(client, reused, baseline as Baseline));
  const schema = reused || freshSchema();
  if (!reused && !baseline) {
    // Read before any store writes to it: what migrating alone left.
    const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 1 });
    await store.close();
    baseline = await withClient((client) => readBaseline(client, schema));
  }
  const store = await PostgresStore.open({ ...opts, url: TEST_DATABASE_URL, schema });
  const close = store.close.bind(store);
  let closed = false;
  store.close = async () => {
    await close();
    if (closed) return;
    closed = true;
    if (made.includes(schema)) free.push(schema);
  };
  // Its schema, for a test that reads the tables with SQL or opens another store on them.
  return Object.assign(store, { schema });
}

/** `use` run on a client of the test database of its own, ended after. */
export async function withClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function readBaseline(client: pg.Client, schema: string): Promise<Baseline> {
  const names = (
    await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`, [
      schema,
    ])
  ).rows;
  const tables: Baseline['tables'] = [];
  for (const { t } of names) {
    const rows = (await client.query(`SELECT coalesce(json_agg(x), '[]') AS rows FROM ${schema}.${t} x`)).rows[0].rows as unknown[];
    if (rows.length > 0) tables.push({ name: t, rows });
  }
  const sequences = (
    await client.query<{ name: string; last: string | null }>(
      `SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = $1`,
      [schema],
    )
  ).rows;
  return { tables, sequences };
}

/** Every row deleted (foreign keys unchecked meanwhile: the test database's user is a
 *  superuser), the seeded rows written again and the sequences set back, in one transaction. */
async function restore(client: pg.Client, schema: string, base: Baseline): Promise<void> {
  await client.query('BEGIN');
  await client.query('SET LOCAL session_replication_role = replica');
  const names = (
    await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`, [
      schema,
    ])
  ).rows;
  await client.query(names.map(({ t }) => `DELETE FROM ${schema}.${t};`).join('\n'));
  for (const { name, rows } of base.tables) {
    await client.query(
      `INSERT INTO ${schema}.${name} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${schema}.${name}, $1)`,
      [JSON.stringify(rows)],
    );
  }
  for (const { name, last } of base.sequences) {
    await client.query(
      last === null ? `ALTER SEQUENCE ${schema}.${name} RESTART` : `SELECT setval('${schema}.${name}', ${Number(last)}, true)`,
    );
  }
  await client.query('COMMIT');
}
