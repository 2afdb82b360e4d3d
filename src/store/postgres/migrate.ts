/**
 * Forward-only migrations for the PostgreSQL store: numbered SQL files applied in order, in
 * one transaction that first takes an advisory lock (per schema), so processes that start at
 * once migrate one after the other and the later ones find nothing left to do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const DIR = new URL('./migrations/', import.meta.url);

/** First key of the migration's advisory lock ('hgr' 1); the second is the schema's hash. */
const MIGRATION_LOCK = 0x68677201;

/** The migration files this version has, in the order they apply. */
export function migrationFiles(): string[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort();
}

/** Brings `schema` (a plain lower-case identifier, created if missing) up to the latest version. */
export async function migrate(pool: pg.Pool, schema: string, now: number): Promise<void> {
  const files = migrationFiles();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    // Not CREATE SCHEMA IF NOT EXISTS: that needs the CREATE privilege even when the schema exists.
    const exists = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
    if (!exists) await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      const version = Number(file.slice(0, 4));
      if (done.has(version)) continue;
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, now]);
      await client.query(readFileSync(new URL(file, DIR), 'utf8'));
    }
    await client.query('COMMIT');
    client.release();
  } catch (err) {
    await client.query('ROLLBACK').then(
      () => client.release(),
      (broken: Error) => client.release(broken),
    );
    throw err;
  }
}
