/**
 * The scale-out Store: PostgreSQL through a connection pool, shared by any number of API and
 * worker processes. Claims lease with FOR UPDATE SKIP LOCKED, so concurrent claimers never wait
 * on each other's rows; wake-ups cross processes with LISTEN/NOTIFY. It behaves as the SQLite
 * store does, and shares its decisions (transitions.ts) and row mapping (row.ts: this
 * pool hands JSON columns back as text and BIGINTs as numbers, as node:sqlite does). Every time
 * comes from the store's clock: the host's corrected to the database server's (clock.ts), or an
 * injected one.
 *
 * This class only builds its collaborators over one database handle (db.ts) and delegates to
 * them; each keeps its own state and its statements beside the code that runs them:
 * notifier.ts (wake-ups), push.ts (local takers and push dispatch), submit.ts and
 * plain-submit.ts (submits), claim.ts, leases.ts and finishes.ts (the lease lifecycle),
 * backoffs.ts, statistics.ts, reads.ts, access.ts (keys, secrets, audit, request counts),
 * ops.ts (workers, scaling, leader lease, alerts, upkeep) and content.ts (output, projects).
 * Statements are named constants whose positional parameters ($n) are listed above each one;
 * snake_case in SQL, camelCase in TypeScript.
 */
import type {
  AlertState,
  AuditFilter,
  ClaimOptions,
  FinishedSince,
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
  ListFilter,
  NewScalingEvent,
  QueueDepth,
  ReapResult,
  RequestCount,
  ScalingEvent,
  StatusCounts,
  Store,
  StoreCapabilities,
  StoreHealth,
  SubmitResult,
  TimelineBucket,
  WorkerInfo,
  WorkerLoad,
  WorkerRecord,
  Workflows,
  Activities,
  ExpressStarts,
  StateMachineVersions,
  ResourceTags,
  SealedValues,
} from '../ports/index.ts';
import { PgActivities } from './activities.ts';
import type {
  ApiKey,
  AttemptRef,
  AuditEntry,
  CancelResult,
  FeedEntry,
  Finished,
  HeartbeatResult,
  HistoryEntry,
  Lease,
  LocalTaker,
  NewApiKey,
  SigningKey,
  NewAuditEntry,
  NewProject,
  NewTask,
  Outcome,
  OutputChunk,
  OutputCursor,
  Page,
  Project,
  ProjectVersion,
  SecretRecord,
  Task,
} from '../../core/index.ts';
import { Access } from './access.ts';
import { Backoffs } from './backoffs.ts';
import { Claims } from './claim.ts';
import { Content } from './content.ts';
import { Db, type PostgresStoreOptions } from './db.ts';
import { FencedFinishes } from './finishes.ts';
import { PgFunctionAccess } from './function-access.ts';
import { PgProvisionedConcurrency } from './provisioned-concurrency.ts';
import { PgScalableTargets } from './scalable-targets.ts';
import { cachedFunctionReads } from '../cached-functions.ts';
import { PgFunctions, sealPlainEnvironments } from './functions.ts';
import { SealedEnvironment } from '../sealed-environment.ts';
import { PgFunctionFleet } from './function-fleet.ts';
import { PgFunctionInvocations } from './function-invocations.ts';
import { PgDomainNames } from './domain-names.ts';
import { PgHttpApis } from './http-apis.ts';
import { PgHttpDeploymentSnapshots } from './http-deployment-snapshots.ts';
import { PgLayers } from './layers.ts';
import { PgWorkflows } from './workflows.ts';
import { PgExpressStarts } from './express-starts.ts';
import { PgStateMachineVersions } from './state-machine-versions.ts';
import { PgResourceTags } from './tags.ts';
import { PgSealedValues } from './sealed-values.ts';
import { Leases } from './leases.ts';
import { Notifier } from './notifier.ts';
import { Ops } from './ops.ts';
import { PlainSubmits } from './plain-submit.ts';
import { PushDispatch } from './push.ts';
import { Reads } from './reads.ts';
import { PlannerStatistics } from './statistics.ts';
import { Submits } from './submit.ts';

export type { PostgresStoreOptions } from './db.ts';

export class PostgresStore implements Store {
  readonly capabilities: StoreCapabilities = { crossProcessWakeups: true, pushDispatch: true, sharedRequestCounts: true };
  private readonly db: Db;
  private readonly notifier: Notifier;
  private readonly push: PushDispatch;
  private readonly submits: Submits;
  private readonly claims: Claims;
  private readonly backoffs: Backoffs;
  private readonly leases: Leases;
  private readonly reads: Reads;
  private readonly access: Access;
  private readonly ops: Ops;
  private readonly content: Content;
  /**
   * Functions, a port of their own (ports/functions.ts) held as a property rather than mixed
   * into Store: consumers of functions ask for a `Functions`, the task paths never see it, and
   * the facade does not grow a delegating method per function call.
   */
  readonly functions: Functions;
  /** How functions' environments are sealed at rest (sealed-environment.ts). */
  private readonly environment: SealedEnvironment;
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

  constructor(opts: PostgresStoreOptions) {
    this.environment = new SealedEnvironment(opts.sealer ?? null);
    const retry = opts.retry ?? { baseMs: 1000, maxMs: 300_000 };
    const random = opts.random ?? Math.random;
    const db = new Db(opts);
    const notifier = new Notifier(db);
    const backoffs = new Backoffs(db, notifier);
    const finishes = new FencedFinishes(db, notifier, retry, random);
    const leases = new Leases(db, notifier, backoffs, finishes, new PlannerStatistics(db), retry, random);
    const push = new PushDispatch(db, notifier, (ref) => leases.release(ref));
    this.db = db;
    this.notifier = notifier;
    this.push = push;
    this.submits = new Submits(db, notifier, push, new PlainSubmits(db, notifier));
    this.claims = new Claims(db, backoffs);
    this.backoffs = backoffs;
    this.leases = leases;
    this.reads = new Reads(db);
    this.access = new Access(db, notifier);
    this.ops = new Ops(db);
    this.content = new Content(db, notifier);
    // Every invocation's two reads from memory, forgotten at any process's write (cached-functions.ts).
    const ttl = opts.functionReadTtlMs ?? 1000;
    const functions = new PgFunctions(db, this.environment);
    this.functions =
      ttl > 0
        ? cachedFunctionReads(functions, ttl, undefined, {
            announce: () => notifier.functionsChangedNow(),
            subscribe: (forget) => notifier.subscribeFunctionChanges(forget),
          })
        : functions;
    this.httpApis = new PgHttpApis(db);
    this.httpDeploymentSnapshots = new PgHttpDeploymentSnapshots(db);
    this.domainNames = new PgDomainNames(db);
    this.layers = new PgLayers(db);
    this.functionFleet = new PgFunctionFleet(db);
    this.functionInvocations = new PgFunctionInvocations(db, notifier);
    this.functionAccess = new PgFunctionAccess(db);
    this.provisioned = new PgProvisionedConcurrency(db);
    this.scalableTargets = new PgScalableTargets(db);
    this.workflows = new PgWorkflows(db, notifier);
    this.expressStarts = new PgExpressStarts(db);
    this.activities = new PgActivities(db, notifier);
    this.stateMachineVersions = new PgStateMachineVersions(db);
    this.tags = new PgResourceTags(db);
    this.sealedValues = new PgSealedValues(db);
  }

  /** A store whose schema is migrated: fails here, not on the first call, if the database is not usable. */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(opts);
    try {
      await store.db.migrated;
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  now(): number {
    return this.db.now();
  }

  /** The database server's clock minus this host's, ms, as last measured (0 with an injected
   *  clock): what every time this store keeps is corrected by. */
  get clockOffsetMs(): number {
    return this.db.clockOffsetMs;
  }

  // Wake-ups (notifier.ts)
  subscribe(listener: () => void): () => void {
    return this.notifier.subscribe(listener);
  }
  subscribeKeys(listener: () => void): () => void {
    return this.notifier.subscribeKeys(listener);
  }
  subscribeOutput(listener: (taskId: string) => void): () => void {
    return this.notifier.subscribeOutput(listener);
  }

  // Submits and dispatch (submit.ts, push.ts)
  submit(t: NewTask): Promise<SubmitResult> {
    return this.submits.submit(t);
  }
  submitMany(tasks: NewTask[]): Promise<SubmitResult[]> {
    return this.submits.submitMany(tasks);
  }
  attachTaker(taker: LocalTaker): () => void {
    return this.push.attachTaker(taker);
  }
  advertise(workerId: string, slots: number, ttlMs: number): void {
    this.push.advertise(workerId, slots, ttlMs);
  }

  // Claims and leases (claim.ts, leases.ts, backoffs.ts)
  claim(o: ClaimOptions): Promise<Lease[]> {
    return this.claims.claim(o);
  }
  userLoad(userId: string, max: number): Promise<{ pending: number; running: number }> {
    return this.claims.userLoad(userId, max);
  }
  heartbeat(workerId: string, attempts: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult> {
    return this.leases.heartbeat(workerId, attempts, straysBefore);
  }
  finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null> {
    return this.leases.finish(ref, outcome);
  }
  release(ref: AttemptRef): Promise<boolean> {
    return this.leases.release(ref);
  }
  cancel(id: string): Promise<CancelResult | null> {
    return this.leases.cancel(id);
  }
  reap(workerStaleMs: number): Promise<ReapResult> {
    return this.leases.reap(workerStaleMs);
  }
  redrive(id: string): Promise<Task> {
    return this.leases.redrive(id);
  }
  nextRunAfter(): Promise<number | null> {
    return this.backoffs.nextRunAfter();
  }

  // Reads (reads.ts)
  get(id: string): Promise<Task | null> {
    return this.reads.get(id);
  }
  list(f: ListFilter): Promise<Page<Task>> {
    return this.reads.list(f);
  }
  history(id: string): Promise<HistoryEntry[]> {
    return this.reads.history(id);
  }
  feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]> {
    return this.reads.feed(afterId, userId, limit);
  }
  feedHead(): Promise<number> {
    return this.reads.feedHead();
  }
  outcomesSince(since: number): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>> {
    return this.reads.outcomesSince(since);
  }
  deadLetterCount(userId?: string): Promise<number> {
    return this.reads.deadLetterCount(userId);
  }
  timeline(since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]> {
    return this.reads.timeline(since, bucketMs, userId);
  }
  queueDepths(userId?: string): Promise<QueueDepth[]> {
    return this.reads.queueDepths(userId);
  }
  counts(userId?: string): Promise<StatusCounts> {
    return this.reads.counts(userId);
  }
  activeCounts(): Promise<{ pending: number; running: number }> {
    return this.reads.activeCounts();
  }
  positionOf(task: Task, max: number): Promise<number> {
    return this.reads.positionOf(task, max);
  }
  finishedSince(windowMs: number, sample: number): Promise<FinishedSince> {
    return this.reads.finishedSince(windowMs, sample);
  }

  // Access (access.ts)
  createKey(k: NewApiKey): Promise<ApiKey> {
    return this.access.createKey(k);
  }
  keyByHash(hash: string): Promise<ApiKey | null> {
    return this.access.keyByHash(hash);
  }
  signingKey(id: string): Promise<SigningKey | null> {
    return this.access.signingKey(id);
  }
  listKeys(f: { userId?: string }): Promise<ApiKey[]> {
    return this.access.listKeys(f);
  }
  revokeKey(id: string): Promise<ApiKey | null> {
    return this.access.revokeKey(id);
  }
  touchKey(id: string, at: number): Promise<void> {
    return this.access.touchKey(id, at);
  }
  putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }> {
    return this.access.putSecret(userId, name, ciphertext);
  }
  secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]> {
    return this.access.secretsOf(userId, names);
  }
  deleteSecret(userId: string, name: string): Promise<boolean> {
    return this.access.deleteSecret(userId, name);
  }
  appendAudit(entries: NewAuditEntry[]): Promise<void> {
    return this.access.appendAudit(entries);
  }
  queryAudit(f: AuditFilter): Promise<Page<AuditEntry>> {
    return this.access.queryAudit(f);
  }
  purgeAudit(olderThan: number, limit: number): Promise<number> {
    return this.access.purgeAudit(olderThan, limit);
  }
  countRequests(
    counts: { key: string; n: number }[],
    windowMs: number,
    watch: string[] = [],
  ): Promise<{ now: number; counts: RequestCount[] }> {
    return this.access.countRequests(counts, windowMs, watch);
  }

  // Operations (ops.ts)
  touchWorker(workerId: string, info: WorkerInfo): Promise<void> {
    return this.ops.touchWorker(workerId, info);
  }
  removeWorker(workerId: string): Promise<void> {
    return this.ops.removeWorker(workerId);
  }
  liveWorkers(staleMs: number): Promise<WorkerRecord[]> {
    return this.ops.liveWorkers(staleMs);
  }
  workerLoads(): Promise<WorkerLoad[]> {
    return this.ops.workerLoads();
  }
  purgeFairShare(): Promise<number> {
    return this.ops.purgeFairShare();
  }
  recordScaling(e: NewScalingEvent): Promise<ScalingEvent> {
    return this.ops.recordScaling(e);
  }
  scalingEvents(f: { since?: number; limit: number }): Promise<ScalingEvent[]> {
    return this.ops.scalingEvents(f);
  }
  purgeScaling(olderThan: number, limit: number): Promise<number> {
    return this.ops.purgeScaling(olderThan, limit);
  }
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.ops.acquireLease(name, holder, ttlMs);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.ops.releaseLease(name, holder);
  }
  alertStates(): Promise<AlertState[]> {
    return this.ops.alertStates();
  }
  transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean> {
    return this.ops.transitionAlert(from, s);
  }
  age(stepMs: number): Promise<number> {
    return this.ops.age(stepMs);
  }
  purgeFinished(olderThan: number, limit: number): Promise<string[]> {
    return this.ops.purgeFinished(olderThan, limit);
  }
  /** Whether the server's autovacuum is on: without it the dead row versions every claim and
   *  finish leaves are never reclaimed (null: could not be read). */
  autovacuumOn(): Promise<boolean | null> {
    return this.ops.autovacuumOn();
  }
  async health(): Promise<StoreHealth> {
    return { clockOffsetMs: this.clockOffsetMs, autovacuum: await this.autovacuumOn() };
  }

  // Content (content.ts)
  appendOutput(chunks: OutputChunk[]): Promise<void> {
    return this.content.appendOutput(chunks);
  }
  readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]> {
    return this.content.readOutput(taskId, after, limit);
  }
  createProject(p: NewProject): Promise<Project> {
    return this.content.createProject(p);
  }
  getProject(id: string): Promise<Project | null> {
    return this.content.getProject(id);
  }
  listProjects(f: { userId?: string }): Promise<Project[]> {
    return this.content.listProjects(f);
  }
  addProjectVersion(v: ProjectVersion): Promise<boolean> {
    return this.content.addProjectVersion(v);
  }
  projectVersions(projectId: string): Promise<ProjectVersion[]> {
    return this.content.projectVersions(projectId);
  }
  projectVersion(projectId: string, version: number): Promise<ProjectVersion | null> {
    return this.content.projectVersion(projectId, version);
  }

  /** Seals the functions' environments still kept plain (written before sealing), once the
   *  secrets key check has passed (sealed-environment.ts); how many rows it sealed. */
  sealPlainEnvironments(): Promise<number> {
    return sealPlainEnvironments(this.db, this.environment);
  }

  async close(): Promise<void> {
    this.db.beginClose();
    // Slot adverts go first (a submit also checks the listener session, which ends below).
    await this.push.withdrawAll();
    await Promise.all([this.notifier.close(), this.db.end()]);
  }
}
