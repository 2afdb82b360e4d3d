/** A worker's heartbeat: its liveness, its leases extended, and its strays (core/heartbeat.ts). */
import { attemptKey, heartbeatResult } from '../../core/heartbeat.ts';
import type { Row } from '../row.ts';
import type { AttemptRef, HeartbeatResult } from '../../core/index.ts';
import type { SqliteContext } from './context.ts';

/** now, id, attempt, worker_id */
const EXTEND_LEASE = `
UPDATE tasks SET lease_expires_at = ?1 + visibility_timeout_s * 1000
WHERE id = ?2 AND attempt = ?3 AND worker_id = ?4 AND status = 'RUNNING'
RETURNING cancel_requested`;

/** worker_id, before: the leases that worker holds, granted before then. */
const LEASES_OF_WORKER = `SELECT id, attempt FROM tasks WHERE status = 'RUNNING' AND worker_id = ? AND started_at < ?`;

export async function heartbeat(
  ctx: SqliteContext,
  workerId: string,
  attempts: AttemptRef[],
  straysBefore?: number,
): Promise<HeartbeatResult> {
  return ctx.writes.run(() => {
    const now = ctx.clock.now();
    ctx.stmt('UPDATE workers SET last_seen = ? WHERE id = ?').run(now, workerId);
    const extended = new Map<string, boolean>();
    for (const a of attempts) {
      const r = ctx.stmt(EXTEND_LEASE).get(now, a.taskId, a.attempt, workerId) as Row | undefined;
      if (r) extended.set(attemptKey(a), Number(r.cancel_requested) === 1);
    }
    const leased =
      straysBefore === undefined
        ? []
        : (ctx.stmt(LEASES_OF_WORKER).all(workerId, straysBefore) as Row[]).map((r) => ({
            taskId: String(r.id),
            attempt: Number(r.attempt),
          }));
    return heartbeatResult(attempts, extended, leased);
  }, false);
}
