/**
 * Assembles a Hangar process from its parts: `up` (API + workers + upkeep, the embedded
 * default), `server` (API + upkeep) or `worker` (workers + upkeep). Shutdown order is fixed:
 * stop accepting → drain or release leases → stop upkeep → close the blob store and the store.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api/index.ts';
import { AuditSink } from '../audit/index.ts';
import { Authenticator, ensureAdminKey } from '../auth/index.ts';
import { DiskBlobStore, type BlobStore } from '../blobs/index.ts';
import { splitList, type Config } from '../config/index.ts';
import { createSandboxExecutor, ProcessExecutor, type Executor, type SandboxSetup } from '../executor/index.ts';
import {
  DISPATCH_KEY_PURPOSE,
  FunctionDispatcher,
  FunctionServer,
  functionEventRunner,
  readProjectItems,
  writeProjectResults,
  StoreWorkflowRunner,
  workflowTasks,
  InvocationRecorder,
  CircuitBreakers,
  ProvisionedKeeper,
  ProvisionedScaler,
  secretRevealer,
  checkSecretsKey,
} from '../app/index.ts';
import { accountIdOf } from '../aws/identity.ts';
import { FUNCTION_EVENTS_QUEUE, HangarError, Misconfigured } from '../core/index.ts';
import { mkdir } from 'node:fs/promises';
import { createLogger, type Logger } from '../log/index.ts';
import { Metrics, PROCESS_METRICS } from '../metrics/index.ts';
import { createServer, type Server } from 'node:http';
import { loadMasterKey, type SecretBox } from '../secrets/index.ts';
import {
  shareRecent,
  SqliteStore,
  type Sealer,
  type FunctionAccess,
  type ProvisionedConcurrency,
  type ScalableTargets,
  type FunctionFleet,
  type FunctionInvocations,
  type Functions,
  type DomainNames,
  type HttpApis,
  type HttpDeploymentSnapshots,
  type Layers,
  type Store,
  type Workflows,
  type Activities,
  type ExpressStarts,
  type StateMachineVersions,
  type ResourceTags,
  type SealedValues,
} from '../store/index.ts';
import type { Clock } from '../core/index.ts';
import { Maintenance, OutputSink, WorkerPool } from '../worker/index.ts';
import { codeDirOf, FunctionHost } from '../functions/index.ts';
import { ImageStore } from '../images/index.ts';
import { AlertEvaluator } from '../alerts/index.ts';
import { Tracing } from '../trace/index.ts';
import { Autoscaler } from '../autoscale/index.ts';
import { LocalProcessProvider } from '../autoscale/local.ts';
import { CLOCK_WARN_MS } from '../store/postgres/clock.ts';
import { AUTOVACUUM_OFF } from '../store/postgres/warnings.ts';

/** How long an idle function instance stays warm (Lambda keeps them for minutes). */
const FUNCTION_IDLE_MS = 10 * 60_000;
/** The leader lease under which one process of a deployment applies provisioned concurrency
 *  scaling policies (two would both scale on their own measure). */
const SCALING_LEASE = 'provisioned-scaling';

export interface Roles {
  api: boolean;
  workers: boolean;
  /** Run the autoscaler (when HANGAR_AUTOSCALE_MAX_WORKERS > 0): worker processes on this
   *  host instead of in-process workers. */
  autoscaler?: boolean;
}

export interface Platform {
  config: Config;
  store: Store;
  blobs: BlobStore;
  /** The secrets master key's box: users' secrets and the sealed copies of API keys. */
  secrets: SecretBox;
  app: FastifyInstance | null;
  pool: WorkerPool | null;
  autoscaler: Autoscaler | null;
  metrics: Metrics;
  /** Base URL of the API when this process serves it. */
  url: string | null;
  log: Logger;
  /** Runs the retention job now, or waits for the run under way (one runs at start); the
   *  finished tasks it removed. */
  retention(): Promise<number>;
  close(): Promise<void>;
}

/** The sandbox's settings from the configuration, plus what only the caller knows. */
export function sandboxSetup(
  config: Config,
  where: Pick<SandboxSetup, 'networkTestUrl' | 'workDir' | 'scope' | 'cgroupMode'>,
): SandboxSetup {
  return {
    uid: config.sandboxUid,
    pidsMax: config.pidsLimit,
    tmpBytes: config.sandboxTmpMb * 1024 * 1024,
    openFiles: config.openFiles,
    workspaceBytes: config.workspaceMb * 1024 * 1024,
    maxOutputBytes: config.maxOutputBytes,
    egressAllow: splitList(config.egressAllow),
    imagesDir: join(resolve(config.dataDir), 'images'),
    engine: config.sandboxEngine,
    ...where,
  };
}

/** PostgreSQL when a database URL is configured (scale-out), else SQLite in the data directory. */
/** The store, and beside it the functions port over the same database (held apart from Store:
 *  ports/functions.ts); functions' environments sealed at rest by `sealer` (the secrets master
 *  key's box). */
export async function openStore(
  config: Config,
  sealer: Sealer,
): Promise<
  Store & {
    readonly functions: Functions;
    readonly functionAccess: FunctionAccess;
    readonly provisioned: ProvisionedConcurrency;
    readonly scalableTargets: ScalableTargets;
    readonly functionFleet: FunctionFleet;
    readonly functionInvocations: FunctionInvocations;
    readonly httpApis: HttpApis;
    readonly httpDeploymentSnapshots: HttpDeploymentSnapshots;
    readonly domainNames: DomainNames;
    readonly layers: Layers;
    readonly workflows: Workflows;
    readonly expressStarts: ExpressStarts;
    readonly activities: Activities;
    readonly stateMachineVersions: StateMachineVersions;
    readonly tags: ResourceTags;
    readonly sealedValues: SealedValues;
    /** Seals functions' environments kept plain: only once checkSecretsKey has passed. */
    sealPlainEnvironments(): Promise<number>;
  }
> {
  const retry = { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs };
  if (config.databaseUrl) {
    const { PostgresStore } = await import('../store/postgres/index.ts');
    return PostgresStore.open({
      url: config.databaseUrl,
      schema: config.databaseSchema,
      retry,
      poolSize: config.databasePoolSize,
      sealer,
    });
  }
  return new SqliteStore({ path: join(resolve(config.dataDir), 'hangar.db'), synchronous: config.sqliteSynchronous, retry, sealer });
}

/** S3 when a bucket is configured (scale-out), else the data directory. */
export async function openBlobs(config: Config): Promise<BlobStore> {
  if (!config.s3Bucket) return new DiskBlobStore(join(resolve(config.dataDir), 'blobs'));
  const { S3BlobStore } = await import('../blobs/s3.ts');
  return new S3BlobStore({
    bucket: config.s3Bucket,
    prefix: config.s3Prefix,
    region: config.s3Region,
    endpoint: config.s3Endpoint,
    forcePathStyle: config.s3ForcePathStyle,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
    requestTimeoutMs: config.s3RequestTimeoutMs,
  });
}

/** The secrets master key's box (loadMasterKey: the current key and the previous ones); on
 *  PostgreSQL every node must be given the same. */
export async function openSecrets(config: Config, dataDir: string): Promise<SecretBox> {
  try {
    await mkdir(dataDir, { recursive: true });
    if (config.databaseUrl && !config.secretsKey && !config.secretsKeyFile) {
      throw new Misconfigured(
        'with HANGAR_DATABASE_URL every node must share one secrets master key: set HANGAR_SECRETS_KEY (or HANGAR_SECRETS_KEY_FILE) on every API node and worker (`openssl rand -base64 32`)',
      );
    }
    return loadMasterKey({ ...config, dataDir });
  } catch (err) {
    throw err instanceof HangarError
      ? err
      : new Misconfigured(`cannot load the secrets master key: ${(err as Error).message}`, { cause: err });
  }
}

export interface PlatformOptions {
  log?: Logger;
  /** Replaces the default executor (benchmarks measure dispatch with an in-process no-op). */
  executor?: Executor;
  /** Where state machine aliases draw their weighted picks from (Math.random by default; tests
   *  pass core seededRandom to know each pick). */
  routingRandom?: () => number;
}

export async function startPlatform(config: Config, roles: Roles, opts: PlatformOptions = {}): Promise<Platform> {
  const log = opts.log ?? createLogger(config.logLevel);
  const dataDir = resolve(config.dataDir);
  // Images imported on this host (hangar image import): what functions packaged as one run in.
  const images = new ImageStore(join(dataDir, 'images'));
  // The master key first: the store seals functions' environments with it (sealed-environment.ts).
  const secrets = await openSecrets(config, dataDir);
  const store = await openStore(config, secrets);
  // A wrong master key refuses the start here, rather than failing every read of a sealed value;
  // only then are environments written before sealing sealed, under a key known to be right.
  let keyCheck: Awaited<ReturnType<typeof checkSecretsKey>>;
  try {
    keyCheck = await checkSecretsKey(store.sealedValues, secrets);
    const sealed = await store.sealPlainEnvironments();
    if (sealed > 0) log.info({ rows: sealed }, "sealed functions' environments kept plain since before sealing");
  } catch (err) {
    await store.close();
    throw err;
  }
  if (keyCheck.keyId !== secrets.keyId)
    log.info(
      { keyId: secrets.keyId, checkKeyId: keyCheck.keyId },
      'values sealed under another secrets key than the current one may remain: `hangar rekey` re-seals them under it',
    );
  const blobs = await openBlobs(config);
  const counts = shareRecent(() => store.counts(), 1000);
  const metrics = new Metrics(store, { workerStaleMs: config.workerStaleMs, counts });
  const role = roles.api && roles.workers ? 'up' : roles.api ? 'server' : roles.workers ? 'worker' : 'autoscaler';
  const tracing = await Tracing.create({
    endpoint: config.otlpEndpoint,
    serviceName: config.otelServiceName,
    attributes: { 'hangar.role': role, 'host.name': hostname() },
  });
  // The store's clock: on PostgreSQL the database server's, so the API's times (audit entries,
  // project versions, stats windows, elapsed times) agree with the ones the store keeps.
  const clock: Clock = { now: () => store.now() };
  let pool: WorkerPool | null = null;
  let app: FastifyInstance | null = null;
  // Runs functions in this process: made with the workers (it needs their sandbox), after the
  // API, which holds this reference.
  const functionHost: { current: FunctionHost | null } = { current: null };
  // Keeps this host's provisioned instances (app/provisioned.ts), once the host exists.
  const provisionedKeeper: { current: ProvisionedKeeper | null } = { current: null };
  // Applies functions' provisioned concurrency scaling policies (below, after the workers).
  let scaler: ProvisionedScaler | null = null;
  metrics.functions.concurrencyFrom(() => functionHost.current?.concurrent ?? 0);
  // Invocations run where the API is: their records are written from there, after the answers.
  const invocations = new InvocationRecorder({ store: store.functionInvocations, blobs, metrics: metrics.functions, clock, log });
  // Functions' circuit breakers, kept in this process, their transitions shared through the
  // store with the other API nodes (app/circuit-breakers.ts).
  const breakers = new CircuitBreakers({ clock, metrics: metrics.functions, functions: store.functions, log });
  let url: string | null = null;

  const audit = new AuditSink(store, log);
  const { clockOffsetMs, autovacuum } = await store.health();
  if (Math.abs(clockOffsetMs) > CLOCK_WARN_MS) {
    log.warn(
      { clockOffsetMs },
      "this host's clock is off the database's; Hangar's own times follow the database's, but logs and metrics here do not: sync it (NTP)",
    );
  }
  if (autovacuum === false) log.warn(AUTOVACUUM_OFF);
  // Scale-out: API nodes send invocations to the worker hosts that advertise themselves in the
  // store, signed with a key every node derives from the shared master key (app/dispatch.ts).
  // During a rotation the keys derived from every key of the ring verify (app/dispatch.ts).
  const dispatchKey = config.databaseUrl ? secrets.derive(DISPATCH_KEY_PURPOSE) : null;
  const functionDispatch =
    roles.api && dispatchKey ? new FunctionDispatcher({ fleet: store.functionFleet, clock, key: dispatchKey, log }) : null;
  let functionServer: FunctionServer | null = null;

  let alerts: AlertEvaluator | null = null;
  let workflowRunner: StoreWorkflowRunner | null = null;
  if (roles.api) {
    alerts = new AlertEvaluator(
      store,
      clock,
      {
        webhookUrl: config.alertWebhookUrl,
        webhookSecret: config.alertWebhookSecret,
        queueDepth: config.alertQueueDepth,
        errorRate: config.alertErrorRate,
        errorMinTasks: config.alertErrorMinTasks,
        deadLetters: config.alertDeadLetters,
        noCapacity: config.alertNoCapacity,
        windowMs: config.alertWindowMs,
        forMs: config.alertForMs,
        intervalMs: config.alertIntervalMs,
        workerStaleMs: config.workerStaleMs,
      },
      log,
    );
    if (config.auth === 'keys') await ensureAdminKey(store, secrets, dataDir, config.adminKey, log);
    else log.warn('HANGAR_AUTH=none: the API accepts every caller as an admin, without a key; use it only on a trusted machine');
    // Loaded only where the API runs: a worker process (one the autoscaler starts, say) starts
    // about 100 ms sooner without fastify and the schemas.
    const { buildApp, StartEstimator, storeCapacity, parseTaskRequest } = await import('../api/index.ts');
    const capacity = storeCapacity(store, config.workerStaleMs);
    const ctx: ApiContext = {
      store,
      blobs,
      functions: store.functions,
      images,
      httpApis: store.httpApis,
      httpDeploymentSnapshots: store.httpDeploymentSnapshots,
      domainNames: store.domainNames,
      layers: store.layers,
      workflows: store.workflows,
      activities: store.activities,
      stateMachineVersions: store.stateMachineVersions,
      routingRandom: opts.routingRandom,
      workflowRunner: null,
      functionAccess: store.functionAccess,
      provisioned: store.provisioned,
      scalableTargets: store.scalableTargets,
      tags: store.tags,
      provisionedKeeper,
      functionFleet: dispatchKey ? store.functionFleet : null,
      functionHost,
      functionDispatch,
      functionInvocations: store.functionInvocations,
      invocations,
      breakers,
      metrics,
      clock,
      config,
      capacity,
      estimator: new StartEstimator(store, clock, capacity),
      auth: config.auth === 'keys' ? new Authenticator(store, clock, { secrets }) : null,
      audit,
      secrets,
      cancelLocal: (id) => void pool?.cancelLocal(id),
      alerts,
      tracing,
      counts,
      warnings: () => [
        ...(roles.workers && config.workers > 0 && config.executor === 'process' && !opts.executor
          ? ['tasks run as plain processes without isolation (HANGAR_EXECUTOR=process); see hangar doctor']
          : []),
        ...(config.auth === 'none' ? ['the API has no authentication: every caller is an admin (HANGAR_AUTH=none)'] : []),
      ],
    };
    // Workflows run where the API is: their Task states invoke functions as Invoke does.
    workflowRunner = new StoreWorkflowRunner(
      {
        workflows: store.workflows,
        stateMachineVersions: store.stateMachineVersions,
        routingRandom: opts.routingRandom,
        expressStarts: store.expressStarts,
        clock,
        log: log.child({ module: 'workflows' }),
        tasks: workflowTasks(ctx, accountIdOf, parseTaskRequest, () => workflowRunner === null),
        region: config.awsRegion,
        accountOf: accountIdOf,
        readItems: (userId, request) => readProjectItems(ctx, userId, request),
        writeResults: (userId, request) => writeProjectResults(ctx, userId, request),
      },
      { leaseMs: config.workflowLeaseMs },
    );
    ctx.workflowRunner = workflowRunner;
    app = await buildApp(ctx, log);
    const address = await app.listen({ port: config.port, host: config.host });
    url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
    log.info({ url }, 'api listening');
    workflowRunner.begin();
  }

  // With the autoscaler on, workers are its child processes, not this process's pool.
  const scaling = Boolean(roles.autoscaler) && config.autoscaleMaxWorkers > 0;
  if (roles.workers && config.workers > 0 && !scaling) {
    const workerId = config.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const workDir = join(dataDir, 'work');
    await mkdir(workDir, { recursive: true });
    const networkTestUrl = config.networkTestUrl ?? `${url ?? config.url}/health`;
    let executor = opts.executor;
    if (!executor && config.executor === 'sandbox') {
      const sbx = await createSandboxExecutor(sandboxSetup(config, { networkTestUrl, workDir, scope: workerId }));
      if (!sbx.executor) {
        await app?.close();
        await store.close();
        throw new Misconfigured(
          `this host cannot sandbox tasks, so the worker refuses to run them:\n  ${sbx.problems.join('\n  ')}\n` +
            'Fix what is listed above, or set HANGAR_EXECUTOR=process to run ' +
            'tasks as plain processes without isolation (unsafe: only for code you trust). `hangar doctor` checks the host.',
        );
      }
      log.info({ isolation: sbx.description }, 'sandbox ready');
      executor = sbx.executor;
    }
    if (!executor) {
      log.warn('HANGAR_EXECUTOR=process: tasks run as plain processes WITHOUT ISOLATION; use it only for code you trust');
      executor = new ProcessExecutor({ maxOutputBytes: config.maxOutputBytes, networkTestUrl });
    }
    // Function instances run only sandboxed: with HANGAR_EXECUTOR=process there are none, and
    // an invocation answers that no worker here runs functions (events wait for a worker that
    // does). Made before the pool, whose attempts run events on it.
    if (executor.name === 'sandbox') {
      functionHost.current = new FunctionHost(
        {
          executor,
          workDir,
          region: config.awsRegion,
          codeDir: codeDirOf(dataDir),
          sandboxUid: config.sandboxUid,
          images,
          revealSecrets: secretRevealer(store, secrets),
        },
        { idleMs: FUNCTION_IDLE_MS },
      );
      functionHost.current.start();
      const unreachable = await functionHost.current.checkReach();
      if (unreachable) log.warn({ dataDir, sandboxUid: config.sandboxUid, why: unreachable }, 'functions cannot run here');
      provisionedKeeper.current = new ProvisionedKeeper({
        host: functionHost.current,
        blobs,
        functions: store.functions,
        provisioned: store.provisioned,
        accountIdOf,
        // Scale-out: the worker hosts that advertise share each configuration.
        ...(dispatchKey ? { liveHosts: async () => (await store.functionFleet.listHosts()).length } : {}),
        log,
      });
      provisionedKeeper.current.start();
    }
    pool = new WorkerPool({
      store,
      blobs,
      executor,
      log,
      metrics,
      workerId,
      concurrency: config.workers,
      workDir,
      // A worker that runs functions runs events too, whichever queues it is given.
      queues: config.queues ? [...splitList(config.queues), ...(functionHost.current ? [FUNCTION_EVENTS_QUEUE] : [])] : undefined,
      heartbeatMs: config.heartbeatMs,
      pollMs: config.pollMs,
      maxRunningPerUser: config.maxRunningPerUser,
      revealSecrets: secretRevealer(store, secrets),
      audit: true,
      output: new OutputSink(store, log, { flushMs: config.outputFlushMs, maxBytes: config.maxOutputBytes }),
      projectLimits: { maxBytes: config.projectMaxBytes, maxFiles: config.projectMaxFiles },
      prefetch: config.prefetch,
      prefetchWaitMs: config.prefetchWaitMs,
      tracing,
      functionEvents: functionEventRunner({
        functions: store.functions,
        blobs,
        store,
        functionHost,
        config,
        now: () => store.now(),
        invocations,
        functionFleet: dispatchKey ? store.functionFleet : null,
        log,
      }),
    });
    await pool.start();
    // A worker host answers API nodes' invocations on its function port (scale-out).
    if (functionHost.current && dispatchKey) {
      try {
        functionServer = await FunctionServer.start({
          host: functionHost.current,
          clock,
          blobs,
          fleet: store.functionFleet,
          keys: secrets.deriveAll(DISPATCH_KEY_PURPOSE),
          hostId: workerId,
          bindHost: config.host,
          port: config.functionPort,
          address: config.functionAddress,
          capacity: config.workers,
          heartbeatMs: config.heartbeatMs,
          log,
        });
      } catch (err) {
        // Its port is taken (or not to be had): nothing started here is left running.
        await pool.close(0);
        await provisionedKeeper.current?.close();
        await functionHost.current.close();
        await app?.close();
        await store.close();
        throw err;
      }
    }
  }

  // Application Auto Scaling's target tracking (app/scaling.ts), on one node at a time (the lease).
  // Embedded, measured by this process's function host, so run where the API runs functions.
  // Scale-out, measured by the worker hosts' adverts in the store, so any node may run it: every
  // one contends, and a deployment of API nodes without hosts applies the policies too.
  const ownHost = functionHost.current;
  const takePeaks = dispatchKey ? () => store.functionFleet.takePeaks() : roles.api && ownHost ? async () => ownHost.takePeaks() : null;
  if (takePeaks) {
    const holder = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    scaler = new ProvisionedScaler({
      app: {
        functions: store.functions,
        blobs,
        provisioned: store.provisioned,
        provisionedKeeper,
        ...(dispatchKey ? { functionFleet: store.functionFleet } : {}),
        scalableTargets: store.scalableTargets,
        tags: store.tags,
      },
      clock,
      takePeaks,
      lease: {
        acquire: () => store.acquireLease(SCALING_LEASE, holder, 3 * config.provisionedScalingIntervalMs).catch(() => false),
        release: () => store.releaseLease(SCALING_LEASE, holder),
      },
      intervalMs: config.provisionedScalingIntervalMs,
      log: log.child({ module: 'provisioned-scaling' }),
    });
    scaler.start();
  }

  let autoscaler: Autoscaler | null = null;
  if (scaling) {
    const provider = new LocalProcessProvider({
      config: { ...config, dataDir },
      log,
      env: url && !config.networkTestUrl ? { HANGAR_NETWORK_TEST_URL: `${url}/health` } : {},
    });
    // /metrics of this process adds the worker metrics of its children.
    metrics.addPeers(() => provider.collectMetrics());
    autoscaler = new Autoscaler({
      store,
      provider,
      log,
      clock,
      metrics,
      rule: {
        min: config.autoscaleMinWorkers,
        max: config.autoscaleMaxWorkers,
        tasksPerWorker: config.autoscaleTasksPerWorker || Math.max(1, config.workers),
      },
      intervalMs: config.autoscaleIntervalMs,
      idleMs: config.autoscaleIdleMs,
      leaseMs: config.workerStaleMs,
    });
    await autoscaler.start();
  }

  // A process without the API serves its own /metrics when asked to.
  let metricsServer: Server | null = null;
  if (!roles.api && config.metricsPort > 0 && (pool || autoscaler)) {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
      metrics.text(PROCESS_METRICS).then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (err: unknown) => {
          log.error({ err }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.metricsPort, config.host, () => resolve()));
    metricsServer = server;
    log.info({ port: config.metricsPort }, 'metrics listening');
  }

  const maintenance = new Maintenance({
    store,
    invocations: store.functionInvocations,
    blobs,
    log,
    clock,
    reapEveryMs: config.heartbeatMs,
    workerStaleMs: config.workerStaleMs,
    retentionMs: config.retentionHours * 3_600_000,
    auditRetentionMs: config.auditRetentionHours * 3_600_000,
    workflows: store.workflows,
    workflowRetentionMs: config.workflowRetentionHours * 3_600_000,
    priorityAgingMs: config.priorityAgingMs,
    retentionEveryMs: config.retentionIntervalMs,
  });
  maintenance.start();
  alerts?.start();

  let closing: Promise<void> | null = null;
  return {
    config,
    store,
    blobs,
    secrets,
    app,
    pool,
    autoscaler,
    metrics,
    url,
    log,
    retention: () => maintenance.purge(),
    close() {
      closing ??= (async () => {
        await app?.close();
        const runner = workflowRunner;
        workflowRunner = null;
        await runner?.close();
        functionDispatch?.close();
        // Withdrawn first, so API nodes stop choosing it; invocations under way finish meanwhile.
        const serving = functionServer?.close(config.shutdownGraceMs);
        await pool?.close(config.shutdownGraceMs);
        await serving;
        await scaler?.close();
        await provisionedKeeper.current?.close();
        await functionHost.current?.close();
        await invocations.close();
        await breakers.close();
        await autoscaler?.close();
        metricsServer?.close();
        await maintenance.close();
        await alerts?.close();
        await audit.flush();
        await tracing.close().catch((err: unknown) => log.warn({ err }, 'traces not flushed'));
        await blobs.close();
        await store.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
