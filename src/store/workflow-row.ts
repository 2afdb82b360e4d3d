/**
 * Rows of the workflows tables (migration 0028) to the model and back, shared by both backends:
 * every JSON value is kept and answered as text, so one mapping serves both.
 */
import type { Execution, ExecutionStatus, HistoryEventRecord, RedriveToken, StateMachine, StateMachineType } from '../core/index.ts';
import type { ExecutionCommit, ExecutionFrame, ExecutionQuery, InboxMessage, TaskTokenRecord } from './ports/workflows.ts';
import { numOrNull, strOrNull, type Row } from './row.ts';

/** type, definition, role_arn, description, revision_id: what a create or update writes. */
export function machineValues(m: Pick<StateMachine, 'type' | 'definition' | 'roleArn' | 'description' | 'revisionId'>): string[] {
  return [m.type, m.definition, m.roleArn, m.description, m.revisionId];
}

export function machineFromRow(r: Row): StateMachine {
  return {
    userId: String(r.user_id),
    name: String(r.name),
    type: String(r.type) as StateMachineType,
    definition: String(r.definition),
    roleArn: String(r.role_arn),
    description: String(r.description),
    revisionId: String(r.revision_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** EXECUTION_COLUMNS' values, in order. */
export const EXECUTION_COLUMNS =
  'id, user_id, state_machine_name, name, status, input, output, error, cause, definition, revision_id, started_at, stopped_at, parent_id, version, alias_name';

export function executionValues(e: Execution): (string | number | null)[] {
  return [
    e.id,
    e.userId,
    e.stateMachineName,
    e.name,
    e.status,
    e.input,
    e.output,
    e.error,
    e.cause,
    e.definition,
    e.revisionId,
    e.startedAt,
    e.stoppedAt,
    e.parentId,
    e.stateMachineVersion,
    e.stateMachineAlias,
  ];
}

/** An end that keeps no frames for a redrive (frames_released, both backends): a FAILED,
 *  TIMED_OUT or ABORTED end that brings none and keeps none (`keepFrames`: a stop keeps its own). */
export function endsWithoutFrames(end: NonNullable<ExecutionCommit['end']>, keepFrames: boolean): boolean {
  return end.status !== 'SUCCEEDED' && !keepFrames && (end.frames ?? []).length === 0;
}

/** redrive_token as stored: a JSON list of [token, date] (the last redrives'), or, as written
 *  before it kept 10, the last redrive's token alone (its date: redrive_date). */
function redriveTokensOf(text: string | null, date: number | null): RedriveToken[] {
  if (text === null) return [];
  if (!text.startsWith('[')) return date === null ? [] : [{ token: text, date }];
  return (JSON.parse(text) as [string, number][]).map(([token, d]) => ({ token, date: d }));
}

/** The redrive_token column's text for these tokens. */
export function redriveTokensText(tokens: RedriveToken[]): string | null {
  return tokens.length === 0 ? null : JSON.stringify(tokens.map((t) => [t.token, t.date]));
}

export function executionFromRow(r: Row): Execution {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    stateMachineName: String(r.state_machine_name),
    name: String(r.name),
    status: String(r.status) as ExecutionStatus,
    input: String(r.input),
    output: strOrNull(r.output),
    error: strOrNull(r.error),
    cause: strOrNull(r.cause),
    definition: String(r.definition),
    revisionId: String(r.revision_id),
    startedAt: Number(r.started_at),
    stoppedAt: numOrNull(r.stopped_at),
    parentId: strOrNull(r.parent_id),
    stateMachineVersion: numOrNull(r.version),
    stateMachineAlias: strOrNull(r.alias_name),
    redriveCount: Number(r.redrive_count ?? 0),
    redriveDate: numOrNull(r.redrive_date),
    redriveTokens: redriveTokensOf(strOrNull(r.redrive_token), numOrNull(r.redrive_date)),
    // A boolean on PostgreSQL, 0 or 1 on SQLite; said only when set.
    ...(Number(r.frames_released ?? 0) === 1 ? { framesReleased: true } : {}),
  };
}

/** LIST_EXECUTIONS' parameters, in order (both backends): user_id, state_machine_name, status,
 *  after, limit, version, alias_name, redriven — each null when the query leaves it open; the
 *  redriven flag as the backend writes a boolean. */
export function listExecutionParams(userId: string, q: ExecutionQuery, bool: (b: boolean) => number | boolean): unknown[] {
  return [
    userId,
    q.stateMachineName ?? null,
    q.status ?? null,
    q.after ?? null,
    q.limit,
    q.version ?? null,
    q.alias ?? null,
    q.redriven === undefined ? null : bool(q.redriven),
  ];
}

export function eventFromRow(r: Row): HistoryEventRecord {
  return {
    id: Number(r.id),
    previousEventId: Number(r.previous_event_id),
    type: String(r.type),
    timestamp: Number(r.timestamp),
    details: strOrNull(r.details),
  };
}

export function frameFromRow(r: Row): ExecutionFrame {
  return { frameId: Number(r.frame_id), doc: String(r.doc) };
}

export function inboxFromRow(r: Row): InboxMessage {
  return { seq: Number(r.seq), body: String(r.body), at: Number(r.at) };
}

export function tokenFromRow(r: Row): TaskTokenRecord {
  return { token: String(r.token), executionId: String(r.execution_id), userId: String(r.user_id), frameId: Number(r.frame_id) };
}

/** Claimed rows in claim order, oldest wake first (RETURNING keeps none). */
export function inWakeOrder(rows: Row[]): Row[] {
  return rows.sort((a, b) => Number(a.wake_at) - Number(b.wake_at) || (String(a.id) < String(b.id) ? -1 : 1));
}

/** Whether a commit is of the execution's run as it is now: one from before a redrive (a runner
 *  still holding what it had when the execution was stopped) is refused. */
export function sameRun(row: Row, c: ExecutionCommit): boolean {
  return c.redriveCount === undefined || Number(row.redrive_count ?? 0) === c.redriveCount;
}

/** When an execution must next be looked at after a commit: the commit's time, brought forward
 *  to the oldest message left unconsumed (one posted while the runner worked must not be slept
 *  through: its post made the execution due, and the commit must not undo that). */
export function wakeAfterCommit(wakeAt: number | null, oldestUnconsumed: number | null): number | null {
  if (oldestUnconsumed === null) return wakeAt;
  return wakeAt === null ? oldestUnconsumed : Math.min(wakeAt, oldestUnconsumed);
}

/** A page's `after` for history: the bound past which events are read, in the query's order. */
export function historyBound(reverse: boolean | undefined, after: number | undefined): number {
  return after ?? (reverse ? Number.MAX_SAFE_INTEGER : 0);
}
