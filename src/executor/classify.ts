/**
 * What an attempt's outcome is, from the facts of how its process ended: the task's status, its
 * failure (code, whether a retry helps, message) and seed 000's `detailedResults` body. Pure:
 * ProcessExecutor.start() gathers the facts (exit, why it stopped the process, what the workload
 * reported) and calls classify() once, when the process has exited and its pipes are drained.
 */
import type { TaskFailure } from '../core/index.ts';
import type { CapturedOutput, ExecutionResult } from './types.ts';

/** Why the executor stopped the process itself; null when it ended on its own. */
export type StopReason = 'timeout' | 'cancel';

/** How the process ended. */
export type Exit =
  /** It never started: spawn's 'error' (ENOENT, EACCES, bad cwd, or the spawn helper's fault). */
  | { kind: 'spawn-failed'; file: string; error: { message: string; code?: string } }
  /** It ran and exited: its code, or the signal that killed it. */
  | { kind: 'exited'; code: number | null; signal: string | null };

/** What the attempt reported besides its exit. */
export type Reported =
  /** A built-in workload (workloads/child.ts): its one JSON report on fd 3, as collected. */
  | { kind: 'builtin'; report: CapturedOutput }
  /** A real program (args or shell): only its output sizes and how long it ran. */
  | { kind: 'program'; stdoutBytes: number; stderrBytes: number; durationMs: number };

/** The request's facts the outcome quotes. */
export interface ClassifyContext {
  timeoutMs: number;
  /** `metadata.containerInfo` of every detailedResults body. */
  containerInfo: Record<string, string>;
}

export type Verdict = Pick<ExecutionResult, 'status' | 'failure' | 'detailedResults'>;

/** Spawn errors that come from the spawn helper, not from the program (spawner.ts). */
const HELPER_FAULTS = new Set(['ECHILD', 'EPROTO']);

export function classify(exit: Exit, stopReason: StopReason | null, reported: Reported, context: ClassifyContext): Verdict {
  const { containerInfo } = context;
  if (exit.kind === 'spawn-failed') {
    const { error } = exit;
    if (HELPER_FAULTS.has(error.code ?? '')) {
      // The spawn helper went away before it started the process: not the task's fault.
      return failed('FAILED', { code: 'EXECUTOR_ERROR', retryable: true, message: `executor error: ${error.message}` }, containerInfo);
    }
    return failed(
      'FAILED',
      { code: 'SPAWN_FAILED', retryable: false, message: `spawn ${exit.file}: ${error.code ?? error.message}` },
      containerInfo,
    );
  }
  // Stopped by us: the process's own exit (SIGTERM, SIGKILL, or a code it chose meanwhile) says nothing.
  if (stopReason !== null) return stopped(stopReason, context);
  if (reported.kind === 'builtin') return builtinOutcome(exit, reported.report, containerInfo);
  return programOutcome(exit, reported, containerInfo);
}

function stopped(reason: StopReason, { timeoutMs, containerInfo }: ClassifyContext): Verdict {
  switch (reason) {
    case 'timeout':
      return failed(
        'TIMEOUT',
        { code: 'TIMEOUT', retryable: false, message: `timed out after ${formatSeconds(timeoutMs)}` },
        containerInfo,
      );
    case 'cancel':
      return failed('CANCELLED', { code: 'CANCELLED', retryable: false, message: 'cancelled' }, containerInfo);
    default:
      return reason satisfies never;
  }
}

/** A built-in succeeds only by reporting success and exiting 0; a reported failure wins over the exit. */
function builtinOutcome(
  exit: { code: number | null; signal: string | null },
  report: CapturedOutput,
  containerInfo: Record<string, string>,
): Verdict {
  const body = parseReport(report);
  const metadata = { ...(isObject(body?.metadata) ? body.metadata : {}), containerInfo };
  if (body && body.success === true && exit.code === 0) {
    return { status: 'SUCCESS', failure: null, detailedResults: { success: true, result: body.result ?? {}, metadata } };
  }
  if (body && body.success === false) {
    const message = errorMessage(body) ?? 'workload failed';
    return {
      status: 'FAILED',
      failure: { code: 'WORKLOAD_ERROR', retryable: true, message, exitCode: exit.code, signal: exit.signal },
      detailedResults: { success: false, error: { message }, metadata },
    };
  }
  if (exit.signal !== null) return failed('FAILED', signalled(exit.signal), containerInfo);
  if (exit.code !== 0) return failed('FAILED', nonZero(exit.code), containerInfo);
  return failed(
    'FAILED',
    { code: 'WORKLOAD_ERROR', retryable: true, message: 'workload exited without reporting a result' },
    containerInfo,
  );
}

/** A program succeeds by exiting 0; its detailedResults are its exit and output sizes either way. */
function programOutcome(
  exit: { code: number | null; signal: string | null },
  reported: { stdoutBytes: number; stderrBytes: number; durationMs: number },
  containerInfo: Record<string, string>,
): Verdict {
  const detailedResults = {
    success: exit.code === 0,
    result: {
      exitCode: exit.code,
      signal: exit.signal,
      stdoutBytes: reported.stdoutBytes,
      stderrBytes: reported.stderrBytes,
      duration: reported.durationMs,
    },
    metadata: { containerInfo },
  };
  if (exit.signal !== null) return { status: 'FAILED', failure: signalled(exit.signal), detailedResults };
  if (exit.code !== 0) return { status: 'FAILED', failure: nonZero(exit.code), detailedResults };
  return { status: 'SUCCESS', failure: null, detailedResults };
}

function failed(status: ExecutionResult['status'], failure: TaskFailure, containerInfo: Record<string, string>): Verdict {
  return { status, failure, detailedResults: { success: false, error: { message: failure.message }, metadata: { containerInfo } } };
}

function signalled(sig: string): TaskFailure {
  return { code: 'SIGNALLED', retryable: true, message: `killed by signal ${sig}`, exitCode: null, signal: sig };
}

function nonZero(code: number | null): TaskFailure {
  return { code: 'NON_ZERO_EXIT', retryable: true, message: `exited with code ${code}`, exitCode: code, signal: null };
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 10) / 100}s`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The report's JSON object; a truncated (over the cap), empty or malformed report is none. */
function parseReport(out: CapturedOutput): Record<string, unknown> | null {
  if (out.truncated || out.bytes === 0) return null;
  try {
    const v: unknown = JSON.parse(out.data.toString('utf8'));
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

function errorMessage(body: Record<string, unknown>): string | null {
  const e = body.error;
  if (isObject(e) && typeof e.message === 'string') return e.message;
  return typeof e === 'string' ? e : null;
}
