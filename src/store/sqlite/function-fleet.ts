/**
 * The function fleet port on SQLite (ports/function-fleet.ts): the same rows as PostgreSQL's;
 * a take is one write of the batch, which serialises it with every other write.
 */
import { type FunctionPeak, functionErrors } from '../../core/index.ts';
import { hostFromRow, LAPSED_KEEP_MS, peakFromRow, warmColumn } from '../function-host-row.ts';
import type { ConcurrencyTake, FunctionFleet, FunctionHostAdvert, FunctionHostEntry } from '../ports/function-fleet.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

const UPSERT_HOST = `INSERT INTO function_hosts (host_id, address, capacity, busy, warm, updated_at, expires_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (host_id) DO UPDATE SET address = excluded.address, capacity = excluded.capacity, busy = excluded.busy,
    warm = excluded.warm, updated_at = excluded.updated_at, expires_at = excluded.expires_at`;
const DELETE_LAPSED_HOSTS = `DELETE FROM function_hosts WHERE expires_at < ?`;
const DELETE_HOST = `DELETE FROM function_hosts WHERE host_id = ?`;
/** host_id, user_id, function_name, qualifier, peak: kept as the most since the last take. */
const UPSERT_PEAK = `INSERT INTO function_peaks (host_id, user_id, function_name, qualifier, peak) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (host_id, user_id, function_name, qualifier) DO UPDATE SET peak = max(peak, excluded.peak)`;
const SUM_PEAKS = `SELECT user_id, function_name, qualifier, sum(peak) AS peak FROM function_peaks
  GROUP BY user_id, function_name, qualifier ORDER BY user_id, function_name, qualifier`;
const DELETE_PEAKS = `DELETE FROM function_peaks`;
const SELECT_HOSTS = `SELECT * FROM function_hosts WHERE expires_at > ? ORDER BY host_id`;
const SELECT_RESERVED = `SELECT reserved_concurrency FROM functions WHERE user_id = ? AND name = ?`;
const DELETE_EXPIRED_LEASES = `DELETE FROM function_concurrency_leases WHERE user_id = ? AND function_name = ? AND expires_at <= ?`;
const COUNT_LEASES = `SELECT count(*) AS n FROM function_concurrency_leases WHERE user_id = ? AND function_name = ?`;
const INSERT_LEASE = `INSERT INTO function_concurrency_leases (lease_id, user_id, function_name, expires_at) VALUES (?, ?, ?, ?)`;
const DELETE_LEASE = `DELETE FROM function_concurrency_leases WHERE lease_id = ?`;

export class SqliteFunctionFleet implements FunctionFleet {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async advertiseHost(a: FunctionHostAdvert, ttlMs: number, peaks: readonly FunctionPeak[] = []): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.writes.run(() => {
      this.ctx.stmt(UPSERT_HOST).run(a.hostId, a.address, a.capacity, a.busy, warmColumn(a), now, now + ttlMs);
      this.ctx.stmt(DELETE_LAPSED_HOSTS).run(now - LAPSED_KEEP_MS);
      for (const p of peaks) this.ctx.stmt(UPSERT_PEAK).run(a.hostId, p.userId, p.functionName, p.qualifier, p.peak);
    });
  }

  takePeaks(): Promise<FunctionPeak[]> {
    return this.ctx.writes.run(() => {
      const rows = this.ctx.stmt(SUM_PEAKS).all() as Row[];
      this.ctx.stmt(DELETE_PEAKS).run();
      return rows.map(peakFromRow);
    });
  }

  async withdrawHost(hostId: string): Promise<void> {
    await this.ctx.writes.run(() => this.ctx.stmt(DELETE_HOST).run(hostId));
  }

  async listHosts(): Promise<FunctionHostEntry[]> {
    return (this.ctx.stmt(SELECT_HOSTS).all(this.ctx.clock.now()) as Row[]).map(hostFromRow);
  }

  async takeConcurrency(userId: string, name: string, leaseId: string, holdMs: number): Promise<ConcurrencyTake> {
    const now = this.ctx.clock.now();
    const out = await this.ctx.writes.run((): ConcurrencyTake | null => {
      const f = this.ctx.stmt(SELECT_RESERVED).get(userId, name) as Row | undefined;
      if (!f) return null;
      if (f.reserved_concurrency === null) return { taken: true, reserved: null };
      const reserved = Number(f.reserved_concurrency);
      this.ctx.stmt(DELETE_EXPIRED_LEASES).run(userId, name, now);
      const { n } = this.ctx.stmt(COUNT_LEASES).get(userId, name) as Row;
      if (Number(n) >= reserved) return { taken: false, reserved };
      this.ctx.stmt(INSERT_LEASE).run(leaseId, userId, name, now + holdMs);
      return { taken: true, reserved };
    });
    if (!out) throw functionErrors.notFound(name);
    return out;
  }

  async releaseConcurrency(leaseId: string): Promise<void> {
    await this.ctx.writes.run(() => this.ctx.stmt(DELETE_LEASE).run(leaseId));
  }
}
