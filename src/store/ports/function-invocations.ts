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

/** Records of one function were written: the earliest `endedAt` among them, so a follower reads
 *  from there (a record's end is its writer's clock, a moment before its write). '*': records
 *  were written that another process could not list (its notice was too long): look back. */
export type InvocationNotice = { userId: string; functionName: string; since: number } | '*';

export interface FunctionInvocations {
  /** Records a batch; one already recorded (same user and request id) stays as it was, so a
   *  retried batch writes nothing twice. Once written, tells invocation subscribers here and,
   *  where capabilities say so (crossProcessWakeups), in other processes. */
  recordInvocations(records: InvocationRecord[]): Promise<void>;
  /** Calls the listener after each write of records, once per function written (a follower of
   *  a function's logs, app/invocation-follow.ts). Notices may be lost across processes (a
   *  database session lost meanwhile): a follower there polls too. */
  subscribeInvocations(listener: (n: InvocationNotice) => void): () => void;
  /** Newest first (by endedAt, then requestId). InvalidInput (INVALID_CURSOR) for a cursor no
   *  listing returned. */
  listInvocations(filter: InvocationFilter): Promise<Page<InvocationRecord>>;
  /** Deletes at most `limit` records that ended before `before`; answers the blob keys of their
   *  logs kept outside the row, for the caller to delete, and how many went. */
  purgeInvocations(before: number, limit: number): Promise<{ removed: number; logKeys: string[] }>;
}
