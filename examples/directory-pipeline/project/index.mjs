/**
 * Index: rebuilds the search index (FTS5) from the artists table, so a search finds an artist by
 * name, style, studio or city. A rebuild, not an increment: the table is the truth, and the
 * index of a directory this size rebuilds in milliseconds.
 */
import { open } from './schema.mjs';

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
console.log(JSON.stringify({ indexed: Number(changes) }));
