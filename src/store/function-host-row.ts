/** A function_hosts row as the port's entry, on both backends (PostgreSQL's JSONB arrives parsed,
 *  SQLite's TEXT as a string). */
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
