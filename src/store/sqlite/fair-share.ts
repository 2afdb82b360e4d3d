/**
 * Fair share between users (migration 0005): each new task takes its user's next rank, and the
 * fair clock follows the ranks of claimed tasks.
 */
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** The fair-share rank of a new task of user ?1 ('' for none): see migration 0005. */
const NEXT_RANK = `
SELECT max((SELECT rank FROM fair_clock WHERE id = 1), coalesce((SELECT last_rank FROM fair_users WHERE user_id = ?1), 0)) + 1 AS r`;

/** user ('' for none), rank */
const SET_USER_RANK = `
INSERT INTO fair_users (user_id, last_rank) VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET last_rank = excluded.last_rank`;

/** rank: the fair clock follows the ranks of claimed tasks. */
const ADVANCE_CLOCK = `UPDATE fair_clock SET rank = ?1 WHERE id = 1 AND rank < ?1`;

/** Inside a write: takes the next rank of `user` ('' for none) and returns it. */
export function takeRank(ctx: SqliteContext, user: string): number {
  const rank = Number((ctx.stmt(NEXT_RANK).get(user) as Row).r);
  ctx.stmt(SET_USER_RANK).run(user, rank);
  return rank;
}

/** Inside a write: tasks up to `rank` were leased. */
export function advanceClock(ctx: SqliteContext, rank: number): void {
  ctx.stmt(ADVANCE_CLOCK).run(rank);
}

export async function purgeFairShare(ctx: SqliteContext): Promise<number> {
  return ctx.writes.run(() =>
    Number(ctx.stmt('DELETE FROM fair_users WHERE last_rank <= (SELECT rank FROM fair_clock WHERE id = 1)').run().changes),
  );
}
