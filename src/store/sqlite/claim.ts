/**
 * Claims: lease ready tasks to a worker in claim order (core/claim-order.ts), within per-user
 * running limits when asked (core/user-limit.ts); and priority aging, which moves tasks up
 * that order as they wait.
 */
import { inClaimOrder } from '../../core/claim-order.ts';
import { leaseOf } from '../../core/hand-off.ts';
import { candidatesToRead, pickWithinUserLimits, usersAtLimit } from '../../core/user-limit.ts';
import { claimKey, taskFromRow, type Row } from '../row.ts';
import type { ClaimOptions } from '../ports/index.ts';
import type { Lease } from '../../core/index.ts';
import { endBackoffs } from './backoffs.ts';
import type { SqliteContext } from './context.ts';
import { advanceClock } from './fair-share.ts';

/** Claim order (compareClaimOrder, core/claim-order.ts) in SQL: the order of the partial index
 *  tasks_ready, so a claim reads only the head of the ready queue. */
export const CLAIM_ORDER = 'eff_priority DESC, fair_rank, seq';

/** A claimed task's start: now (?2), but for a lane's task never before the end of the lane's
 *  previous task. A lane's task is claimable only once that one ended, so this changes a time
 *  only when the clock read earlier than the end it waited for (a monotonic host clock does not;
 *  an injected one, or another process's, may). */
const LANE_START = `CASE WHEN tasks.lane IS NULL THEN ?2 ELSE max(?2, coalesce((SELECT e.completed_at FROM tasks e
  WHERE e.lane = tasks.lane AND e.seq < tasks.seq AND e.user_id IS tasks.user_id ORDER BY e.seq DESC LIMIT 1), 0)) END`;

/** worker_id, now (started_at, lease base and run_after bound), limit.
 *  Highest (effective, aged) priority first, then fair share between users (fair_rank, migration
 *  0005), then FIFO
 *  (seq). INDEXED BY pins the partial index
 *  tasks_ready: left to itself the planner took tasks_status and sorted every pending row on
 *  each claim (a temp B-tree; 5,000 claims/s fell to a few hundred with 10,000 queued). */
const CLAIM_ANY = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ${LANE_START},
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (
  SELECT seq FROM tasks AS t INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?2
    AND (t.lane IS NULL OR NOT EXISTS (SELECT 1 FROM tasks e WHERE e.lane IS NOT NULL AND e.lane = t.lane AND e.seq < t.seq
      AND e.user_id IS t.user_id AND e.status IN ('PENDING', 'RUNNING')))
  ORDER BY ${CLAIM_ORDER} LIMIT ?3)
RETURNING *`;

/** As CLAIM_ANY, restricted to the queues in the JSON array ?4. */
const CLAIM_QUEUES = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ${LANE_START},
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (
  SELECT seq FROM tasks AS t INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?2
    AND queue IN (SELECT value FROM json_each(?4))
    AND (t.lane IS NULL OR NOT EXISTS (SELECT 1 FROM tasks e WHERE e.lane IS NOT NULL AND e.lane = t.lane AND e.seq < t.seq
      AND e.user_id IS t.user_id AND e.status IN ('PENDING', 'RUNNING')))
  ORDER BY ${CLAIM_ORDER} LIMIT ?3)
RETURNING *`;

/** now, limit, users at their running limit (JSON array): ready tasks in claim order, for a
 *  claim that enforces a per-user running limit (the caller picks within the limits). */
const READY_CANDIDATES = `
SELECT seq, user_id, queue FROM tasks AS t INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND run_after <= ?1
  AND coalesce(user_id, '') NOT IN (SELECT value FROM json_each(?3))
    AND (t.lane IS NULL OR NOT EXISTS (SELECT 1 FROM tasks e WHERE e.lane IS NOT NULL AND e.lane = t.lane AND e.seq < t.seq
      AND e.user_id IS t.user_id AND e.status IN ('PENDING', 'RUNNING')))
ORDER BY ${CLAIM_ORDER} LIMIT ?2`;

/** worker_id, now, seqs (JSON array): lease exactly these tasks. */
const CLAIM_SEQS = `
UPDATE tasks SET status = 'RUNNING', attempt = attempt + 1, worker_id = ?1, started_at = ${LANE_START},
  lease_expires_at = ?2 + visibility_timeout_s * 1000
WHERE seq IN (SELECT value FROM json_each(?3)) AND status = 'PENDING'
RETURNING *`;

/** RUNNING tasks per user ('' for none). */
const RUNNING_BY_USER = `SELECT coalesce(user_id, '') AS u, count(*) AS n FROM tasks WHERE status = 'RUNNING' GROUP BY user_id`;

/** now, step ms: each ready PENDING task's effective priority becomes its priority plus one per
 *  step it has waited since it became ready, up to 10 (reads only the partial index's rows). */
const AGE_PRIORITIES = `
UPDATE tasks SET eff_priority = min(10, priority + (?1 - run_after) / ?2)
WHERE seq IN (SELECT seq FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0 AND eff_priority < 10)
  AND run_after <= ?1 - ?2 AND eff_priority < min(10, priority + (?1 - run_after) / ?2)`;

export async function claim(ctx: SqliteContext, o: ClaimOptions): Promise<Lease[]> {
  if (o.limit <= 0) return [];
  let moved = 0;
  const leases = await ctx.writes.run(() => {
    const now = ctx.clock.now();
    moved = endBackoffs(ctx, now);
    const rows = (
      (o.maxRunningPerUser ?? 0) > 0
        ? claimWithinUserLimits(ctx, o, now)
        : o.queues
          ? ctx.stmt(CLAIM_QUEUES).all(o.workerId, now, o.limit, JSON.stringify(o.queues))
          : ctx.stmt(CLAIM_ANY).all(o.workerId, now, o.limit)
    ) as Row[];
    // RETURNING does not keep the subquery's order.
    inClaimOrder(rows, claimKey);
    if (rows.length > 0) advanceClock(ctx, Math.max(...rows.map((r) => Number(r.fair_rank))));
    return rows.map((r) => {
      const task = taskFromRow(r);
      ctx.addHistory(task.id, task.startedAt ?? now, 'RUNNING', task.attempt, o.workerId, null);
      return leaseOf(task, o.workerId, now);
    });
  }, false);
  // Moved back to the ready queue: more than this claim may have taken.
  if (moved > 0) ctx.notifyReady();
  return leases;
}

/**
 * A claim under a per-user running limit: count RUNNING tasks per user (few: at most the
 * workers' slots), read ready tasks in claim order skipping users already at the limit, and
 * lease those that keep every user within it (pickWithinUserLimits). Runs inside the claim's
 * write transaction.
 */
function claimWithinUserLimits(ctx: SqliteContext, o: ClaimOptions, now: number): Row[] {
  const max = o.maxRunningPerUser ?? 0;
  const running = new Map<string, number>();
  for (const r of ctx.stmt(RUNNING_BY_USER).all() as Row[]) running.set(String(r.u), Number(r.n));
  const candidates = ctx.stmt(READY_CANDIDATES).all(now, candidatesToRead(o.limit), JSON.stringify(usersAtLimit(running, max))) as Row[];
  const picked = pickWithinUserLimits(
    candidates.map((c) => ({ seq: Number(c.seq), userId: c.user_id === null ? null : String(c.user_id), queue: String(c.queue) })),
    running,
    max,
    o.limit,
    o.queues ?? null,
  );
  return picked.length === 0 ? [] : (ctx.stmt(CLAIM_SEQS).all(o.workerId, now, JSON.stringify(picked)) as Row[]);
}

export async function age(ctx: SqliteContext, stepMs: number): Promise<number> {
  if (stepMs <= 0) return 0;
  return ctx.writes.run(() => Number(ctx.stmt(AGE_PRIORITIES).run(ctx.clock.now(), stepMs).changes), false);
}
