/** Functions: warm instances of Lambda-style handlers speaking the AWS Lambda Runtime API, in
 *  the task sandbox. The only module other subsystems import. */
export {
  Instance,
  InstanceBusy,
  InstanceGone,
  type InstanceDeps,
  type InstanceState,
  type InvokeOptions,
  type InvokeOutcome,
} from './instance.ts';
export {
  errorDocument,
  type FunctionError,
  type InitOutcome,
  type InvocationMeta,
  type InvocationOutcome,
  MAX_RESPONSE_BYTES,
  RuntimeApi,
} from './runtime-api.ts';
export { cpuUnitsFor, type FunctionVersionConfig, lambdaEnvironment, MB_PER_VCPU, RuntimeFamily } from './runtimes.ts';
export { type FunctionOwner, InstancePool, type PoolDeps, type PoolOptions } from './pool.ts';
