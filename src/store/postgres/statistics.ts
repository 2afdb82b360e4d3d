/** Planner statistics of the task table, kept fresh by the reaper when autovacuum is late or off. */
import type { Db } from './db.ts';

/** How often a store looks at whether the task table's planner statistics are stale. */
const STATISTICS_EVERY_MS = 15_000;

/** First key of the advisory lock under which one store at a time refreshes them ('hgr' 3). */
const STATISTICS_LOCK = 0x68677203;

/** schema: are the task table's planner statistics stale, as autovacuum's analyze threshold
 *  reckons (more than 10 % of its rows, and at least 1,000, changed since the last ANALYZE)? */
const STALE_STATISTICS = `
SELECT s.n_mod_since_analyze > greatest(1000, 0.1 * greatest(c.reltuples, 0)) AS stale
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = $1 AND s.relname = 'tasks'`;

export class PlannerStatistics {
  private readonly db: Db;
  /** When keep last looked. */
  private checkedAt = 0;

  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Refreshes the task table's planner statistics when they are stale: the server's autovacuum
   * does this, but it may be off, and its first look at a new table comes up to a minute
   * (autovacuum_naptime) after the table fills. Meanwhile the statements' plans were made for an
   * empty table: a sustained 2,000 submits/s to a fresh schema saw submit → start p50 grow from
   * 4 to 150 ms in two minutes, ~100 sequential scans of the whole table a second, and fall to
   * 3.4 ms at once after an ANALYZE (bench/experiments/sustained.ts). One store at a time
   * (advisory lock); its failure is not the reap's.
   */
  async keep(now: number): Promise<void> {
    if (now - this.checkedAt < STATISTICS_EVERY_MS) return;
    this.checkedAt = now;
    try {
      const [r] = await this.db.rows(STALE_STATISTICS, [this.db.schema]);
      if (!r?.stale) return;
      await this.db.tx(async (tx) => {
        const [lock] = await tx.query('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [STATISTICS_LOCK, this.db.schema]);
        if (lock?.ok) await tx.query(`ANALYZE ${this.db.schema}.tasks`);
      });
    } catch {
      // Next time. (A role that does not own the table is not refused: PostgreSQL skips the
      // ANALYZE with a warning, and autovacuum is left to do it.)
    }
  }
}
