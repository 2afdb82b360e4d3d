/** Functions: warm instances of Lambda-style handlers speaking the AWS Lambda Runtime API, in
 *  the task sandbox. The only module other subsystems import. */
export { CodeDirectories } from './code-dirs.ts';
export { layersKey, OptDirectories, type LayerContent } from './opt-dirs.ts';
export { FunctionHost } from './host.ts';
export { codeDirOf, instancesUnreachable, UNREACHABLE_FOR_CALLERS } from './reach.ts';
export {
  INIT_TIMEOUT_MS,
  initLimitMs,
  PROVISIONED_INIT_MIN_MS,
  Instance,
  InstanceBusy,
  InstanceGone,
  type InstanceDeps,
  type InstanceState,
  type InvokeOptions,
  type InvokeOutcome,
} from './instance.ts';
export {
  endLine,
  type InvocationStatus,
  LOG_TAIL_BYTES,
  logTail,
  platformRecords,
  type ReportFacts,
  reportLine,
  startLine,
} from './logs.ts';
export {
  errorDocument,
  type FunctionError,
  type InitOutcome,
  type InvocationMeta,
  type InvocationOutcome,
  MAX_RESPONSE_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  type ResponseSink,
  RuntimeApi,
} from './runtime-api.ts';
export { encodeFrame, type Frame, FrameReader } from './runtime-frames.ts';
export { pauser, STREAM_HIGH_WATER_BYTES, streamedHeld, writeStreamed } from './stream-writer.ts';
export { cpuUnitsFor, type FunctionVersionConfig, lambdaEnvironment, MB_PER_VCPU, RuntimeFamily } from './runtimes.ts';
export { type FunctionOwner, InstancePool, type PoolDeps, type PoolOptions } from './pool.ts';
export { BadZip, MAX_UNZIPPED_BYTES, unzippedBytes, unzipTo } from './unzip.ts';
export { type ZipEntry, zipEntries } from './zip.ts';
export { warmKey } from './warm-key.ts';
