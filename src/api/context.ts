/** What the routes need, injected by whoever builds the app (embedded `up` or a `server` node). */
import type { AlertEvaluator } from '../alerts/index.ts';
import type { Tracing } from '../trace/index.ts';
import type { AuditSink } from '../audit/index.ts';
import type { Authenticator } from '../auth/index.ts';
import type { BlobStore } from '../blobs/index.ts';
import type { Config } from '../config/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { Clock } from '../core/index.ts';
import type { FunctionHost } from '../functions/index.ts';
import type { CircuitBreakers, ProvisionedKeeper, RemoteInvoker, WorkflowRunner } from '../app/index.ts';
import type {
  Activities,
  Fleet,
  FunctionAccess,
  FunctionFleet,
  FunctionInvocations,
  Functions,
  DomainNames,
  HttpApis,
  HttpDeploymentSnapshots,
  Layers,
  StateMachineVersions,
  Workflows,
  ProvisionedConcurrency,
  ScalableTargets,
  ResourceTags,
  StatusCounts,
  Store,
} from '../store/index.ts';
import type { AppContext, AppStore, CapacityView, InvocationObserver, StartEstimator } from '../app/index.ts';

/** The use cases' context (app/context.ts) and what only the API needs besides. */
/** The ports the routes call: the use cases' (AppStore), the fleet's (workers, scaling, alerts)
 *  and the backend's capabilities (shared rate-limit counts). */
export type ApiStore = AppStore & Fleet & Pick<Store, 'capabilities'>;

export interface ApiContext extends AppContext {
  store: ApiStore;
  blobs: BlobStore;
  /** Users' functions (a port of their own, beside the store's: ports/functions.ts). */
  functions: Functions;
  /** The images imported on this host: what a function packaged as an image names (app/functions.ts imageCodeOf). */
  images?: { imported(name: string): Promise<{ importId: string } | null> };
  /** Users' HTTP APIs and routes (ports/http-apis.ts), served by the gateway. */
  httpApis: HttpApis;
  httpDeploymentSnapshots: HttpDeploymentSnapshots;
  /** Custom domain names of HTTP APIs and their API mappings (ports/domain-names.ts). */
  domainNames: DomainNames;
  /** Users' Lambda layers' versions (ports/layers.ts). */
  layers: Layers;
  /** Users' state machines and their executions (ports/workflows.ts). */
  workflows: Workflows;
  /** Step Functions activities and the taking of their tasks (ports/activities.ts). */
  activities: Activities;
  /** Runs workflow executions in this process (app/workflow-runner.ts); null: none here. */
  workflowRunner: WorkflowRunner | null;
  /** State machines' versions and aliases (ports/state-machine-versions.ts). */
  stateMachineVersions: StateMachineVersions;
  /** Where aliases' weighted picks draw from (app/state-machine-target.ts); Math.random when absent. */
  routingRandom?: () => number;
  /** Functions' resource-based policies and URLs (ports/function-access.ts). */
  functionAccess: FunctionAccess;
  /** Provisioned concurrency configurations (ports/provisioned-concurrency.ts). */
  provisioned: ProvisionedConcurrency;
  /** Application Auto Scaling's targets and policies (ports/scalable-targets.ts). */
  scalableTargets: ScalableTargets;
  /** Tags of functions and state machines (ports/tags.ts). */
  tags: ResourceTags;
  /** This process's provisioned instances' keeper, set once its function host exists. */
  provisionedKeeper?: { current: ProvisionedKeeper | null };
  /** Scale-out: the worker hosts' adverts (allocated counts on an API node). */
  functionFleet?: Pick<FunctionFleet, 'listHosts'> | null;
  /** This process's function host (invocations), set once its sandboxing workers exist: the
   *  API starts before the workers, so it holds the reference, not the host. */
  functionHost: { current: FunctionHost | null };
  /** Scale-out API nodes: sends invocations to worker hosts, counts reserved concurrency in the
   *  store (app/dispatch.ts). Null or absent on the embedded shape. */
  functionDispatch?: RemoteInvoker | null;
  /** Invocation records (ports/function-invocations.ts), read by the logs routes. */
  functionInvocations: FunctionInvocations;
  /** Records and counts each invocation this process runs (app/invocation-recorder.ts). */
  invocations: InvocationObserver;
  /** This process's functions' circuit breakers (app/circuit-breakers.ts). */
  breakers: CircuitBreakers;
  metrics: Metrics;
  clock: Clock;
  config: Pick<
    Config,
    | 'publicUrl'
    | 'domainNameSuffixes'
    | 'defaultTimeout'
    | 'visibilityTimeout'
    | 'maxAttempts'
    | 'bodyLimit'
    | 'workerStaleMs'
    | 'requestTimeoutMs'
    | 'tlsCert'
    | 'tlsKey'
    | 'rateLimit'
    | 'rateLimitWindowMs'
    | 'maxQueuedPerUser'
    | 'databaseUrl'
    | 's3Bucket'
    | 'projectMaxBytes'
    | 'projectMaxFiles'
    | 'alertWebhookUrl'
    | 'awsRegion'
    | 'activityPollMs'
    | 'functionUrlDomain'
    | 'jwksAllow'
  >;
  /** Checks API keys; null when authentication is off (HANGAR_AUTH=none). */
  auth: Authenticator | null;
  audit: AuditSink;
  secrets: SecretBox;
  capacity: CapacityView;
  estimator: StartEstimator;
  /** Kills a running task in this process at once, if it runs here (heartbeats reach other workers). */
  cancelLocal(taskId: string): void;
  /** Task counts, shared between callers within a second (a scan of the tasks table). */
  counts(): Promise<StatusCounts>;
  /** OpenTelemetry spans (no-ops unless HANGAR_OTLP_ENDPOINT is set). */
  tracing: Tracing;
  /** The alert rules this process evaluates (their states are in the store). */
  alerts: AlertEvaluator | null;
  /** Names of unsafe or degraded modes the operator opted into, shown by /health. */
  warnings(): string[];
}
