/** The test PostgreSQL (127.0.0.1:5432, trust auth, as CI has it): a fresh schema per store or
 *  platform; a test file drops them with `after(dropTestSchemas)`, once its stores are closed. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

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
  for (const s of drop) made.splice(made.indexOf(s), 1);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    for (const s of drop) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}
