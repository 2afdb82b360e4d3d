/** A function_hosts row as the port's entry, on both backends (PostgreSQL's JSONB arrives parsed,
 *  SQLite's TEXT as a string); a function_peaks sum as the core's peak. */
import type { FunctionPeak } from '../core/scaling.ts';
import type { FunctionHostEntry } from './ports/function-fleet.ts';
import type { Row } from './row.ts';

export function hostFromRow(r: Row): FunctionHostEntry {
  return {
    hostId: String(r.host_id),
    address: String(r.address),
    capacity: Number(r.capacity),
    busy: Number(r.busy),
    warm: (typeof r.warm === 'string' ? JSON.parse(r.warm) : r.warm) as Record<string, number>,
    updatedAt: Number(r.updated_at),
    expiresAt: Number(r.expires_at),
  };
}

/** How long a lapsed advert is kept before it is deleted (it is never chosen once lapsed). */
export const LAPSED_KEEP_MS = 3_600_000;

/** A peaks row summed across hosts (PostgreSQL's sum is a bigint, which arrives as a string). */
export function peakFromRow(r: Row): FunctionPeak {
  return { userId: String(r.user_id), functionName: String(r.function_name), qualifier: String(r.qualifier), peak: Number(r.peak) };
}
