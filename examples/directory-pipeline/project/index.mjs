/**
 * Index: rebuilds the search index (FTS5 on SQLite, a tsvector table with a GIN index on
 * PostgreSQL) from the artists table, so a search finds an artist by name, style, studio or
 * city. A rebuild, not an increment: the table is the truth, and the index of a directory this
 * size rebuilds in milliseconds.
 */
import { openDirectory } from './directory.mjs';

const directory = await openDirectory();
console.log(JSON.stringify(await directory.index()));
