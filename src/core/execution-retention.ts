/**
 * How long a closed STANDARD execution is kept, decided once for every backend (the retention
 * job in worker/maintenance.ts asks, the stores only delete what the cutoffs say).
 *
 * - The execution itself, with its history, Map Runs and whatever else of it the store holds, is
 *   kept `workflowRetentionHours` after its stop (AWS keeps a closed Standard execution's history
 *   90 days; 0 here: for ever). A RUNNING execution is never deleted, however old: a Wait of a
 *   year is legal.
 * - The frames a FAILED, TIMED_OUT or ABORTED execution keeps for a redrive are of no use once
 *   the redrive window has closed (redrivability answers NOT_REDRIVABLE with the period reason
 *   whatever is kept): they go then, not at the end of the retention.
 */
import { REDRIVE_WINDOW_MS } from './execution-redrive.ts';

/** The stop date before which a closed execution is deleted; null: kept for ever (retention 0). */
export function executionsPurgedBefore(now: number, retentionMs: number): number | null {
  return retentionMs > 0 ? now - retentionMs : null;
}

/**
 * The stop date before which a closed execution's kept frames are deleted: exactly the one past
 * which redrivability (execution-redrive.ts) says the redrive period is exceeded (now − stop >
 * the window), so no execution loses its frames while it may still be redriven.
 */
export function framesReleasedBefore(now: number): number {
  return now - REDRIVE_WINDOW_MS;
}
