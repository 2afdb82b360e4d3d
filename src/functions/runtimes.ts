/**
 * What a function version runs as: its runtime's command inside the sandbox, where its files
 * appear there, and the environment Lambda gives a function.
 */
import { fileURLToPath } from 'node:url';

/** Runtime families: Hangar's pinned Node, the host's python3, or the function's own bootstrap. */
export const RuntimeFamily = { Nodejs: 'nodejs', Python3: 'python3', Provided: 'provided' } as const;
export type RuntimeFamily = (typeof RuntimeFamily)[keyof typeof RuntimeFamily];

/** One function version as an instance needs it (the model's own record is src/core's). */
export interface FunctionVersionConfig {
  name: string;
  /** '$LATEST' or a published number, as a string (Lambda's FunctionVersion). */
  version: string;
  runtime: RuntimeFamily;
  /** Lambda's handler string, e.g. 'index.handler' ('provided': passed on, unused by us). */
  handler: string;
  memoryMb: number;
  timeoutS: number;
  environment: Record<string, string>;
  /** Names of the owner's Hangar secrets the instance gets as environment variables (their
   *  values are read when an instance starts, and kept out of its logs). */
  secrets: string[];
  /** 'none': no network at all; 'egress': outbound through the worker's guarded proxy, as tasks. */
  network: 'none' | 'egress';
  /** The function's code, unpacked, on the host: bound read-only at /var/task. */
  codeDir: string;
  /** Its layers' contents, merged in order, on the host (functions/opt-dirs.ts): bound
   *  read-only at /opt. Absent: the function has no layers. */
  optDir?: string;
  /** JSON logs (Lambda's LoggingConfig LogFormat JSON) and their levels; absent: Text. */
  logging?: JsonLogging;
  /** A function packaged as an image: the imported image that is the sandbox's root, which
   *  import of it (images' importId: an instance serves only the import it started in), the
   *  process (ENTRYPOINT + CMD), its cwd and the image's Env. `codeDir` is then not bound. */
  image?: { name: string; importId: string; argv: string[]; cwd: string; env: Record<string, string> };
}

/** The levels of a function's JSON logs (core's FunctionLogging): the application's filters
 *  what the runtime writes, the system's the platform's records. */
export interface JsonLogging {
  applicationLogLevel: string;
  systemLogLevel: string;
}

/** Where the built-in runtimes are on the host, and where they and the code appear inside. */
export const RUNTIMES_DIR = fileURLToPath(new URL('./runtimes/', import.meta.url));
export const IN_RUNTIME = '/var/runtime';
export const IN_TASK = '/var/task';
/** Where a function's layers appear, as on Lambda. */
export const IN_OPT = '/opt';
/** Where Hangar's own Node and workloads appear inside an instance (a task's /opt/hangar):
 *  /opt is the layers'. */
export const IN_HANGAR = '/var/hangar';
/** The same for an instance in an image: the image's /var is bound read-only whole, so nothing
 *  can be mounted under it; /run is the sandbox's own. */
export const IN_HANGAR_IMAGE = '/run/hangar/host';
/** Where the Runtime API answers inside the sandbox (its own loopback), as on Lambda. */
export const RUNTIME_API_PORT = 9001;
/** Lambda's default ephemeral storage (/tmp). */
export const TMP_BYTES = 512 * 1024 * 1024;
/** Lambda gives 1 vCPU at 1,769 MB and CPU in proportion below and above it. */
export const MB_PER_VCPU = 1769;

/** The CPU an instance's init phase runs at, at least: one vCPU. Lambda is observed to give
 *  its init phase more CPU than the memory's share; here, at 128 MB's 0.07 vCPU, loading the
 *  runtime alone took 6-7 s (measured, 2 shared cores), against ~0.4 s at one vCPU. */
export const INIT_MIN_CPU_UNITS = 1024;

/** CPU units (1024 = 1 vCPU, as tasks' resources) for a function's memory. */
export function cpuUnitsFor(memoryMb: number): number {
  return Math.max(1, Math.round((memoryMb * 1024) / MB_PER_VCPU));
}

/** The runtime's command, as spawned (process.execPath is Hangar's Node; the sandbox maps it). */
export function runtimeCommand(runtime: RuntimeFamily): string[] {
  switch (runtime) {
    case 'nodejs':
      return [process.execPath, `${IN_RUNTIME}/nodejs/bootstrap.mjs`];
    case 'python3':
      // The host's system Python (the sandbox binds /usr), unbuffered so logs arrive as written.
      return ['/usr/bin/python3', '-u', `${IN_RUNTIME}/python3/bootstrap.py`];
    case 'provided':
      return [`${IN_TASK}/bootstrap`];
    default:
      return runtime satisfies never;
  }
}

/** Where the Runtime API's socket appears inside for a runtime that forwards it itself. */
export const IN_RUNTIME_API_SOCKET = '/run/hangar/runtime-api.sock';

/** Whether the runtime offers AWS_LAMBDA_RUNTIME_API itself (Hangar's Node and Python
 *  bootstraps), so the sandbox runs no forwarder in front of it (measured: a Node start and
 *  ~40 MB saved). A `provided` bootstrap is the function's own: it gets the forwarder. */
export function forwardsItself(runtime: RuntimeFamily): boolean {
  return runtime === 'nodejs' || runtime === 'python3';
}

/** Lambda's AWS_EXECUTION_ENV for the runtime (Node's major version is Hangar's own). */
function executionEnv(runtime: RuntimeFamily): string {
  switch (runtime) {
    case 'nodejs':
      return `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`;
    case 'python3':
      return 'AWS_Lambda_python3';
    case 'provided':
      return 'AWS_Lambda_provided';
    default:
      return runtime satisfies never;
  }
}

/**
 * Where a runtime looks for what layers bring, as Lambda's runtimes set it (its "Defined runtime
 * environment variables" and each runtime's bootstrap): PATH with /opt/bin, LD_LIBRARY_PATH with
 * the code's and /opt/lib, and for Node NODE_PATH with the layers' node_modules, the pinned
 * Node's own directory first. Python's is in its bootstrap (sys.path). A function may set its
 * own: they are not reserved.
 */
export function searchPaths(runtime: RuntimeFamily): Record<string, string> {
  const major = process.versions.node.split('.')[0];
  return {
    PATH: `/usr/local/bin:/usr/bin:/bin:${IN_OPT}/bin`,
    LD_LIBRARY_PATH: `/lib64:/usr/lib64:${IN_RUNTIME}:${IN_RUNTIME}/lib:${IN_TASK}:${IN_TASK}/lib:${IN_OPT}/lib`,
    ...(runtime === 'nodejs'
      ? {
          NODE_PATH: [
            `${IN_OPT}/nodejs/node${major}/node_modules`,
            `${IN_OPT}/nodejs/node_modules`,
            `${IN_RUNTIME}/node_modules`,
            IN_RUNTIME,
            IN_TASK,
          ].join(':'),
        }
      : {}),
  };
}

/** PATH for an image whose Env sets none (a container's default). */
const BASE_IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment as Lambda sets it: the search paths, the function's own variables, then the
 *  reserved ones (which the function cannot override, as on Lambda). */
export function lambdaEnvironment(
  f: FunctionVersionConfig,
  o: { region: string; logStreamName: string; initializationType: 'on-demand' | 'provisioned-concurrency' },
): Record<string, string> {
  // An image brings its own paths (its Env) and says what it runs (AWS_EXECUTION_ENV,
  // LAMBDA_RUNTIME_DIR: an AWS base image's Env sets them); Lambda sets the rest, as here.
  const own = f.image ? { PATH: BASE_IMAGE_PATH, ...f.image.env } : searchPaths(f.runtime);
  const runtimeVars: Record<string, string> = f.image
    ? { LAMBDA_TASK_ROOT: f.image.env.LAMBDA_TASK_ROOT ?? IN_TASK }
    : { AWS_EXECUTION_ENV: executionEnv(f.runtime), LAMBDA_TASK_ROOT: IN_TASK, LAMBDA_RUNTIME_DIR: IN_RUNTIME };
  return {
    ...own,
    ...f.environment,
    AWS_LAMBDA_FUNCTION_NAME: f.name,
    AWS_LAMBDA_FUNCTION_VERSION: f.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${f.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: o.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: o.initializationType,
    AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${RUNTIME_API_PORT}`,
    AWS_REGION: o.region,
    AWS_DEFAULT_REGION: o.region,
    ...runtimeVars,
    _HANDLER: f.handler,
    // What runtimes and loggers (Powertools) read to write JSON at the function's level.
    ...(f.logging === undefined ? {} : { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: f.logging.applicationLogLevel }),
    TZ: ':UTC',
    LANG: 'C.UTF-8',
    HOME: '/tmp',
  };
}
