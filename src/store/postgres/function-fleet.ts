/**
 * The function fleet port on PostgreSQL (ports/function-fleet.ts). A take of a reserved slot
 * locks the function's row, so takes of one function run one after the other and each counts
 * the leases committed before it (READ COMMITTED: the count is a statement after the lock, in
 * the PL/pgSQL function of migration 0022, so that a take is one round trip).
 */
import { type FunctionPeak, functionErrors } from '../../core/index.ts';
import type { ConcurrencyTake, FunctionFleet, FunctionHostAdvert, FunctionHostEntry } from '../ports/function-fleet.ts';
import { hostFromRow, LAPSED_KEEP_MS, peakFromRow, warmColumn } from '../function-host-row.ts';
import type { Db } from './db.ts';

/** host_id, address, capacity, busy, warm, now, expires_at, lapsed_before, peaks (a JSON array):
 *  the host's advert written, its peaks kept (the most of each since the last take), and adverts
 *  that lapsed long ago (their hosts died without withdrawing them) deleted, in one statement. */
const UPSERT_HOST = `WITH lapsed AS (DELETE FROM function_hosts WHERE expires_at < $8 AND host_id <> $1),
  peaks AS (INSERT INTO function_peaks (host_id, user_id, function_name, qualifier, peak)
    SELECT $1, p."userId", p."functionName", p.qualifier, p.peak
    FROM jsonb_to_recordset($9::jsonb) AS p("userId" TEXT, "functionName" TEXT, qualifier TEXT, peak INTEGER)
    ON CONFLICT (host_id, user_id, function_name, qualifier) DO UPDATE SET peak = GREATEST(function_peaks.peak, EXCLUDED.peak))
  INSERT INTO function_hosts (host_id, address, capacity, busy, warm, updated_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (host_id) DO UPDATE SET address = EXCLUDED.address, capacity = EXCLUDED.capacity, busy = EXCLUDED.busy,
    warm = EXCLUDED.warm, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at`;

/** host_id */
const DELETE_HOST = `DELETE FROM function_hosts WHERE host_id = $1`;

/** now */
const SELECT_HOSTS = `SELECT * FROM function_hosts WHERE expires_at > $1 ORDER BY host_id`;

/** user_id, name, lease_id, now, expires_at: migration 0022's take_function_concurrency (one
 *  round trip: the lock, the count and the insert in the database). */
const TAKE = `SELECT reserved, taken FROM take_function_concurrency($1, $2, $3, $4, $5)`;

/** The peaks reported since the last take, deleted and summed across hosts. */
const TAKE_PEAKS = `WITH taken AS (DELETE FROM function_peaks RETURNING user_id, function_name, qualifier, peak)
  SELECT user_id, function_name, qualifier, sum(peak) AS peak FROM taken GROUP BY user_id, function_name, qualifier
  ORDER BY user_id, function_name, qualifier`;

/** lease_id */
const DELETE_LEASE = `DELETE FROM function_concurrency_leases WHERE lease_id = $1`;

export class PgFunctionFleet implements FunctionFleet {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async advertiseHost(a: FunctionHostAdvert, ttlMs: number, peaks: readonly FunctionPeak[] = []): Promise<void> {
    const now = this.db.now();
    await this.db.query(UPSERT_HOST, [
      a.hostId,
      a.address,
      a.capacity,
      a.busy,
      warmColumn(a),
      now,
      now + ttlMs,
      now - LAPSED_KEEP_MS,
      JSON.stringify(peaks),
    ]);
  }

  async takePeaks(): Promise<FunctionPeak[]> {
    return (await this.db.rows(TAKE_PEAKS, [])).map(peakFromRow);
  }

  async withdrawHost(hostId: string): Promise<void> {
    await this.db.query(DELETE_HOST, [hostId]);
  }

  async listHosts(): Promise<FunctionHostEntry[]> {
    return (await this.db.rows(SELECT_HOSTS, [this.db.now()])).map(hostFromRow);
  }

  async takeConcurrency(userId: string, name: string, leaseId: string, holdMs: number): Promise<ConcurrencyTake> {
    const now = this.db.now();
    const [row] = await this.db.rows(TAKE, [userId, name, leaseId, now, now + holdMs]);
    if (!row) throw functionErrors.notFound(name);
    if (row.reserved === null) return { taken: true, reserved: null };
    return { taken: Boolean(row.taken), reserved: Number(row.reserved) };
  }

  async releaseConcurrency(leaseId: string): Promise<void> {
    await this.db.query(DELETE_LEASE, [leaseId]);
  }
}
