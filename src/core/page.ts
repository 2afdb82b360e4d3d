/**
 * Keyset pagination, the same for every listing of every Store backend (tasks, audit entries):
 * the backend reads one row more than the page, newest first, after the cursor it was given;
 * that extra row says a next page exists, and the next page starts after this page's last row.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Rows a backend reads for a page of `limit`. */
export function rowsForPage(limit: number): number {
  return limit + 1;
}

/** The page in `rows` (read with rowsForPage): its items, and the cursor of the next page
 *  (from the page's last row), or null when there is none. */
export function pageOf<R, T>(rows: R[], limit: number, item: (row: R) => T, cursor: (last: R) => string): Page<T> {
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return { items: page.map(item), nextCursor: more ? cursor(page[page.length - 1]) : null };
}
