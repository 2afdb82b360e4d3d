/**
 * Claims: ready tasks leased to a worker in claim order (core/claim-order.ts: highest effective
 * priority, then fair share between users, then FIFO), in one statement, or under a per-user
 * running limit in a transaction that counts first.
 */
import { inClaimOrder } from '../../core/claim-order.ts';
import { leaseOf } from '../../core/hand-off.ts';
import { candidatesToRead, pickWithinUserLimits, usersAtLimit } from '../../core/user-limit.ts';
import { claimKey, taskFromRow, type Row } from '../row.ts';
import type { ClaimOptions } from '../ports/index.ts';
import type { Lease } from '../../core/index.ts';
import type { Backoffs } from './backoffs.ts';
import type { Db, Tx } from './db.ts';

/** The end of every claim statement: lease the rows of `picked` to worker $1 at now $2 (a lane's
 *  task starts no earlier than the end of the lane's previous one: the claim's `now` is read
 *  before the statement runs, and that end may commit in between), write
 *  their history rows, and advance the fair clock to the highest rank leased. In the claim's one
 *  statement, so the clock row, which every claim updates, is held only for its commit. */
const LEASE_PICKED = `
claimed AS (
  UPDATE tasks t SET status = 'RUNNING', attempt = t.attempt + 1, worker_id = $1::text,
    started_at = CASE WHEN t.lane IS NULL THEN $2::bigint ELSE GREATEST($2::bigint, coalesce((SELECT e.completed_at FROM tasks e
      WHERE e.lane = t.lane AND e.seq < t.seq AND e.user_id IS NOT DISTINCT FROM t.user_id ORDER BY e.seq DESC LIMIT 1), 0)) END,
    lease_expires_at = $2::bigint + t.visibility_timeout_s * 1000
  FROM picked WHERE t.seq = picked.seq
  RETURNING t.*),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT id, started_at, 'RUNNING', attempt, $1, NULL FROM claimed),
clock AS (
  UPDATE fair_clock SET rank = top.rank FROM (SELECT max(fair_rank) AS rank FROM claimed) top
  WHERE fair_clock.id = 1 AND fair_clock.rank < top.rank)
SELECT * FROM claimed`;

/** worker_id, now (started_at, lease base and run_after bound), limit, queues (null for all).
 *  Highest (effective, aged) priority first, then fair share between users (fair_rank), then
 *  FIFO (seq); rows another claim holds are skipped, not waited for (ready_tasks, migration
 *  0002). RETURNING does not keep this order. */
const CLAIM = `
WITH picked AS (SELECT seq FROM ready_tasks($2, $3, $4::text[], NULL)),
${LEASE_PICKED}`;

/** worker_id, now, seqs: lease exactly these tasks (locked by READY_CANDIDATES). */
const CLAIM_SEQS = `
WITH picked AS (SELECT seq FROM tasks WHERE seq = ANY($3::bigint[]) AND status = 'PENDING'),
${LEASE_PICKED}`;

/** now, limit, users at their running limit, queues (null for all): ready tasks in claim order,
 *  locked, for a claim that enforces a per-user running limit (the caller picks within it). */
const READY_CANDIDATES = `SELECT seq, user_id FROM ready_tasks($1, $2, $4::text[], $3::text[])`;

/** First key of the per-user limits' advisory lock ('hgr' 2); the second is the schema's hash. */
export const USER_LIMITS_LOCK = 0x68677202;

/** USER_LIMITS_LOCK, schema: serializes what counts RUNNING tasks per user before leasing
 *  (limited claims and hand-offs), so two of them cannot both take a user's last slot. Held
 *  until commit. */
export const LOCK_USER_LIMITS = `SELECT pg_advisory_xact_lock($1, hashtext($2))`;

/** RUNNING tasks per user ('' for none). */
const RUNNING_BY_USER = `SELECT coalesce(user_id, '') AS u, count(*) AS n FROM tasks WHERE status = 'RUNNING' GROUP BY user_id`;

/** user_id, max: a user's PENDING and RUNNING tasks, each counted up to max (partial indexes). */
const USER_LOAD = `
SELECT (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE user_id = $1 AND status = 'PENDING' LIMIT $2) p) AS pending,
       (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE user_id = $1 AND status = 'RUNNING' LIMIT $2) r) AS running`;

export class Claims {
  private readonly db: Db;
  private readonly backoffs: Backoffs;

  constructor(db: Db, backoffs: Backoffs) {
    this.db = db;
    this.backoffs = backoffs;
  }

  async claim(o: ClaimOptions): Promise<Lease[]> {
    if (o.limit <= 0) return [];
    await this.backoffs.end(this.db.now());
    // Read after that round trip: a claim stamps its tasks' start with it.
    const now = this.db.now();
    const rows =
      (o.maxRunningPerUser ?? 0) > 0
        ? await this.db.tx((tx) => this.claimWithinUserLimits(tx, o, now))
        : await this.db.rows(CLAIM, [o.workerId, now, o.limit, o.queues ?? null]);
    return inClaimOrder(rows, claimKey).map((r) => leaseOf(taskFromRow(r), o.workerId, now));
  }

  /**
   * A claim under a per-user running limit: count RUNNING tasks per user (few: at most the
   * workers' slots), lock ready tasks in claim order skipping users already at the limit, and
   * lease those that keep every user within it (pickWithinUserLimits, core/user-limit.ts).
   * Serialized with the other limited claims and hand-offs (LOCK_USER_LIMITS), so the counts
   * stay true until it commits.
   */
  private async claimWithinUserLimits(tx: Tx, o: ClaimOptions, now: number): Promise<Row[]> {
    const max = o.maxRunningPerUser ?? 0;
    await tx.query(LOCK_USER_LIMITS, [USER_LIMITS_LOCK, this.db.schema]);
    const running = new Map<string, number>();
    for (const r of await tx.query(RUNNING_BY_USER)) running.set(String(r.u), Number(r.n));
    const candidates = await tx.query(READY_CANDIDATES, [now, candidatesToRead(o.limit), usersAtLimit(running, max), o.queues ?? null]);
    // Queues are filtered by READY_CANDIDATES already: none to filter here (null).
    const picked = pickWithinUserLimits(
      candidates.map((c) => ({ seq: Number(c.seq), userId: c.user_id === null ? null : String(c.user_id) })),
      running,
      max,
      o.limit,
      null,
    );
    return picked.length === 0 ? [] : tx.query(CLAIM_SEQS, [o.workerId, now, picked]);
  }

  async userLoad(userId: string, max: number): Promise<{ pending: number; running: number }> {
    const [r] = await this.db.rows(USER_LOAD, [userId, max]);
    return { pending: Number(r.pending), running: Number(r.running) };
  }
}
