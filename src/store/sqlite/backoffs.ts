/**
 * Tasks in backoff (a retry that waits: migration 0015) go back to the ready queue once their
 * backoff ends. When this runs is BackoffWatch's decision (core/backoff-ends.ts).
 */
import { END_BACKOFFS_MAX } from '../../core/backoff-ends.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** now, limit: PENDING tasks whose backoff has ended go back to the ready queue (tasks_ready),
 *  the earliest first. */
const END_BACKOFFS = `
UPDATE tasks SET in_backoff = 0 WHERE seq IN (
  SELECT seq FROM tasks INDEXED BY tasks_backoff WHERE status = 'PENDING' AND in_backoff = 1 AND run_after <= ?1
  ORDER BY run_after LIMIT ?2)`;

/**
 * Tasks whose backoff has ended go back to the ready queue (END_BACKOFFS), in the write
 * transaction of the claim about to read it: once a backoff this store knows of has ended,
 * and at least every END_BACKOFFS_EVERY_MS whatever it knows (another process on this file).
 * The reaper runs it too (`force`). Returns how many it moved.
 */
export function endBackoffs(ctx: SqliteContext, now: number, force = false): number {
  if (!ctx.backoffs.due(now, force)) return 0;
  const moved = Number(ctx.stmt(END_BACKOFFS).run(now, END_BACKOFFS_MAX).changes);
  ctx.backoffs.moved(now, moved);
  return moved;
}

export async function nextRunAfter(ctx: SqliteContext): Promise<number | null> {
  const r = ctx
    .stmt(`SELECT min(run_after) AS t FROM tasks INDEXED BY tasks_backoff WHERE status = 'PENDING' AND in_backoff = 1`)
    .get() as Row;
  const t = r.t === null ? null : Number(r.t);
  ctx.backoffs.endsBy(t);
  return t;
}
