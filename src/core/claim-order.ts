/**
 * Claim order: which ready task a claim takes first, the same for every Store backend.
 * Highest effective (aged) priority first, then fair share between users (the fair rank a task
 * took at submit: SQLite migration 0005), then FIFO (seq).
 *
 * The statements that pick tasks say it in SQL, `ORDER BY eff_priority DESC, fair_rank, seq`
 * (SQLite: CLAIM_ORDER in store/sqlite/claim.ts; PostgreSQL: ready_tasks(), ready_head() and
 * tasks_ahead(), last defined in its migration 0014_backoff.sql), and stay SQL: an index
 * (tasks_ready) serves that order, so a claim reads the queue's head and not every ready row,
 * and a landed migration is never edited. This names the rule once, and orders what a claim's
 * UPDATE ... RETURNING gives back, which does not keep its subquery's order.
 */

export interface ClaimKey {
  effPriority: number;
  fairRank: number;
  seq: number;
}

/** Negative when `a` is claimed before `b`. */
export function compareClaimOrder(a: ClaimKey, b: ClaimKey): number {
  return b.effPriority - a.effPriority || a.fairRank - b.fairRank || a.seq - b.seq;
}

/** Sorts `items` (in place) in claim order and returns them. Each item's key is made once,
 *  not twice per comparison: a claim's rows are sorted on the dispatch hot path. */
export function inClaimOrder<T>(items: T[], key: (item: T) => ClaimKey): T[] {
  if (items.length < 2) return items;
  const keys = new Map<T, ClaimKey>();
  for (const item of items) keys.set(item, key(item));
  return items.sort((a, b) => compareClaimOrder(keys.get(a) as ClaimKey, keys.get(b) as ClaimKey));
}
