/** The task reads port: tasks, their history, and the counts and rates made of them. */
import type { FeedEntry, HistoryEntry, QueueType, Task, TaskStatus } from '../../core/task.ts';
import type { Page } from '../../core/page.ts';

export interface ListFilter {
  status?: TaskStatus;
  userId?: string;
  queue?: string;
  lane?: string;
  deadLettered?: boolean;
  /** Tasks whose command (label) or shell line holds this text, in any case (ASCII). A scan
   *  of the other filters' tasks, newest first: for people searching, not for hot paths. */
  command?: string;
  /** Opaque cursor from a previous page. */
  after?: string;
  limit: number;
}

export interface QueueDepth {
  queue: string;
  priority: number;
  queueType: QueueType;
  pending: number;
  running: number;
}

export interface StatusCounts {
  PENDING: number;
  RUNNING: number;
  SUCCESS: number;
  FAILED: number;
  TIMEOUT: number;
  CANCELLED: number;
  deadLettered: number;
}

export interface TimelineBucket {
  at: number;
  finished: number;
  failed: number;
  avgWaitMs: number | null;
  avgRunMs: number | null;
}

/** Commands whose own mean run time finishedSince reports (the most frequent in KIND_SAMPLE). */
export const RECENT_KINDS = 50;

/** The latest completions the per-command means come from: grouping all 2,000 of the rate's
 *  sample took SQLite ~5.6 ms on the event loop, the latest 200 ~0.7 ms (measured, once a second). */
export const KIND_SAMPLE = 200;

export interface FinishedSince {
  count: number;
  spanMs: number;
  avgDurationMs: number | null;
  /** Mean run time (started → completed, ms) per command, most frequent first. */
  byCommand: { command: string; count: number; avgMs: number }[];
}

/** Folds the rows of a finishedSince query (one with a null command for the whole sample,
 *  one per command) into its answer; shared by every backend. */
export function finishedSinceFrom(rows: Record<string, unknown>[], now: number, windowMs: number, sample: number): FinishedSince {
  const total = rows.find((r) => r.command == null);
  const kinds = rows.filter((r) => r.command != null).sort((a, b) => Number(b.n) - Number(a.n));
  const count = Number(total?.n ?? 0);
  const spanMs = count >= sample && total?.oldest != null ? Math.max(1, now - Number(total.oldest)) : windowMs;
  return {
    count,
    spanMs,
    avgDurationMs: total?.avg == null ? null : Number(total.avg),
    byCommand: kinds.filter((k) => k.avg != null).map((k) => ({ command: String(k.command), count: Number(k.n), avgMs: Number(k.avg) })),
  };
}

/** Reads never change a task. */
export interface TaskReads {
  get(id: string): Promise<Task | null>;
  list(filter: ListFilter): Promise<Page<Task>>;
  history(id: string): Promise<HistoryEntry[]>;
  /** Transitions of every task (userId undefined), of one user's tasks, or of tasks without a
   *  user (null), with ids above `afterId`, in id order, at most `limit`. In PostgreSQL an id
   *  may commit after a higher one: readers hold back at gaps a while (src/output/follow.ts). */
  feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]>;
  /** The highest transition id so far (0: none). */
  feedHead(): Promise<number>;
  /** PENDING and RUNNING per queue and priority: of every task, or of one user's (`userId`). */
  queueDepths(userId?: string): Promise<QueueDepth[]>;
  /** Tasks by state: all of them, or one user's (`userId`). */
  counts(userId?: string): Promise<StatusCounts>;
  /** Final outcomes of tasks completed at or after `since`, by state. */
  outcomesSince(since: number): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>>;
  /** Tasks in the dead-letter queue (one user's, given `userId`). */
  deadLetterCount(userId?: string): Promise<number>;
  /** Completions since `since` in buckets of `bucketMs` (oldest first, empty buckets left out):
   *  how many, how many failed (FAILED or TIMEOUT), mean wait (created → started) and run time;
   *  of every task, or of one user's (`userId`). */
  timeline(since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]>;
  /** PENDING and RUNNING counts only: cheap (partial indexes), for per-second estimates. */
  activeCounts(): Promise<{ pending: number; running: number }>;
  /** Number of ready PENDING tasks leased before this one (not those in backoff), counted up to `max`. */
  positionOf(task: Task, max: number): Promise<number>;
  /** The latest completions within `windowMs`, at most `sample` of them: how many, the time
   *  they span (ms; the window unless the sample filled first), their mean run time, and the
   *  mean run time of each of the RECENT_KINDS commands most frequent among the latest
   *  min(sample, KIND_SAMPLE) of them. */
  finishedSince(windowMs: number, sample: number): Promise<FinishedSince>;
  /** A user's PENDING and RUNNING tasks, each counted up to `max` (per-user quotas). */
  userLoad(userId: string, max: number): Promise<{ pending: number; running: number }>;
}
