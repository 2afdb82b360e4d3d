/**
 * The task model and the Store boundary. The store is the single source of truth: the API,
 * workers and background jobs talk to it only through the `Store` interface, so the SQLite
 * (embedded) and PostgreSQL (scale-out) backends are interchangeable and pass one
 * conformance suite (test/conformance/store.ts).
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
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

export interface TaskFailure {
  code: FailureCode;
  message: string;
  retryable: boolean;
  exitCode?: number | null;
  signal?: string | null;
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
   *  message group; a terminal's commands); null: no such order. */
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

export type SubmitResult = {
  task: Task;
  created: boolean;
  /** The task went straight to a local worker in its submit (direct dispatch): it starts now. */
  handedOff?: boolean;
};

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

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
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

export interface ClaimOptions {
  workerId: string;
  limit: number;
  /** Only these queues; all when omitted. */
  queues?: string[];
  /** Skip tasks of users who already have this many RUNNING tasks (all workers); 0 or omitted = no limit. */
  maxRunningPerUser?: number;
}

export interface HeartbeatResult {
  /** Attempts still held, with the lease's new expiry. */
  held: { taskId: string; attempt: number; cancelRequested: boolean }[];
  /** Attempts this worker no longer holds (expired, re-leased or finished). */
  lost: AttemptRef[];
  /** Leases this worker holds that it did not list, granted before the cutoff asked for: ones
   *  it never received (the answer to the claim or submit that granted one was lost with its
   *  connection). Empty unless a cutoff is given. */
  strays: AttemptRef[];
}

export interface CancelResult {
  task: Task;
  /** 'cancelled': was pending and will never run; 'requested': running, its worker will kill it. */
  effect: 'cancelled' | 'requested' | 'already-final';
}

export interface ReapResult {
  /** Attempts whose lease ran out or whose worker vanished. */
  expired: number;
}

/**
 * The store. Every method is atomic. Time comes from the injected clock, never Date.now().
 * Implementations: store/sqlite (embedded), store/postgres (scale-out).
 */
/** Where a finished attempt left its task. Not the whole task: the hot path returns only what
 *  the update decided, so the store need not read the row back (RETURNING * and its mapping were
 *  a fifth of a no-op task's cost in the store drain). */
export interface Finished {
  status: TaskStatus;
  attempt: number;
  /** When a retry may start (PENDING), else null. */
  runAfter: number | null;
  deadLettered: boolean;
  completedAt: number | null;
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

export interface Store {
  readonly capabilities: StoreCapabilities;
  /** The store's clock, which every time it keeps is in (on PostgreSQL the database server's,
   *  whatever this host's says). */
  now(): number;
  /** Insert a task, or return the existing one for a reused idempotency key with the same body.
   *  Durable before it resolves. Throws IDEMPOTENCY_CONFLICT on a key reused with another body. */
  submit(task: NewTask): Promise<SubmitResult>;
  /** Insert several tasks in one transaction: all of them, or none if one fails. Each entry as
   *  submit() (an idempotency key used before, or earlier in the batch, with the same body
   *  returns that task, created false; with another body the batch throws IDEMPOTENCY_CONFLICT
   *  with details.index, the entry's). New tasks go in PENDING, in order: FIFO within a
   *  priority, and one user's entries take consecutive fair-share ranks, as one by one would.
   *  No hand-off or push: workers claim them, many per claim. Durable before it resolves. */
  submitMany(tasks: NewTask[]): Promise<SubmitResult[]>;
  get(id: string): Promise<Task | null>;
  list(filter: ListFilter): Promise<Page<Task>>;
  history(id: string): Promise<HistoryEntry[]>;
  /** Transitions of every task (userId undefined), of one user's tasks, or of tasks without a
   *  user (null), with ids above `afterId`, in id order, at most `limit`. In PostgreSQL an id
   *  may commit after a higher one: readers hold back at gaps a while (src/output/follow.ts). */
  feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]>;
  /** The highest transition id so far (0: none). */
  feedHead(): Promise<number>;
  /** Lease up to `limit` ready tasks: highest priority first, FIFO within a priority. */
  claim(opts: ClaimOptions): Promise<Lease[]>;
  /** Extend the leases this worker holds; reports lost ones, cancel requests and, given a
   *  cutoff (store clock, ms), the strays granted before it. */
  heartbeat(workerId: string, attempts: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult>;
  /** Record an attempt's outcome. Returns where the task went, or null if the attempt is stale.
   *  A FAILED outcome with a retryable failure and attempts left goes back to PENDING after backoff. */
  finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null>;
  /** Give a leased attempt back without counting it (graceful shutdown). */
  release(ref: AttemptRef): Promise<boolean>;
  cancel(id: string): Promise<CancelResult | null>;
  /** Expire leases past their time or held by workers not seen within `workerStaleMs`. */
  reap(workerStaleMs: number): Promise<ReapResult>;
  /** Put a dead-lettered task back to PENDING with the same id and a fresh attempt budget. */
  redrive(id: string): Promise<Task>;
  /** Register or refresh a worker's liveness. */
  touchWorker(workerId: string, info: WorkerInfo): Promise<void>;
  removeWorker(workerId: string): Promise<void>;
  liveWorkers(staleMs: number): Promise<WorkerRecord[]>;
  /** PENDING and RUNNING per queue and priority: of every task, or of one user's (`userId`). */
  queueDepths(userId?: string): Promise<QueueDepth[]>;
  /** RUNNING tasks per worker id (workers holding none are absent). */
  workerLoads(): Promise<WorkerLoad[]>;
  /** Autoscaler decisions: record one; the latest first. */
  recordScaling(e: NewScalingEvent): Promise<ScalingEvent>;
  scalingEvents(filter: { since?: number; limit: number }): Promise<ScalingEvent[]>;
  purgeScaling(olderThan: number, limit: number): Promise<number>;
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
  /** A leader lock: `holder` takes the named lease if it is free or expired, or renews it if
   *  it holds it, until now + ttlMs. True if `holder` holds it now. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Alert rule states (rules never evaluated are absent). */
  alertStates(): Promise<AlertState[]>;
  /** Moves a rule from state `from` (null: never evaluated) to `s.state`; false if another
   *  process moved it first (it then notifies, not this one). */
  transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean>;
  /** PENDING and RUNNING counts only: cheap (partial indexes), for per-second estimates. */
  activeCounts(): Promise<{ pending: number; running: number }>;
  /** Number of ready PENDING tasks leased before this one (not those in backoff), counted up to `max`. */
  positionOf(task: Task, max: number): Promise<number>;
  /** The latest completions within `windowMs`, at most `sample` of them: how many, the time
   *  they span (ms; the window unless the sample filled first), their mean run time, and the
   *  mean run time of each of the RECENT_KINDS commands most frequent among the latest
   *  min(sample, KIND_SAMPLE) of them. */
  finishedSince(windowMs: number, sample: number): Promise<FinishedSince>;
  /** Earliest runAfter among PENDING tasks in backoff, for the dispatcher's next wake-up. */
  nextRunAfter(): Promise<number | null>;
  /** Forgets fair-share ranks that can no longer matter (a user's last rank not above the
   *  clock ranks their next task exactly as a new user's); returns how many. */
  purgeFairShare(): Promise<number>;
  /** Delete finished tasks older than the cutoff; returns the ids removed (their blobs go next). */
  purgeFinished(olderThan: number, limit: number): Promise<string[]>;
  /** Calls the listener when tasks may have become ready (submit, retry, release, redrive,
   *  reap). In-process for SQLite; across processes where capabilities say so. The listener
   *  may run inside the store's write transaction: it must not block (claiming is fine). */
  subscribe(listener: () => void): () => void;
  /** Priority aging: a ready task's effective priority rises one level per `stepMs` it has
   *  waited, up to the highest, so no task starves. Returns how many tasks rose. */
  age(stepMs: number): Promise<number>;
  /** Direct dispatch: a submit that finds `taker` with a free slot, and no ready task that
   *  should run before it, inserts the task already leased to the taker (no claim). */
  attachTaker(taker: LocalTaker): () => void;
  /** Push dispatch, where wake-ups cross processes: offers `slots` free slots of an attached
   *  taker to submits in other processes, which then insert a task already leased to it and
   *  the store hands the lease to the taker (through its offer()) as the notification arrives.
   *  Good for `ttlMs` unless offered again; 0 withdraws. Absent: only local hand-offs. */
  advertise?(workerId: string, slots: number, ttlMs: number): void;
  /** A user's PENDING and RUNNING tasks, each counted up to `max` (per-user quotas). */
  userLoad(userId: string, max: number): Promise<{ pending: number; running: number }>;

  // Tenancy: API keys, secrets and the audit log live in the same database as the tasks.
  createKey(key: NewApiKey): Promise<ApiKey>;
  /** The key (revoked or not) whose SHA-256 is `hash`. */
  keyByHash(hash: string): Promise<ApiKey | null>;
  listKeys(filter: { userId?: string }): Promise<ApiKey[]>;
  /** Revoke a key; returns it (already revoked keys keep their first revocation time), or null. */
  revokeKey(id: string): Promise<ApiKey | null>;
  /** Calls the listener after a key is revoked, here or in every process sharing the store,
   *  and whenever such news may have been missed (before a LISTEN session starts, and when
   *  one is lost): what caches keys drops them. */
  subscribeKeys(listener: () => void): () => void;
  /** Record that a key was used (callers throttle this). */
  touchKey(id: string, at: number): Promise<void>;
  /** Create or replace a user's secret (ciphertext made above the store). */
  putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }>;
  /** A user's secrets; only those named when `names` is given. */
  secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]>;
  deleteSecret(userId: string, name: string): Promise<boolean>;
  appendAudit(entries: NewAuditEntry[]): Promise<void>;
  /** Newest first. */
  queryAudit(filter: AuditFilter): Promise<Page<AuditEntry>>;
  /** Delete audit entries older than the cutoff; returns how many went. */
  purgeAudit(olderThan: number, limit: number): Promise<number>;

  // Live output: what running attempts write, chunk by chunk, for followers on any node.
  /** Store chunks (a chunk already stored, same task, attempt and seq, is kept as it was), then
   *  tell output subscribers here and, where capabilities say so, in other processes. */
  appendOutput(chunks: OutputChunk[]): Promise<void>;
  /** A task's chunks after `after`, in order (attempt, then seq), at most `limit`. */
  readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]>;
  /** Calls the listener with a task's id when chunks of it were stored, or a worker's finish
   *  ended its attempt, here or elsewhere ('*' from elsewhere: any task), so a follower sees
   *  the end at once; and with `lane:<lane>` when a task of that lane was submitted, so the
   *  lane's followers (a terminal's) look for it. */
  subscribeOutput(listener: (taskId: string) => void): () => void;

  // Projects: named file trees, stored as numbered versions (archives in the blob store).
  createProject(p: NewProject): Promise<Project>;
  getProject(id: string): Promise<Project | null>;
  /** Oldest first; a user's only when `userId` is given. */
  listProjects(filter: { userId?: string }): Promise<Project[]>;
  /** Records version `v.version` and makes it the latest, if the latest is still
   *  `v.version - 1`; false (nothing written) if another version came first. */
  addProjectVersion(v: ProjectVersion): Promise<boolean>;
  /** Newest first. */
  projectVersions(projectId: string): Promise<ProjectVersion[]>;
  projectVersion(projectId: string, version: number): Promise<ProjectVersion | null>;
  /** Adds requests counted in this process to the shared count of their keys' windows of
   *  `windowMs` (a window past its end starts again now) and returns each key's total and
   *  window start, with the store clock's now, and those of the `watch` keys, read only: the
   *  API's rate limit across API nodes. Absent where one process is the
   *  whole API (SQLite). */
  countRequests?(counts: { key: string; n: number }[], windowMs: number, watch?: string[]): Promise<{ now: number; counts: RequestCount[] }>;
  close(): Promise<void>;
}

export interface RequestCount {
  key: string;
  /** When the key's current window started (store clock, ms). */
  startedAt: number;
  /** Requests counted in it by every API node. */
  n: number;
}

export interface NewProject {
  id: string;
  userId: string | null;
  name: string;
}

export interface Project extends NewProject {
  /** 0 until files are uploaded. */
  latestVersion: number;
  createdAt: number;
}

export interface ProjectVersion {
  projectId: string;
  version: number;
  createdAt: number;
  /** The version this one was made from (a task's changes, an upload's predecessor), or null. */
  baseVersion: number | null;
  /** The task whose changes made it; null for an upload. */
  taskId: string | null;
  /** Blob key of its archive (tar.gz). */
  blobKey: string;
  files: number;
  /** Bytes of its files. */
  bytes: number;
  /** Files the task changed that another version had changed since its base: the task's wins. */
  conflicts: string[];
}

export type OutputStream = 'stdout' | 'stderr';

/** A piece of what an attempt wrote, in the order written: seq counts from 1 per attempt, over
 *  both streams. */
export interface OutputChunk {
  taskId: string;
  attempt: number;
  seq: number;
  stream: OutputStream;
  data: Buffer;
  at: number;
}

/** A place in a task's output: after chunk `seq` of `attempt`; { attempt: 0, seq: 0 } is the start. */
export interface OutputCursor {
  attempt: number;
  seq: number;
}

export type KeyScope = 'user' | 'admin';

export interface NewApiKey {
  id: string;
  /** SHA-256 of the raw key, hex. The raw key itself never reaches the store. */
  hash: string;
  /** The key's first characters, to tell keys apart in lists. */
  prefix: string;
  userId: string;
  scope: KeyScope;
  name: string | null;
}

export interface ApiKey extends Omit<NewApiKey, 'hash'> {
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface SecretRecord {
  userId: string;
  name: string;
  /** AES-256-GCM output, base64: nonce, tag, data. */
  ciphertext: string;
  createdAt: number;
  updatedAt: number;
}

export interface NewAuditEntry {
  at: number;
  /** The user who acted (null: unauthenticated, or the platform itself). */
  actor: string | null;
  keyId: string | null;
  /** What was done, e.g. `POST /tasks`, `task.execute`. */
  action: string;
  /** The object acted on (task id, key id, secret name), when there is one. */
  target: string | null;
  /** Where from: the client's address, or the worker's id. */
  source: string | null;
  /** HTTP status, or the execution's final state. */
  outcome: string;
  detail: Record<string, unknown> | null;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  since?: number;
  until?: number;
  /** Opaque cursor from a previous page. */
  after?: string;
  limit: number;
}

/**
 * A worker in the store's process that can take a task as it is submitted. The dispatch latency
 * of an idle pool is then one commit, not a commit and a claim.
 */
export interface LocalTaker {
  workerId: string;
  /** Queues it takes from; undefined = all. */
  queues?: string[];
  /** As ClaimOptions.maxRunningPerUser: a task of a user at the limit is not handed over. */
  maxRunningPerUser?: number;
  /** Called inside the submit's transaction: reserve a slot, synchronously. Returns what to call
   *  once the transaction has ended (the lease if it committed, null if it did not), or null
   *  when no slot is free. `pushed`: the task is already leased to this taker (push dispatch,
   *  Store.advertise); declining it has the store release it. */
  offer(pushed?: boolean): ((lease: Lease | null) => void) | null;
}

export interface StoreCapabilities {
  /** Wake-ups reach other processes (PostgreSQL NOTIFY); false = in-process only. */
  crossProcessWakeups: boolean;
}

export interface WorkerInfo {
  host: string;
  pid: number;
  concurrency: number;
}
export interface TimelineBucket {
  at: number;
  finished: number;
  failed: number;
  avgWaitMs: number | null;
  avgRunMs: number | null;
}

export interface AlertState {
  name: string;
  state: 'ok' | 'firing';
  since: number;
  value: number | null;
  message: string;
}

export interface WorkerLoad {
  workerId: string;
  running: number;
}

/** One autoscaler decision and what it was computed from. */
export interface NewScalingEvent {
  at: number;
  /** launch: workers started; retire: idle workers stopped; hold: desired changed, nothing to do yet. */
  action: 'launch' | 'retire' | 'hold';
  /** PENDING + RUNNING tasks seen. */
  depth: number;
  /** Workers before the decision (starting ones included). */
  current: number;
  desired: number;
  /** Ids of the workers launched or retired. */
  workers: string[];
  reason: string;
  /** Which autoscaler decided: its leader-lease holder id (host-pid-random); null when not
   *  known (decisions recorded before it was kept). */
  autoscaler: string | null;
}
export interface ScalingEvent extends NewScalingEvent {
  id: number;
}

export interface WorkerRecord extends WorkerInfo {
  id: string;
  startedAt: number;
  lastSeen: number;
}

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface RetryPolicy {
  /** First backoff cap in ms; attempt n waits uniform[0, min(maxMs, baseMs * 2^(n-1))] (full jitter). */
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
