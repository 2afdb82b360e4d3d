/** Operations: the workers' registry, the leader lease, alert states, scaling events, and the
 *  retention of finished tasks. */
import { alertFromRow, scalingFromRow, workerFromRow, type Row } from '../row.ts';
import type { AlertState, NewScalingEvent, ScalingEvent, WorkerInfo, WorkerRecord } from '../ports/index.ts';
import type { SqliteContext } from './context.ts';

export async function touchWorker(ctx: SqliteContext, workerId: string, info: WorkerInfo): Promise<void> {
  await ctx.writes.run(() => {
    const now = ctx.clock.now();
    ctx
      .stmt(
        `INSERT INTO workers (id, host, pid, concurrency, started_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, concurrency = excluded.concurrency`,
      )
      .run(workerId, info.host, info.pid, info.concurrency, now, now);
  }, false);
}

export async function removeWorker(ctx: SqliteContext, workerId: string): Promise<void> {
  await ctx.writes.run(() => ctx.stmt('DELETE FROM workers WHERE id = ?').run(workerId), false);
}

export async function liveWorkers(ctx: SqliteContext, staleMs: number): Promise<WorkerRecord[]> {
  const rows = ctx.stmt('SELECT * FROM workers WHERE last_seen >= ? ORDER BY started_at').all(ctx.clock.now() - staleMs) as Row[];
  return rows.map(workerFromRow);
}

export async function acquireLease(ctx: SqliteContext, name: string, holder: string, ttlMs: number): Promise<boolean> {
  return ctx.writes.run(() => {
    const now = ctx.clock.now();
    const r = ctx
      .stmt(
        `INSERT INTO leader_leases (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < ?`,
      )
      .run(name, holder, now + ttlMs, now);
    return Number(r.changes) === 1;
  });
}

export async function releaseLease(ctx: SqliteContext, name: string, holder: string): Promise<void> {
  await ctx.writes.run(() => void ctx.stmt('DELETE FROM leader_leases WHERE name = ? AND holder = ?').run(name, holder));
}

export async function alertStates(ctx: SqliteContext): Promise<AlertState[]> {
  return (ctx.stmt('SELECT * FROM alert_state ORDER BY name').all() as Row[]).map(alertFromRow);
}

export async function transitionAlert(ctx: SqliteContext, from: AlertState['state'] | null, s: AlertState): Promise<boolean> {
  return ctx.writes.run(() => {
    const r =
      from === null
        ? ctx
            .stmt('INSERT INTO alert_state (name, state, since, value, message) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
            .run(s.name, s.state, s.since, s.value, s.message)
        : ctx
            .stmt('UPDATE alert_state SET state = ?, since = ?, value = ?, message = ? WHERE name = ? AND state = ?')
            .run(s.state, s.since, s.value, s.message, s.name, from);
    return Number(r.changes) === 1;
  });
}

export async function recordScaling(ctx: SqliteContext, e: NewScalingEvent): Promise<ScalingEvent> {
  return ctx.writes.run(() => {
    const r = ctx
      .stmt('INSERT INTO scaling_events (at, action, depth, current, desired, workers, reason, autoscaler) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.action, e.depth, e.current, e.desired, JSON.stringify(e.workers), e.reason, e.autoscaler);
    return { ...e, id: Number(r.lastInsertRowid) };
  });
}

export async function scalingEvents(ctx: SqliteContext, f: { since?: number; limit: number }): Promise<ScalingEvent[]> {
  const rows = ctx.stmt('SELECT * FROM scaling_events WHERE at >= ? ORDER BY id DESC LIMIT ?').all(f.since ?? 0, f.limit) as Row[];
  return rows.map(scalingFromRow);
}

export async function purgeScaling(ctx: SqliteContext, olderThan: number, limit: number): Promise<number> {
  return ctx.writes.run(() =>
    Number(
      ctx
        .stmt('DELETE FROM scaling_events WHERE id IN (SELECT id FROM scaling_events WHERE at < ? ORDER BY at LIMIT ?)')
        .run(olderThan, limit).changes,
    ),
  );
}

export async function purgeFinished(ctx: SqliteContext, olderThan: number, limit: number): Promise<string[]> {
  return ctx.writes.run(() => {
    const rows = ctx
      .stmt(`SELECT id FROM tasks WHERE completed_at < ? AND status IN ('SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED') LIMIT ?`)
      .all(olderThan, limit) as Row[];
    const ids = rows.map((r) => String(r.id));
    for (const id of ids) {
      ctx.stmt('DELETE FROM task_history WHERE task_id = ?').run(id);
      ctx.stmt('DELETE FROM task_output WHERE task_id = ?').run(id);
      ctx.stmt('DELETE FROM tasks WHERE id = ?').run(id);
    }
    return ids;
  });
}
