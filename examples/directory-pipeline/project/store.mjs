/**
 * Store: the Map's results (env RESULTS, JSON: one entry per studio, either { studio, artists,
 * rejected } or { deadLetter: { studio, error, cause } }) into the directory's tables, in one
 * transaction. A studio stored replaces its artists and leaves the dead-letter queue; one that
 * failed for good is put in it (or its count of failures goes up).
 */
import { open } from './schema.mjs';

const results = JSON.parse(process.env.RESULTS ?? '[]');
const execution = process.env.EXECUTION ?? null;
const now = new Date().toISOString();
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
console.log(JSON.stringify({ stored, artists, deadLetters: dead }));
