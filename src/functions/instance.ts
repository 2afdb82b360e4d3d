/**
 * One warm function instance: a long-lived runtime process in the task sandbox (bubblewrap +
 * cgroups, its own uid, no network), reached through its own Runtime API socket, which the
 * sandbox's forwarder offers inside on 127.0.0.1:9001 (AWS_LAMBDA_RUNTIME_API, as on Lambda).
 *
 * Lifecycle, as Lambda's: start() spawns it (the init phase ends at the runtime's first GET
 * /next: Init Duration); invoke() gives it one invocation at a time; module state stays between
 * invocations. A timeout kills it (Lambda's `Task timed out after N.NN seconds`; the next
 * invocation needs a new instance: a cold start), so does an init error; a runtime that exits
 * fails the invocation in flight with Runtime.ExitError (Runtime.OutOfMemory when the kernel
 * killed it for memory), never a hang. close() kills it and lets go of its socket; the executor
 * removes its cgroup and workspace.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionResult, Executor } from '../executor/index.ts';
import { StreamRedactor } from '../secrets/index.ts';
import { errorDocument, type FunctionError, type InvocationOutcome, type ResponseSink, RuntimeApi } from './runtime-api.ts';
import {
  cpuUnitsFor,
  forwardsItself,
  type FunctionVersionConfig,
  IN_RUNTIME,
  IN_RUNTIME_API_SOCKET,
  INIT_MIN_CPU_UNITS,
  IN_HANGAR,
  IN_HANGAR_IMAGE,
  IN_OPT,
  IN_TASK,
  lambdaEnvironment,
  RUNTIME_API_PORT,
  RUNTIMES_DIR,
  runtimeCommand,
  TMP_BYTES,
} from './runtimes.ts';

/** Lambda's init phase limit for on-demand instances. */
export const INIT_TIMEOUT_MS = 10_000;
/** Lambda's least init limit for provisioned concurrency (the function's timeout when higher). */
export const PROVISIONED_INIT_MIN_MS = 130_000;

/**
 * How long an instance's init may run. Provisioned: 130 s or the function's timeout, whichever is
 * higher, as Lambda documents. On demand, Lambda stops an init past 10 s and runs it again within
 * the first invocation, under the function's timeout; here the same init goes on instead (its
 * work is not thrown away: on a host short of CPU, a restart is what keeps it from finishing), so
 * it may take the function's timeout when that is longer. Either way an init that is merely slow
 * does not fail an invocation Lambda would have answered.
 */
export function initLimitMs(
  timeoutS: number,
  type: 'on-demand' | 'provisioned-concurrency',
  initPhaseMs: number = INIT_TIMEOUT_MS,
): number {
  return Math.max(type === 'provisioned-concurrency' ? PROVISIONED_INIT_MIN_MS : initPhaseMs, timeoutS * 1000);
}
/** Where instances' Runtime API sockets live on the host: short (unix socket paths are capped at
 *  108 bytes), traversable by the sandbox uid through bwrap's bind. */
export const SOCKET_DIR = '/run/hangar-fn';

export interface InstanceDeps {
  /** The sandbox executor (src/executor/sandbox): instances only run sandboxed. */
  executor: Executor;
  /** Where the instance's workspace directory goes (the sandbox uid must reach it). */
  workDir: string;
  region: string;
  /** The 12-digit account id of the function's owner, for its ARN. */
  accountId: string;
  /** The function's owner (the user whose secrets it may name). */
  owner: string;
  /** The owner's secrets by name, opened (app/secrets.ts secretRevealer); it throws when one
   *  is gone. Needed only by functions that name secrets. */
  revealSecrets?: (userId: string, names: string[]) => Promise<Record<string, string>>;
  /** Each piece of the runtime's output as written (the function's logs). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  socketDir?: string;
  /** Lambda's on-demand init phase, ms (INIT_TIMEOUT_MS; tests shorten it): see initLimitMs. */
  initPhaseMs?: number;
  initializationType?: 'on-demand' | 'provisioned-concurrency';
  /** Throws when no instance can start on this host, saying why (FunctionHost: the sandbox uid
   *  cannot reach the code), before a sandbox is spent on learning it obscurely. */
  beforeStart?: () => Promise<void>;
}

export interface InvokeOptions {
  requestId?: string;
  /** Default: the version's ARN. */
  invokedFunctionArn?: string;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
  /** The runtime's output while this invocation runs (its share of the function's logs). */
  onOutput?: (chunk: Buffer) => void;
  /** Where a streamed response goes as it arrives (none: it is kept and answered as the payload). */
  sink?: ResponseSink;
}

/** An invocation's outcome, with Lambda's REPORT facts. */
export type InvokeOutcome = InvocationOutcome & {
  requestId: string;
  durationMs: number;
  /** The init phase's length, on the instance's first invocation only (a cold start). */
  initDurationMs: number | null;
  /** The instance's peak memory so far, bytes (its cgroup's; null where unknown): Lambda's
   *  Max Memory Used is the execution environment's, so it never goes down while warm. */
  maxMemoryBytes: number | null;
};

export type InstanceState = 'initializing' | 'idle' | 'busy' | 'dead';

/** The instance is serving an invocation: one at a time. */
export class InstanceBusy extends Error {
  constructor() {
    super('function instance is busy');
    this.name = 'InstanceBusy';
  }
}

/** The instance has ended (timed out, crashed, closed): the next invocation needs a new one. */
export class InstanceGone extends Error {
  constructor() {
    super('function instance has ended');
    this.name = 'InstanceGone';
  }
}

export class Instance {
  readonly id: string;
  readonly config: FunctionVersionConfig;
  state: InstanceState = 'initializing';
  /** Milliseconds from spawn to the first GET /next, once known. */
  initDurationMs: number | null = null;
  /** Why it ended, once dead. */
  endedBy: string | null = null;
  private readonly api: RuntimeApi;
  private readonly deps: InstanceDeps;
  private readonly abort = new AbortController();
  private readonly spawnedAt: number;
  private readonly exit: Promise<ExecutionResult>;
  private readonly init: Promise<FunctionError | null>;
  private invocations = 0;
  /** Changes the instance's CPU quota (vCPUs); given by the sandbox once its cgroup exists. */
  private setCpus: ((cpus: number) => Promise<void>) | null = null;
  private currentRequestId: string | null = null;
  /** Reads the cgroup's peak memory; given by the sandbox with setCpus. */
  private peakMemory: (() => Promise<number | null>) | null = null;
  /** Where the output of the invocation in flight goes. */
  private sink: ((chunk: Buffer) => void) | null = null;
  /** Masks the values of the function's secrets in its output, per stream (none: no secrets). */
  private readonly redactors: Record<'stdout' | 'stderr', StreamRedactor> | null;

  private constructor(config: FunctionVersionConfig, deps: InstanceDeps, id: string, api: RuntimeApi, secretEnv: Record<string, string>) {
    this.id = id;
    this.config = config;
    this.deps = deps;
    this.api = api;
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const env = lambdaEnvironment(config, {
      region: deps.region,
      logStreamName: `${day}/[${config.version}]${id.replaceAll('-', '')}`,
      initializationType: deps.initializationType ?? 'on-demand',
    });
    // The core refuses a secret named as an environment variable: neither hides the other.
    Object.assign(env, secretEnv);
    const values = Object.values(secretEnv);
    this.redactors = values.length > 0 ? { stdout: new StreamRedactor(values), stderr: new StreamRedactor(values) } : null;
    // An image runs its own runtime interface client: the Runtime API is forwarded to it.
    const self = !config.image && forwardsItself(config.runtime);
    if (self) env.HANGAR_RUNTIME_API_SOCKET = IN_RUNTIME_API_SOCKET;
    this.spawnedAt = performance.now();
    this.exit = deps.executor.run({
      taskId: `fn-${id}`,
      attempt: 1,
      command: `function ${config.name}:${config.version}`,
      args: config.image ? config.image.argv : runtimeCommand(config.runtime),
      shell: null,
      env,
      taskEnv: false,
      metadata: {},
      // The init phase at INIT_MIN_CPU_UNITS at least; the memory's share once it ends (initPhase).
      resources: { cpu: Math.max(cpuUnitsFor(config.memoryMb), INIT_MIN_CPU_UNITS), memory: config.memoryMb },
      network: config.network,
      image: config.image?.name ?? null,
      // No executor timeout: an instance lives across invocations; each has its own deadline.
      timeoutMs: 0,
      workspace: join(deps.workDir, `fn-${id}`),
      signal: this.abort.signal,
      onOutput: (stream, raw) => {
        const chunk = this.redactors ? this.redactors[stream].push(raw) : raw;
        deps.onOutput?.(stream, chunk);
        this.sink?.(chunk);
      },
      // Its logs go to onOutput; the result keeps only a little (the last words of a crash),
      // not the executor's default per instance for as long as it lives.
      maxOutputBytes: 16 * 1024,
      sandbox: {
        // An image is the root whole: its own /var/task and /var/runtime, no layers.
        binds: config.image
          ? []
          : [
              { source: config.codeDir, target: IN_TASK },
              { source: RUNTIMES_DIR, target: IN_RUNTIME },
              ...(config.optDir ? [{ source: config.optDir, target: IN_OPT }] : []),
              ...(self ? [{ source: api.socketPath, target: IN_RUNTIME_API_SOCKET, writable: true }] : []),
            ],
        forwards: self ? [] : [{ socket: api.socketPath, port: RUNTIME_API_PORT }],
        cwd: config.image?.cwd ?? IN_TASK,
        tmpBytes: TMP_BYTES,
        batch: true,
        hangarDir: config.image ? IN_HANGAR_IMAGE : IN_HANGAR,
        path: env.PATH,
        onCpuControl: (setCpus, peakMemory) => {
          this.setCpus = setCpus;
          this.peakMemory = peakMemory;
        },
      },
    });
    void this.exit.then((r) => this.ended(r));
    this.init = this.initPhase(initLimitMs(config.timeoutS, deps.initializationType ?? 'on-demand', deps.initPhaseMs));
  }

  /** Spawns an instance of the function version; its init phase runs in the background. */
  static async start(config: FunctionVersionConfig, deps: InstanceDeps): Promise<Instance> {
    if (deps.executor.name !== 'sandbox')
      throw new Error(`function instances run only in the sandbox, not the '${deps.executor.name}' executor`);
    await deps.beforeStart?.();
    const dir = deps.socketDir ?? SOCKET_DIR;
    await mkdir(dir, { recursive: true, mode: 0o711 });
    let secretEnv: Record<string, string> = {};
    if (config.secrets.length > 0) {
      if (!deps.revealSecrets) throw new Error('function instances that name secrets need revealSecrets');
      secretEnv = await deps.revealSecrets(deps.owner, config.secrets);
    }
    const id = randomUUID();
    const api = new RuntimeApi(join(dir, `${id}.sock`));
    await api.listen();
    return new Instance(config, deps, id, api, secretEnv);
  }

  /** The version's ARN, as Lambda's. */
  get arn(): string {
    return `arn:aws:lambda:${this.deps.region}:${this.deps.accountId}:function:${this.config.name}:${this.config.version}`;
  }

  /** Settles when the init phase ends: null when ready, else the init error (the instance is then dead). */
  async ready(): Promise<FunctionError | null> {
    return this.init;
  }

  /** Runs one invocation; the instance must be idle (or still initializing). */
  async invoke(event: Buffer, o: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.state === 'dead') throw new InstanceGone();
    if (this.state === 'busy' || this.currentRequestId !== null) throw new InstanceBusy();
    const requestId = o.requestId ?? randomUUID();
    this.currentRequestId = requestId;
    const first = this.invocations++ === 0;
    try {
      this.sink = o.onOutput ?? null;
      const initError = await this.init;
      // A provisioned instance was started before anyone asked for it: as on Lambda, its init is
      // no invocation's (no Init Duration in the REPORT line).
      const initDurationMs = first && this.deps.initializationType !== 'provisioned-concurrency' ? this.initDurationMs : null;
      if (initError)
        return { kind: 'error', error: initError, requestId, durationMs: 0, initDurationMs, maxMemoryBytes: await this.memory() };
      // It may have died while this invocation waited for the init phase.
      if ((this.state as InstanceState) === 'dead') throw new InstanceGone();
      this.state = 'busy';
      const timeoutMs = this.config.timeoutS * 1000;
      const started = performance.now();
      const timer = setTimeout(() => {
        const seconds = (timeoutMs / 1000).toFixed(2);
        this.api.fail(errorDocument('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`));
        void this.kill('timeout');
      }, timeoutMs);
      const outcome = await this.api.invoke(
        event,
        {
          requestId,
          deadlineMs: Date.now() + timeoutMs,
          invokedFunctionArn: o.invokedFunctionArn ?? this.arn,
          traceId: o.traceId,
          clientContext: o.clientContext,
          cognitoIdentity: o.cognitoIdentity,
        },
        o.sink,
      );
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      // Output the runtime wrote before it answered may be read from its pipe just after the
      // answer: one turn of the event loop lets it land in this invocation's log.
      const maxMemoryBytes = await this.memory();
      await new Promise((resolve) => setImmediate(resolve));
      // What a redactor holds back (a possible start of a secret) belongs to this invocation.
      if (this.redactors) for (const r of Object.values(this.redactors)) this.sink?.(r.end());
      if (this.state === 'busy') this.state = 'idle';
      return { ...outcome, requestId, durationMs, initDurationMs, maxMemoryBytes };
    } finally {
      this.sink = null;
      this.currentRequestId = null;
    }
  }

  /** The cgroup's peak memory, or null (no cgroup reading here, or the instance is gone). */
  private async memory(): Promise<number | null> {
    try {
      return (await this.peakMemory?.()) ?? null;
    } catch {
      return null;
    }
  }

  /** Kills the instance and waits for its process to end; its socket is removed. */
  async close(): Promise<void> {
    await this.kill('closed');
  }

  private async kill(why: string): Promise<void> {
    if (this.state !== 'dead') {
      this.state = 'dead';
      this.endedBy ??= why;
    }
    this.abort.abort();
    await this.exit;
    await this.api.close();
  }

  private async initPhase(timeoutMs: number): Promise<FunctionError | null> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([this.api.ready, timedOut]);
    clearTimeout(timer);
    const at = this.api.firstNextAt ?? performance.now();
    this.initDurationMs = at - this.spawnedAt;
    if (r === 'timeout') {
      const error = errorDocument('Sandbox.Timedout', `Init timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
      void this.kill('init timeout');
      return error;
    }
    if (r.kind === 'error') {
      // Lambda discards an instance whose init failed; so do we.
      void this.kill('init error');
      return r.error;
    }
    // Invocations run at the memory's share of a vCPU, as on Lambda.
    try {
      await this.setCpus?.(cpuUnitsFor(this.config.memoryMb) / 1024);
    } catch {
      // The process (and its cgroup) may be gone already: the exit reports that.
    }
    if (this.state === 'initializing') this.state = 'idle';
    return null;
  }

  /** The runtime's process ended (crash, kill, OOM): whatever waits on it gets an error. */
  private ended(r: ExecutionResult): void {
    const oom = r.failure?.code === 'OOM_KILLED';
    const how = r.signal
      ? `signal: ${r.signal === 'SIGKILL' ? 'killed' : r.signal}`
      : r.exitCode !== null
        ? `exit status ${r.exitCode}`
        : (r.failure?.message ?? 'it did not start');
    const prefix = this.currentRequestId ? `RequestId: ${this.currentRequestId} ` : '';
    const message = `${prefix}Error: Runtime exited with error: ${oom ? 'signal: killed' : how}`;
    this.api.fail(errorDocument(oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError', message));
    if (this.state !== 'dead') {
      this.state = 'dead';
      this.endedBy = oom ? 'out of memory' : 'runtime exited';
      void this.api.close();
    }
  }
}
