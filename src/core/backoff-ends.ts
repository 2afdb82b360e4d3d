/**
 * When a store moves tasks whose backoff has ended back to the ready queue (its END_BACKOFFS
 * statement), the same for every Store backend: before a claim reads the queue, once a backoff
 * this store knows of has ended (a retry of its own, or the next end nextRunAfter found, which
 * an idle worker asks for), and at least every END_BACKOFFS_EVERY_MS whatever it knows (retries
 * of other processes on the same database, while its workers are too busy to ask). The reaper
 * runs it whatever (`force`). Time is the caller's: nothing here reads a clock.
 */

/** Tasks END_BACKOFFS moves per statement. */
export const END_BACKOFFS_MAX = 1000;
/** How often a claim runs END_BACKOFFS whatever the store knows. */
export const END_BACKOFFS_EVERY_MS = 1000;

export class BackoffWatch {
  /** The earliest end of a backoff this store knows of. */
  private endsAt = 0;
  /** When END_BACKOFFS last ran. */
  private endedAt = 0;

  /** Whether END_BACKOFFS should run at `now`; if so, it counts as run from now, and what the
   *  store knew is forgotten (what it learns while the statement runs is kept). */
  due(now: number, force = false): boolean {
    if (!force && now < this.endsAt && now - this.endedAt < END_BACKOFFS_EVERY_MS) return false;
    this.endedAt = now;
    this.endsAt = Infinity;
    return true;
  }

  /** END_BACKOFFS moved `moved` tasks at `now`. */
  moved(now: number, moved: number): void {
    // More may have ended than one statement moves: again at the next claim.
    if (moved >= END_BACKOFFS_MAX) this.endsAt = now;
  }

  /** A backoff ends at `at` (null: none known). */
  endsBy(at: number | null): void {
    this.endsAt = Math.min(this.endsAt, at ?? Infinity);
  }

  /** An attempt ended at `now` and left its task so: a retry that waits is a backoff to end. */
  attemptEnded(after: { status: string; runAfter: number }, now: number): void {
    if (after.status === 'PENDING' && after.runAfter > now) this.endsBy(after.runAfter);
  }
}
