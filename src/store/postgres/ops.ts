/**
 * Operations: the worker registry, scaling events, the leader lease, alert states, and the
 * upkeep the leader runs (priority aging, purges of finished tasks and of fair-share rows).
 */
import { alertFromRow, scalingFromRow, workerFromRow } from '../row.ts';
import type { AlertState, NewScalingEvent, ScalingEvent, WorkerInfo, WorkerLoad, WorkerRecord } from '../ports/index.ts';
import type { Db } from './db.ts';

/** now, step ms: each ready PENDING task's effective priority becomes its priority plus one per
 *  step it has waited since it became ready, up to 10. Rows a claim holds are left for next time. */
const AGE_PRIORITIES = `
UPDATE tasks SET eff_priority = least(10, priority + ($1::bigint - run_after) / $2::bigint)
WHERE seq IN (
  SELECT seq FROM tasks WHERE status = 'PENDING' AND eff_priority < 10
    AND run_after <= $1::bigint - $2::bigint AND eff_priority < least(10, priority + ($1::bigint - run_after) / $2::bigint)
  FOR UPDATE SKIP LOCKED)`;

/** cutoff, limit: delete finished tasks completed before the cutoff, and their history. */
const PURGE_FINISHED = `
WITH gone AS (
  DELETE FROM tasks WHERE seq IN (
    SELECT seq FROM tasks WHERE completed_at < $1 AND status IN ('SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED') LIMIT $2)
  RETURNING id),
history AS (DELETE FROM task_history WHERE task_id IN (SELECT id FROM gone)),
output AS (DELETE FROM task_output WHERE task_id IN (SELECT id FROM gone))
SELECT id FROM gone`;

export class Ops {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async touchWorker(workerId: string, info: WorkerInfo): Promise<void> {
    const now = this.db.now();
    await this.db.query(
      `INSERT INTO workers (id, host, pid, concurrency, started_at, last_seen) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, concurrency = excluded.concurrency`,
      [workerId, info.host, info.pid, info.concurrency, now],
    );
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.db.query('DELETE FROM workers WHERE id = $1', [workerId]);
  }

  async liveWorkers(staleMs: number): Promise<WorkerRecord[]> {
    const rows = await this.db.rows('SELECT * FROM workers WHERE last_seen >= $1 ORDER BY started_at', [this.db.now() - staleMs]);
    return rows.map(workerFromRow);
  }

  async purgeFairShare(): Promise<number> {
    // A submit racing with this upserts the row again (ON CONFLICT); its rank is the same.
    const r = await this.db.query('DELETE FROM fair_users WHERE last_rank <= (SELECT rank FROM fair_clock WHERE id = 1)');
    return r.rowCount ?? 0;
  }

  async workerLoads(): Promise<WorkerLoad[]> {
    const rows = await this.db.rows(
      `SELECT worker_id, count(*) AS n FROM tasks WHERE status = 'RUNNING' AND worker_id IS NOT NULL GROUP BY worker_id`,
    );
    return rows.map((r) => ({ workerId: String(r.worker_id), running: Number(r.n) }));
  }

  async recordScaling(e: NewScalingEvent): Promise<ScalingEvent> {
    const [r] = await this.db.rows(
      'INSERT INTO scaling_events (at, action, depth, current, desired, workers, reason, autoscaler) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
      [e.at, e.action, e.depth, e.current, e.desired, JSON.stringify(e.workers), e.reason, e.autoscaler],
    );
    return { ...e, id: Number(r.id) };
  }

  async scalingEvents(f: { since?: number; limit: number }): Promise<ScalingEvent[]> {
    const rows = await this.db.rows('SELECT * FROM scaling_events WHERE at >= $1 ORDER BY id DESC LIMIT $2', [f.since ?? 0, f.limit]);
    return rows.map(scalingFromRow);
  }

  async purgeScaling(olderThan: number, limit: number): Promise<number> {
    const r = await this.db.query(
      'DELETE FROM scaling_events WHERE id IN (SELECT id FROM scaling_events WHERE at < $1 ORDER BY at LIMIT $2)',
      [olderThan, limit],
    );
    return r.rowCount ?? 0;
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.db.now();
    const r = await this.db.query(
      `INSERT INTO leader_leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < $4`,
      [name, holder, now + ttlMs, now],
    );
    return r.rowCount === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.query('DELETE FROM leader_leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async alertStates(): Promise<AlertState[]> {
    return (await this.db.rows('SELECT * FROM alert_state ORDER BY name')).map(alertFromRow);
  }

  async transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean> {
    const r =
      from === null
        ? await this.db.query(
            'INSERT INTO alert_state (name, state, since, value, message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING',
            [s.name, s.state, s.since, s.value, s.message],
          )
        : await this.db.query('UPDATE alert_state SET state = $1, since = $2, value = $3, message = $4 WHERE name = $5 AND state = $6', [
            s.state,
            s.since,
            s.value,
            s.message,
            s.name,
            from,
          ]);
    return r.rowCount === 1;
  }

  async age(stepMs: number): Promise<number> {
    if (stepMs <= 0) return 0;
    return (await this.db.query(AGE_PRIORITIES, [this.db.now(), stepMs])).rowCount ?? 0;
  }

  async purgeFinished(olderThan: number, limit: number): Promise<string[]> {
    return (await this.db.rows(PURGE_FINISHED, [olderThan, limit])).map((r) => String(r.id));
  }

  /** Whether the server's autovacuum is on: without it the dead row versions every claim and
   *  finish leaves are never reclaimed (null: could not be read). */
  async autovacuumOn(): Promise<boolean | null> {
    try {
      const [r] = await this.db.rows(`SELECT current_setting('autovacuum') = 'on' AS on`);
      return r ? Boolean(r.on) : null;
    } catch {
      return null;
    }
  }
}
