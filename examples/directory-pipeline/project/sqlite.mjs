/**
 * The directory on SQLite (node:sqlite), the embedded shape's backend: the file directory.db
 * lives in the project's workspace, and each task that changes it makes the project's next
 * version. The tables the pipeline stores into, its dead letters, and the search index over
 * the table (FTS5). directory.mjs picks this backend unless DATABASE_URL is set.
 */
import { DatabaseSync } from 'node:sqlite';

export const DB_FILE = 'directory.db';

function open() {
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

/** The Map's results into the tables, in one transaction (see store.mjs). */
export async function store(results, execution, now) {
  const db = open();
  const upsertStudio = db.prepare(`
    INSERT INTO studios (id, name, address, website, scraped_at, execution) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, website = excluded.website,
      scraped_at = excluded.scraped_at, execution = excluded.execution`);
  const clearArtists = db.prepare('DELETE FROM artists WHERE studio_id = ?');
  const addArtist = db.prepare('INSERT INTO artists (studio_id, name, styles, instagram) VALUES (?, ?, ?, ?)');
  const resolved = db.prepare('DELETE FROM dead_letters WHERE studio_id = ?');
  const deadLetter = db.prepare(`
    INSERT INTO dead_letters (studio_id, studio, error, cause, execution, failures, first_failed_at, last_failed_at)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?)
    ON CONFLICT (studio_id) DO UPDATE SET studio = excluded.studio, error = excluded.error, cause = excluded.cause,
      execution = excluded.execution, failures = failures + 1, last_failed_at = excluded.last_failed_at`);
  let stored = 0;
  let artists = 0;
  let dead = 0;
  db.exec('BEGIN');
  for (const r of results) {
    if (r.deadLetter) {
      const s = r.deadLetter.studio;
      deadLetter.run(s.id, JSON.stringify(s), r.deadLetter.error, r.deadLetter.cause ?? null, execution, now, now);
      dead++;
      continue;
    }
    upsertStudio.run(r.studio.id, r.studio.name, r.studio.address ?? null, r.studio.website ?? null, now, execution);
    clearArtists.run(r.studio.id);
    for (const a of r.artists) addArtist.run(r.studio.id, a.name, a.styles.join(', '), a.instagram);
    resolved.run(r.studio.id);
    stored++;
    artists += r.artists.length;
  }
  db.exec('COMMIT');
  db.close();
  return { stored, artists, deadLetters: dead };
}

/** Rebuilds the FTS5 index from the artists table (see index.mjs). */
export async function index() {
  const db = open();
  db.exec('BEGIN');
  db.exec('DELETE FROM artists_fts');
  const { changes } = db
    .prepare(`INSERT INTO artists_fts (rowid, name, styles, studio, city_address)
      SELECT a.id, a.name, a.styles, s.name, s.address FROM artists a JOIN studios s ON s.id = a.studio_id`)
    .run();
  db.exec('COMMIT');
  db.exec("INSERT INTO artists_fts (artists_fts) VALUES ('optimize')");
  db.close();
  return { indexed: Number(changes) };
}

/** Each FTS5 query's artists (best first), the dead-letter queue and the counts, the index's documents too (see search.mjs). */
export async function search(queries) {
  const db = open();
  const find = db.prepare(`
    SELECT a.name, a.styles, a.instagram, s.id AS studioId, s.name AS studio
    FROM artists_fts f JOIN artists a ON a.id = f.rowid JOIN studios s ON s.id = a.studio_id
    WHERE artists_fts MATCH ? ORDER BY bm25(artists_fts), a.name LIMIT 50`);
  const searches = {};
  for (const q of queries) searches[q] = find.all(q).map((r) => ({ ...r }));
  const deadLetters = db
    .prepare(
      'SELECT studio_id AS studioId, studio, error, cause, failures, execution, last_failed_at AS lastFailedAt FROM dead_letters ORDER BY studio_id',
    )
    .all()
    .map((r) => ({ ...r, studio: JSON.parse(r.studio) }));
  const count = (t) => Number(db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n);
  const counts = { studios: count('studios'), artists: count('artists'), deadLetters: deadLetters.length, indexed: count('artists_fts') };
  db.close();
  return { searches, deadLetters, counts };
}
