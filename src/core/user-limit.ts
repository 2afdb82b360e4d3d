/**
 * The per-user running limit (ClaimOptions.maxRunningPerUser, LocalTaker.maxRunningPerUser):
 * which ready tasks a limited claim leases, the same for every Store backend. The backend
 * counts RUNNING tasks per user (few: at most the workers' slots) and reads ready tasks in
 * claim order, skipping users already at the limit, under whatever keeps those counts true
 * until it commits (SQLite: its one writer; PostgreSQL: an advisory lock).
 */

/** A user in the counts: '' for the tasks of no user, as the SQL's coalesce(user_id, ''). */
export function userKey(userId: string | null): string {
  return userId ?? '';
}

/** How many ready tasks a claim of `limit` reads: a few times the limit, as one user's run of
 *  tasks may fill its quota early. */
export function candidatesToRead(limit: number): number {
  return limit * 4 + 16;
}

/** Users (userKey) whose running tasks already reach `max`: their tasks are not read. */
export function usersAtLimit(running: ReadonlyMap<string, number>, max: number): string[] {
  return [...running].filter(([, n]) => n >= max).map(([u]) => u);
}

export interface Candidate {
  seq: number;
  userId: string | null;
  /** Needed only when `queues` is given. */
  queue?: string;
}

/**
 * The seqs to lease, in the candidates' (claim) order: at most `limit`, none of a queue outside
 * `queues` (null: every queue; a backend that filters queues in SQL passes null), and none that
 * would take its user past `max` RUNNING tasks, counting those already picked.
 */
export function pickWithinUserLimits(
  candidates: Iterable<Candidate>,
  running: ReadonlyMap<string, number>,
  max: number,
  limit: number,
  queues: readonly string[] | null = null,
): number[] {
  const counts = new Map(running);
  const allowed = queues ? new Set(queues) : null;
  const picked: number[] = [];
  for (const c of candidates) {
    if (picked.length >= limit) break;
    if (allowed && !allowed.has(String(c.queue))) continue;
    const u = userKey(c.userId);
    const n = counts.get(u) ?? 0;
    if (n >= max) continue;
    counts.set(u, n + 1);
    picked.push(c.seq);
  }
  return picked;
}
