/**
 * Search the directory: each argument is a query in FTS5's syntax ("blackwork", "mara",
 * "japanese AND hamburg", '"slow hand" OR flaky'; PostgreSQL reads the same words, phrases,
 * AND, OR and NOT); prints one JSON document with the artists each finds (best first), the
 * dead-letter queue and the counts of the tables and of the index. Run as a task in the
 * project: `hangar submit --project ID --wait --shell 'exec /opt/hangar/node search.mjs
 * blackwork'` (with PostgreSQL also `--egress --secret DATABASE_URL`).
 */
import { openDirectory } from './directory.mjs';

const directory = await openDirectory();
console.log(JSON.stringify(await directory.search(process.argv.slice(2))));
