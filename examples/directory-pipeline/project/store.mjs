/**
 * Store: the Map's results (env RESULTS, JSON: one entry per studio, either { studio, artists,
 * rejected } or { deadLetter: { studio, error, cause } }) into the directory's tables, in one
 * transaction. A studio stored replaces its artists and leaves the dead-letter queue; one that
 * failed for good is put in it (or its count of failures goes up).
 */
import { openDirectory } from './directory.mjs';

const results = JSON.parse(process.env.RESULTS ?? '[]');
const execution = process.env.EXECUTION ?? null;
const directory = await openDirectory();
console.log(JSON.stringify(await directory.store(results, execution, new Date().toISOString())));
