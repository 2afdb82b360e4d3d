/**
 * What Hangar keeps of each function invocation that ran (issue 23): who ran what, when, how long,
 * whether it was cold, how it ended, and its log (START, the function's output, END, REPORT).
 * The records back `GET /functions/{name}/logs`, `…/invocations`, `hangar function logs` and the
 * dashboard's function page; Prometheus counts the same invocations without keeping them.
 *
 * Throttled invocations are counted (hangar_function_throttles_total) but not recorded: nothing
 * ran and there is no log, and a throttle storm would otherwise write a row per refusal.
 */

export const InvocationStatus = { Success: 'success', Error: 'error', Timeout: 'timeout' } as const;
export type InvocationStatus = (typeof InvocationStatus)[keyof typeof InvocationStatus];

/** The errorType the function host gives a timed-out invocation (as Lambda's). */
export const TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout';

/** A log this long or shorter is kept in the record's row; a longer one in the blob store. The
 *  usual log (START, a few lines, END, REPORT) is 300 B-2 KB: one read answers a page of them,
 *  with no blob fetch each. Output-heavy ones (up to the 64 KiB tail kept) would make the
 *  table, which every page read and the retention job scan, mostly log bytes. */
export const INLINE_LOG_BYTES = 8 * 1024;

export interface InvocationRecord {
  requestId: string;
  userId: string;
  functionName: string;
  /** $LATEST or a published version number, as the REPORT's Version. */
  executedVersion: string;
  /** RequestResponse, or Event for asynchronous ones. */
  invocationType: string;
  /** Epoch ms (the store's clock). */
  startedAt: number;
  /** Epoch ms: listings are newest first by this, the moment its log was complete. */
  endedAt: number;
  durationMs: number;
  /** On a cold start only. */
  initDurationMs: number | null;
  status: InvocationStatus;
  /** The function's errorType when it failed (Sandbox.Timedout on a timeout). */
  errorType: string | null;
  memoryMb: number;
  maxMemoryBytes: number | null;
  /** The log's size, bytes, wherever it is kept. */
  logBytes: number;
  /** The log when kept inline (at most INLINE_LOG_BYTES); null when it is in the blob store. */
  log: Buffer | null;
  /** Its blob key when it is not inline. */
  logKey: string | null;
  /** The account that invoked it when not the owner's: another account the function's policy
   *  allowed (Lambda keeps an Invoke's caller in CloudTrail). null: the owner's own. */
  callerAccountId: string | null;
}

/** How an invocation ended, from the function's errorType (null: it returned). */
export function invocationStatusOf(errorType: string | null): InvocationStatus {
  if (errorType === null) return InvocationStatus.Success;
  return errorType === TIMEOUT_ERROR_TYPE ? InvocationStatus.Timeout : InvocationStatus.Error;
}

/** Where a log too long for its row is kept: with the user's other function data. */
export const invocationLogKey = (userId: string, functionName: string, endedAt: number, requestId: string): string =>
  `functions/${userId}/logs/${functionName}/${new Date(endedAt).toISOString().slice(0, 10)}/${requestId}.log`;

/** Listings page newest first by (endedAt, requestId): the cursor is the last record's pair. */
export function encodeInvocationCursor(r: Pick<InvocationRecord, 'endedAt' | 'requestId'>): string {
  return Buffer.from(`i:${r.endedAt}:${r.requestId}`).toString('base64url');
}

/** null when the cursor is not one a listing returned (the caller refuses it). */
export function decodeInvocationCursor(cursor: string): { endedAt: number; requestId: string } | null {
  const m = /^i:(\d{1,16}):([A-Za-z0-9-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? { endedAt: Number(m[1]), requestId: m[2] } : null;
}
