/**
 * The task model: a unit of work, its states (seed 000's names), its attempts and their
 * outcomes. Pure data and pure rules; every backend and surface speaks this vocabulary.
 */

/** Task states, with the names of seed 000. */
export const TaskStatus = {
  Pending: 'PENDING',
  Running: 'RUNNING',
  Success: 'SUCCESS',
  Failed: 'FAILED',
  Timeout: 'TIMEOUT',
  Cancelled: 'CANCELLED',
} as const;

export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const FINAL_STATUSES: readonly TaskStatus[] = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

export function isFinal(s: TaskStatus): boolean {
  return FINAL_STATUSES.includes(s);
}

/** Seed 000: priority >= 5 goes to the priority queue. */
export const PRIORITY_QUEUE_THRESHOLD = 5;

export type QueueType = 'priority' | 'standard';

export function queueTypeOf(priority: number): QueueType {
  return priority >= PRIORITY_QUEUE_THRESHOLD ? 'priority' : 'standard';
}

/** Typed failure codes of one attempt; `retryable` says whether another attempt may help. */
export const FailureCode = {
  NonZeroExit: 'NON_ZERO_EXIT',
  Signalled: 'SIGNALLED',
  WorkloadError: 'WORKLOAD_ERROR',
  Timeout: 'TIMEOUT',
  Cancelled: 'CANCELLED',
  LeaseExpired: 'LEASE_EXPIRED',
  WorkerLost: 'WORKER_LOST',
  SpawnFailed: 'SPAWN_FAILED',
  OomKilled: 'OOM_KILLED',
  SandboxError: 'SANDBOX_ERROR',
  ImageUnavailable: 'IMAGE_UNAVAILABLE',
  SecretUnavailable: 'SECRET_UNAVAILABLE',
  ProjectUnavailable: 'PROJECT_UNAVAILABLE',
  ExecutorError: 'EXECUTOR_ERROR',
  /** A function event's run failed (threw, timed out, crashed): Lambda's Unhandled. */
  FunctionError: 'FUNCTION_ERROR',
  /** A function event found no concurrency slot (or no function host): it waits, uncounted. */
  FunctionThrottled: 'FUNCTION_THROTTLED',
  /** A function event grew older than its maximum event age before it succeeded. */
  EventAgeExceeded: 'EVENT_AGE_EXCEEDED',
  /** A function event could not be run or delivered at all (its function or payload is gone). */
  EventUndeliverable: 'EVENT_UNDELIVERABLE',
  /** A function event's destination could not take its record for now (the store failed on
   *  the way): its task is tried again, to deliver, not to run the function again. */
  DestinationUnavailable: 'DESTINATION_UNAVAILABLE',
} as const;

export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

export interface TaskFailure {
  code: FailureCode;
  message: string;
  retryable: boolean;
  exitCode?: number | null;
  signal?: string | null;
  /** When retried, not before this long (ms): the failure's own wait instead of the backoff
   *  (a function event's retry waits Lambda's minutes; a throttled one, a growing wait). */
  retryAfterMs?: number;
  /** false: a final failure that its owner's configuration already handled (a function event
   *  delivered to its OnFailure destination), so it is not dead-lettered. Default true. */
  deadLetter?: boolean;
}

export interface Resources {
  /** CPU units, 1024 = 1 vCPU (as ECS). Seed default 256. */
  cpu: number;
  /** Memory in MB. Seed default 512. */
  memory: number;
}

/** What a client asks for; defaults already applied by the API. */
export interface NewTask {
  id: string;
  command: string;
  args: string[] | null;
  shell: string | null;
  queue: string;
  priority: number;
  userId: string | null;
  /** Seconds. */
  timeout: number;
  /** Seconds a lease lasts without a heartbeat. */
  visibilityTimeout: number;
  maxAttempts: number;
  idempotencyKey: string | null;
  /** Hash of the request body, compared when the idempotency key is reused. */
  requestHash: string | null;
  resources: Resources;
  env: Record<string, string>;
  metadata: Record<string, unknown>;
  /** 'none': no network at all; 'egress': outbound through the worker's guarded proxy. */
  network: Network;
  /** Name of a registered image to run in (sandbox); null = the host's /usr and /etc. */
  image: string | null;
  /** Names of the owner's secrets to inject into the environment at run time (values never stored here). */
  secrets: string[];
  /** The project whose files the task runs in (its latest version when an attempt starts), or null. */
  projectId: string | null;
  /** Tasks of one owner with the same lane run one at a time, in submit order (an SQS FIFO
   *  message group; a terminal's commands); null: no such order. The API calls it `group`,
   *  SQS's name (MessageGroupId); the model keeps `lane`, which its conformance suite asserts. */
  lane: string | null;
  /** W3C traceparent of the submit's span: the worker's spans join that trace (OpenTelemetry). */
  traceParent?: string | null;
}

export type Network = 'none' | 'egress';

export interface Task extends NewTask {
  queueType: QueueType;
  status: TaskStatus;
  /** Number of the latest attempt (0 before the first lease). Monotonic, never reset. */
  attempt: number;
  /** The attempt number past which no retry is made; redrive raises it. */
  attemptLimit: number;
  workerId: string | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  /** Earliest time (ms) a PENDING task may be leased; later than now while in backoff. */
  runAfter: number;
  leaseExpiresAt: number | null;
  cancelRequested: boolean;
  deadLettered: boolean;
  /** Small summary of the last attempt's outcome kept in the database. */
  summary: Record<string, unknown> | null;
  failure: TaskFailure | null;
  /** The last finished attempt's detailedResults as JSON text when small, else null and in the blob at resultKey. */
  resultJson: string | null;
  /** Blob keys of the last finished attempt. */
  resultKey: string | null;
  stdoutKey: string | null;
  stderrKey: string | null;
}

export interface HistoryEntry {
  taskId: string;
  at: number;
  status: TaskStatus;
  attempt: number;
  workerId: string | null;
  reason: string | null;
}

/** A transition with its place in the feed of all transitions. */
export interface FeedEntry extends HistoryEntry {
  id: number;
}

/** A leased attempt. Every later call about it names the attempt; a stale one changes nothing. */
export interface Lease {
  task: Task;
  attempt: number;
  workerId: string;
  expiresAt: number;
}

export interface AttemptRef {
  taskId: string;
  attempt: number;
}

export interface Outcome {
  status: 'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED';
  summary: Record<string, unknown> | null;
  failure: TaskFailure | null;
  /** detailedResults as JSON text, when small enough to keep in the row (else null and resultKey). */
  resultJson: string | null;
  resultKey: string | null;
  stdoutKey: string | null;
  stderrKey: string | null;
  /** The audit entry of the execution this outcome ends (issue 4: every execution is audited).
   *  The store writes it with the outcome, in the same transaction, so no recorded outcome is
   *  without it, however soon after the worker dies; a stale attempt's, refused, is not
   *  written either. None: not audited. */
  audit?: ExecutionAudit | null;
}

/** An execution's audit entry (action `task.execute`, target the task, no key) as the worker
 *  knows it; the store adds `next`, the task's status after the outcome, to its detail. */
export interface ExecutionAudit {
  at: number;
  actor: string | null;
  /** The worker's id. */
  source: string;
  outcome: string;
  detail: Record<string, unknown>;
}
