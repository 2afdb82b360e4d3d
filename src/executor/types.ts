/**
 * The Executor boundary: runs one attempt of one task as child processes and reports what
 * happened. The worker owns leasing and recording; the executor owns the process tree.
 * One implementation, ProcessExecutor (process-executor.ts): plain child processes, or, with a
 * Launcher (sandbox/), the same processes in a bubblewrap or util-linux sandbox with cgroups.
 */
import type { Network, Resources, TaskFailure } from '../core/index.ts';

export interface ExecutionRequest {
  taskId: string;
  attempt: number;
  /** Built-in workload name when args and shell are null; a label otherwise. */
  command: string;
  /** A real program: argv, spawned without a shell. */
  args: string[] | null;
  /** A real program: a string run by /bin/sh -c. */
  shell: string | null;
  env: Record<string, string>;
  /** false: the process's environment does not name the task (no HANGAR_TASK_ID, HANGAR_ATTEMPT):
   *  a function instance is not a task, and its environment is Lambda's. Default true. */
  taskEnv?: boolean;
  metadata: Record<string, unknown>;
  resources: Resources;
  /** 'egress': outbound access through the guarded proxy (sandbox); 'none': no network. */
  network: Network;
  /** A registered image whose rootfs is the task's root (sandbox only); null = the host's. */
  image: string | null;
  /** Kill the whole process tree after this many ms; the outcome is TIMEOUT. */
  timeoutMs: number;
  /** Path of this attempt's workspace, the child's working directory. The executor creates
   *  it and removes it when the attempt ends. */
  workspace: string;
  /** Aborting it (cancel, shutdown) kills the whole process tree; the outcome is CANCELLED. */
  signal: AbortSignal;
  /** Called with each piece of output as the program writes it (live output), besides the
   *  capture the result carries. Must not throw or block. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Bytes of stdout and of stderr the result keeps (each); default the executor's. A
   *  long-lived process whose output goes to `onOutput` (a function instance) keeps less. */
  maxOutputBytes?: number;
  /** A project's files: those in `inDir` are copied into the workspace before the program
   *  starts; when it exits on its own (any exit code, not killed), the workspace's files are
   *  copied to `outDir/files` and `outDir/done` is created. */
  project?: { inDir: string; outDir: string };
  /** Sandbox only, for long-lived processes such as function instances (src/functions/):
   *  host paths bound read-only inside (a function's code at /var/task), host unix sockets
   *  reachable inside on 127.0.0.1:port (the forwarder, sandbox/forward.ts: the
   *  Runtime API at 9001), the working directory inside, and the private /tmp's size. */
  sandbox?: SandboxExtras;
}

export interface SandboxExtras {
  /** Read-only unless `writable` (a unix socket the program connects to itself). */
  binds?: { source: string; target: string; writable?: boolean }[];
  forwards?: { socket: string; port: number }[];
  /** Default /workspace. */
  cwd?: string;
  /** Bytes; default the launcher's. */
  tmpBytes?: number;
  /** Called once the task's cgroup exists, before its process starts, with a way to change its
   *  CPU quota while it runs (vCPUs; resources.cpu sets the first) and to read its peak memory
   *  so far (bytes, null where the cgroup does not say: a function's REPORT line). */
  onCpuControl?: (setCpus: (cpus: number) => Promise<void>, peakMemory: () => Promise<number | null>) => void;
  /** Run the sandbox's processes under SCHED_BATCH (chrt): woken, they do not preempt the process
   *  that woke them. A function instance woken by each invocation otherwise took the CPU from
   *  the API's thread in the middle of its writev, one context switch per request; batch
   *  instances measured +10% requests/s and -0.4 ms p50 at 16 concurrent (docs/benchmarks.md). */
  batch?: boolean;
  /** Where Hangar's Node, built-in workloads and package.json appear inside (default
   *  /opt/hangar, which tasks know): a function instance's /opt is its layers'. */
  hangarDir?: string;
  /** PATH inside (default /usr/local/bin:/usr/bin:/bin): a function's is Lambda's, with /opt/bin. */
  path?: string;
}

export interface CapturedOutput {
  /** What is kept (src/executor/capture.ts): everything the program wrote, or, past the
   *  configured cap, its first and last half-cap with a marker between. */
  data: Buffer;
  /** Total bytes the program wrote to the stream. */
  bytes: number;
  truncated: boolean;
  /** Where the marker is in `data` (the head ends at `start`, the tail begins at `end`), and
   *  how many bytes it stands for; absent when nothing was left out. */
  omitted?: { start: number; end: number; bytes: number };
}

export interface ExecutionResult {
  status: 'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED';
  failure: TaskFailure | null;
  exitCode: number | null;
  signal: string | null;
  /** Seed 000's `detailedResults` body: `{ success, result, metadata }` (or `{ success, error, metadata }`). */
  detailedResults: Record<string, unknown>;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  startedAt: number;
  finishedAt: number;
}

export interface Executor {
  readonly name: string;
  run(req: ExecutionRequest): Promise<ExecutionResult>;
  close(): Promise<void>;
}
