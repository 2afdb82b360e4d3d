/**
 * The embedded Store: SQLite through node:sqlite, WAL journal, one connection per process.
 * Writes go through WriteBatch (group commit); reads run directly. Wake-ups are an
 * in-process emitter, so a `hangar worker` in another process falls back to polling.
 *
 * This class opens the database and delegates each method to the collaborator of its role,
 * which holds the SQL it runs; what a method decides (claim order, a cancel's effect, ...) is
 * in core/, shared with the PostgreSQL store.
 */
import { mkdirSync } from 'node:fs';
import { SqliteActivities } from './activities.ts';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  systemClock,
  type ApiKey,
  type AttemptRef,
  type AuditEntry,
  type CancelResult,
  type Clock,
  type FeedEntry,
  type Finished,
  type HeartbeatResult,
  type HistoryEntry,
  type Lease,
  type LocalTaker,
  type NewApiKey,
  type SigningKey,
  type NewAuditEntry,
  type NewProject,
  type NewTask,
  type Outcome,
  type OutputChunk,
  type OutputCursor,
  type Page,
  type Project,
  type ProjectVersion,
  type RetryPolicy,
  type SecretRecord,
  type Task,
} from '../../core/index.ts';
import type {
  AlertState,
  AuditFilter,
  ClaimOptions,
  FinishedSince,
  ListFilter,
  NewScalingEvent,
  QueueDepth,
  ReapResult,
  RequestCount,
  ScalingEvent,
  StatusCounts,
  Functions,
  FunctionFleet,
  FunctionInvocations,
  FunctionAccess,
  ProvisionedConcurrency,
  ScalableTargets,
  DomainNames,
  HttpApis,
  HttpDeploymentSnapshots,
  Layers,
  Store,
  Workflows,
  Activities,
  ExpressStarts,
  StateMachineVersions,
  ResourceTags,
  SealedValues,
  StoreCapabilities,
  StoreHealth,
  SubmitResult,
  TimelineBucket,
  WorkerInfo,
  WorkerLoad,
  WorkerRecord,
} from '../ports/index.ts';
import * as access from './access.ts';
import * as attempts from './attempt-end.ts';
import * as backoffs from './backoffs.ts';
import * as claims from './claim.ts';
import * as content from './content.ts';
import { SqliteContext } from './context.ts';
import * as control from './control.ts';
import * as fairShare from './fair-share.ts';
import { SqliteFunctionAccess } from './function-access.ts';
import { SqliteProvisionedConcurrency } from './provisioned-concurrency.ts';
import { SqliteScalableTargets } from './scalable-targets.ts';
import { sealPlainEnvironments, SqliteFunctions } from './functions.ts';
import { SealedEnvironment, type Sealer } from '../sealed-environment.ts';
import { cachedFunctionReads } from '../cached-functions.ts';
import { SqliteFunctionFleet } from './function-fleet.ts';
import { SqliteFunctionInvocations } from './function-invocations.ts';
import { SqliteDomainNames } from './domain-names.ts';
import { SqliteHttpApis } from './http-apis.ts';
import { SqliteHttpDeploymentSnapshots } from './http-deployment-snapshots.ts';
import { SqliteLayers } from './layers.ts';
import { SqliteWorkflows } from './workflows.ts';
import { SqliteExpressStarts } from './express-starts.ts';
import { SqliteStateMachineVersions } from './state-machine-versions.ts';
import { SqliteResourceTags } from './tags.ts';
import { SqliteSealedValues } from './sealed-values.ts';
import * as leases from './heartbeat.ts';
import * as metrics from './metrics.ts';
import { migrate } from './migrate.ts';
import * as ops from './ops.ts';
import * as reads from './reads.ts';
import * as submits from './submit.ts';
import { userLoad } from './user-load.ts';
import { walSync, type WalSync } from './wal-sync.ts';
import { WriteBatch } from './write-batch.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** 'full': every write is fsynced before it is acknowledged (survives power loss);
   *  'normal': survives a process crash, may lose the last writes on power loss. */
  synchronous?: 'full' | 'normal';
  clock?: Clock;
  random?: () => number;
  retry?: RetryPolicy;
  /** How long an invocation's function reads are kept in memory, ms (cached-functions.ts); 0: not at all. */
  functionReadTtlMs?: number;
  /** Seals functions' environment variables at rest (sealed-environment.ts): the secrets
   *  master key's box. Without one (tests and tools that hold no key) they are kept plain. */
  sealer?: Sealer;
}

export class SqliteStore implements Store {
  readonly capabilities: StoreCapabilities = { crossProcessWakeups: false, pushDispatch: false, sharedRequestCounts: false };
  private readonly db: DatabaseSync;
  private readonly writes: WriteBatch;
  private readonly wal: WalSync | null;
  private readonly ctx: SqliteContext;
  /** How functions' environments are sealed at rest (sealed-environment.ts). */
  private readonly environment: SealedEnvironment;
  /**
   * Functions, a port of their own (ports/functions.ts) held as a property rather than mixed
   * into Store: consumers of functions ask for a `Functions`, the task paths never see it, and
   * the facade does not grow a delegating method per function call.
   */
  readonly functions: Functions;
  /** HTTP APIs and routes (ports/http-apis.ts), a port of their own as functions are. */
  readonly httpApis: HttpApis;
  readonly httpDeploymentSnapshots: HttpDeploymentSnapshots;
  /** Custom domain names of HTTP APIs and their API mappings (ports/domain-names.ts). */
  readonly domainNames: DomainNames;
  /** Lambda layers' versions (ports/layers.ts), likewise. */
  readonly layers: Layers;
  /** Worker hosts running functions and reserved-concurrency leases (ports/function-fleet.ts). */
  readonly functionFleet: FunctionFleet;
  /** Function invocation records (ports/function-invocations.ts), likewise. */
  readonly functionInvocations: FunctionInvocations;
  /** Functions' resource-based policies and URLs (ports/function-access.ts), beside functions. */
  readonly functionAccess: FunctionAccess;
  /** Provisioned concurrency configurations (ports/provisioned-concurrency.ts), likewise. */
  readonly provisioned: ProvisionedConcurrency;
  /** Application Auto Scaling's targets and policies (ports/scalable-targets.ts), likewise. */
  readonly scalableTargets: ScalableTargets;
  /** State machines, executions and their runners' state (ports/workflows.ts), likewise. */
  readonly workflows: Workflows;
  /** EXPRESS executions started asynchronously, kept until they end (ports/express-starts.ts). */
  readonly expressStarts: ExpressStarts;
  /** Step Functions activities and the taking of their tasks (ports/activities.ts). */
  readonly activities: Activities;
  /** State machines' versions and aliases (ports/state-machine-versions.ts). */
  readonly stateMachineVersions: StateMachineVersions;
  /** Tags of functions and state machines (ports/tags.ts), likewise. */
  readonly tags: ResourceTags;
  /** Every value sealed under the secrets master key, and the key check (ports/sealed-values.ts). */
  readonly sealedValues: SealedValues;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new DatabaseSync(opts.path);
    this.db.exec('PRAGMA journal_mode = WAL');
    // Durability comes from WriteBatch's off-thread WAL fsync, not from SQLite's own (write-batch.ts).
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec('PRAGMA foreign_keys = ON');
    migrate(this.db);
    const env = new SealedEnvironment(opts.sealer ?? null);
    this.environment = env;
    this.wal = opts.synchronous !== 'normal' && opts.path !== ':memory:' ? walSync(opts.path) : null;
    this.writes = new WriteBatch(this.db, this.wal ? () => this.wal!.sync() : null);
    this.ctx = new SqliteContext(
      this.db,
      this.writes,
      opts.clock ?? systemClock,
      opts.random ?? Math.random,
      opts.retry ?? { baseMs: 1000, maxMs: 300_000 },
    );
    // Every invocation's two reads from memory (cached-functions.ts says why and how long).
    const ttl = opts.functionReadTtlMs ?? 1000;
    const functions = new SqliteFunctions(this.ctx, env);
    this.functions = ttl > 0 ? cachedFunctionReads(functions, ttl) : functions;
    this.httpApis = new SqliteHttpApis(this.ctx);
    this.httpDeploymentSnapshots = new SqliteHttpDeploymentSnapshots(this.ctx);
    this.domainNames = new SqliteDomainNames(this.ctx);
    this.layers = new SqliteLayers(this.ctx);
    this.functionFleet = new SqliteFunctionFleet(this.ctx);
    this.functionInvocations = new SqliteFunctionInvocations(this.ctx);
    this.functionAccess = new SqliteFunctionAccess(this.ctx);
    this.provisioned = new SqliteProvisionedConcurrency(this.ctx);
    this.scalableTargets = new SqliteScalableTargets(this.ctx);
    this.workflows = new SqliteWorkflows(this.ctx);
    this.expressStarts = new SqliteExpressStarts(this.ctx);
    this.activities = new SqliteActivities(this.ctx);
    this.stateMachineVersions = new SqliteStateMachineVersions(this.ctx);
    this.tags = new SqliteResourceTags(this.ctx);
    this.sealedValues = new SqliteSealedValues(this.ctx);
  }

  now(): number {
    return this.ctx.clock.now();
  }

  /** Called when tasks may have become ready; listeners are the local dispatchers. */
  subscribe(listener: () => void): () => void {
    this.ctx.wake.on('ready', listener);
    return () => this.ctx.wake.off('ready', listener);
  }

  // --- Submit (submit.ts) ---
  submit(t: NewTask): Promise<SubmitResult> {
    return submits.submit(this.ctx, t);
  }
  submitMany(tasks: NewTask[]): Promise<SubmitResult[]> {
    return submits.submitMany(this.ctx, tasks);
  }
  attachTaker(taker: LocalTaker): () => void {
    return submits.attachTaker(this.ctx, taker);
  }
  /** No push dispatch (capabilities.pushDispatch): in one process a submit sees the attached
   *  takers directly. */
  advertise(_workerId: string, _slots: number, _ttlMs: number): void {}

  // --- Task reads (reads.ts) ---
  get(id: string): Promise<Task | null> {
    return reads.get(this.ctx, id);
  }
  list(f: ListFilter): Promise<Page<Task>> {
    return reads.list(this.ctx, f);
  }
  history(id: string): Promise<HistoryEntry[]> {
    return reads.history(this.ctx, id);
  }
  feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]> {
    return reads.feed(this.ctx, afterId, userId, limit);
  }
  feedHead(): Promise<number> {
    return reads.feedHead(this.ctx);
  }
  positionOf(task: Task, max: number): Promise<number> {
    return reads.positionOf(this.ctx, task, max);
  }

  // --- Dispatch: claims, leases, attempts' ends (claim.ts, backoffs.ts, heartbeat.ts, attempt-end.ts) ---
  claim(o: ClaimOptions): Promise<Lease[]> {
    return claims.claim(this.ctx, o);
  }
  age(stepMs: number): Promise<number> {
    return claims.age(this.ctx, stepMs);
  }
  nextRunAfter(): Promise<number | null> {
    return backoffs.nextRunAfter(this.ctx);
  }
  userLoad(userId: string, max: number): Promise<{ pending: number; running: number }> {
    return userLoad(this.ctx, userId, max);
  }
  heartbeat(workerId: string, refs: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult> {
    return leases.heartbeat(this.ctx, workerId, refs, straysBefore);
  }
  finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null> {
    return attempts.finish(this.ctx, ref, outcome);
  }
  release(ref: AttemptRef): Promise<boolean> {
    return attempts.release(this.ctx, ref);
  }
  reap(workerStaleMs: number): Promise<ReapResult> {
    return attempts.reap(this.ctx, workerStaleMs);
  }

  // --- Task control (control.ts) ---
  cancel(id: string): Promise<CancelResult | null> {
    return control.cancel(this.ctx, id);
  }
  redrive(id: string): Promise<Task> {
    return control.redrive(this.ctx, id);
  }

  // --- Access: keys, secrets, audit (access.ts) ---
  createKey(k: NewApiKey): Promise<ApiKey> {
    return access.createKey(this.ctx, k);
  }
  keyByHash(hash: string): Promise<ApiKey | null> {
    return access.keyByHash(this.ctx, hash);
  }
  signingKey(id: string): Promise<SigningKey | null> {
    return access.signingKey(this.ctx, id);
  }
  listKeys(f: { userId?: string }): Promise<ApiKey[]> {
    return access.listKeys(this.ctx, f);
  }
  revokeKey(id: string): Promise<ApiKey | null> {
    return access.revokeKey(this.ctx, id);
  }
  subscribeKeys(listener: () => void): () => void {
    return access.subscribeKeys(this.ctx, listener);
  }
  touchKey(id: string, at: number): Promise<void> {
    return access.touchKey(this.ctx, id, at);
  }
  putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }> {
    return access.putSecret(this.ctx, userId, name, ciphertext);
  }
  secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]> {
    return access.secretsOf(this.ctx, userId, names);
  }
  deleteSecret(userId: string, name: string): Promise<boolean> {
    return access.deleteSecret(this.ctx, userId, name);
  }
  appendAudit(entries: NewAuditEntry[]): Promise<void> {
    return access.appendAudit(this.ctx, entries);
  }
  queryAudit(f: AuditFilter): Promise<Page<AuditEntry>> {
    return access.queryAudit(this.ctx, f);
  }
  purgeAudit(olderThan: number, limit: number): Promise<number> {
    return access.purgeAudit(this.ctx, olderThan, limit);
  }
  /** No shared request counts (capabilities.sharedRequestCounts): one process is the whole API
   *  and counts in memory. */
  async countRequests(
    _counts: { key: string; n: number }[],
    _windowMs: number,
    _watch?: string[],
  ): Promise<{ now: number; counts: RequestCount[] }> {
    throw new Error('countRequests: this store does not share request counts (capabilities.sharedRequestCounts is false)');
  }

  // --- Operations: workers, leader lease, alerts, scaling, retention (ops.ts, fair-share.ts) ---
  touchWorker(workerId: string, info: WorkerInfo): Promise<void> {
    return ops.touchWorker(this.ctx, workerId, info);
  }
  removeWorker(workerId: string): Promise<void> {
    return ops.removeWorker(this.ctx, workerId);
  }
  liveWorkers(staleMs: number): Promise<WorkerRecord[]> {
    return ops.liveWorkers(this.ctx, staleMs);
  }
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return ops.acquireLease(this.ctx, name, holder, ttlMs);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return ops.releaseLease(this.ctx, name, holder);
  }
  alertStates(): Promise<AlertState[]> {
    return ops.alertStates(this.ctx);
  }
  transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean> {
    return ops.transitionAlert(this.ctx, from, s);
  }
  recordScaling(e: NewScalingEvent): Promise<ScalingEvent> {
    return ops.recordScaling(this.ctx, e);
  }
  scalingEvents(f: { since?: number; limit: number }): Promise<ScalingEvent[]> {
    return ops.scalingEvents(this.ctx, f);
  }
  purgeScaling(olderThan: number, limit: number): Promise<number> {
    return ops.purgeScaling(this.ctx, olderThan, limit);
  }
  purgeFinished(olderThan: number, limit: number): Promise<string[]> {
    return ops.purgeFinished(this.ctx, olderThan, limit);
  }
  purgeFairShare(): Promise<number> {
    return fairShare.purgeFairShare(this.ctx);
  }
  /** The clock is this host's, and SQLite has no autovacuum to check. */
  async health(): Promise<StoreHealth> {
    return { clockOffsetMs: 0, autovacuum: null };
  }

  // --- Metrics (metrics.ts) ---
  workerLoads(): Promise<WorkerLoad[]> {
    return metrics.workerLoads(this.ctx);
  }
  outcomesSince(since: number): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>> {
    return metrics.outcomesSince(this.ctx, since);
  }
  deadLetterCount(userId?: string): Promise<number> {
    return metrics.deadLetterCount(this.ctx, userId);
  }
  timeline(since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]> {
    return metrics.timeline(this.ctx, since, bucketMs, userId);
  }
  queueDepths(userId?: string): Promise<QueueDepth[]> {
    return metrics.queueDepths(this.ctx, userId);
  }
  counts(userId?: string): Promise<StatusCounts> {
    return metrics.counts(this.ctx, userId);
  }
  activeCounts(): Promise<{ pending: number; running: number }> {
    return metrics.activeCounts(this.ctx);
  }
  finishedSince(windowMs: number, sample: number): Promise<FinishedSince> {
    return metrics.finishedSince(this.ctx, windowMs, sample);
  }

  // --- Content: output, projects (content.ts) ---
  appendOutput(chunks: OutputChunk[]): Promise<void> {
    return content.appendOutput(this.ctx, chunks);
  }
  readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]> {
    return content.readOutput(this.ctx, taskId, after, limit);
  }
  subscribeOutput(listener: (taskId: string) => void): () => void {
    return content.subscribeOutput(this.ctx, listener);
  }
  createProject(p: NewProject): Promise<Project> {
    return content.createProject(this.ctx, p);
  }
  getProject(id: string): Promise<Project | null> {
    return content.getProject(this.ctx, id);
  }
  listProjects(f: { userId?: string }): Promise<Project[]> {
    return content.listProjects(this.ctx, f);
  }
  addProjectVersion(v: ProjectVersion): Promise<boolean> {
    return content.addProjectVersion(this.ctx, v);
  }
  projectVersions(projectId: string): Promise<ProjectVersion[]> {
    return content.projectVersions(this.ctx, projectId);
  }
  projectVersion(projectId: string, version: number): Promise<ProjectVersion | null> {
    return content.projectVersion(this.ctx, projectId, version);
  }

  /** Seals the functions' environments still kept plain (written before sealing), once the
   *  secrets key check has passed (sealed-environment.ts); how many rows it sealed. */
  sealPlainEnvironments(): Promise<number> {
    return sealPlainEnvironments(this.ctx, this.environment);
  }

  async close(): Promise<void> {
    await this.writes.close();
    await this.wal?.close();
    this.ctx.wake.removeAllListeners();
    this.db.close();
  }
}
