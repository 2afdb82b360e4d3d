/**
 * Retries that wait (backoff) are kept out of the ready queue (in_backoff, migration 0014);
 * once their wait ends they go back in, before a claim looks at it. This store remembers the
 * earliest end it knows of, so a claim runs END_BACKOFFS only when one may have ended.
 */
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

/** END_BACKOFFS: tasks moved per statement, and how often a claim runs it whatever it knows. */
const END_BACKOFFS_MAX = 1000;
const END_BACKOFFS_EVERY_MS = 1000;

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
  /** The earliest end of a backoff this store knows of (its own retries, nextRunAfter), and
   *  when END_BACKOFFS last ran: see end. */
  private backoffEndsAt = 0;
  private backoffsEndedAt = 0;

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  /** A retry of this store's waits until `runAfter`. */
  ends(runAfter: number): void {
    this.backoffEndsAt = Math.min(this.backoffEndsAt, runAfter);
  }

  /**
   * Tasks whose backoff has ended go back to the ready queue (END_BACKOFFS), before a claim
   * looks at it: once a backoff this store knows of has ended (a retry of its own, or the next
   * end nextRunAfter found, which an idle worker asks for), and at least every
   * END_BACKOFFS_EVERY_MS whatever it knows (retries of other processes, while its workers are
   * too busy to ask). The reaper runs it too (`force`). Those moved are announced: this claim
   * may not take them all.
   */
  async end(now: number, force = false): Promise<void> {
    if (!force && now < this.backoffEndsAt && now - this.backoffsEndedAt < END_BACKOFFS_EVERY_MS) return;
    this.backoffsEndedAt = now;
    this.backoffEndsAt = Infinity;
    const moved = (await this.db.query(END_BACKOFFS, [now, END_BACKOFFS_MAX])).rowCount ?? 0;
    // More may have ended than one statement moves: again at the next claim.
    if (moved >= END_BACKOFFS_MAX) this.backoffEndsAt = now;
    if (moved > 0) this.notifier.readyNow();
  }

  /** When the earliest backoff ends (null: none waits); a claim after it moves it. */
  async nextRunAfter(): Promise<number | null> {
    const [r] = await this.db.rows(NEXT_BACKOFF_END);
    const t = r.t === null ? null : Number(r.t);
    this.backoffEndsAt = Math.min(this.backoffEndsAt, t ?? Infinity);
    return t;
  }
}
