/**
 * Time in a shared database is the database server's time. Hosts' clocks drift apart; a lease
 * a worker takes is judged expired by a reaper on another host, and an offer a worker makes is
 * judged stale by a submitter on a third. Each store reads its host's clock and adds how far it
 * is from the server's, so a host whose clock runs minutes slow neither has its leases taken
 * early nor keeps them late (as SQS keeps visibility timeouts on its own clock).
 */
import type pg from 'pg';
import type { Clock } from '../../core/index.ts';

/** How often the offset is measured again: drift between NTP-less hosts is seconds a day. */
export const CLOCK_SYNC_MS = 60_000;

/** An offset past this is worth a warning (doctor, and a node at start): logs and metrics
 *  still use the host's clock. */
export const CLOCK_WARN_MS = 1000;

/** Samples per measurement; the one with the shortest round trip is kept. */
const SAMPLES = 3;

/** The host clock plus the measured offset to the database server's clock. */
export class DatabaseClock implements Clock {
  /** The database's clock minus the host's, ms; 0 until first measured. */
  offsetMs = 0;
  private readonly host: Clock;
  constructor(host: Clock) {
    this.host = host;
  }

  private last = Number.NEGATIVE_INFINITY;

  /** Never earlier than a previous answer (core/clock.ts monotonic: a new offset measured a
   *  few ms lower must not put a later event before an earlier one). */
  now(): number {
    const t = this.host.now() + this.offsetMs;
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** Measures the offset (half the round trip allowed for); keeps the last one if this fails. */
  async sync(pool: Pick<pg.Pool | pg.Client, 'query'>): Promise<void> {
    let best: { rtt: number; offset: number } | null = null;
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = this.host.now();
      const { rows } = await pool.query<{ ms: string }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8::text AS ms');
      const t1 = this.host.now();
      const offset = Number(rows[0].ms) - (t0 + t1) / 2;
      if (!best || t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset };
    }
    if (best) this.offsetMs = Math.round(best.offset);
  }
}
