/**
 * The `process` executor: runs an attempt as plain child processes in their own process group.
 *
 *  - `args`  -> spawned directly (no shell);  `shell` -> `/bin/sh -c <shell>`;
 *  - neither -> a built-in workload in a child Node process (workloads/child.ts), which gets its
 *    spec as JSON on stdin and reports one JSON object on fd 3.
 *
 * With a Launcher (the sandbox, sandbox/), the same commands run wrapped in its launch chain.
 *
 * Every child is `detached` (setsid), so the whole tree can be signalled as a group: on timeout or
 * cancel SIGTERM, then SIGKILL after `killGraceMs`; and whatever is left of the group is SIGKILLed
 * as soon as the main child exits. (A descendant that calls setsid itself escapes the group; the
 * sandbox launcher closes that hole: its PID namespace dies with the launch chain.) run() never
 * throws: every problem becomes a result. How the process ended becomes the result's status and
 * failure in classify.ts.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machine } from 'node:os';
import type { Readable } from 'node:stream';
import { OutputCapture } from './capture.ts';
import { classify, type Exit, type Reported, type StopReason } from './classify.ts';
import { compiledWorkload } from './compiled-workloads.ts';
import { ImageUnavailable, type Launch, type Launcher, type Prepared } from './launcher.ts';
import { killGroup, trackGroup, untrackGroup } from './process-groups.ts';
import { ReportCollector } from './report-collector.ts';
import { Spawner, type Spawned } from './spawner.ts';
import type { CapturedOutput, ExecutionRequest, ExecutionResult, Executor } from './types.ts';
import type { WorkloadSpec } from './workloads/index.ts';

export interface ProcessExecutorOptions {
  /** Wraps every command (the sandbox); none runs them as plain child processes. */
  launcher?: Launcher;
  /** Bytes of stdout and of stderr kept per attempt (each); past it, the head and tail are kept
   *  and the middle is counted and dropped (capture.ts). */
  maxOutputBytes: number;
  /** Time between SIGTERM and SIGKILL of the process group on timeout or cancel. */
  killGraceMs: number;
  /** What the `network-test` built-in fetches. */
  networkTestUrl: string;
  /** Start processes through the spawn helper (spawner.ts), not by forking this process. */
  spawnHelper: boolean;
}

export const DEFAULT_PROCESS_EXECUTOR_OPTIONS: Readonly<ProcessExecutorOptions> = Object.freeze({
  maxOutputBytes: 1024 * 1024,
  killGraceMs: 500,
  networkTestUrl: 'https://example.com/',
  spawnHelper: true,
});

const BASE_PATH = '/usr/local/bin:/usr/bin:/bin';
/** Largest delay setTimeout accepts; larger values would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** How long to wait for output pipes to close after the group is dead (an escaped descendant may hold them). */
const DRAIN_MS = 2_000;
/** Cap on the built-in's fd-3 report. */
const MAX_REPORT_BYTES = 4 * 1024 * 1024;

interface Running {
  /** Stop the attempt now (SIGKILL, no grace) and report it CANCELLED. */
  kill(): void;
  done: Promise<unknown>;
}

export class ProcessExecutor implements Executor {
  readonly name: string;
  readonly options: Readonly<ProcessExecutorOptions>;
  private readonly running = new Set<Running>();
  private readonly attempts = new Set<Promise<ExecutionResult>>();
  private readonly cleanups = new Set<Promise<void>>();
  private closed = false;
  private readonly spawner: Spawner;

  constructor(options: Partial<ProcessExecutorOptions> = {}) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const o: ProcessExecutorOptions = { ...DEFAULT_PROCESS_EXECUTOR_OPTIONS, ...given };
    if (!(o.maxOutputBytes >= 0)) throw new RangeError('maxOutputBytes must be >= 0');
    if (!(o.killGraceMs >= 0)) throw new RangeError('killGraceMs must be >= 0');
    this.options = Object.freeze(o);
    this.name = o.launcher?.name ?? 'process';
    this.spawner = new Spawner({
      useHelper: o.spawnHelper,
      onFallback: (err) =>
        process.emitWarning(`the spawn helper is unavailable, so attempts are spawned by forking the worker: ${err.message}`),
    });
  }

  /** Creates the attempt's workspace, runs the attempt in it (through the launcher, if any),
   *  then removes it. */
  run(req: ExecutionRequest): Promise<ExecutionResult> {
    const p = this.runAttempt(req);
    this.attempts.add(p);
    void p.finally(() => this.attempts.delete(p));
    return p;
  }

  private async runAttempt(req: ExecutionRequest): Promise<ExecutionResult> {
    try {
      await mkdir(req.workspace, { recursive: true, mode: 0o700 });
    } catch (err) {
      return this.early(req, Date.now(), 'FAILED', 'SPAWN_FAILED', `cannot create workspace: ${(err as Error).message}`);
    }
    let prepared: Prepared | null = null;
    try {
      const cmd = this.commandFor(req);
      if (typeof cmd === 'string') return this.early(req, Date.now(), 'FAILED', 'SPAWN_FAILED', cmd);
      const launcher = this.options.launcher;
      if (launcher) {
        try {
          prepared = await launcher.prepare(req, cmd);
        } catch (err) {
          if (err instanceof ImageUnavailable) return this.imageUnavailable(req, err);
          const r = this.early(req, Date.now(), 'FAILED', 'SPAWN_FAILED', `sandbox setup failed: ${(err as Error).message}`);
          return { ...r, failure: { code: 'SANDBOX_ERROR', retryable: true, message: r.failure!.message } };
        }
      } else if (req.image) {
        return this.imageUnavailable(req, new ImageUnavailable(req.image, 'needs-sandbox'));
      }
      // Unsandboxed, the workspace is a host directory: the project's files go in and out here
      // (the sandbox copies them inside, src/executor/sandbox/bwrap.ts).
      if (req.project && !launcher) await cp(req.project.inDir, req.workspace, { recursive: true });
      await this.spawner.ready();
      const result = await this.runIn(req, prepared ? prepared.launch : cmd);
      if (req.project && !launcher && result.exitCode !== null) {
        await cp(req.workspace, join(req.project.outDir, 'files'), { recursive: true });
        await writeFile(join(req.project.outDir, 'done'), '');
      }
      return prepared ? await prepared.finish(result) : result;
    } finally {
      const removeWorkspace = () => rm(req.workspace, { recursive: true, force: true }).catch(() => {});
      if (prepared) {
        // Unmounting and removing cgroups (an umount exec, rmdir retries) took ~10 ms of the
        // sandbox's 30 ms per /bin/true; the result does not wait for them. close() does.
        const p = prepared;
        const cleanup = p
          .cleanup()
          .catch(() => {})
          .then(removeWorkspace);
        this.cleanups.add(cleanup);
        void cleanup.finally(() => this.cleanups.delete(cleanup));
      } else {
        await removeWorkspace();
      }
    }
  }

  private runIn(req: ExecutionRequest, launch: Launch): Promise<ExecutionResult> {
    const startedAt = Date.now();
    if (this.closed) return Promise.resolve(this.early(req, startedAt, 'CANCELLED', 'CANCELLED', 'executor closed'));
    if (req.signal.aborted) return Promise.resolve(this.early(req, startedAt, 'CANCELLED', 'CANCELLED', 'cancelled'));
    let kill: () => void = () => {};
    const done = new Promise<ExecutionResult>((resolve) => {
      try {
        kill = this.start(req, startedAt, resolve, launch);
      } catch (err) {
        // A bug, not an outcome of the task; still a result, never a rejection.
        const r = this.early(req, startedAt, 'FAILED', 'SPAWN_FAILED', (err as Error).message);
        resolve({ ...r, failure: { code: 'EXECUTOR_ERROR', retryable: true, message: `executor error: ${(err as Error).message}` } });
      }
    });
    const entry: Running = { kill, done };
    this.running.add(entry);
    void done.then(() => this.running.delete(entry));
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running];
    for (const r of all) r.kill();
    await Promise.allSettled(all.map((r) => r.done));
    // Then their cleanup (cgroups, workspaces), before the launcher lets go of its subtree.
    await Promise.allSettled([...this.attempts]);
    await Promise.allSettled([...this.cleanups]);
    await this.options.launcher?.close?.();
    await this.spawner.close();
  }

  private containerInfo(req: ExecutionRequest): Record<string, string> {
    return { cpu: String(req.resources.cpu), memory: String(req.resources.memory), architecture: machine() };
  }

  /** A result for an attempt that never got a process. */
  private early(
    req: ExecutionRequest,
    startedAt: number,
    status: 'FAILED' | 'CANCELLED',
    code: 'SPAWN_FAILED' | 'CANCELLED',
    message: string,
  ): ExecutionResult {
    return {
      status,
      failure: { code, message, retryable: false },
      exitCode: null,
      signal: null,
      detailedResults: { success: false, error: { message }, metadata: { containerInfo: this.containerInfo(req) } },
      stdout: emptyOutput(),
      stderr: emptyOutput(),
      startedAt,
      finishedAt: Date.now(),
    };
  }

  private imageUnavailable(req: ExecutionRequest, err: ImageUnavailable): ExecutionResult {
    const r = this.early(req, Date.now(), 'FAILED', 'SPAWN_FAILED', err.message);
    return { ...r, failure: { code: 'IMAGE_UNAVAILABLE', retryable: false, message: err.message } };
  }

  /** What to spawn for this request, before any launcher wraps it. */
  private commandFor(req: ExecutionRequest): Launch | string {
    const env: Record<string, string> = {
      PATH: BASE_PATH,
      HOME: req.workspace,
      ...(req.taskEnv === false ? {} : { HANGAR_TASK_ID: req.taskId, HANGAR_ATTEMPT: String(req.attempt) }),
      ...req.env,
    };
    if (req.args != null) {
      if (req.args.length === 0) return 'empty args';
      const [file, ...argv] = req.args;
      return { file, argv, env };
    }
    if (req.shell != null) return { file: '/bin/sh', argv: ['-c', req.shell], env };
    return { file: process.execPath, argv: ['--disable-warning=ExperimentalWarning', compiledWorkload('child.ts')], env };
  }

  /** Spawns the attempt; calls `resolve` exactly once; returns a function that kills it now. */
  private start(req: ExecutionRequest, startedAt: number, resolve: (r: ExecutionResult) => void, launch: Launch): () => void {
    const { killGraceMs } = this.options;
    const maxOutputBytes = req.maxOutputBytes ?? this.options.maxOutputBytes;
    const builtin = req.args == null && req.shell == null;
    const { file, argv, env } = launch;

    const stdout = new OutputCapture(maxOutputBytes);
    const stderr = new OutputCapture(maxOutputBytes);
    const report = new ReportCollector(MAX_REPORT_BYTES);

    let child: Spawned;
    const stdio: ('ignore' | 'pipe')[] = builtin ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
    try {
      child = this.spawner.spawn(file, argv, { cwd: req.workspace, env, stdio });
    } catch (err) {
      resolve(this.early(req, startedAt, 'FAILED', 'SPAWN_FAILED', `spawn ${file}: ${(err as Error).message}`));
      return () => {};
    }

    // Known once the process has started ('spawn'): the helper answers a moment later.
    let pid: number | undefined;
    let stopReason: StopReason | null = null;
    let exited = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;

    const streams = [child.stdout, child.stderr, builtin ? (child.stdio[3] as Readable | null) : null];
    const live = req.onOutput;
    child.stdout?.on('data', (c: Buffer) => {
      stdout.push(c);
      live?.('stdout', c);
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr.push(c);
      live?.('stderr', c);
    });
    if (builtin) (child.stdio[3] as Readable | null)?.on('data', (c: Buffer) => report.push(c));
    for (const s of streams) s?.on('error', () => {});
    child.stdin?.on('error', () => {}); // EPIPE if the child dies before reading its spec

    const onAbort = () => stop('cancel', killGraceMs);
    const cleanup = () => {
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      req.signal.removeEventListener('abort', onAbort);
      if (pid !== undefined) untrackGroup(pid);
    };

    function stop(reason: StopReason, graceMs: number): void {
      if (exited || settled) return;
      if (stopReason === null) stopReason = reason;
      if (pid === undefined) return; // killed as soon as it starts
      if (graceMs <= 0) {
        clearTimeout(graceTimer);
        killGroup(pid, 'SIGKILL');
        return;
      }
      if (graceTimer !== undefined) return; // already stopping
      const group = pid;
      killGroup(group, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(group, 'SIGKILL'), graceMs);
    }

    const finish = (spawnError: NodeJS.ErrnoException | null) => {
      if (settled) return;
      settled = true;
      cleanup();
      const finishedAt = Date.now();
      const exit: Exit = spawnError
        ? { kind: 'spawn-failed', file, error: spawnError }
        : { kind: 'exited', code: exitCode, signal: exitSignal };
      const reported: Reported = builtin
        ? { kind: 'builtin', report: report.result() }
        : { kind: 'program', stdoutBytes: stdout.bytes, stderrBytes: stderr.bytes, durationMs: finishedAt - startedAt };
      const verdict = classify(exit, stopReason, reported, { timeoutMs: req.timeoutMs, containerInfo: this.containerInfo(req) });
      resolve({
        status: verdict.status,
        failure: verdict.failure,
        exitCode,
        signal: exitSignal,
        detailedResults: verdict.detailedResults,
        stdout: stdout.result(),
        stderr: stderr.result(),
        startedAt,
        finishedAt,
      });
    };

    child.on('error', (err) => {
      // Spawn failures (ENOENT, EACCES, bad cwd, or the spawn helper's: spawner.ts) arrive here,
      // with no pid. A ChildProcess's other 'error's are about kill()/send(), which are not used.
      if (pid === undefined) finish(err);
    });
    child.on('exit', (code, sig) => {
      if (settled) return;
      exited = true;
      exitCode = code;
      exitSignal = sig;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      // Leave no orphan of the group behind (e.g. `sleep 100 &`).
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      // Then wait for the pipes to hit EOF, but not forever: a descendant that left the group may hold them.
      drainTimer = setTimeout(() => {
        for (const s of streams) s?.destroy();
        finish(null);
      }, DRAIN_MS);
    });
    child.on('close', () => {
      if (exited) finish(null);
    });

    child.once('spawn', () => {
      pid = child.pid;
      if (pid === undefined || settled) return;
      trackGroup(pid);
      if (stopReason !== null) {
        // Stopped (cancelled, or the executor closed) before it had started.
        killGroup(pid, 'SIGKILL');
        return;
      }
      if (builtin) {
        const spec: WorkloadSpec = {
          command: req.command,
          metadata: req.metadata ?? {},
          resources: req.resources,
          timeoutMs: req.timeoutMs,
          networkTestUrl: this.options.networkTestUrl,
          env: req.env ?? {},
        };
        child.stdin?.end(JSON.stringify(spec));
      }
      if (Number.isFinite(req.timeoutMs) && req.timeoutMs > 0) {
        timeoutTimer = setTimeout(() => stop('timeout', killGraceMs), Math.min(req.timeoutMs, MAX_TIMER_MS));
      }
      req.signal.addEventListener('abort', onAbort, { once: true });
      if (req.signal.aborted) onAbort();
    });

    return () => stop('cancel', 0);
  }
}

function emptyOutput(): CapturedOutput {
  return { data: Buffer.alloc(0), bytes: 0, truncated: false };
}
