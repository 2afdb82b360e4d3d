/**
 * Retries that wait (backoff) are kept out of the ready queue (in_backoff, migration 0014);
 * once their wait ends they go back in, before a claim looks at it. When END_BACKOFFS runs is
 * BackoffWatch's decision (core/backoff-ends.ts): once a backoff this store knows of may have
 * ended, and now and then whatever it knows.
 */
import { BackoffWatch, END_BACKOFFS_MAX } from '../../core/backoff-ends.ts';
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

/** now, limit: PENDING tasks whose backoff has ended go back to the ready queue (tasks_ready),
 *  the earliest first; rows another statement holds are left for next time. */
const END_BACKOFFS = `
UPDATE tasks SET in_backoff = false WHERE seq IN (
  SELECT seq FROM tasks WHERE status = 'PENDING' AND in_backoff AND run_after <= $1 ORDER BY run_after LIMIT $2
  FOR UPDATE SKIP LOCKED)`;

/** The earliest PENDING task's end of backoff, or null. */
const NEXT_BACKOFF_END = `SELECT min(run_after) AS t FROM tasks WHERE status = 'PENDING' AND in_backoff`;

export class Backoffs {
  private readonly db: Db;
  private readonly notifier: Notifier;
  /** When END_BACKOFFS runs: told of this store's retries that wait (attemptEnded). */
  readonly watch = new BackoffWatch();

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  /**
   * Tasks whose backoff has ended go back to the ready queue (END_BACKOFFS), before a claim
   * looks at it, when BackoffWatch says so; the reaper runs it whatever (`force`). Those moved
   * are announced: this claim may not take them all.
   */
  async end(now: number, force = false): Promise<void> {
    if (!this.watch.due(now, force)) return;
    const moved = (await this.db.query(END_BACKOFFS, [now, END_BACKOFFS_MAX])).rowCount ?? 0;
    this.watch.moved(now, moved);
    if (moved > 0) this.notifier.readyNow();
  }

  /** When the earliest backoff ends (null: none waits); a claim after it moves it. */
  async nextRunAfter(): Promise<number | null> {
    const [r] = await this.db.rows(NEXT_BACKOFF_END);
    const t = r.t === null ? null : Number(r.t);
    this.watch.endsBy(t);
    return t;
  }
}
