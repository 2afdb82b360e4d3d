/**
 * The directory's storage, chosen by the task's environment: PostgreSQL with full-text search
 * when DATABASE_URL is set (a Hangar secret: the scale-out shape), else SQLite with FTS5 in the
 * project's workspace (the embedded shape). Both backends answer the same three calls with the
 * same results: store(results, execution, now), index(), search(queries).
 */
export function openDirectory() {
  return process.env.DATABASE_URL ? import('./postgres.mjs') : import('./sqlite.mjs');
}
