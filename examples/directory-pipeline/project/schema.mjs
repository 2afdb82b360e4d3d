/**
 * The directory's database (SQLite, node:sqlite): the table the pipeline stores into, its dead
 * letters, and the search index over the table (FTS5). Shared by store.mjs, index.mjs and
 * search.mjs, which run as Hangar tasks in this project: the file lives in the project's
 * workspace, and each task that changes it makes the project's next version.
 */
import { DatabaseSync } from 'node:sqlite';

export const DB_FILE = 'directory.db';

export function open() {
  const db = new DatabaseSync(DB_FILE);
  db.exec(`
    CREATE TABLE IF NOT EXISTS studios (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      address TEXT,
      website TEXT,
      scraped_at TEXT NOT NULL,
      execution TEXT
    );
    CREATE TABLE IF NOT EXISTS artists (
      id INTEGER PRIMARY KEY,
      studio_id TEXT NOT NULL REFERENCES studios(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      styles TEXT NOT NULL,
      instagram TEXT NOT NULL,
      UNIQUE (studio_id, name)
    );
    CREATE TABLE IF NOT EXISTS dead_letters (
      studio_id TEXT PRIMARY KEY,
      studio TEXT NOT NULL,
      error TEXT NOT NULL,
      cause TEXT,
      execution TEXT,
      failures INTEGER NOT NULL DEFAULT 1,
      first_failed_at TEXT NOT NULL,
      last_failed_at TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE IF NOT EXISTS artists_fts USING fts5(
      name, styles, studio, city_address, tokenize = 'unicode61 remove_diacritics 2'
    );
  `);
  return db;
}
