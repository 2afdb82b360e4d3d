/** Maps function_invocations rows of both backends to the model (core/invocation.ts) and back. */
import { decodeInvocationCursor, ErrorCode, InvalidInput, type InvocationRecord, type InvocationStatus } from '../core/index.ts';
import type { InvocationNotice } from './ports/function-invocations.ts';
import { type Row, strOrNull } from './row.ts';

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function invocationFromRow(r: Row): InvocationRecord {
  return {
    requestId: String(r.request_id),
    userId: String(r.user_id),
    functionName: String(r.function_name),
    executedVersion: String(r.executed_version),
    invocationType: String(r.invocation_type),
    startedAt: Number(r.started_at),
    endedAt: Number(r.ended_at),
    durationMs: Number(r.duration_ms),
    initDurationMs: numOrNull(r.init_duration_ms),
    status: String(r.status) as InvocationStatus,
    errorType: strOrNull(r.error_type),
    memoryMb: Number(r.memory_mb),
    maxMemoryBytes: numOrNull(r.max_memory_bytes),
    logBytes: Number(r.log_bytes),
    log: r.log === null || r.log === undefined ? null : Buffer.from(r.log as Uint8Array),
    logKey: strOrNull(r.log_key),
    callerAccountId: strOrNull(r.caller_account_id),
  };
}

/** The columns in INSERT order: user_id, function_name, request_id, executed_version,
 *  invocation_type, started_at, ended_at, duration_ms, init_duration_ms, status, error_type,
 *  memory_mb, max_memory_bytes, log_bytes, log, log_key, caller_account_id. */
export const INVOCATION_COLUMNS =
  'user_id, function_name, request_id, executed_version, invocation_type, started_at, ended_at, duration_ms, init_duration_ms, status, error_type, memory_mb, max_memory_bytes, log_bytes, log, log_key, caller_account_id';
/** How many columns INVOCATION_COLUMNS names. */
export const INVOCATION_COLUMN_COUNT = 17;

export function invocationValues(r: InvocationRecord): (string | number | null | Uint8Array)[] {
  return [
    r.userId,
    r.functionName,
    r.requestId,
    r.executedVersion,
    r.invocationType,
    r.startedAt,
    r.endedAt,
    r.durationMs,
    r.initDurationMs,
    r.status,
    r.errorType,
    r.memoryMb,
    r.maxMemoryBytes,
    r.logBytes,
    r.log,
    r.logKey,
    r.callerAccountId,
  ];
}

/** Past every record: epoch ms far beyond any, and a request id greater than any (bytewise). */
const NO_CURSOR = { endedAt: Number.MAX_SAFE_INTEGER, requestId: '\u{10FFFF}' };

/** The cursor's (endedAt, requestId) to list before, or InvalidInput; no cursor is past every record. */
export function invocationCursor(after: string | undefined): { endedAt: number; requestId: string } {
  if (after === undefined) return NO_CURSOR;
  const c = decodeInvocationCursor(after);
  if (!c) throw new InvalidInput(ErrorCode.InvalidCursor, 'cursor is not one this API returned');
  return c;
}

/** A written batch's notices: one per function, with the earliest end among its records. */
export function invocationNotices(records: InvocationRecord[]): Exclude<InvocationNotice, '*'>[] {
  const byFunction = new Map<string, Exclude<InvocationNotice, '*'>>();
  for (const r of records) {
    const key = JSON.stringify([r.userId, r.functionName]);
    const n = byFunction.get(key);
    if (!n) byFunction.set(key, { userId: r.userId, functionName: r.functionName, since: r.endedAt });
    else n.since = Math.min(n.since, r.endedAt);
  }
  return [...byFunction.values()];
}
