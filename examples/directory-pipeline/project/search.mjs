/**
 * Search the directory: each argument is an FTS5 query ("blackwork", "mara", "japanese AND
 * hamburg"); prints one JSON document with the artists each finds (best first), the dead-letter
 * queue and the table's counts. Run as a task in the project: `hangar submit --project ID
 * --wait --shell 'exec /opt/hangar/node search.mjs blackwork'`.
 */
import { open } from './schema.mjs';

const db = open();
const find = db.prepare(`
  SELECT a.name, a.styles, a.instagram, s.id AS studioId, s.name AS studio
  FROM artists_fts f JOIN artists a ON a.id = f.rowid JOIN studios s ON s.id = a.studio_id
  WHERE artists_fts MATCH ? ORDER BY bm25(artists_fts), a.name LIMIT 50`);
const searches = {};
for (const q of process.argv.slice(2)) searches[q] = find.all(q).map((r) => ({ ...r }));
const deadLetters = db
  .prepare(
    'SELECT studio_id AS studioId, studio, error, cause, failures, execution, last_failed_at AS lastFailedAt FROM dead_letters ORDER BY studio_id',
  )
  .all()
  .map((r) => ({ ...r, studio: JSON.parse(r.studio) }));
const count = (t) => Number(db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n);
const counts = { studios: count('studios'), artists: count('artists'), deadLetters: deadLetters.length };
db.close();
console.log(JSON.stringify({ searches, deadLetters, counts }));
