/**
 * The function invocations port: what Hangar keeps of each invocation that ran (core/invocation.ts),
 * written in batches after the callers have their answers, read newest first, pruned by age.
 * Every read is scoped by userId and function name: another user's records are not found.
 */
import type { InvocationRecord, Page } from '../../core/index.ts';

export interface InvocationFilter {
  userId: string;
  functionName: string;
  /** Only this invocation. */
  requestId?: string;
  /** Only records that ended at or after this (epoch ms). */
  since?: number;
  /** Opaque cursor from a previous page. */
  after?: string;
  limit: number;
}

export interface FunctionInvocations {
  /** Records a batch; one already recorded (same user and request id) stays as it was, so a
   *  retried batch writes nothing twice. */
  recordInvocations(records: InvocationRecord[]): Promise<void>;
  /** Newest first (by endedAt, then requestId). InvalidInput (INVALID_CURSOR) for a cursor no
   *  listing returned. */
  listInvocations(filter: InvocationFilter): Promise<Page<InvocationRecord>>;
  /** Deletes at most `limit` records that ended before `before`; answers the blob keys of their
   *  logs kept outside the row, for the caller to delete, and how many went. */
  purgeInvocations(before: number, limit: number): Promise<{ removed: number; logKeys: string[] }>;
}
