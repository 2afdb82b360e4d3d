/** The use cases every surface calls (the API today; the CLI and later capabilities too). They
 *  know nothing of HTTP: refusals are domain errors (core/errors.ts), mapped by each surface. */
export type { AppContext, AppStore } from './context.ts';
export { StartEstimator, storeCapacity, type CapacityView, type Snapshot } from './estimate.ts';
export {
  DOWNLOAD_KEY_PURPOSE,
  presignedCodeUrl,
  presignedFunctionCode,
  presignedLayerContent,
  presignedLayerContentUrl,
  type DownloadsApp,
  type PresignedQuery,
} from './downloads.ts';
export {
  codeOf,
  deleteFunction,
  deployFunction,
  functionCode,
  functionCodeKey,
  functionCodeUrl,
  getFunction,
  isZip,
  listFunctions,
  MAX_ZIP_BYTES,
  type DeployInput,
  type FunctionsApp,
} from './functions.ts';
export {
  addPermission,
  createFunctionUrl,
  deleteFunctionUrl,
  functionUrlAddress,
  getFunctionUrl,
  getPolicy,
  listFunctionUrls,
  removePermission,
  updateFunctionUrl,
  type FunctionAccessApp,
  type FunctionTarget,
} from './function-access.ts';
export { AccountDirectory, foreignOwner, type CrossAccountApp, type ForeignOwner } from './cross-account.ts';
export { invokeWithEvent, serveFunctionUrl, type FunctionUrlApp, type FunctionUrlCall, type UrlCaller } from './function-url.ts';
export type { StreamedGatewayResponse } from './function-url-stream.ts';
export { checkHealth, type HealthDeps, type HealthStatus } from './health.ts';
export {
  deleteEventInvokeConfig,
  getEventInvokeConfig,
  listEventInvokeConfigs,
  putEventInvokeConfig,
} from './event-invoke-config.ts';
export {
  eventPayloadKey,
  functionEventRunner,
  invokeEvent,
  type EventQueueApp,
  type EventRunnerApp,
  type EventTarget,
  type QueuedEvent,
} from './invoke-async.ts';
export {
  InvocationRecorder,
  type InvocationObserver,
  type RanInvocation,
  type RecorderOptions,
} from './invocation-recorder.ts';
export { invocationLogs, listInvocations, type InvocationQuery, type InvocationsApp } from './invocations.ts';
export { followInvocationLogs, type FollowInvocationsOptions } from './invocation-follow.ts';
export {
  InvocationType,
  invocationTypeOf,
  invokeFunction,
  MAX_PAYLOAD_BYTES,
  type InvokeApp,
  type InvokeInput,
  type InvokeResult,
  type InvokeSink,
  type HostInvocation,
  type RemoteInvoker,
  runOnHost,
  warmKeyOfSnapshot,
} from './invoke.ts';
export { DISPATCH_KEY_PURPOSE, FunctionDispatcher, FunctionServer, HOP_HEADER, HOP_VERSION } from './dispatch.ts';
export { holdMsOf } from './function-admission.ts';
export { revokeKey } from './keys.ts';
export { readLogs, type AttemptLogs } from './logs.ts';
export {
  functionOwner,
  listScope,
  mayAccess,
  mayAccessProject,
  ownedProject,
  ownedTask,
  projectOwner,
  secretOwner,
  taskOwner,
} from './ownership.ts';
export { createProject, terminalLane, uploadVersion, versionArchive } from './projects.ts';
export { type ProjectCodeRef, projectCodeZip } from './function-project.ts';
export { deleteSecret, putSecret, secretRevealer } from './secrets.ts';
export { checkSecretsKey, rekey, rekeyDone, WrongSecretsKey, type RekeyCounts, type RekeyReport, type RekeyStore } from './rekey.ts';
export { submitBatch, submitTask, type Submitted, type SubmittedBatch, type Trace } from './submit.ts';
export {
  createTaggedActivity,
  createTaggedFunction,
  createTaggedHttpApi,
  stageTagsOf,
  createTaggedStateMachine,
  listTags,
  type Taggable,
  taggableActivity,
  taggableFunction,
  taggableHttpApi,
  taggableHttpStage,
  taggableStateMachine,
  tagResource,
  type TagsApp,
  untagResource,
} from './tags.ts';
export type { TaskRequest } from './task-request.ts';
export { cancelTask, readResults, type Cancelled } from './tasks.ts';
export {
  createAlias,
  createFunction,
  deleteAlias,
  deleteConcurrency,
  deleteVersion,
  functionUsage,
  getAlias,
  getConcurrency,
  listAliases,
  listVersionPage,
  listVersions,
  publishVersion,
  putAlias,
  putConcurrency,
  updateAlias,
  updateFunctionCode,
  updateFunctionConfiguration,
  type CodeUpdate,
} from './function-admin.ts';
export { gatewayAnswerFor, invokeForHttp, type HttpTarget } from './http-invoke.ts';
export { DomainIndex, DOMAINS_KEEP_MS } from './domain-index.ts';
export {
  type ApiMappingPatch,
  createApiMapping,
  createDomainName,
  deleteApiMapping,
  deleteDomainName,
  type DomainNamesApp,
  getApiMapping,
  getDomainName,
  listApiMappings,
  listDomainNames,
  listHttpApiMappings,
  updateApiMapping,
  updateDomainName,
} from './domain-names.ts';
export {
  API_KEEP_MS,
  gatewayRequestId,
  HttpGateway,
  MAX_REQUEST_BYTES,
  type GatewayApp,
  type MappedRequest,
  type SharedThrottle,
} from './http-gateway.ts';
export {
  createHttpApi,
  createHttpAuthorizer,
  createHttpIntegration,
  createHttpRoute,
  deleteHttpApi,
  deleteHttpAuthorizer,
  deleteHttpIntegration,
  deleteHttpRoute,
  getHttpApi,
  getHttpAuthorizer,
  getHttpIntegration,
  getHttpRoute,
  HTTP_API_PREFIX,
  httpApiAddress,
  listHttpApis,
  listHttpApisWithRouteCounts,
  listHttpRoutes,
  updateHttpApi,
  updateHttpIntegration,
  updateHttpRoute,
  updateHttpAuthorizer,
  createHttpDeployment,
  getHttpDeployment,
  deleteHttpDeployment,
  updateHttpDeployment,
  getHttpStage,
  updateHttpStage,
  putHttpNamedStage,
  deleteHttpNamedStage,
  deleteHttpStage,
  type HttpApisApp,
} from './http-apis.ts';
export { exportHttpApi } from './http-api-export.ts';
export { importHttpApi, reimportHttpApi } from './http-api-import.ts';
export {
  addLayerVersionPermission,
  deleteLayerVersion,
  foreignLayerVersion,
  functionLayersOf,
  getLayerVersion,
  getLayerVersionPolicy,
  layerContent,
  layerContentUrl,
  layerReaderOf,
  listLayers,
  listLayerVersions,
  publishLayerVersion,
  removeLayerVersionPermission,
  type FunctionLayerRef,
  type LayerCaller,
  type LayersApp,
} from './layers.ts';
export {
  type BreakerObserver,
  type BreakersApp,
  type BreakerTicket,
  CircuitBreakers,
  type CircuitBreakerView,
  circuitBreakerOf,
  deleteCircuitBreaker,
  getCircuitBreaker,
  putCircuitBreaker,
} from './circuit-breakers.ts';
export {
  deleteProvisionedConfig,
  getProvisionedConfig,
  type KeeperDeps,
  listProvisionedConfigs,
  type ProvisionedApp,
  ProvisionedKeeper,
  type ProvisionedView,
  putProvisionedConfig,
} from './provisioned.ts';
export {
  deleteScalingPolicy,
  deregisterScalableTarget,
  describeScalableTargets,
  describeScalingActivities,
  describeScalingPolicies,
  type PolicyRequest,
  ProvisionedScaler,
  putScalingPolicy,
  registerScalableTarget,
  type ScalerDeps,
  type ScalingApp,
  taggableScalableTarget,
} from './scaling.ts';
export * from './workflows.ts';
export { redriveExecution } from './workflow-redrive.ts';
export * from './state-machine-versions.ts';
export { checkQualified, machineForStart, type MachineTargetApp } from './state-machine-target.ts';
export * from './map-runs.ts';
export * from './activities.ts';
export type { MapRunRecord } from '../store/index.ts';
export { type RunnerOptions, StoreWorkflowRunner } from './workflow-runner.ts';
export { realClock } from './express-runner.ts';
export { functionTasks, workflowTasks } from './workflow-tasks.ts';
export { isHangarTaskResource, type ParseTaskRequest } from './workflow-hangar-tasks.ts';
export { readProjectItems } from './workflow-items.ts';
export { writeProjectResults } from './workflow-results.ts';
export * from './map-run-children.ts';
export { TEST_STATE_MAX_MS, testState, type TestStateApp, type TestStateRequest } from './test-state.ts';
