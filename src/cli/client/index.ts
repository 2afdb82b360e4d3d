/**
 * The CLI's client for the Hangar REST API: one resource per group of routes
 * (`client.tasks.get(id)`, `client.functions.deploy(...)`), all over one transport
 * (./core.ts: base URL, key, timeout, errors).
 */
import { Access } from './access.ts';
import { type ClientOptions, type Query, Transport } from './core.ts';
import { FunctionCircuitBreaker } from './function-circuit-breaker.ts';
import { FunctionProvisioned } from './function-provisioned.ts';
import { FunctionUrls } from './function-urls.ts';
import { FunctionVersions } from './function-versions.ts';
import { Functions } from './functions.ts';
import { HealthResource } from './health.ts';
import { DomainNames } from './domain-names.ts';
import { HttpApis } from './http-apis.ts';
import { Layers } from './layers.ts';
import { Projects } from './projects.ts';
import { QueuesResource } from './queues.ts';
import { Tasks } from './tasks.ts';
import { StateMachineVersions } from './state-machine-versions.ts';
import { Workflows } from './workflows.ts';
import { Activities } from './activities.ts';

export type { AuditPage, KeyInfo, Me, SecretInfo } from './access.ts';
export { ApiError, type ClientOptions, ConnectionError } from './core.ts';
export type { CircuitBreakerInfo, CircuitBreakerSettings } from './function-circuit-breaker.ts';
export type { ProvisionedConfigInfo } from './function-provisioned.ts';
export type { FunctionUrlView } from './function-urls.ts';
export type { FunctionAliasInfo } from './function-versions.ts';
export type { FunctionCodeSource, FunctionDeploy, FunctionInfo, FunctionInvocationInfo } from './functions.ts';
export type { Health } from './health.ts';
export type { ApiMappingInfo, DomainNameInfo } from './domain-names.ts';
export type { HttpApiInfo, HttpRouteAuth, HttpRouteInfo } from './http-apis.ts';
export type { LayerPublish, LayerVersionInfo } from './layers.ts';
export type { Project, ProjectVersion, TerminalCommand } from './projects.ts';
export type { QueueDepth, Queues } from './queues.ts';
export {
  type BatchSubmitResult,
  type CancelResult,
  FINAL_STATUSES,
  type History,
  type ListParams,
  type Logs,
  type Page,
  type SubmitRequest,
  type SubmitResult,
  type Task,
} from './tasks.ts';
export type { ActivityInfo, ActivityTaskInfo } from './activities.ts';
export type { AliasRoute, StateMachineAliasInfo, StateMachineVersionInfo } from './state-machine-versions.ts';
export type { ExecutionInfo, ExpressInfo, HistoryEventInfo, StartedInfo, StateMachineInfo, TestStateInfo } from './workflows.ts';

export class HangarClient {
  readonly baseUrl: string;
  readonly access: Access;
  readonly tasks: Tasks;
  readonly queues: QueuesResource;
  readonly health: HealthResource;
  readonly projects: Projects;
  readonly functions: Functions;
  readonly functionVersions: FunctionVersions;
  readonly functionUrls: FunctionUrls;
  readonly provisioned: FunctionProvisioned;
  readonly breakers: FunctionCircuitBreaker;
  readonly httpApis: HttpApis;
  readonly domainNames: DomainNames;
  readonly layers: Layers;
  readonly workflows: Workflows;
  readonly machineVersions: StateMachineVersions;
  readonly activities: Activities;
  readonly #transport: Transport;

  constructor(baseUrl: string, opts: ClientOptions = {}) {
    const t = new Transport(baseUrl, opts);
    this.#transport = t;
    this.baseUrl = t.baseUrl;
    this.access = new Access(t);
    this.tasks = new Tasks(t);
    this.queues = new QueuesResource(t);
    this.health = new HealthResource(t);
    this.projects = new Projects(t);
    this.functions = new Functions(t);
    this.functionVersions = new FunctionVersions(t);
    this.functionUrls = new FunctionUrls(t);
    this.provisioned = new FunctionProvisioned(t);
    this.breakers = new FunctionCircuitBreaker(t);
    this.httpApis = new HttpApis(t);
    this.domainNames = new DomainNames(t);
    this.layers = new Layers(t);
    this.workflows = new Workflows(t);
    this.machineVersions = new StateMachineVersions(t);
    this.activities = new Activities(t);
  }

  /** A long response (Server-Sent Events): see Transport.openStream. */
  openStream(path: string, query: Query, signal?: AbortSignal): Promise<Response> {
    return this.#transport.openStream(path, query, signal);
  }
}
