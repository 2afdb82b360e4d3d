/** A function_hosts row as the port's entry, on both backends (PostgreSQL's JSONB arrives parsed,
 *  SQLite's TEXT as a string); a function_peaks sum as the core's peak. */
import type { FunctionPeak } from '../core/scaling.ts';
import type { FunctionHostAdvert, FunctionHostEntry } from './ports/function-fleet.ts';
import type { Row } from './row.ts';

/** The warm map's key that holds the advert's hop version: a warm key is 22 base64url
 *  characters (functions/warm-key.ts), never this. API nodes from before hop versions look up
 *  warm keys only, so the extra entry changes nothing for them. */
const HOP_KEY = 'hangar:hop';

/** The warm column's JSON of an advert: its warm map, and its hop version where it has one. */
export function warmColumn(a: FunctionHostAdvert): string {
  return JSON.stringify(a.hop === undefined ? a.warm : { ...a.warm, [HOP_KEY]: a.hop });
}

export function hostFromRow(r: Row): FunctionHostEntry {
  const { [HOP_KEY]: hop, ...warm } = (typeof r.warm === 'string' ? JSON.parse(r.warm) : r.warm) as Record<string, number>;
  return {
    hostId: String(r.host_id),
    address: String(r.address),
    capacity: Number(r.capacity),
    busy: Number(r.busy),
    warm,
    hop: hop ?? 1,
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
