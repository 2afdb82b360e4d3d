export { headTail, omittedMarker, TailBuffer } from './capture.ts';
export type { CapturedOutput, ExecutionRequest, ExecutionResult, Executor } from './types.ts';
export { DEFAULT_PROCESS_EXECUTOR_OPTIONS, ProcessExecutor } from './process-executor.ts';
export type { ProcessExecutorOptions } from './process-executor.ts';
export { BUILTIN_WORKLOADS } from './workloads/index.ts';
export {
  createSandboxExecutor,
  EgressGuard,
  parseAllowlist,
  sandboxTools,
  type SandboxReport,
  type SandboxSetup,
} from './sandbox/index.ts';
