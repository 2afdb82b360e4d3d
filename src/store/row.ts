/** Maps rows of every backend (snake_case, JSON as text, times as numbers) to the model. */
import type { ClaimKey } from '../core/claim-order.ts';
import { ErrorCode, InvalidInput } from '../core/index.ts';
import {
  queueTypeOf,
  type ApiKey,
  type AuditEntry,
  type FeedEntry,
  type HistoryEntry,
  type KeyScope,
  type OutputChunk,
  type OutputStream,
  type Project,
  type ProjectVersion,
  type SecretRecord,
  type SigningKey,
  type Task,
  type TaskStatus,
} from '../core/index.ts';
import type { AlertState, QueueDepth, ScalingEvent, TimelineBucket, WorkerRecord } from './ports/index.ts';

export type Row = Record<string, unknown>;

const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** A list of strings stored as JSON: text from SQLite, already parsed from PostgreSQL's JSONB. */
const stringList = (v: unknown): string[] => {
  const parsed = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  return Array.isArray(parsed) ? parsed.map(String) : [];
};

export function taskFromRow(r: Row): Task {
  const priority = Number(r.priority);
  return {
    id: String(r.id),
    command: String(r.command),
    args: json<string[] | null>(r.args, null),
    shell: strOrNull(r.shell),
    queue: String(r.queue),
    queueType: queueTypeOf(priority),
    priority,
    userId: strOrNull(r.user_id),
    timeout: Number(r.timeout_s),
    visibilityTimeout: Number(r.visibility_timeout_s),
    maxAttempts: Number(r.max_attempts),
    attemptLimit: Number(r.attempt_limit),
    attempt: Number(r.attempt),
    idempotencyKey: strOrNull(r.idempotency_key),
    requestHash: strOrNull(r.request_hash),
    resources: json(r.resources, { cpu: 256, memory: 512 }),
    env: json(r.env, {}),
    metadata: json(r.metadata, {}),
    network: r.network === 'egress' ? 'egress' : 'none',
    image: strOrNull(r.image),
    secrets: json<string[]>(r.secrets, []),
    projectId: strOrNull(r.project_id),
    lane: strOrNull(r.lane),
    traceParent: strOrNull(r.trace_parent),
    status: String(r.status) as TaskStatus,
    workerId: strOrNull(r.worker_id),
    createdAt: Number(r.created_at),
    startedAt: numOrNull(r.started_at),
    completedAt: numOrNull(r.completed_at),
    runAfter: Number(r.run_after),
    leaseExpiresAt: numOrNull(r.lease_expires_at),
    cancelRequested: Number(r.cancel_requested) === 1,
    deadLettered: Number(r.dead_lettered) === 1,
    summary: json(r.summary, null),
    failure: json(r.failure, null),
    resultJson: strOrNull(r.result),
    resultKey: strOrNull(r.result_key),
    stdoutKey: strOrNull(r.stdout_key),
    stderrKey: strOrNull(r.stderr_key),
  };
}

/** A claimed row's place in claim order (core/claim-order.ts). */
export function claimKey(r: Row): ClaimKey {
  return { effPriority: Number(r.eff_priority), fairRank: Number(r.fair_rank), seq: Number(r.seq) };
}

export function historyFromRow(r: Row): HistoryEntry {
  return {
    taskId: String(r.task_id),
    at: Number(r.at),
    status: String(r.status) as TaskStatus,
    attempt: Number(r.attempt),
    workerId: strOrNull(r.worker_id),
    reason: strOrNull(r.reason),
  };
}

export function outputFromRow(r: Row): OutputChunk {
  const d = r.data;
  return {
    taskId: String(r.task_id),
    attempt: Number(r.attempt),
    seq: Number(r.seq),
    stream: String(r.stream) as OutputStream,
    // node:sqlite answers a BLOB as a Uint8Array, pg a BYTEA as a Buffer.
    data: Buffer.isBuffer(d) ? d : Buffer.from(d as Uint8Array),
    at: Number(r.at),
  };
}

export function projectFromRow(r: Row): Project {
  return {
    id: String(r.id),
    userId: strOrNull(r.user_id),
    name: String(r.name),
    latestVersion: Number(r.latest_version),
    createdAt: Number(r.created_at),
  };
}

export function projectVersionFromRow(r: Row): ProjectVersion {
  return {
    projectId: String(r.project_id),
    version: Number(r.version),
    createdAt: Number(r.created_at),
    baseVersion: numOrNull(r.base_version),
    taskId: strOrNull(r.task_id),
    blobKey: String(r.blob_key),
    files: Number(r.files),
    bytes: Number(r.bytes),
    conflicts: stringList(r.conflicts),
  };
}

export function feedFromRow(r: Row): FeedEntry {
  return { id: Number(r.id), ...historyFromRow(r) };
}

export function keyFromRow(r: Row): ApiKey {
  return {
    id: String(r.id),
    prefix: String(r.prefix),
    userId: String(r.user_id),
    scope: String(r.scope) as KeyScope,
    name: strOrNull(r.name),
    createdAt: Number(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
    lastUsedAt: numOrNull(r.last_used_at),
  };
}

export function signingKeyFromRow(r: Row): SigningKey {
  return { key: keyFromRow(r), sealedKey: strOrNull(r.sealed_key) };
}

export function secretFromRow(r: Row): SecretRecord {
  return {
    userId: String(r.user_id),
    name: String(r.name),
    ciphertext: String(r.ciphertext),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function auditFromRow(r: Row): AuditEntry {
  return {
    id: Number(r.id),
    at: Number(r.at),
    actor: strOrNull(r.actor),
    keyId: strOrNull(r.key_id),
    action: String(r.action),
    target: strOrNull(r.target),
    source: strOrNull(r.source),
    outcome: String(r.outcome),
    detail: json(r.detail, null),
  };
}

export function scalingFromRow(r: Row): ScalingEvent {
  return {
    id: Number(r.id),
    at: Number(r.at),
    action: String(r.action) as ScalingEvent['action'],
    depth: Number(r.depth),
    current: Number(r.current),
    desired: Number(r.desired),
    workers: stringList(r.workers),
    reason: String(r.reason),
    autoscaler: strOrNull(r.autoscaler),
  };
}

export function timelineFromRow(r: Row): TimelineBucket {
  return {
    at: Number(r.at),
    finished: Number(r.finished),
    failed: Number(r.failed ?? 0),
    avgWaitMs: numOrNull(r.wait),
    avgRunMs: numOrNull(r.run),
  };
}

export function alertFromRow(r: Row): AlertState {
  return {
    name: String(r.name),
    state: String(r.state) as AlertState['state'],
    since: Number(r.since),
    value: numOrNull(r.value),
    message: String(r.message),
  };
}

export function workerFromRow(r: Row): WorkerRecord {
  return {
    id: String(r.id),
    host: String(r.host),
    pid: Number(r.pid),
    concurrency: Number(r.concurrency),
    startedAt: Number(r.started_at),
    lastSeen: Number(r.last_seen),
  };
}

/** A (queue, priority) row of pending and running counts. */
export function depthFromRow(r: Row): QueueDepth {
  return {
    queue: String(r.queue),
    priority: Number(r.priority),
    queueType: queueTypeOf(Number(r.priority)),
    pending: Number(r.pending),
    running: Number(r.running),
  };
}

/** List cursors: an opaque token for "rows before this seq (or id)". */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const raw = Buffer.from(cursor, 'base64url').toString();
  const m = /^s:(\d+)$/.exec(raw);
  if (!m) throw new InvalidInput(ErrorCode.InvalidCursor, 'cursor is not one this API returned');
  return Number(m[1]);
}
