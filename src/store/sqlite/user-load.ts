/** A user's PENDING and RUNNING tasks, counted up to a limit (per-user limits, hand-off). */
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, max: a user's PENDING tasks, counted up to max (partial index of migration 0006). */
const COUNT_USER_PENDING = `
SELECT count(*) AS n FROM (SELECT 1 FROM tasks INDEXED BY tasks_user_pending WHERE user_id = ?1 AND status = 'PENDING' LIMIT ?2)`;

/** user_id, max: a user's RUNNING tasks, counted up to max. */
const COUNT_USER_RUNNING = `
SELECT count(*) AS n FROM (SELECT 1 FROM tasks INDEXED BY tasks_user_running WHERE user_id = ?1 AND status = 'RUNNING' LIMIT ?2)`;

export function countUser(ctx: SqliteContext, userId: string, status: 'PENDING' | 'RUNNING', max: number): number {
  return Number((ctx.stmt(status === 'PENDING' ? COUNT_USER_PENDING : COUNT_USER_RUNNING).get(userId, max) as Row).n);
}

export function runningOfNobody(ctx: SqliteContext): number {
  return Number((ctx.stmt(`SELECT count(*) AS n FROM tasks WHERE status = 'RUNNING' AND user_id IS NULL`).get() as Row).n);
}

export async function userLoad(ctx: SqliteContext, userId: string, max: number): Promise<{ pending: number; running: number }> {
  return { pending: countUser(ctx, userId, 'PENDING', max), running: countUser(ctx, userId, 'RUNNING', max) };
}
